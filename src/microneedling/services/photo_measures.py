"""Photo measurements made in the background and stored per photo, zone and measure.

Each upload queues one job (`ANALYSE`) on the job queue, in the upload's own transaction; the
worker finds the face, builds the zones and measures each, and stores every value with the
minimal detectable change (MDC95) of that measure in that zone: the change below which two
photos of an unchanged face differ anyway. Where the analysis stands (`PhotoAnalysis`) is what
the photos page polls.

A change between two photos is not the difference of their own measurements (each photo's own
zone masks, framing and light): a second job (`COMPARE`) runs `compare` on the pair — one set
of zone masks, the after photo aligned on the before and its colour matched — and stores the
change per zone and measure with the MDC95 of the backend that found the landmarks
(`PhotoComparison`). Below the MDC a change is "no detectable change", never an improvement.
An upload queues the comparison the pages show by default (the first photo of its view and
zone against the latest); amending either photo drops the pair's comparison.

The before/after view is aligned by landmarks: the eye centres found by the analysis (as
fractions of the photo's width, so they hold for every rendition) give the similarity
transform that lays the after photo over the before.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from microneedling.errors import InputError
from microneedling.records.models import (
    Clinical,
    Photo,
    PhotoAnalysis,
    PhotoComparison,
    PhotoMeasurement,
)
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import live_client
from microneedling.services.clinical_records import current_rows
from microneedling.services.common import Output, Records, owned
from microneedling.services.errors import Conflict
from microneedling.services.jobs import Handlers, JobRun, enqueue
from microneedling.services.photo_quality import IMAGING_VIEWS

ANALYSE = "photo_analysis"
COMPARE = "photo_comparison"
MEASURES: dict[str, tuple[str, str]] = {
    "a_star": ("redness (a*)", "1"),
    "erythema_index": ("erythema index", "1"),
    "b_star": ("yellowness (b*)", "1"),
    "l_star": ("lightness (L*)", "1"),
    "ita_deg": ("ITA°", "deg"),
    "melanin_index": ("melanin index", "1"),
    "spots": ("spots", "{count}"),
    "wrinkles": ("wrinkles", "1"),
    "texture": ("texture", "1"),
}
"""Stored measures: their name in words and UCUM unit, in the order the pages show them."""


class AnalysisOut(Output):
    photo_id: int
    client_id: int
    status: str
    detail: str | None
    updated_at: dt.datetime


class MeasurementOut(Output):
    zone: str
    measure: str
    value: float | None
    mdc: float | None


class Change(Output):
    """One zone's measure in two photos: the change, the MDC it is judged against, and
    whether it is beyond it."""

    zone: str
    measure: str
    before: float | None
    after: float | None
    change: float | None
    mdc: float | None
    detectable: bool | None


class ComparisonOut(Output):
    """Where the comparison of two photos stands (queued, running, done, failed)."""

    client_id: int
    before_id: int
    after_id: int
    status: str
    detail: str | None
    updated_at: dt.datetime


class Dated(Protocol):
    """A photo as the before/after choice sees it (a row or its output)."""

    @property
    def id(self) -> int: ...
    @property
    def taken_on(self) -> dt.date: ...
    @property
    def view(self) -> str: ...
    @property
    def zone(self) -> str | None: ...


D = TypeVar("D", bound=Dated)


def before_after(
    shown: Sequence[D], before: int | None, after: int | None
) -> tuple[D | None, D | None]:
    """The two photos to compare (of those shown, oldest first): those asked for, else the
    first and last of the latest photo's zone and view."""
    by_id = {p.id: p for p in shown}
    if before in by_id and after in by_id:
        return by_id[before], by_id[after]
    if len(shown) < 2:
        return None, None
    last = shown[-1]
    same = [p for p in shown if p.zone == last.zone and p.view == last.view]
    if len(same) < 2:
        return None, None
    return same[0], same[-1]


def queue_analysis(db: Session, records: Records, photo: Photo) -> None:
    """Queue the photo's measurement in the caller's transaction (an upload's, or a request
    to measure again after a failure)."""
    now = records.clock.now()
    state = db.get(PhotoAnalysis, photo.id)
    if state is None:
        db.add(
            PhotoAnalysis(
                photo_id=photo.id,
                clinic_id=photo.clinic_id,
                client_id=photo.client_id,
                status="queued",
                updated_at=now,
            )
        )
    else:
        state.status, state.detail, state.updated_at = "queued", None, now
    enqueue(
        db,
        kind=ANALYSE,
        key=f"{ANALYSE}:photo:{photo.id}:{now.isoformat()}",
        run_at=now,
        payload={"photo_id": photo.id},
        client_id=photo.client_id,
    )


def request_analysis(records: Records, actor: Actor, photo_id: int) -> AnalysisOut:
    """Measure a photo (again): one stored before measurements existed, or whose analysis
    failed. A photo already queued or being measured is left as it is."""
    require(actor, Permission.ADD_PHOTO)
    with records.transaction() as db:
        photo = owned(db, actor, Photo, photo_id, "photo")
        live_client(db, actor, photo.client_id, lock="shared")
        state = db.get(PhotoAnalysis, photo_id)
        if state is None or state.status in ("failed", "done"):
            queue_analysis(db, records, photo)
            db.flush()
            state = db.get(PhotoAnalysis, photo_id)
        return AnalysisOut.model_validate(state)


def analysis_of(records: Records, actor: Actor, photo_id: int) -> AnalysisOut | None:
    require(actor, Permission.READ)
    with records.transaction() as db:
        photo = owned(db, actor, Photo, photo_id, "photo")
        live_client(db, actor, photo.client_id)
        state = db.get(PhotoAnalysis, photo_id)
        return AnalysisOut.model_validate(state) if state else None


def measurements_of(records: Records, actor: Actor, photo_id: int) -> list[MeasurementOut]:
    require(actor, Permission.READ)
    with records.transaction() as db:
        photo = owned(db, actor, Photo, photo_id, "photo")
        live_client(db, actor, photo.client_id)
        return [MeasurementOut.model_validate(row) for row in _rows(db, [photo_id])]


def _rows(db: Session, photo_ids: Sequence[int]) -> list[PhotoMeasurement]:
    return list(
        db.scalars(
            select(PhotoMeasurement)
            .where(PhotoMeasurement.photo_id.in_(photo_ids))
            .order_by(PhotoMeasurement.photo_id, PhotoMeasurement.id)
        )
    )


def photo_measurement_rows(
    db: Session, client_id: int, photos: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The measurements of the client's current photos, for the FHIR export: each names its
    photo by the photo's `resource_id`, and its measure in words with its UCUM unit."""
    resource_ids = {photo["id"]: photo["resource_id"] for photo in photos}
    rows = db.scalars(
        select(PhotoMeasurement)
        .where(
            PhotoMeasurement.client_id == client_id,
            PhotoMeasurement.photo_id.in_(list(resource_ids)),
        )
        .order_by(PhotoMeasurement.photo_id, PhotoMeasurement.id)
    )
    return [
        {
            "photo_id": resource_ids[row.photo_id],
            "zone": row.zone,
            "measure": row.measure,
            "name": MEASURES[row.measure][0],
            "unit": MEASURES[row.measure][1],
            "value": row.value,
            "mdc": row.mdc,
        }
        for row in rows
        if row.measure in MEASURES
    ]


def aligned_transform(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str | None:
    """The CSS transform that lays the after photo over the before by the eye centres (a
    similarity: rotation, scale, shift), or None without both faces. Eye positions are
    fractions of each photo's width; `translate` percentages are of the after photo's own
    width and height, and the transform's origin is its top-left corner."""
    if not before or not after:
        return None
    (bx1, by1), (bx2, by2) = before["eyes"]
    (ax1, ay1), (ax2, ay2) = after["eyes"]
    source, target = complex(ax2 - ax1, ay2 - ay1), complex(bx2 - bx1, by2 - by1)
    if abs(source) == 0:
        return None
    turn = target / source  # scale and rotation as one complex factor
    shift = complex(bx1, by1) - turn * complex(ax1, ay1)
    aspect = float(after["height"]) / float(after["width"])
    return (
        f"translate({shift.real * 100:.3f}%, {shift.imag / aspect * 100:.3f}%) "
        f"rotate({math.degrees(math.atan2(turn.imag, turn.real)):.3f}deg) "
        f"scale({abs(turn):.5f})"
    )


# --- the job ------------------------------------------------------------------------------


def analyse(run: JobRun) -> str:
    """Measure one photo and store every zone's measures; a photo the analysis cannot use
    (no face, several faces, greyscale) ends as `failed` with the reason, without retries."""
    records = run.records
    photo_id = int(run.job.payload["photo_id"])
    with records.transaction() as db:
        photo = db.get(Photo, photo_id)
        state = db.get(PhotoAnalysis, photo_id)
        if photo is None or state is None:
            return "gone"
        state.status, state.updated_at = "running", records.clock.now()
        sha256, view = photo.sha256, photo.view
    try:
        face, measured = _measure(records.photos.read(sha256), view)
    except InputError as error:
        _finish(run, photo_id, "failed", str(error), None, [])
        return "failed"
    except Exception as error:
        with records.transaction() as db:
            if (state := db.get(PhotoAnalysis, photo_id)) is not None:
                state.status, state.updated_at = "failed", records.clock.now()
                state.detail = f"the analysis stopped ({type(error).__name__}); it is tried again"
        raise
    _finish(run, photo_id, "done", None, face, measured)
    return f"{len({zone for zone, _m, _v, _mdc in measured})} zones measured"


def _measure(
    content: bytes, view: str
) -> tuple[dict[str, Any], list[tuple[str, str, float | None, float | None]]]:
    from microneedling.imaging.analysis import analyze_photo
    from microneedling.imaging.repeatability import mdc as mdc_of

    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "photo"
        path.write_bytes(content)
        analysis = analyze_photo(path, view=IMAGING_VIEWS[view])
    width, height = analysis.size
    eyes = [[float(x) / width, float(y) / width] for x, y in analysis.face.eye_centres]
    measured = []
    for zone, zone_measures in analysis.measures.items():
        values = zone_measures.to_json()
        for measure in MEASURES:
            raw = values[measure]
            value = raw["count"] if isinstance(raw, dict) else raw
            number = float(value) if isinstance(value, int | float) else None
            mdc = (
                mdc_of(measure, zone, number, landmarker=analysis.face.backend)
                if number is not None
                else None
            )
            measured.append((zone, measure, number, round(mdc, 4) if mdc is not None else None))
    return {"eyes": eyes, "width": width, "height": height}, measured


def _finish(
    run: JobRun,
    photo_id: int,
    status: str,
    detail: str | None,
    face: dict[str, Any] | None,
    measured: list[tuple[str, str, float | None, float | None]],
) -> None:
    """Store the outcome with the job's end, in one transaction."""
    records = run.records
    with records.transaction() as db:
        state = db.get(PhotoAnalysis, photo_id)
        photo = db.get(Photo, photo_id)
        if state is None or photo is None:
            return
        now = records.clock.now()
        db.execute(delete(PhotoMeasurement).where(PhotoMeasurement.photo_id == photo_id))
        for zone, measure, value, mdc in measured:
            db.add(
                PhotoMeasurement(
                    clinic_id=photo.clinic_id,
                    client_id=photo.client_id,
                    photo_id=photo_id,
                    zone=zone,
                    measure=measure,
                    value=value,
                    mdc=mdc,
                    measured_at=now,
                )
            )
        state.status, state.detail, state.face, state.updated_at = status, detail, face, now
        run.finish(db, status)


# --- comparisons --------------------------------------------------------------------------


def queue_comparison(db: Session, records: Records, before: Photo, after: Photo) -> None:
    """Queue the comparison of two photos in the caller's transaction."""
    now = records.clock.now()
    row = db.scalar(
        select(PhotoComparison).where(
            PhotoComparison.before_id == before.id, PhotoComparison.after_id == after.id
        )
    )
    if row is None:
        row = PhotoComparison(
            clinic_id=after.clinic_id,
            client_id=after.client_id,
            before_id=before.id,
            after_id=after.id,
            status="queued",
            updated_at=now,
        )
        db.add(row)
        db.flush()
    else:
        row.status, row.detail, row.result, row.updated_at = "queued", None, None, now
    enqueue(
        db,
        kind=COMPARE,
        key=f"{COMPARE}:{before.id}:{after.id}:{now.isoformat()}",
        run_at=now,
        payload={"comparison_id": row.id, "before_id": before.id, "after_id": after.id},
        client_id=after.client_id,
    )


def queue_default_comparison(db: Session, records: Records, client_id: int) -> None:
    """Queue the comparison the pages show for the client unless asked for another pair: the
    first photo of the latest photo's view and zone against that latest photo."""
    shown = sorted(current_rows(db, Photo, client_id), key=lambda p: (p.taken_on, p.id))
    first, last = before_after(shown, None, None)
    if first is None or last is None or _comparison(db, first.id, last.id) is not None:
        return
    queue_comparison(db, records, first, last)


def _comparison(db: Session, before_id: int, after_id: int) -> PhotoComparison | None:
    return db.scalar(
        select(PhotoComparison).where(
            PhotoComparison.before_id == before_id, PhotoComparison.after_id == after_id
        )
    )


def request_comparison(
    records: Records, actor: Actor, before_id: int, after_id: int
) -> ComparisonOut:
    """Compare two photos of one client (again, after a failure); a pair already queued,
    being compared or compared is left as it is."""
    require(actor, Permission.ADD_PHOTO)
    with records.transaction() as db:
        before = owned(db, actor, Photo, before_id, "photo")
        after = owned(db, actor, Photo, after_id, "photo")
        if before.client_id != after.client_id or before.id == after.id:
            raise Conflict("a comparison needs two different photos of the same client")
        live_client(db, actor, after.client_id, lock="shared")
        row = _comparison(db, before_id, after_id)
        if row is None or row.status == "failed":
            queue_comparison(db, records, before, after)
            db.flush()
            row = _comparison(db, before_id, after_id)
        return ComparisonOut.model_validate(row)


def comparison_of(
    records: Records, actor: Actor, before_id: int, after_id: int
) -> ComparisonOut | None:
    require(actor, Permission.READ)
    with records.transaction() as db:
        for photo_id in (before_id, after_id):
            live_client(db, actor, owned(db, actor, Photo, photo_id, "photo").client_id)
        row = _comparison(db, before_id, after_id)
        return ComparisonOut.model_validate(row) if row else None


def compare_pair(run: JobRun) -> str:
    """Compare two photos as `compare` does and store the change per zone and measure; a
    pair the analysis cannot use (no face in one) ends as `failed` with the reason, without
    retries. A comparison dropped meanwhile (a photo amended or erased) is let go."""
    records = run.records
    payload = run.job.payload
    comparison_id = int(payload["comparison_id"])
    with records.transaction() as db:
        row = db.get(PhotoComparison, comparison_id)
        if row is None or (row.before_id, row.after_id) != (
            payload["before_id"],
            payload["after_id"],
        ):
            return "gone"
        before, after = db.get(Photo, row.before_id), db.get(Photo, row.after_id)
        assert before is not None and after is not None  # the rows cascade with the photos
        row.status, row.updated_at = "running", records.clock.now()
        files = (before.sha256, after.sha256)
    try:
        result = _compared(records.photos.read(files[0]), records.photos.read(files[1]))
    except InputError as error:
        _finish_comparison(run, comparison_id, "failed", str(error), None)
        return "failed"
    except Exception as error:
        with records.transaction() as db:
            if (row := db.get(PhotoComparison, comparison_id)) is not None:
                row.status, row.updated_at = "failed", records.clock.now()
                row.detail = f"the comparison stopped ({type(error).__name__}); it is tried again"
        raise
    _finish_comparison(run, comparison_id, "done", None, result)
    return f"{len(result['changes'])} changes measured"


def _compared(before: bytes, after: bytes) -> dict[str, Any]:
    from microneedling.imaging.compare import compare_photos

    with tempfile.TemporaryDirectory() as work:
        paths = Path(work) / "before", Path(work) / "after"
        paths[0].write_bytes(before)
        paths[1].write_bytes(after)
        found = compare_photos(*paths).to_json()
    return {
        "landmarker": found["face"]["landmarker"],
        "refined_on_image": found["alignment"]["refined_on_image"],
        "colour": found["colour_normalisation"]["method"],
        "changes": [c.model_dump() for c in changes_of(found["zones"])],
    }


def changes_of(zones: Mapping[str, Mapping[str, Any]]) -> list[Change]:
    """`compare --json`'s zones as changes, in the order the pages show measures: every
    zone's measure with its change, the MDC it was judged against and the verdict."""
    found = []
    for zone, measures in zones.items():
        for measure in MEASURES:
            pair = measures[measure]["count"] if measure == "spots" else measures[measure]
            found.append(
                Change(
                    zone=zone,
                    measure=measure,
                    before=pair["before"],
                    after=pair["after"],
                    change=pair["change"],
                    mdc=pair["mdc"],
                    detectable=pair["detectable"],
                )
            )
    order = list(MEASURES)
    return sorted(found, key=lambda c: (order.index(c.measure), c.zone))


def _finish_comparison(
    run: JobRun, comparison_id: int, status: str, detail: str | None, result: dict[str, Any] | None
) -> None:
    records = run.records
    with records.transaction() as db:
        if (row := db.get(PhotoComparison, comparison_id)) is not None:
            row.status, row.detail, row.result = status, detail, result
            row.updated_at = records.clock.now()
        run.finish(db, status)


# --- amendments ---------------------------------------------------------------------------


def carry_over(db: Session, records: Records, original: Clinical, amended: Clinical) -> None:
    """An amended photo keeps its measurements: the file cannot change, so they are copied
    to the new row, unless the view changed (the analysis checks the photo for its view),
    which measures it again. Comparisons with the original are dropped, and the pages'
    default pair is queued again."""
    assert isinstance(original, Photo) and isinstance(amended, Photo)
    state = db.get(PhotoAnalysis, original.id)
    if state is None or state.status not in ("done", "failed") or amended.view != original.view:
        queue_analysis(db, records, amended)
    else:
        db.add(
            PhotoAnalysis(
                photo_id=amended.id,
                clinic_id=amended.clinic_id,
                client_id=amended.client_id,
                status=state.status,
                detail=state.detail,
                face=state.face,
                updated_at=records.clock.now(),
            )
        )
        for row in _rows(db, [original.id]):
            db.add(
                PhotoMeasurement(
                    clinic_id=row.clinic_id,
                    client_id=row.client_id,
                    photo_id=amended.id,
                    zone=row.zone,
                    measure=row.measure,
                    value=row.value,
                    mdc=row.mdc,
                    measured_at=row.measured_at,
                )
            )
    db.execute(
        delete(PhotoComparison).where(
            or_(PhotoComparison.before_id == original.id, PhotoComparison.after_id == original.id)
        )
    )
    db.flush()
    queue_default_comparison(db, records, amended.client_id)


def photo_handlers() -> Handlers:
    return {ANALYSE: analyse, COMPARE: compare_pair}


class PairMeasures(Output):
    """What the before/after view shows of two photos: where each photo's analysis and the
    pair's comparison stand and, once compared, the change per zone and measure with its MDC,
    and the transform that lays the after photo on the before."""

    before: AnalysisOut | None
    after: AnalysisOut | None
    comparison: ComparisonOut | None
    changes: list[Change]
    transform: str | None


def pair_measures(records: Records, actor: Actor, before_id: int, after_id: int) -> PairMeasures:
    require(actor, Permission.READ)
    with records.transaction() as db:
        for photo_id in (before_id, after_id):
            live_client(db, actor, owned(db, actor, Photo, photo_id, "photo").client_id)
        states = {
            row.photo_id: row
            for row in db.scalars(
                select(PhotoAnalysis).where(PhotoAnalysis.photo_id.in_([before_id, after_id]))
            )
        }
        first, second = states.get(before_id), states.get(after_id)
        compared = _comparison(db, before_id, after_id)
        result = compared.result if compared is not None and compared.status == "done" else None
        return PairMeasures(
            before=AnalysisOut.model_validate(first) if first else None,
            after=AnalysisOut.model_validate(second) if second else None,
            comparison=ComparisonOut.model_validate(compared) if compared else None,
            changes=[Change.model_validate(c) for c in result["changes"]] if result else [],
            transform=aligned_transform(
                first.face if first else None, second.face if second else None
            ),
        )


def course_measures(
    records: Records, actor: Actor, photos: Sequence[D]
) -> tuple[D, D, PairMeasures] | None:
    """The course's change so far: the first photo of the latest photo's view and zone
    against the latest, as compared in the background, or None without two such photos
    (without reading anything)."""
    require(actor, Permission.READ)
    first, last = before_after(sorted(photos, key=lambda p: (p.taken_on, p.id)), None, None)
    if first is None or last is None:
        return None
    return first, last, pair_measures(records, actor, first.id, last.id)

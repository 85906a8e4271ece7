"""Photo measurements made in the background and stored per photo, zone and measure.

Each upload queues one job (`ANALYSE`) on the job queue, in the upload's own transaction; the
worker finds the face, builds the zones and measures each, and stores every value with the
minimal detectable change (MDC95) of that measure in that zone: the change below which two
photos of an unchanged face differ anyway. Where the analysis stands (`PhotoAnalysis`) is what
the photos page polls. A change between two photos is judged against the MDC: below it, "no
detectable change", never an improvement.

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
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from microneedling.errors import InputError
from microneedling.records.models import Photo, PhotoAnalysis, PhotoMeasurement
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clients import live_client
from microneedling.services.common import Output, Records, owned
from microneedling.services.jobs import Handlers, JobRun, enqueue
from microneedling.services.photo_quality import IMAGING_VIEWS

if TYPE_CHECKING:
    from microneedling.services.photos import PhotoOut

ANALYSE = "photo_analysis"
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


def changes(before: Sequence[MeasurementOut], after: Sequence[MeasurementOut]) -> list[Change]:
    """Per zone and measure, after minus before, judged against the before photo's MDC (the
    error of a repeat capture of that zone, at that value)."""
    later = {(m.zone, m.measure): m for m in after}
    found = []
    for first in before:
        second = later.get((first.zone, first.measure))
        if second is None:
            continue
        change = None
        if first.value is not None and second.value is not None:
            change = round(second.value - first.value, 3)
        # as imaging.repeatability.detectable: the MDC reached, and not zero
        detectable = (
            None
            if change is None or first.mdc is None
            else change != 0 and abs(change) >= first.mdc
        )
        found.append(
            Change(
                zone=first.zone,
                measure=first.measure,
                before=first.value,
                after=second.value,
                change=change,
                mdc=first.mdc,
                detectable=detectable,
            )
        )
    order = list(MEASURES)
    return sorted(found, key=lambda c: (order.index(c.measure), c.zone))


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
            mdc = mdc_of(measure, zone, number) if number is not None else None
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


def photo_handlers() -> Handlers:
    return {ANALYSE: analyse}


class PairMeasures(Output):
    """What the before/after view shows of two photos' measurements."""

    before: AnalysisOut | None
    after: AnalysisOut | None
    changes: list[Change]
    transform: str | None


def pair_measures(records: Records, actor: Actor, before_id: int, after_id: int) -> PairMeasures:
    """Where each photo's analysis stands and, once both are measured, the change per zone
    and measure with its MDC, and the transform that aligns the after photo on the before."""
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
        rows = _rows(db, [before_id, after_id])
        first, second = states.get(before_id), states.get(after_id)
        return PairMeasures(
            before=AnalysisOut.model_validate(first) if first else None,
            after=AnalysisOut.model_validate(second) if second else None,
            changes=changes(
                [MeasurementOut.model_validate(r) for r in rows if r.photo_id == before_id],
                [MeasurementOut.model_validate(r) for r in rows if r.photo_id == after_id],
            ),
            transform=aligned_transform(
                first.face if first else None, second.face if second else None
            ),
        )


def course_measures(
    records: Records, actor: Actor, photos: Sequence[PhotoOut]
) -> tuple[PhotoOut, PhotoOut, PairMeasures] | None:
    """The course's change so far: the latest measured photo against the first measured one
    of the same view and zone, or None until two such photos are measured (without two
    photos, without reading anything)."""
    require(actor, Permission.READ)
    if len(photos) < 2:
        return None
    with records.transaction() as db:
        done = set(
            db.scalars(
                select(PhotoAnalysis.photo_id).where(
                    PhotoAnalysis.photo_id.in_([p.id for p in photos]),
                    PhotoAnalysis.status == "done",
                )
            )
        )
    measured = sorted((p for p in photos if p.id in done), key=lambda p: (p.taken_on, p.id))
    if not measured:
        return None
    last = measured[-1]
    first = next(p for p in measured if (p.view, p.zone) == (last.view, last.zone))
    if first.id == last.id:
        return None
    return first, last, pair_measures(records, actor, first.id, last.id)

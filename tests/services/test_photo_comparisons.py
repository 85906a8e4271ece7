"""The change between two photos comes from `compare` run in the background on the pair (one
set of zone masks, aligned, colour-matched), stored with the MDC of each zone and measure; an
amended photo keeps its measurements, and its comparisons are dropped and queued again."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
from sqlalchemy import select
from tests.images import image
from tests.world import TODAY, World, new_client

from microneedling.records.models import Job, PhotoAnalysis, PhotoComparison, PhotoMeasurement
from microneedling.services import amendments, photos
from microneedling.services.errors import Conflict
from microneedling.services.jobs import run_due
from microneedling.services.photo_measures import (
    COMPARE,
    MEASURES,
    analysis_of,
    changes_of,
    comparison_of,
    measurements_of,
    pair_measures,
    request_comparison,
)
from microneedling.services.reminders import job_handlers

META = {"view": "front", "taken_on": TODAY.isoformat()}
EARLIER = {**META, "taken_on": (TODAY - dt.timedelta(days=30)).isoformat()}
CHEEK_LEFT_BOX = (slice(128, 158), slice(236, 262))
"""Rows and columns of the astronaut's own left cheek (the image's right) in the 512 px photo."""


def astronaut_jpeg(redder_cheek: bool = False) -> bytes:
    from PIL import Image
    from skimage import data

    rgb = data.astronaut().astype(np.float64)
    if redder_cheek:
        rgb[CHEEK_LEFT_BOX] *= (1.18, 0.94, 0.94)
    out = io.BytesIO()
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(out, format="JPEG", quality=92)
    return out.getvalue()


def comparisons(world: World) -> list[PhotoComparison]:
    with world.records.transaction() as db:
        rows = list(db.scalars(select(PhotoComparison).order_by(PhotoComparison.id)))
        db.expunge_all()
        return rows


def test_the_second_upload_queues_the_pair_and_the_page_shows_its_change(world: World) -> None:
    pytest.importorskip("mediapipe")
    client = new_client(world)
    add = photos.add_photo
    first = add(world.records, world.assistant, client.id, astronaut_jpeg(), META)
    assert comparisons(world) == []
    second = add(world.records, world.assistant, client.id, astronaut_jpeg(True), META)
    waiting = pair_measures(world.records, world.reader, first.id, second.id)
    assert waiting.comparison is not None and waiting.comparison.status == "queued"
    assert waiting.changes == []

    assert run_due(world.records, job_handlers(world.records)) == 3
    shown = pair_measures(world.records, world.reader, first.id, second.id)
    assert shown.comparison is not None and shown.comparison.status == "done"
    by_key = {(c.zone, c.measure): c for c in shown.changes}
    assert {measure for _zone, measure in by_key} == set(MEASURES)
    redder = by_key[("cheek_left", "a_star")]
    assert redder.change is not None and redder.mdc is not None and redder.mdc > 0
    assert redder.change >= redder.mdc and redder.detectable is True
    untouched = by_key[("cheek_right", "a_star")]
    assert untouched.change is not None and untouched.mdc is not None
    assert abs(untouched.change) < untouched.mdc and untouched.detectable is False
    # the MDCs are those of the backend that found the landmarks
    with world.records.transaction() as db:
        stored = db.scalars(select(PhotoComparison)).one()
        assert stored.result is not None
        assert stored.result["landmarker"] == "mediapipe-face-mesh-478"


def test_a_pair_without_a_face_fails_with_the_reason_and_can_be_asked_again(
    world: World,
) -> None:
    pytest.importorskip("mediapipe")
    client = new_client(world)
    first = photos.add_photo(world.records, world.assistant, client.id, image(), META)
    second = photos.add_photo(
        world.records, world.assistant, client.id, image(colour=(9, 9, 9)), META
    )
    run_due(world.records, job_handlers(world.records))
    failed = comparison_of(world.records, world.reader, first.id, second.id)
    assert failed is not None and failed.status == "failed"
    assert failed.detail and "no face found" in failed.detail
    assert pair_measures(world.records, world.reader, first.id, second.id).changes == []
    again = request_comparison(world.records, world.clinician, first.id, second.id)
    assert again.status == "queued"
    with pytest.raises(Conflict):
        request_comparison(world.records, world.clinician, first.id, first.id)


def stored_measurement(world: World, photo_id: int, client_id: int) -> None:
    """A finished analysis with one measurement, as the worker leaves it."""
    now = world.records.clock.now()
    face = {"eyes": [[0.4, 0.4], [0.6, 0.4]], "width": 100, "height": 100}
    with world.records.transaction() as db:
        state = db.get(PhotoAnalysis, photo_id)
        assert state is not None
        state.status, state.face, state.updated_at = "done", face, now
        db.add(
            PhotoMeasurement(
                clinic_id=1,
                client_id=client_id,
                photo_id=photo_id,
                zone="chin",
                measure="a_star",
                value=11.5,
                mdc=0.8,
                measured_at=now,
            )
        )


def amend(world: World, photo_id: int, **changes: object) -> int:
    amended = amendments.amend_record(
        world.records,
        world.clinician,
        "photo",
        photo_id,
        {"changes": changes, "reason": "described wrongly"},
    )
    return int(amended.id)  # type: ignore[attr-defined]


def test_an_amended_photo_keeps_its_measurements(world: World) -> None:
    client = new_client(world)
    photo = photos.add_photo(world.records, world.assistant, client.id, image(), META)
    stored_measurement(world, photo.id, client.id)
    new_id = amend(world, photo.id, lighting="daylight by the window")
    kept = measurements_of(world.records, world.reader, new_id)
    assert [(m.zone, m.measure, m.value, m.mdc) for m in kept] == [("chin", "a_star", 11.5, 0.8)]
    state = analysis_of(world.records, world.reader, new_id)
    assert state is not None and state.status == "done"
    with world.records.transaction() as db:
        queued = db.scalars(select(Job).where(Job.state == "queued")).all()
        assert [job.payload["photo_id"] for job in queued] == [photo.id]  # the upload's own


def test_an_amended_view_is_measured_again(world: World) -> None:
    client = new_client(world)
    photo = photos.add_photo(world.records, world.assistant, client.id, image(), META)
    stored_measurement(world, photo.id, client.id)
    new_id = amend(world, photo.id, view="oblique_left")
    state = analysis_of(world.records, world.reader, new_id)
    assert state is not None and state.status == "queued"
    assert measurements_of(world.records, world.reader, new_id) == []
    with world.records.transaction() as db:
        queued = db.scalars(select(Job).where(Job.state == "queued")).all()
        assert new_id in [job.payload.get("photo_id") for job in queued]


def test_amending_either_photo_drops_the_pair_and_queues_the_new_one(world: World) -> None:
    client = new_client(world)
    first = photos.add_photo(world.records, world.assistant, client.id, image(), EARLIER)
    second = photos.add_photo(
        world.records, world.assistant, client.id, image(colour=(9, 9, 9)), META
    )
    (pair,) = comparisons(world)
    assert (pair.before_id, pair.after_id, pair.status) == (first.id, second.id, "queued")
    new_first = amend(world, first.id, lighting="ring light")
    (pair,) = comparisons(world)
    assert (pair.before_id, pair.after_id, pair.status) == (new_first, second.id, "queued")
    new_second = amend(world, second.id, lighting="ring light")
    (pair,) = comparisons(world)
    assert (pair.before_id, pair.after_id) == (new_first, new_second)
    with world.records.transaction() as db:
        jobs = db.scalars(select(Job).where(Job.kind == COMPARE)).all()
        assert len(jobs) == 3
    # the dropped pairs' jobs find nothing to do; the live pair's ends (no face: failed)
    run_due(world.records, job_handlers(world.records))
    (pair,) = comparisons(world)
    assert pair.status == "failed"


def test_compare_json_becomes_changes_in_the_pages_order() -> None:
    pair = {"before": 10.0, "after": 11.0, "change": 1.0, "mdc": 0.5, "detectable": True}
    zone = {measure: dict(pair) for measure in MEASURES}
    zone["spots"] = {"count": dict(pair), "area_mm2": {"before": None}}
    found = changes_of({"nose": zone, "chin": zone})
    assert [(c.measure, c.zone) for c in found][:2] == [("a_star", "chin"), ("a_star", "nose")]
    assert len(found) == 2 * len(MEASURES)
    assert all(c.change == 1.0 and c.mdc == 0.5 and c.detectable for c in found)

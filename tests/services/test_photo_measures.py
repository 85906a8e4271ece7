"""Measurements in the background: queued with the upload, stored per zone and measure with
the MDC they are judged against, a failure told in plain words, and the before/after
alignment by the eyes."""

from __future__ import annotations

import io
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from tests.images import image
from tests.world import World, new_client

from microneedling.records.models import Job, PhotoAnalysis, PhotoMeasurement
from microneedling.services import photos
from microneedling.services.clients import erase_client
from microneedling.services.jobs import run_due
from microneedling.services.photo_measures import (
    MEASURES,
    aligned_transform,
    analysis_of,
    measurements_of,
    request_analysis,
)
from microneedling.services.reminders import job_handlers

META = {"view": "front", "taken_on": "2026-11-02"}


def astronaut_jpeg() -> bytes:
    from PIL import Image
    from skimage import data

    out = io.BytesIO()
    Image.fromarray(data.astronaut()).save(out, format="JPEG", quality=92)
    return out.getvalue()


def test_an_upload_queues_its_measurement_and_the_worker_stores_it(world: World) -> None:
    pytest.importorskip("mediapipe")
    client = new_client(world)
    photo = photos.add_photo(world.records, world.assistant, client.id, astronaut_jpeg(), META)
    queued = analysis_of(world.records, world.reader, photo.id)
    assert queued is not None and queued.status == "queued"
    assert run_due(world.records, job_handlers(world.records)) == 1
    done = analysis_of(world.records, world.reader, photo.id)
    assert done is not None and done.status == "done", done
    stored = measurements_of(world.records, world.reader, photo.id)
    zones = {m.zone for m in stored}
    assert {"forehead", "chin"} <= zones
    assert len(stored) == len(zones) * len(MEASURES)
    a_star = [m for m in stored if m.measure == "a_star" and m.value is not None]
    assert a_star and all(m.mdc is not None and m.mdc > 0 for m in a_star)
    assert run_due(world.records, job_handlers(world.records)) == 0


def test_a_photo_without_a_face_fails_with_the_reason(world: World) -> None:
    pytest.importorskip("mediapipe")
    client = new_client(world)
    photo = photos.add_photo(world.records, world.assistant, client.id, image(), META)
    run_due(world.records, job_handlers(world.records))
    failed = analysis_of(world.records, world.reader, photo.id)
    assert failed is not None and failed.status == "failed"
    assert failed.detail and "face" in failed.detail
    assert measurements_of(world.records, world.reader, photo.id) == []
    again = request_analysis(world.records, world.clinician, photo.id)
    assert again.status == "queued"


def test_erasure_removes_measurements_analyses_and_jobs(world: World) -> None:
    client = new_client(world)
    photo = photos.add_photo(world.records, world.assistant, client.id, image(), META)
    with world.records.transaction() as db:
        db.add(
            PhotoMeasurement(
                clinic_id=1,
                client_id=client.id,
                photo_id=photo.id,
                zone="chin",
                measure="a_star",
                value=1.0,
                mdc=0.5,
                measured_at=world.records.clock.now(),
            )
        )
    erase_client(world.records, world.owner, client.id)
    with world.records.transaction() as db:
        for model in (PhotoMeasurement, PhotoAnalysis, Job):
            assert db.scalars(select(model)).all() == []


def css_applied(transform: str, point: tuple[float, float], aspect: float) -> complex:
    """Apply `translate(x%, y%) rotate(θ) scale(s)` (origin top-left) to a point given in
    fractions of the element's width, as a browser would."""
    tx, ty, angle, scale = map(float, re.findall(r"-?\d+\.?\d*", transform))
    turned = (
        complex(*point)
        * scale
        * complex(math.cos(math.radians(angle)), math.sin(math.radians(angle)))
    )
    return turned + complex(tx / 100, ty / 100 * aspect)


@given(
    angle=st.floats(-10, 10),
    scale=st.floats(0.7, 1.4),
    shift=st.tuples(st.floats(-0.2, 0.2), st.floats(-0.2, 0.2)),
)
def test_the_alignment_lays_the_after_eyes_on_the_before_eyes(
    angle: float, scale: float, shift: tuple[float, float]
) -> None:
    after_eyes = [(0.35, 0.4), (0.65, 0.41)]
    turn = scale * complex(math.cos(math.radians(angle)), math.sin(math.radians(angle)))
    before_eyes = [complex(*e) * turn + complex(*shift) for e in after_eyes]
    before = {"eyes": [[e.real, e.imag] for e in before_eyes], "width": 900, "height": 1200}
    after = {"eyes": [list(e) for e in after_eyes], "width": 600, "height": 800}
    transform = aligned_transform(before, after)
    assert transform is not None
    for source, target in zip(after_eyes, before_eyes, strict=True):
        assert abs(css_applied(transform, source, 800 / 600) - target) < 1e-3


def test_no_alignment_without_both_faces() -> None:
    assert aligned_transform(None, {"eyes": [[0, 0], [1, 0]], "width": 1, "height": 1}) is None

"""The quality check at upload: its reasons refuse a photo in plain words unless the clinician
confirms, and are kept on the record; a photo dated after today is refused before anything."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from tests.images import image
from tests.world import TODAY, World, new_client

from microneedling.errors import InputError
from microneedling.services import photos
from microneedling.services.photo_quality import IMAGING_VIEWS, quality_problems

REASONS = ["the face is turned too far for a front view", "the photo is blurred"]
META = {"view": "front", "taken_on": "2026-11-02"}


def unfit(_content: bytes, _view: str) -> list[str]:
    return list(REASONS)


def test_an_unfit_photo_is_refused_with_its_reasons_and_nothing_is_kept(world: World) -> None:
    client = new_client(world)
    with pytest.raises(InputError) as refused:
        photos.add_photo(world.records, world.assistant, client.id, image(), META, check=unfit)
    (problem,) = refused.value.problems
    assert problem.field == "quality_confirmed"
    assert all(reason in problem.message for reason in REASONS)
    assert world.records.photos.stored() == set()


def test_a_confirmed_unfit_photo_is_kept_with_its_reasons(world: World) -> None:
    client = new_client(world)
    data = {**META, "quality_confirmed": True}
    photo = photos.add_photo(world.records, world.assistant, client.id, image(), data, check=unfit)
    assert photo.quality_confirmed and photo.quality_problems == REASONS


def test_a_fit_photo_is_kept_without_confirmation(world: World) -> None:
    client = new_client(world)
    photo = photos.add_photo(
        world.records, world.assistant, client.id, image(), META, check=lambda _c, _v: []
    )
    assert not photo.quality_confirmed and photo.quality_problems == []


def test_the_check_is_asked_about_the_view_chosen(world: World) -> None:
    client = new_client(world)
    asked: list[str] = []

    def spy(_content: bytes, view: str) -> list[str]:
        asked.append(view)
        return []

    data = {**META, "view": "oblique_left"}
    photos.add_photo(world.records, world.assistant, client.id, image(), data, check=spy)
    assert asked == ["oblique_left"]


def test_a_photo_dated_after_today_is_refused_before_it_is_checked_or_stored(
    world: World,
) -> None:
    client = new_client(world)
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    with pytest.raises(InputError, match="taken_on: is after today"):
        photos.add_photo(
            world.records,
            world.assistant,
            client.id,
            image(),
            {**META, "taken_on": tomorrow},
            check=unfit,
        )
    assert world.records.photos.stored() == set()


def face_photo() -> bytes:
    """The astronaut's face, cropped so that it fills the frame as a clinic photo does."""
    from skimage import data

    out = io.BytesIO()
    Image.fromarray(data.astronaut()[20:300, 120:340]).save(out, format="JPEG", quality=92)
    return out.getvalue()


def test_every_view_of_the_records_is_one_the_check_knows() -> None:
    pytest.importorskip("mediapipe")
    from microneedling.imaging.quality import VIEWS

    assert set(IMAGING_VIEWS) == set(photos.VIEW_NAMES)
    assert set(IMAGING_VIEWS.values()) <= set(VIEWS)


def test_the_imaging_check_passes_a_frontal_face_and_says_why_it_fails_others() -> None:
    pytest.importorskip("mediapipe")
    assert quality_problems(face_photo(), "front") == []
    (turned,) = quality_problems(face_photo(), "oblique_left")
    assert "turned" in turned and "45°" in turned
    blank = quality_problems(image(size=(64, 64)), "front")
    assert any("no face found" in reason for reason in blank)
    assert not any("colour" in reason for reason in blank)  # uncalibrated is not unfit


def test_an_upload_without_a_face_is_refused_by_the_imaging_check(world: World) -> None:
    pytest.importorskip("mediapipe")
    client = new_client(world)
    with pytest.raises(InputError, match="no face found"):
        photos.add_photo(
            world.records, world.assistant, client.id, image(), META, check=quality_problems
        )

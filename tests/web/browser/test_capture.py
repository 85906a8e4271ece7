"""Guided capture in Chromium with a fake camera that films a face: the previous photo of the
view lies over the preview, faint; the photo taken is stored like an upload. Without a camera,
and without JavaScript, the upload form does the work."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from tests.web.browser.conftest import CHROMIUM_ARGS, Served, Shots, chromium_path
from tests.web.page_world import email_for
from tests.world import PASSWORD, TODAY

from microneedling.services import photos
from microneedling.services.course import client_course

WIDTH, HEIGHT = 640, 480


def face_frame() -> NDArray[np.uint8]:
    """scikit-image's astronaut portrait centred on a grey 640 x 480 frame."""
    from skimage import data

    frame = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
    face = data.astronaut()[16:496, 16:496]
    left = (WIDTH - face.shape[1]) // 2
    frame[:, left : left + face.shape[1]] = face
    return frame


def write_y4m(path: Path, rgb: NDArray[np.uint8], frames: int = 30) -> None:
    """A YUV4MPEG2 video (4:2:0, full-range BT.601, as JPEG uses) of one still frame."""
    pixels = rgb.astype(np.float64)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
    v = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b

    def plane(values: NDArray[np.float64]) -> bytes:
        return np.clip(np.round(values), 0, 255).astype(np.uint8).tobytes()

    def half(values: NDArray[np.float64]) -> NDArray[np.float64]:
        return values.reshape(HEIGHT // 2, 2, WIDTH // 2, 2).mean(axis=(1, 3))

    frame = b"FRAME\n" + plane(y) + plane(half(u)) + plane(half(v))
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * frames)


@pytest.fixture(scope="module")
def filmed_face(tmp_path_factory: pytest.TempPathFactory) -> NDArray[np.uint8]:
    return face_frame()


@pytest.fixture(scope="module")
def camera_browser(
    chromium: Any, tmp_path_factory: pytest.TempPathFactory, filmed_face: NDArray[np.uint8]
) -> Iterator[Any]:
    """A second Chromium whose camera films the face (the fake-device flags are per launch)."""
    video = tmp_path_factory.mktemp("camera") / "face.y4m"
    write_y4m(video, filmed_face)
    camera = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    browser = chromium.browser_type.launch(
        executable_path=chromium_path(), args=CHROMIUM_ARGS + camera
    )
    yield browser
    browser.close()


def log_in(page: Any, served: Served) -> None:
    page.goto(f"{served.url}/login")
    page.get_by_label("E-mail").fill(email_for("clinician"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/clients")


def stored_photos(served: Served) -> list[Any]:
    world = served.world
    course = client_course(world.records, world.actors["clinician"], world.client_id)
    return sorted(course.photos, key=lambda p: p.id)


def wait_for_video(page: Any) -> None:
    """Until the camera's first frame is shown (polled from here: the page's CSP forbids the
    `eval` that Playwright's own waiting uses)."""
    deadline = time.monotonic() + 15
    while not page.evaluate("document.getElementById('capture-video').videoWidth"):
        assert time.monotonic() < deadline, "the camera never showed a frame"
        page.wait_for_timeout(100)


def jpeg(rgb: NDArray[np.uint8]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=90)
    return out.getvalue()


def test_a_photo_is_taken_over_the_ghost_of_the_previous_one(
    camera_browser: Any, served: Served, shot: Shots, filmed_face: NDArray[np.uint8]
) -> None:
    from PIL import Image

    world = served.world
    previous = photos.add_photo(
        world.records,
        world.actors["clinician"],
        world.client_id,
        jpeg(filmed_face),
        {"view": "front", "taken_on": TODAY.isoformat()},
    )
    before = len(stored_photos(served))
    context = camera_browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, served)
    page.goto(f"{served.url}/clients/{world.client_id}/photos")
    wait_for_video(page)
    ghost = page.locator("#capture-ghost")
    assert ghost.is_visible()
    assert ghost.get_attribute("src") == f"/photos/{previous.id}/screen"
    assert 0 < float(ghost.evaluate("g => getComputedStyle(g).opacity")) < 1
    page.get_by_label("View", exact=True).select_option("oblique_left")
    assert not ghost.is_visible()  # no earlier left 45° photo
    page.get_by_label("View", exact=True).select_option("front")
    shot(page, "capture")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= 390")
    shot(page, "capture-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_navigation():
        page.get_by_role("button", name="Take photo").click()
    shot(page, "captured")
    taken = stored_photos(served)
    assert len(taken) == before + 1
    new = taken[-1]
    assert (new.view, new.content_type) == ("front", "image/jpeg")
    content = world.records.photos.read(new.sha256)
    with Image.open(io.BytesIO(content)) as picture:
        assert picture.size == (WIDTH, HEIGHT)
        filmed = np.asarray(picture.convert("RGB"), np.float64)
    # the stored photo is the filmed face (a fake camera adds no noise of its own)
    assert np.abs(filmed - filmed_face).mean() < 12
    context.close()


def test_without_a_camera_the_page_says_so_and_the_form_uploads(page: Any, served: Served) -> None:
    log_in(page, served)
    page.goto(f"{served.url}/clients/{served.world.client_id}/photos")
    status = page.locator("#capture-status")
    status.wait_for(state="visible")
    assert "No camera" in status.inner_text()
    assert not page.locator("#capture-video").is_visible()
    assert not page.get_by_role("button", name="Take photo").is_visible()


def test_without_javascript_the_form_uploads(chromium: Any, served: Served) -> None:
    context = chromium.new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, served)
    before = len(stored_photos(served))
    page.goto(f"{served.url}/clients/{served.world.client_id}/photos")
    assert not page.locator("#capture").is_visible()
    page.get_by_label("View", exact=True).select_option("oblique_right")
    page.set_input_files(
        "#file",
        files=[{"name": "face.jpg", "mimeType": "image/jpeg", "buffer": jpeg(face_frame())}],
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Upload photo").click()
    taken = stored_photos(served)
    assert len(taken) == before + 1 and taken[-1].view == "oblique_right"
    context.close()


def test_the_before_after_view_shows_the_measured_change(
    page: Any, served: Served, shot: Shots, filmed_face: NDArray[np.uint8]
) -> None:
    pytest.importorskip("mediapipe")
    from PIL import Image

    from microneedling.services.jobs import run_due
    from microneedling.services.reminders import job_handlers

    world = served.world
    turned = np.asarray(Image.fromarray(filmed_face).rotate(3, resample=Image.Resampling.BICUBIC))
    for rgb in (filmed_face, turned):
        photos.add_photo(
            world.records,
            world.actors["clinician"],
            world.client_id,
            jpeg(rgb),
            {"view": "front", "zone": "cheeks", "taken_on": TODAY.isoformat()},
        )
    log_in(page, served)
    page.goto(f"{served.url}/clients/{world.client_id}/photos")
    waiting = page.get_by_role("status").filter(has_text="Change between the two photos")
    assert "being measured" in waiting.inner_text()
    assert page.locator("table.changes").count() == 0
    shot(page, "before-after-being-measured")
    run_due(world.records, job_handlers(world.records))
    page.wait_for_selector("table.changes", timeout=10_000)  # the poll reloads the page
    assert page.locator("table.changes").is_visible()
    verdicts = page.locator("table.changes tbody td:last-child").all_inner_texts()
    assert verdicts and set(verdicts) <= {
        "within measured error",
        "detectable increase",
        "detectable decrease",
    }
    assert page.locator(".change-plot svg").is_visible()
    shot(page, "before-after")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= 390")
    shot(page, "before-after-phone")
    page.goto(f"{served.url}/clients/{world.client_id}")
    assert page.get_by_role("heading", name="Measured change in photos").is_visible()
    assert "within measured error" in page.locator("#photo-change").locator("..").inner_text()
    shot(page, "course-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    shot(page, "course")

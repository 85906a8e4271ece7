"""The photos page: thumbnails and screen copies (cached, with ETags) instead of originals, a
gallery by view or by session, the quality check's reasons beside the form, and a page of
forty 20 MB photos that stays under 2 MB."""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
import pytest
from tests.images import image
from tests.web.page_world import Browser, PageWorld
from tests.world import TODAY

from microneedling.services import photo_quality
from microneedling.services.clinical_records import record
from microneedling.services.photos import PHOTO
from microneedling.services.treatment_sessions import SESSION

MB = 1_000_000


def upload(browser: Browser, clinic: PageWorld, content: bytes, **fields: str) -> Any:
    data = {"view": "front", "taken_on": TODAY.isoformat(), **fields}
    return browser.post(
        f"/clients/{clinic.client_id}/photos",
        data,
        files={"file": ("face.jpg", content, "image/jpeg")},
    )


def photo_of(seed: int, megabytes: int = 20) -> bytes:
    """A 20-megapixel JPEG of at least `megabytes` MB: fine grain, as a phone's full-size
    photo of skin has, which is what makes such files large."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    tile = rng.integers(40, 220, (975, 1300, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(np.tile(tile, (4, 4, 1))).save(out, format="JPEG", quality=97)
    content = out.getvalue()
    assert len(content) >= megabytes * MB
    return content


def test_the_thumbnail_is_small_cached_and_revalidated(
    clinician: Browser, clinic: PageWorld
) -> None:
    from PIL import Image

    clinician.get(f"/clients/{clinic.client_id}/photos")
    assert upload(clinician, clinic, image("JPEG", size=(1200, 900))).status_code == 200
    page = clinician.get(f"/clients/{clinic.client_id}/photos").text
    (src,) = re.findall(r'<img src="(/photos/\d+/thumbnail)"', page)
    first = clinician.get(src)
    assert first.headers["content-type"] == "image/webp"
    assert first.headers["cache-control"] == "private, max-age=31536000, immutable"
    with Image.open(io.BytesIO(first.content)) as thumbnail:
        assert max(thumbnail.size) == 400
    again = clinician.get(src, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    screen = clinician.get(src.replace("thumbnail", "screen"))
    assert screen.headers["etag"] != first.headers["etag"]
    assert clinician.get(src.replace("thumbnail", "original")).status_code == 404
    original = clinician.get(src.replace("thumbnail", "file"))
    assert original.headers["content-type"] == "image/jpeg"
    assert original.headers["cache-control"] == "no-store"


def test_forty_photos_of_20_mb_make_a_page_under_2_mb(
    clinician: Browser, clinic: PageWorld
) -> None:
    clinician.get(f"/clients/{clinic.client_id}/photos")
    for seed in range(3):
        assert upload(clinician, clinic, photo_of(seed)).status_code == 200
    uploaded = client_photos(clinic)
    clinician_actor = clinic.actors["clinician"]
    for number in range(40 - len(uploaded)):
        stored = uploaded[number % len(uploaded)].model_dump(
            include={"view", "taken_on", "sha256", "content_type", "size_bytes"}
        )
        record(clinic.records, clinician_actor, PHOTO, clinic.client_id, stored)
    photos = client_photos(clinic)
    assert len(photos) == 40 and all(p.size_bytes >= 20 * MB for p in photos)

    page = clinician.get(f"/clients/{clinic.client_id}/photos")
    loaded = set(re.findall(r'<(?:img|script|link)[^>]+(?:src|href)="(/[^"]+)"', page.text))
    sizes = {url: len(clinician.get(url).content) for url in loaded}
    total = len(page.content) + sum(sizes.values())
    images = [url for url in loaded if url.startswith("/photos/")]
    assert len(images) == 42  # 40 thumbnails, and the before and after screen copies
    assert not any(url.endswith("/file") for url in images)
    assert total < 2 * MB, sorted(sizes.items(), key=lambda item: -item[1])[:5]


def client_photos(clinic: PageWorld) -> list[Any]:
    from microneedling.services.course import client_course

    course = client_course(clinic.records, clinic.actors["clinician"], clinic.client_id)
    return course.photos


def test_the_gallery_groups_by_view_or_by_session(clinician: Browser, clinic: PageWorld) -> None:
    session = record(
        clinic.records,
        clinic.actors["clinician"],
        SESSION,
        clinic.client_id,
        {
            "performed_on": TODAY.isoformat(),
            "device": "pen",
            "single_use": True,
            "zones": [{"zone": "cheeks", "needle_mm": 0.5}],
            "confirm_departures": True,
            "departure_reason": "a session outside a plan",
        },
    )
    clinician.get(f"/clients/{clinic.client_id}/photos")
    upload(clinician, clinic, image("JPEG"), view="oblique_left")
    upload(clinician, clinic, image("JPEG", colour=(1, 2, 3)), session_id=str(session.id))  # type: ignore[attr-defined]
    by_view = clinician.get(f"/clients/{clinic.client_id}/photos").text
    assert re.findall(r"<h3>([^<]+)</h3>", by_view) == ["Front view", "Left 45° view"]
    by_session = clinician.get(f"/clients/{clinic.client_id}/photos?group=session").text
    assert re.findall(r"<h3>([^<]+)</h3>", by_session) == [
        f"Session of {TODAY.isoformat()}",
        "Not taken at a session",
    ]


def test_an_unfit_photo_shows_the_reason_and_is_kept_when_confirmed(
    clinician: Browser, clinic: PageWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        photo_quality, "quality_problems", lambda _c, _v: ["the photo is over-exposed"]
    )
    clinician.get(f"/clients/{clinic.client_id}/photos")
    refused = upload(clinician, clinic, image("JPEG"))
    assert refused.status_code == 422
    assert "the photo is over-exposed" in refused.text
    assert 'name="quality_confirmed"' in refused.text
    assert client_photos(clinic) == []
    kept = upload(clinician, clinic, image("JPEG"), quality_confirmed="true")
    assert kept.status_code == 200
    (photo,) = client_photos(clinic)
    assert photo.quality_confirmed and photo.quality_problems == ["the photo is over-exposed"]
    assert "kept despite the quality check" in kept.text


def astronaut(turn_deg: float = 0.0) -> bytes:
    """scikit-image's astronaut portrait as a JPEG, turned about its centre."""
    from PIL import Image
    from skimage import data

    out = io.BytesIO()
    picture = Image.fromarray(data.astronaut())
    picture.rotate(turn_deg, resample=Image.Resampling.BICUBIC).save(out, "JPEG", quality=92)
    return out.getvalue()


def test_measurements_show_progress_then_the_change_per_zone_aligned(
    clinician: Browser, clinic: PageWorld
) -> None:
    pytest.importorskip("mediapipe")
    from microneedling.services.jobs import run_due
    from microneedling.services.reminders import job_handlers

    photos_url = f"/clients/{clinic.client_id}/photos"
    clinician.get(photos_url)
    upload(clinician, clinic, astronaut())
    upload(clinician, clinic, astronaut(turn_deg=3.0))
    first, second = client_photos(clinic)
    waiting = clinician.get(photos_url).text
    assert waiting.count("waiting to be measured") == 2
    poll = f'hx-get="/photos/{second.id}/analysis" hx-trigger="every 2s"'
    assert poll in waiting
    polled = clinician.get(f"/photos/{second.id}/analysis", headers={"HX-Request": "true"})
    assert "waiting to be measured" in polled.text and "hx-refresh" not in polled.headers

    change_poll = f'hx-get="/photos/{first.id}/comparisons/{second.id}" hx-trigger="every 2s"'
    assert "Change between the two photos: being measured" in waiting and change_poll in waiting
    assert '<table class="changes">' not in waiting

    # two analyses and the pair's comparison, which the upload of the second photo queued
    assert run_due(clinic.records, job_handlers(clinic.records)) == 3
    polled = clinician.get(f"/photos/{second.id}/analysis", headers={"HX-Request": "true"})
    assert "measured" in polled.text and polled.headers["hx-refresh"] == "true"
    polled = clinician.get(
        f"/photos/{first.id}/comparisons/{second.id}", headers={"HX-Request": "true"}
    )
    assert "measured" in polled.text and polled.headers["hx-refresh"] == "true"

    page = clinician.get(photos_url).text
    assert "hx-trigger" not in page.split('id="compare"')[1].split("</section>")[0]
    assert '<table class="changes">' in page and "<svg" in page
    # the same face turned by 3°: compared through one set of zones, nothing beyond its MDC
    assert "within measured error" in page and "detectable increase" not in page
    rows = re.findall(r'<tr class="(detectable|within)"><td>([a-z ]+)</td>', page)
    assert rows and all(kind == "within" for kind, _zone in rows)
    assert re.search(r"<td>cheek left</td>(<td>[-\d.]+</td>){3}<td>0\.\d+</td>", page)
    rotation = re.search(
        r'class="aligned" style="transform: translate\([^)]*\) rotate\(([-\d.]+)deg\)', page
    )
    assert rotation and abs(abs(float(rotation.group(1))) - 3.0) < 0.5, rotation
    course = clinician.get(f"/clients/{clinic.client_id}").text
    assert "Measured change in photos" in course
    assert f"?before={first.id}&amp;after={second.id}" in course


def test_a_failed_measurement_says_why_and_can_be_asked_again(
    clinician: Browser, clinic: PageWorld
) -> None:
    pytest.importorskip("mediapipe")
    from microneedling.services.jobs import run_due
    from microneedling.services.reminders import job_handlers

    photos_url = f"/clients/{clinic.client_id}/photos"
    clinician.get(photos_url)
    upload(clinician, clinic, image("JPEG", size=(64, 64)))
    upload(clinician, clinic, image("JPEG", size=(64, 64), colour=(9, 9, 9)))
    run_due(clinic.records, job_handlers(clinic.records))
    page = clinician.get(photos_url).text
    assert page.count("could not be measured: photo: no face found") == 2
    first, _second = client_photos(clinic)
    refused = clinician.client.post(f"/photos/{first.id}/analysis", data={})
    assert refused.status_code == 403
    again = clinician.post(f"/photos/{first.id}/analysis", {}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == photos_url
    assert "waiting to be measured" in clinician.get(photos_url).text

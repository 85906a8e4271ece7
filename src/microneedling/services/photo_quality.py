"""Is a photo fit for measurement? The imaging quality check, asked at capture and upload.

The check itself (`imaging.quality`: one face found and large enough, the head turned as the
view asks, sharp, neither highlights nor shadows clipped) is reduced here to the reasons a
clinician reads, in plain words: those of the failed checks that decide fitness. Whether a
colour card was found is not one of them (a photo without one is uncalibrated, not unfit).
Without the imaging extra nothing is checked.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from microneedling.errors import InputError

QualityCheck = Callable[[bytes, str], list[str]]
"""(photo bytes as stored, view) → reasons it is unfit, in plain words; [] when fit."""

IMAGING_VIEWS = {
    "front": "front",
    "oblique_left": "left_45",
    "oblique_right": "right_45",
    "left": "left_90",
    "right": "right_90",
    "close_up": "close_up",
    "other": "close_up",
}
"""The records' views as the quality check names them; `other` is checked as a close-up (no
face required, no pose)."""


def quality_problems(content: bytes, view: str) -> list[str]:
    """The imaging quality check's reasons against this photo for this view."""
    try:
        from microneedling.imaging.errors import ImagingUnavailableError
        from microneedling.imaging.faces import default_landmarker, faces_found
        from microneedling.imaging.photos import load_photo
        from microneedling.imaging.quality import check_quality
    except ImportError:
        return []
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "photo"
        path.write_bytes(content)
        try:
            photo = load_photo(path)
        except InputError as error:
            return [problem.message for problem in error.problems]
    try:
        landmarker = default_landmarker()
    except ImagingUnavailableError:
        return []
    report = check_quality(photo.rgb, faces_found(photo.rgb, landmarker), IMAGING_VIEWS[view])
    return [check.reason for check in report.checks if check.required and not check.passed]

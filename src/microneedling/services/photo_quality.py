"""Is a photo fit for measurement? The imaging quality check, asked at capture and upload.

The check itself (face found and large enough, head turned as the view asks, sharp, not
over- or under-exposed, colour card found) lives in `imaging.quality`; here it is reduced to
the reasons a clinician reads, in plain words. Without the imaging extra nothing is checked.
"""

from __future__ import annotations

from collections.abc import Callable

QualityCheck = Callable[[bytes, str], list[str]]
"""(photo bytes as stored, view) → reasons it is unfit, in plain words; [] when fit."""


def quality_problems(content: bytes, view: str) -> list[str]:
    """The imaging quality check's reasons for this photo and view."""
    return []

"""How far the measures of an unchanged face move between repeat captures: the noise below
which `compare` reports no change.

A repeat capture of the same face is simulated the way it really differs from the first photo:
the face turned by a small angle and moved by a sub-pixel amount (bicubic resampling), saved
again as JPEG, and its landmarks found again — by the real landmarker, plus a random jitter of
every landmark (`LANDMARK_JITTER_PX`, the landmarker's own repeat-capture error) so that the
zone masks themselves move as much as they do between captures. The last bits of a landmark
or of an image kernel differ between processors (instruction sets); that difference is orders
of magnitude below the jitter, so limits measured this way hold on any CPU.

For each measure and zone the spread is the largest |after - before| over the repeats, and
the noise limit is `SAFETY_FACTOR` times it. The largest, not a percentile: the changes are
heavy-tailed (now and then the alignment lands half a pixel off), so a percentile of a few
dozen repeats misses what the next pair shows. Zones differ: a jawline next to the neck's
shadow moves more than a cheek when the alignment is off by a fraction of a pixel. The figures
live in `noise_levels.toml` beside this module, written by
`benchmarks/imaging_repeatability.py --write`; the tests measure fresh repeats against them.
"""

from __future__ import annotations

import io
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from microneedling.imaging.faces import Face, Landmarker

NOISE_FILE = Path(__file__).with_name("noise_levels.toml")

MEASURES = (
    "l_star",
    "a_star",
    "b_star",
    "ita_deg",
    "erythema_index",
    "melanin_index",
    "spots",
    "wrinkles",
    "texture",
)
"""The measures `compare` judges against noise. `texture` is relative: |Δ| / before."""

RELATIVE_MEASURES = frozenset({"texture"})

MAX_ROTATION_DEG = 5.0
MAX_SHIFT_PX = 20.0
JPEG_QUALITY = (75, 95)
LANDMARK_JITTER_PX = 1.0
"""Root-mean-square landmark error between repeat captures of one face, measured for the
MediaPipe mesh on the astronaut photo (0.8-1.4 px over 8 captures turned up to 3 degrees and
saved as JPEG 75-95); applied per axis, it moves the zone masks by about that much."""
SAFETY_FACTOR = 2.0
"""Margin over the largest change seen in the calibration: a limit must hold for repeats that
were not in it. Between two independent sets of 64 repeats the largest change differed by a
factor of at most 1.63 for the colour measures and texture, 2 for spot counts (1 against 2)
and 2.97 for the nose's wrinkles (0.14 against 0.43 points); see docs/imaging.md."""


@dataclass(frozen=True)
class RepeatCapture:
    """One simulated repeat photo of an unchanged face."""

    rotation_deg: float
    shift_px: tuple[float, float]
    jpeg_quality: int
    seed: int


def repeat_captures(count: int, seed: int) -> list[RepeatCapture]:
    """`count` repeat captures drawn uniformly within the ranges above (reproducible by seed)."""
    rng = np.random.default_rng(seed)
    return [
        RepeatCapture(
            rotation_deg=float(rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG)),
            shift_px=(
                float(rng.uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX)),
                float(rng.uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX)),
            ),
            jpeg_quality=int(rng.integers(JPEG_QUALITY[0], JPEG_QUALITY[1] + 1)),
            seed=int(rng.integers(2**31)),
        )
        for _ in range(count)
    ]


def recaptured(rgb: NDArray[np.uint8], capture: RepeatCapture) -> bytes:
    """The photo turned about its centre and moved (bicubic, border reflected), as JPEG bytes."""
    from PIL import Image
    from skimage import transform

    centre = np.array(rgb.shape[1::-1]) / 2
    motion = (
        transform.SimilarityTransform(translation=-centre)
        + transform.SimilarityTransform(rotation=np.radians(capture.rotation_deg))
        + transform.SimilarityTransform(translation=centre + np.array(capture.shift_px))
    )
    warped = transform.warp(rgb, motion.inverse, order=3, mode="reflect", preserve_range=True)
    moved = np.asarray(np.clip(np.round(warped), 0, 255), np.uint8)
    encoded = io.BytesIO()
    Image.fromarray(moved).save(encoded, "JPEG", quality=capture.jpeg_quality)
    return encoded.getvalue()


class JitteredLandmarker:
    """A landmarker whose every point is moved by Gaussian noise of `sigma_px` per axis."""

    def __init__(self, inner: Landmarker, sigma_px: float, seed: int) -> None:
        self.name = f"{inner.name}+jitter"
        self._inner = inner
        self._sigma_px = sigma_px
        self._rng = np.random.default_rng(seed)

    def faces(self, rgb: NDArray[np.uint8]) -> list[Face]:
        return [
            Face(
                ibug68=self._jittered(face.ibug68),
                forehead_arc=self._jittered(face.forehead_arc),
                points=self._jittered(face.points),
                backend=face.backend,
            )
            for face in self._inner.faces(rgb)
        ]

    def _jittered(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        moved: NDArray[np.float64] = points + self._rng.normal(0.0, self._sigma_px, points.shape)
        return moved


ZoneDeltas = dict[str, dict[str, float]]
"""zone → measure → |change| between a photo and a repeat capture of it."""


def unchanged_deltas(
    before_rgb: NDArray[np.uint8],
    captures: Sequence[RepeatCapture],
    landmarker: Landmarker,
    workdir: Path,
) -> list[ZoneDeltas]:
    """Compare the photo with each repeat capture; every change measured is noise. Only pairs
    whose alignment was refined on the image count: the limits are for those (a pair aligned
    by landmarks alone is not judged against noise, see `compare`)."""
    from PIL import Image

    from microneedling.imaging.compare import compare_photos

    before = workdir / "before.png"
    Image.fromarray(before_rgb).save(before)
    found: list[ZoneDeltas] = []
    for number, capture in enumerate(captures):
        after = workdir / f"repeat-{number}.jpg"
        after.write_bytes(recaptured(before_rgb, capture))
        jittered = JitteredLandmarker(landmarker, LANDMARK_JITTER_PX, capture.seed)
        result = compare_photos(before, after, landmarker=jittered)
        if not result.alignment.refined:
            continue
        found.append(
            {
                zone: {
                    measure: _change(measure, result.before[zone], result.after[zone])
                    for measure in MEASURES
                }
                for zone in result.zones.masks
            }
        )
    return found


def _change(measure: str, before: object, after: object) -> float:
    if measure == "spots":
        return float(abs(after.spots.count - before.spots.count))  # type: ignore[attr-defined]
    old, new = float(getattr(before, measure)), float(getattr(after, measure))
    if measure in RELATIVE_MEASURES:
        return abs(new - old) / abs(old) if old else 0.0
    return abs(new - old)


Spreads = dict[str, dict[str, float]]
"""measure → zone → the largest |change| over the repeat captures."""


def spreads(deltas: Iterable[ZoneDeltas]) -> Spreads:
    """Each measure's spread in each zone: the largest |Δ| over the repeats."""
    runs = list(deltas)
    zones = sorted({zone for run in runs for zone in run})
    return {
        measure: {
            zone: _spread([run[zone][measure] for run in runs if zone in run]) for zone in zones
        }
        for measure in MEASURES
    }


def _spread(values: list[float]) -> float:
    finite = [value for value in values if np.isfinite(value)]
    return float(max(finite)) if finite else 0.0


def limits_from(measured: Spreads) -> Spreads:
    """The noise limits: `SAFETY_FACTOR` times each measured spread."""
    return {
        measure: {zone: SAFETY_FACTOR * spread for zone, spread in by_zone.items()}
        for measure, by_zone in measured.items()
    }


@cache
def noise_file() -> dict[str, Any]:
    """`noise_levels.toml`: the method, the measured spreads and the limits."""
    with NOISE_FILE.open("rb") as handle:
        return tomllib.load(handle)


def noise_level(measure: str, zone: str, before: float) -> float:
    """The change below which `measure` did not move in `zone`, whose value was `before`
    (0 for a measure or zone that was not measured: every change counts)."""
    limit = float(noise_file()["limit"].get(measure, {}).get(zone, 0.0))
    return limit * abs(before) if measure in RELATIVE_MEASURES else limit

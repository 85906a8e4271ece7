"""How far the measures of an unchanged face move between repeat captures: the minimal
detectable change (MDC95) per measure and zone, below which `compare` reports "no detectable
change".

A repeat capture of a face is simulated the way it really differs from the first photo: turned
by a small angle, scaled (nearer or farther), moved by a sub-pixel amount (bicubic), a little
blurred (focus), exposed a little differently (±0.3 EV), with another white balance (±5 % on
red and blue), with sensor noise, saved again as JPEG, and its landmarks found again by the
real landmarker plus a random jitter of every landmark (`LANDMARK_JITTER_PX`, the landmarker's
own repeat-capture error). Each repeat is compared with the face's reference photo by
`compare`, as a clinic compares two visits.

Per face, zone and measure the standard error of measurement (SEM) is the root mean square of
the changes over the repeats (every change is error; the mean change, a bias of re-capture,
counts too); over the faces of the evaluation set, SEM = the largest of the faces' SEMs (the
MDC holds for the least repeatable face). MDC95 = 1.96 · √2 · SEM (Weir JP, J Strength Cond
Res 2005;19(1):231-240). A change is detectable when |change| ≥ MDC95 and not zero. `texture`
is relative: its change is |Δ| / before and its MDC a share of the before value.

The study runs once per landmark backend: each places the zones with its own error, so each has
its own MDCs, and a photo is judged against those of the backend that measured it. The figures
live in `mdc.toml` beside this module, keyed by backend, written by
`benchmarks/imaging_repeatability.py --write`, which also writes the tables in docs/imaging.md.
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

from microneedling.imaging.errors import FaceError
from microneedling.imaging.faces import Face, Landmarker

MDC_FILE = Path(__file__).with_name("mdc.toml")

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
"""The measures `compare` judges against their MDC. `texture` is relative: |Δ| / before."""

RELATIVE_MEASURES = frozenset({"texture"})

MAX_ROTATION_DEG = 5.0
MAX_SHIFT_PX = 20.0
SCALE = (0.8, 1.2)
MAX_EXPOSURE_EV = 0.3
MAX_WHITE_BALANCE = 0.05
MAX_BLUR_PX = 0.6
"""Focus and hand-shake differences: a Gaussian blur of σ up to 0.6 px."""
MAX_NOISE_DN = 1.5
"""Sensor noise: Gaussian, σ up to 1.5 of 255 levels, before JPEG."""
JPEG_QUALITY = (75, 95)
LANDMARK_JITTER_PX = 1.0
"""Root-mean-square landmark error between repeat captures of one face, measured for the
MediaPipe mesh on the astronaut photo (0.8-1.4 px over 8 captures turned up to 3 degrees and
saved as JPEG 75-95); applied per axis, it moves the zone masks by about that much."""
Z_95 = 1.96
MDC_FLOOR = {"spots": 1.0}
"""The smallest MDC a measure can have: a count changes by whole spots, so a study in which a
zone's count never moved still calls a change of one spot detectable, not a change of zero."""


@dataclass(frozen=True)
class RepeatCapture:
    """One simulated repeat photo of an unchanged face."""

    rotation_deg: float
    scale: float
    shift_px: tuple[float, float]
    exposure_ev: float
    white_balance: tuple[float, float, float]
    blur_px: float
    noise_dn: float
    jpeg_quality: int
    seed: int


def repeat_captures(count: int, seed: int) -> list[RepeatCapture]:
    """`count` repeat captures drawn uniformly within the ranges above (reproducible by seed)."""
    rng = np.random.default_rng(seed)
    return [
        RepeatCapture(
            rotation_deg=float(rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG)),
            scale=float(rng.uniform(*SCALE)),
            shift_px=(
                float(rng.uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX)),
                float(rng.uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX)),
            ),
            exposure_ev=float(rng.uniform(-MAX_EXPOSURE_EV, MAX_EXPOSURE_EV)),
            white_balance=(
                float(rng.uniform(1 - MAX_WHITE_BALANCE, 1 + MAX_WHITE_BALANCE)),
                1.0,
                float(rng.uniform(1 - MAX_WHITE_BALANCE, 1 + MAX_WHITE_BALANCE)),
            ),
            blur_px=float(rng.uniform(0.0, MAX_BLUR_PX)),
            noise_dn=float(rng.uniform(0.0, MAX_NOISE_DN)),
            jpeg_quality=int(rng.integers(JPEG_QUALITY[0], JPEG_QUALITY[1] + 1)),
            seed=int(rng.integers(2**31)),
        )
        for _ in range(count)
    ]


def recaptured(rgb: NDArray[np.uint8], capture: RepeatCapture) -> bytes:
    """The photo turned and scaled about its centre and moved (bicubic, border reflected),
    blurred, exposed and white-balanced in linear light, with sensor noise, as JPEG bytes."""
    from PIL import Image
    from scipy import ndimage
    from skimage import transform

    from microneedling.imaging.metrics import srgb_to_linear

    centre = np.array(rgb.shape[1::-1]) / 2
    motion = (
        transform.SimilarityTransform(translation=-centre)
        + transform.SimilarityTransform(
            rotation=np.radians(capture.rotation_deg), scale=capture.scale
        )
        + transform.SimilarityTransform(translation=centre + np.array(capture.shift_px))
    )
    warped = transform.warp(rgb, motion.inverse, order=3, mode="reflect", preserve_range=True)
    if capture.blur_px > 0:
        warped = ndimage.gaussian_filter(warped, (capture.blur_px, capture.blur_px, 0))
    moved = np.asarray(np.clip(np.round(warped), 0, 255), np.uint8)
    gains = 2**capture.exposure_ev * np.array(capture.white_balance, np.float32)
    linear = np.clip(srgb_to_linear(moved) * gains, 0.0, 1.0)
    encoded = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    noise = np.random.default_rng(capture.seed).normal(0.0, capture.noise_dn, encoded.shape)
    lit = np.asarray(np.clip(np.round(encoded * 255 + noise), 0, 255), np.uint8)
    out = io.BytesIO()
    Image.fromarray(lit).save(out, "JPEG", quality=capture.jpeg_quality)
    return out.getvalue()


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
    """Compare the photo with each repeat capture; every change measured is error. Only pairs
    whose alignment was refined on the image count: the MDCs are for those (a pair aligned
    by landmarks alone is not judged, see `compare`); nor does a pair in which the landmark
    backend did not find exactly one face (nothing is measured)."""
    from PIL import Image

    from microneedling.imaging.compare import compare_photos

    before = workdir / "before.png"
    Image.fromarray(before_rgb).save(before)
    found: list[ZoneDeltas] = []
    for number, capture in enumerate(captures):
        after = workdir / f"repeat-{number}.jpg"
        after.write_bytes(recaptured(before_rgb, capture))
        jittered = JitteredLandmarker(landmarker, LANDMARK_JITTER_PX, capture.seed)
        try:
            result = compare_photos(before, after, landmarker=jittered)
        except FaceError:  # not one face found: nothing measured, as in a clinic
            continue
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


ByZone = dict[str, dict[str, float]]
"""measure → zone → a figure (SEM or MDC)."""


def sem_of(deltas: Iterable[ZoneDeltas]) -> ByZone:
    """One face's SEM per measure and zone: the root mean square of the changes over its
    repeat captures (zones that no repeat measured are left out)."""
    runs = list(deltas)
    zones = sorted({zone for run in runs for zone in run})
    found: ByZone = {}
    for measure in MEASURES:
        found[measure] = {}
        for zone in zones:
            values = [run[zone][measure] for run in runs if zone in run]
            finite = np.array([v for v in values if np.isfinite(v)])
            if len(finite):
                found[measure][zone] = float(np.sqrt(np.mean(finite**2)))
    return found


def pooled(per_face: Sequence[ByZone]) -> ByZone:
    """SEM over the evaluation set, per measure and zone: the largest of the faces' SEMs, so
    the MDC holds for the least repeatable face of the set, not only for the average one."""
    return {
        measure: {
            zone: max(face[measure][zone] for face in per_face if zone in face[measure])
            for zone in sorted({z for face in per_face for z in face[measure]})
        }
        for measure in MEASURES
    }


def mdc_from(sem: ByZone) -> ByZone:
    """MDC95 = 1.96 · √2 · SEM, at least the measure's floor (`MDC_FLOOR`)."""
    return {
        measure: {
            zone: max(Z_95 * float(np.sqrt(2)) * value, MDC_FLOOR.get(measure, 0.0))
            for zone, value in by_zone.items()
        }
        for measure, by_zone in sem.items()
    }


@cache
def mdc_file() -> dict[str, Any]:
    """`mdc.toml`: the method, the images, and per landmark backend the per-image SEM, the
    pooled SEM and the MDC95."""
    with MDC_FILE.open("rb") as handle:
        return tomllib.load(handle)


def mdc(measure: str, zone: str, before: float, *, landmarker: str) -> float:
    """The minimal detectable change of `measure` in `zone`, whose value was `before`, for
    photos whose landmarks `landmarker` found (a `Face.backend`)."""
    studied = mdc_file()["mdc"]
    if landmarker not in studied:
        raise KeyError(
            f"no MDC was measured for the landmark backend {landmarker!r}; studied: "
            + ", ".join(sorted(studied))
        )
    limit = float(studied[landmarker][measure][zone])
    return limit * abs(before) if measure in RELATIVE_MEASURES else limit


def detectable(change: float, limit: float) -> bool:
    """A change is detectable when it reaches the MDC: |change| ≥ MDC, and it is not zero."""
    return change != 0 and abs(change) >= limit


DOC_START = "<!-- mdc-table: generated from src/microneedling/imaging/mdc.toml -->"
DOC_END = "<!-- mdc-table end -->"
UNITS = {
    "l_star": "L*",
    "a_star": "a*",
    "b_star": "b*",
    "ita_deg": "ITA°",
    "erythema_index": "EI",
    "melanin_index": "MI",
    "spots": "spots (count)",
    "wrinkles": "wrinkles (points)",
    "texture": "texture (% of before)",
}


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _table(*keys: str) -> str:
    return "[" + ".".join(_toml_value(key) if "-" in key else key for key in keys) + "]"


def to_toml(data: dict[str, Any]) -> str:
    """The study as `mdc.toml` text: method, images, runs, and per landmark backend the
    per-image SEM, pooled SEM and MDC95."""
    lines = [
        "# Minimal detectable change (MDC95) of the imaging measures per landmark backend and",
        '# zone; `compare` calls a change below it "no detectable change". Written by',
        "# benchmarks/imaging_repeatability.py --write: do not edit by hand.",
        "# SEM = root mean square change over a face's repeat captures; over the faces, the",
        "# largest; MDC95 = 1.96 * sqrt(2) * SEM. texture is relative (share of the before",
        "# value); spots is a count (MDC at least 1).",
        "",
        "[method]",
        *(f"{key} = {_toml_value(value)}" for key, value in data["method"].items()),
    ]
    for section in ("images", "runs"):
        for row in data[section]:
            lines += ["", f"[[{section}]]", *(f"{k} = {_toml_value(v)}" for k, v in row.items())]
    for backend, faces in data["face_sem"].items():
        for face, by_measure in faces.items():
            for measure, by_zone in by_measure.items():
                lines += ["", _table("face_sem", backend, face, measure)]
                lines += [f"{zone} = {_toml_value(value)}" for zone, value in by_zone.items()]
    for section in ("sem", "mdc"):
        for backend, by_measure in data[section].items():
            for measure, by_zone in by_measure.items():
                lines += ["", _table(section, backend, measure)]
                lines += [f"{zone} = {_toml_value(value)}" for zone, value in by_zone.items()]
    return "\n".join(lines) + "\n"


def parse_toml(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


def _shown(measure: str, value: float) -> str:
    return f"{100 * value:.1f} %" if measure in RELATIVE_MEASURES else f"{value:.2f}"


def _header(first: str) -> list[str]:
    return [
        f"| {first} | " + " | ".join(UNITS[m] for m in MEASURES) + " |",
        "|---|" + "---|" * len(MEASURES),
    ]


def doc_table(data: dict[str, Any]) -> str:
    """The Markdown tables docs/imaging.md shows, made from the study's data only: per
    landmark backend the MDC95 per zone, then each image's median zone, then the images."""
    lines = [DOC_START]
    for backend, by_measure in data["mdc"].items():
        zones = sorted(next(iter(by_measure.values())))
        lines += ["", f"MDC95 per zone, landmarks by `{backend}`:", "", *_header("zone")]
        for zone in zones:
            cells = [_shown(m, by_measure[m][zone]) for m in MEASURES]
            lines.append(f"| `{zone}` | " + " | ".join(cells) + " |")
    lines += [
        "",
        "MDC95 of the median zone, each image and landmark backend alone"
        " (1.96 · √2 · its own SEM):",
        "",
        *_header("image, landmarks"),
    ]
    factor = Z_95 * float(np.sqrt(2))
    for backend, faces in data["face_sem"].items():
        for face, by_measure in faces.items():
            cells = [
                _shown(m, factor * float(np.median(list(by_measure[m].values())))) for m in MEASURES
            ]
            lines.append(f"| {face}, `{backend}` | " + " | ".join(cells) + " |")
    method = data["method"]
    refined = {(run["image"], run["landmarker"]): run for run in data["runs"]}
    backends = method["landmarkers"]
    lines += [
        "",
        "| image | source | licence | "
        + " | ".join(f"pairs refined / compared, `{b}`" for b in backends)
        + " |",
        "|---|---|---|" + "---|" * len(backends),
    ]
    for image in data["images"]:
        runs = [refined[(image["name"], b)] for b in backends]
        counts = " | ".join(f"{run['refined']} / {run['repeats']}" for run in runs)
        lines.append(f"| {image['name']} | {image['source']} | {image['licence']} | {counts} |")
    lines += [
        "",
        f"Repeats per image and landmarker: {method['repeats_per_face']} (seed "
        f"{method['seed']}); landmarkers: {', '.join(backends)}.",
        "",
        DOC_END,
    ]
    return "\n".join(lines)


def with_doc_table(doc: str, toml_text: str) -> str:
    """`doc` with the generated part between the markers replaced by the study's tables."""
    start, end = doc.index(DOC_START), doc.index(DOC_END) + len(DOC_END)
    return doc[:start] + doc_table(parse_toml(toml_text)) + doc[end:]

"""Before/after: align the after photo to the before by landmarks, match its colour, and
measure both through the same zone masks so every delta compares the same skin.

Alignment is the least-squares similarity transform (rotation, uniform scale, shift) between
the two faces' stable landmarks (brows, eyes, nose, upper jaw, forehead arc), after Umeyama S,
IEEE TPAMI 1991;13(4):376-380, refined over the face by enhanced correlation (`refined`).
When both photos show a colour chart, each is corrected to the chart's reference
(`calibration`) and nothing more is matched. Otherwise colour is matched in linear RGB by a
gain per channel: by
default the after photo's mean colour is made equal to the before's (grey-world assumption:
the scene as a whole did not change colour, after Buchsbaum G, J Franklin Inst
1980;310(1):1-26); with a reference patch (a grey card or any area marked in the before photo)
the patch's colour is matched instead.

Only one full-size photo is held at a time: the before photo is reduced to its face crop before
the after photo is read, and the after photo is warped straight into that crop.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from microneedling.imaging.analysis import face_json, scale_json
from microneedling.imaging.calibration import Calibration, find_calibration
from microneedling.imaging.errors import PhotoError
from microneedling.imaging.faces import Face, Landmarker, Points, default_landmarker, find_face
from microneedling.imaging.metrics import (
    Scale,
    ZoneMeasures,
    exclusions,
    measure_zones,
    skin_only,
    srgb_to_linear,
)
from microneedling.imaging.photos import load_photo
from microneedling.imaging.repeatability import MEASURES, detectable, mdc
from microneedling.imaging.zones import ZoneMasks, zone_masks

STABLE_IBUG68 = (0, 1, 2, 14, 15, 16, *range(17, 48))
"""Landmarks that move little with expression: upper jaw, brows, nose and eyes."""

GREY_WORLD_STRIDE_PX = 4
"""Grey-world means use every 4th pixel of each row and column: a 16x smaller copy."""

GREY_WORLD_MARGIN = 0.05
"""Grey-world leaves out this share of the shared area's size along its edges, where the two
photos' framing differs and a small misregistration moves the most content in or out."""

PatchBox = tuple[int, int, int, int]


@dataclass(frozen=True)
class Alignment:
    """The transform taking after-photo pixels onto before-photo pixels: the landmarks'
    similarity transform, refined on the skin's own detail where that converged."""

    matrix: NDArray[np.float64]
    residual_px: float
    refined: bool = False

    @property
    def scale(self) -> float:
        """The transform's area scale as one length factor: √|det A| of its linear part A."""
        return float(np.sqrt(abs(np.linalg.det(self.matrix[:, :2]))))

    @property
    def rotation_deg(self) -> float:
        """The rotation of the polar decomposition A = R S (R a rotation, S symmetric): the
        rotation nearest to A, unmoved by the small stretch or shear a refinement adds (the
        angle of A's first column is not)."""
        u, _, vt = np.linalg.svd(self.matrix[:, :2])
        rotation = u @ vt
        return float(np.degrees(np.arctan2(rotation[1, 0], rotation[0, 0])))

    @property
    def shift_px(self) -> tuple[float, float]:
        return (float(self.matrix[0, 2]), float(self.matrix[1, 2]))

    def to_json(self) -> dict[str, Any]:
        """Rotation and scale of the transform's linear part (see the properties)."""
        dx, dy = self.shift_px
        return {
            "rotation_deg": round(self.rotation_deg, 3),
            "scale": round(self.scale, 4),
            "shift_px": [round(dx, 2), round(dy, 2)],
            "landmark_residual_px": round(self.residual_px, 3),
            "refined_on_image": self.refined,
        }


@dataclass(frozen=True)
class Comparison:
    """What `compare` reports, plus both crops and the masks a plot needs."""

    before_source: str
    after_source: str
    before_face: Face
    zones: ZoneMasks
    alignment: Alignment
    colour_method: str
    colour_gains: tuple[float, float, float]
    calibration: tuple[Calibration, Calibration]
    scale: Scale
    before: dict[str, ZoneMeasures]
    after: dict[str, ZoneMeasures]
    before_crop: NDArray[np.uint8]
    after_crop: NDArray[np.uint8]

    def to_json(self) -> dict[str, Any]:
        return {
            "photos": {"before": self.before_source, "after": self.after_source},
            "face": face_json(self.before_face),
            "alignment": self.alignment.to_json(),
            "colour_normalisation": {
                "method": self.colour_method,
                "gains_rgb": [round(gain, 4) for gain in self.colour_gains],
            },
            "calibration": {
                "before": self.calibration[0].to_json(),
                "after": self.calibration[1].to_json(),
            },
            "scale": scale_json(self.scale),
            "zones": {
                name: with_mdc(
                    name,
                    paired(self.before[name].to_json(), self.after[name].to_json()),
                    judged=self.alignment.refined,
                    landmarker=self.before_face.backend,
                )
                for name in self.zones.masks
            },
        }


def with_mdc(zone: str, pairs: dict[str, Any], *, judged: bool, landmarker: str) -> dict[str, Any]:
    """Each judged measure's pair gains `change` (after − before), `mdc` (the minimal
    detectable change in this zone, in the measure's unit, for the backend that found the
    landmarks) and `detectable` (|change| ≥ mdc:
    below it the change is "no detectable change", never an improvement). The MDCs were
    measured on pairs aligned with refinement; without it `mdc` and `detectable` are null."""
    for measure in MEASURES:
        pair = pairs[measure]["count"] if measure == "spots" else pairs[measure]
        pair["change"] = pair["delta"]
        if pair["delta"] is None or not judged:
            pair["mdc"] = pair["detectable"] = None
            continue
        limit = mdc(measure, zone, pair["before"], landmarker=landmarker)
        pair["mdc"] = round(limit, 3)
        pair["detectable"] = detectable(pair["delta"], limit)
    return pairs


def paired(before: Any, after: Any) -> Any:
    """{"before", "after", "delta"} for every measure; delta = after - before (null if n/a)."""
    if isinstance(before, dict) and isinstance(after, dict):
        return {key: paired(before[key], after[key]) for key in before}
    if isinstance(before, dict) or isinstance(after, dict):
        return {"before": before, "after": after, "delta": None}
    numeric = isinstance(before, int | float) and isinstance(after, int | float)
    delta = round(after - before, 3) if numeric else None
    return {"before": before, "after": after, "delta": delta}


def similarity_transform(source: Points, target: Points) -> Alignment:
    """Least-squares rotation, scale and shift mapping `source` onto `target` (Umeyama 1991)."""
    source_mean, target_mean = source.mean(axis=0), target.mean(axis=0)
    src, dst = source - source_mean, target - target_mean
    covariance = dst.T @ src / len(source)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.diag([1.0, float(np.sign(np.linalg.det(u @ vt)) or 1.0)])
    rotation = u @ sign @ vt
    scale = float(np.trace(np.diag(singular) @ sign) / src.var(axis=0).sum())
    matrix = np.zeros((2, 3))
    matrix[:, :2] = scale * rotation
    matrix[:, 2] = target_mean - scale * rotation @ source_mean
    moved = source @ matrix[:, :2].T + matrix[:, 2]
    residual = float(np.sqrt(np.mean(np.sum((moved - target) ** 2, axis=1))))
    return Alignment(matrix=matrix, residual_px=residual)


REFINE_MAX_SIDE_PX = 384
REFINE_MAX_SHIFT_IOD = 0.05
REFINE_MAX_STRETCH = 0.03


def refined(
    alignment: Alignment, after: NDArray[np.uint8], before_crop: NDArray[np.uint8], zones: ZoneMasks
) -> Alignment:
    """Refine the landmark alignment over the face by enhanced correlation (ECC: Evangelidis GD,
    Psarakis EZ, IEEE TPAMI 2008;30(10):1858-1865), which ignores brightness and contrast
    changes. Landmarks place a face to about a pixel; ECC brings it well under. The refinement
    is kept only when it converges to a small correction."""
    import cv2

    after_crop, valid = _warp(after, alignment.matrix, zones.box)
    factor = min(1.0, REFINE_MAX_SIDE_PX / max(zones.shape))
    size = (max(8, round(zones.shape[1] * factor)), max(8, round(zones.shape[0] * factor)))
    face = ndimage.binary_dilation(zones.union(), iterations=3) & valid

    def small(rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
        return np.asarray(cv2.resize(grey, size, interpolation=cv2.INTER_AREA), np.float32)

    mask = cv2.resize(face.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    start = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-6)
    try:
        _, found = cv2.findTransformECC(
            small(before_crop), small(after_crop), start, cv2.MOTION_AFFINE, criteria, mask, 3
        )
    except cv2.error:
        return alignment
    correction = np.asarray(found, np.float64)
    correction[:, 2] /= factor
    stretch = np.abs(correction[:, :2] - np.eye(2)).max()
    shift = face_shift_px(correction, zones.union())
    if stretch > REFINE_MAX_STRETCH or shift > REFINE_MAX_SHIFT_IOD * zones.frame.iod_px:
        return alignment
    # crop = C @ full, the warped crop samples after at C^-1 x; ECC found crop(x) ~ warped(W x)
    top, left = zones.box[:2]
    to_crop = _homogeneous(np.array([[1.0, 0.0, -left], [0.0, 1.0, -top]]))
    total = np.linalg.inv(to_crop) @ np.linalg.inv(_homogeneous(correction)) @ to_crop
    matrix = (total @ _homogeneous(alignment.matrix))[:2]
    return Alignment(matrix=matrix, residual_px=alignment.residual_px, refined=True)


def face_shift_px(correction: NDArray[np.float64], face: NDArray[np.bool_]) -> float:
    """How far a correction (an affine map of crop pixels) moves the face: the mean distance
    over the face's pixels. Its shift alone is the motion of the crop's corner, which a small
    turn about the face makes large while the face hardly moves."""
    rows, cols = np.nonzero(face)
    if not len(rows):
        return float(np.hypot(*correction[:, 2]))
    points = np.stack([cols, rows], axis=1).astype(np.float64)
    moved = points @ (correction[:, :2] - np.eye(2)).T + correction[:, 2]
    return float(np.hypot(moved[:, 0], moved[:, 1]).mean())


def _homogeneous(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    full: NDArray[np.float64] = np.vstack([matrix, [0.0, 0.0, 1.0]])
    return full


def stable_points(face: Face) -> Points:
    return np.vstack([face.ibug68[list(STABLE_IBUG68)], face.forehead_arc])


def compare_photos(
    before_path: str | Path,
    after_path: str | Path,
    *,
    landmarker: Landmarker | None = None,
    reference_patch: PatchBox | None = None,
    pupil_distance_mm: float | None = None,
) -> Comparison:
    """Align, colour-match and measure a before/after pair; `reference_patch` is (x, y, w, h)
    in the before photo."""
    landmarker = landmarker or default_landmarker()
    before = load_photo(before_path, label="before")
    shape = before.rgb.shape[:2]
    patch = _patch_box(reference_patch, shape) if reference_patch else None
    before_face = find_face(before.rgb, landmarker, label="before")
    zones = zone_masks(before_face, shape, [patch] if patch else [])
    top, left, bottom, right = zones.box
    before_crop = np.ascontiguousarray(before.rgb[top:bottom, left:right])
    before_thumb = np.ascontiguousarray(before.rgb[::GREY_WORLD_STRIDE_PX, ::GREY_WORLD_STRIDE_PX])
    before_source = before.source
    before_chart = find_calibration(before.rgb)
    del before

    after = load_photo(after_path, label="after")
    after_face = find_face(after.rgb, landmarker, label="after")
    alignment = similarity_transform(stable_points(after_face), stable_points(before_face))
    alignment = refined(alignment, after.rgb, before_crop, zones)
    thumb_rows, thumb_cols = before_thumb.shape[:2]
    after_thumb, thumb_valid = _warp(
        after.rgb, alignment.matrix / GREY_WORLD_STRIDE_PX, (0, 0, thumb_rows, thumb_cols)
    )
    after_crop, valid = _warp(after.rgb, alignment.matrix, zones.box)
    thumb_valid = _inner(thumb_valid, GREY_WORLD_MARGIN)
    after_source = after.source
    after_chart = find_calibration(after.rgb)
    del after

    if before_chart.chart_found and after_chart.chart_found and not patch:
        # each photo corrected to the same chart reference: no further matching
        before_crop = before_chart.apply(before_crop)
        after_crop = after_chart.apply(after_crop)
        gains = np.ones(3)
        method = "colour_chart"
    elif patch:
        local = _local_mask(patch, zones.box, zones.shape)
        gains = _mean_linear(before_crop, local) / _mean_linear(after_crop, local & valid)
        method = "reference_patch"
    else:
        gains = _mean_linear(before_thumb, thumb_valid) / _mean_linear(after_thumb, thumb_valid)
        method = "grey_world"
    after_crop = _apply_gains(after_crop, gains)
    shared = replace(zones, masks={name: mask & valid for name, mask in zones.masks.items()})
    common = skin_only(before_crop, shared)
    scale = Scale.of(before_face.pupil_distance_px, pupil_distance_mm)
    left_out = exclusions(before_crop, common, scale) | exclusions(after_crop, common, scale)
    return Comparison(
        before_source=before_source,
        after_source=after_source,
        before_face=before_face,
        zones=common,
        alignment=alignment,
        colour_method=method,
        colour_gains=(float(gains[0]), float(gains[1]), float(gains[2])),
        calibration=(before_chart, after_chart),
        scale=scale,
        before=measure_zones(before_crop, common, scale, left_out),
        after=measure_zones(after_crop, common, scale, left_out),
        before_crop=before_crop,
        after_crop=after_crop,
    )


def _patch_box(patch: PatchBox, shape: tuple[int, int]) -> PatchBox:
    """(x, y, w, h) → (top, left, bottom, right), checked against the photo."""
    x, y, width, height = patch
    rows, cols = shape
    if width < 2 or height < 2 or x < 0 or y < 0 or x + width > cols or y + height > rows:
        raise PhotoError.one(
            "reference_patch",
            f"{x},{y},{width},{height} is not inside the {cols}x{rows} before photo",
            allowed=("X,Y,W,H in pixels, at least 2x2, inside the photo",),
        )
    return (y, x, y + height, x + width)


def _local_mask(
    patch: PatchBox, box: tuple[int, int, int, int], shape: tuple[int, int]
) -> NDArray[np.bool_]:
    mask = np.zeros(shape, bool)
    mask[patch[0] - box[0] : patch[2] - box[0], patch[1] - box[1] : patch[3] - box[1]] = True
    return mask


def _mean_linear(rgb: NDArray[np.uint8], mask: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Mean linear RGB over the mask (the area both photos show, or the reference patch)."""
    if not mask.any():
        raise PhotoError.one("reference_patch", "the patch is outside the aligned after photo")
    means: NDArray[np.float64] = srgb_to_linear(rgb[mask]).mean(axis=0, dtype=np.float64)
    return means


def _inner(mask: NDArray[np.bool_], margin: float) -> NDArray[np.bool_]:
    """The mask without a band of `margin` x its smaller side along its edges."""
    from scipy import ndimage

    width = max(1, round(margin * min(mask.shape)))
    inner: NDArray[np.bool_] = ndimage.binary_erosion(mask, iterations=width, border_value=0)
    return inner


def _warp(
    rgb: NDArray[np.uint8], matrix: NDArray[np.float64], box: tuple[int, int, int, int]
) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """The after photo resampled onto `box` of the before photo, and where it had pixels."""
    import cv2

    top, left, bottom, right = box
    size = (right - left, bottom - top)
    matrix = matrix.copy()
    matrix[:, 2] -= (left, top)
    warped = cv2.warpAffine(
        rgb, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    # where the after photo had pixels: crop pixels mapped back inside its frame
    inverse = np.linalg.inv(_homogeneous(matrix))[:2]
    cols, rows = np.meshgrid(np.arange(size[0], dtype=np.float32), np.arange(size[1]))
    source_x = inverse[0, 0] * cols + inverse[0, 1] * rows + inverse[0, 2]
    source_y = inverse[1, 0] * cols + inverse[1, 1] * rows + inverse[1, 2]
    height, width = rgb.shape[:2]
    inside = (source_x >= 0) & (source_x <= width - 1) & (source_y >= 0) & (source_y <= height - 1)
    return np.asarray(warped, np.uint8), inside


def _apply_gains(rgb: NDArray[np.uint8], gains: NDArray[np.float64]) -> NDArray[np.uint8]:
    linear = np.clip(srgb_to_linear(rgb) * gains.astype(np.float32), 0.0, 1.0)
    encoded = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return np.asarray(np.round(encoded * 255), np.uint8)

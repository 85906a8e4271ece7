"""Ground truth made from a real face: scikit-image's `astronaut` photo with known changes.

Each planted change is written so the expected effect can be stated beforehand: redness adds a
fixed a* over a disk on the subject's left cheek; spots are dark disks of known size and
contrast inside the forehead; texture is band-limited noise of known RMS on the chin; the nose
is blurred. The after photo is then rotated and shifted, so `compare` has to align it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from skimage import data, transform
from skimage.color import lab2rgb, rgb2lab
from skimage.draw import disk

from microneedling.imaging.faces import Face
from microneedling.imaging.zones import ZoneMasks

SIDE_PX = 1024
REDNESS_A_STAR = 8.0
REDNESS_RADIUS_IOD = 0.27
REDNESS_BELOW_IOD = 0.12
SPOT_COUNT = 4
SPOT_RADIUS_PX = 2.0
SPOT_CLEARANCE_PX = 4
BARE_SKIN_MIN_L = 65.0
EXISTING_MARK_L = 5.0
SPOT_SPACING_PX = 10
SPOT_DARKENING_L = 20.0
TEXTURE_RMS_L = 4.0
TEXTURE_CORRELATION_PX = 1.2
BLUR_SIGMA_PX = 2.0
ROTATION_DEG = 4.0
SHIFT_PX = (18.0, -11.0)
MESH_CHEEK_LEFT = 280


@dataclass(frozen=True)
class PlantedPair:
    before: NDArray[np.uint8]
    after: NDArray[np.uint8]
    redness_disk: NDArray[np.bool_]
    spot_centres: list[tuple[int, int]]
    spot_area_px: int


def astronaut(side_px: int = SIDE_PX) -> NDArray[np.uint8]:
    image = transform.resize(data.astronaut(), (side_px, side_px), order=3, anti_aliasing=True)
    return np.asarray(np.clip(np.round(image * 255), 0, 255), np.uint8)


def moved(
    rgb: NDArray[np.uint8], rotation_deg: float, shift_px: tuple[float, float]
) -> NDArray[np.uint8]:
    """Rotate about the centre and shift, filling the border by reflection."""
    centre = np.array(rgb.shape[1::-1]) / 2
    motion = (
        transform.SimilarityTransform(translation=-centre)
        + transform.SimilarityTransform(rotation=np.radians(rotation_deg))
        + transform.SimilarityTransform(translation=centre + np.array(shift_px))
    )
    warped = transform.warp(rgb, motion.inverse, order=3, mode="reflect", preserve_range=True)
    return np.asarray(np.clip(np.round(warped), 0, 255), np.uint8)


def _edit_lab(rgb: NDArray[np.uint8], mask: NDArray[np.bool_], delta: NDArray[np.float64]) -> None:
    """Add `delta` (per pixel L*, a*, b*, shape (n, 3)) to the masked pixels, in place."""
    pixels = rgb[mask][None].astype(np.float64) / 255
    lab = rgb2lab(pixels) + delta[None]
    rgb[mask] = np.clip(np.round(lab2rgb(lab)[0] * 255), 0, 255).astype(np.uint8)


def plant(before: NDArray[np.uint8], face: Face, zones: ZoneMasks, seed: int = 7) -> PlantedPair:
    rng = np.random.default_rng(seed)
    after = before.copy()
    shape = before.shape[:2]
    top, left, _, _ = zones.box

    centre = face.points[MESH_CHEEK_LEFT] + [0.0, REDNESS_BELOW_IOD * face.interocular_px]
    radius = REDNESS_RADIUS_IOD * face.interocular_px
    redness = np.zeros(shape, bool)
    redness[disk((centre[1], centre[0]), radius, shape=shape)] = True
    _edit_lab(after, redness, np.tile([0.0, REDNESS_A_STAR, 0.0], (int(redness.sum()), 1)))

    crop = before[top : zones.box[2], left : zones.box[3]]
    lightness = rgb2lab(crop)[..., 0]
    dark_already = ndimage.black_tophat(lightness, size=11) >= EXISTING_MARK_L
    near_marks = ndimage.binary_dilation(dark_already, iterations=SPOT_SPACING_PX // 2)
    bare_skin = zones.masks["forehead"] & (lightness > BARE_SKIN_MIN_L) & ~near_marks
    inside = ndimage.distance_transform_edt(bare_skin)
    rows, cols = np.nonzero(inside >= SPOT_CLEARANCE_PX)
    centres: list[tuple[int, int]] = []
    for index in np.argsort(-inside[rows, cols], kind="stable"):
        row, col = int(rows[index]) + top, int(cols[index]) + left
        if all(np.hypot(row - r, col - c) > SPOT_SPACING_PX for r, c in centres):
            centres.append((row, col))
        if len(centres) == SPOT_COUNT:
            break
    assert len(centres) == SPOT_COUNT, "the forehead is too small for the planted spots"
    spots = np.zeros(shape, bool)
    for row, col in centres:
        spots[disk((row, col), SPOT_RADIUS_PX, shape=shape)] = True
    _edit_lab(after, spots, np.tile([-SPOT_DARKENING_L, 4.0, 6.0], (int(spots.sum()), 1)))

    chin = _in_photo(zones.masks["chin"], zones, shape)
    noise = ndimage.gaussian_filter(rng.standard_normal(shape), TEXTURE_CORRELATION_PX)
    noise *= TEXTURE_RMS_L / noise[chin].std()
    delta = np.zeros((int(chin.sum()), 3))
    delta[:, 0] = noise[chin]
    _edit_lab(after, chin, delta)

    nose = ndimage.binary_dilation(_in_photo(zones.masks["nose"], zones, shape), iterations=4)
    blurred = ndimage.gaussian_filter(after.astype(np.float64), (BLUR_SIGMA_PX, BLUR_SIGMA_PX, 0))
    after[nose] = np.round(blurred[nose]).astype(np.uint8)

    return PlantedPair(
        before=before,
        after=moved(after, ROTATION_DEG, SHIFT_PX),
        redness_disk=redness,
        spot_centres=centres,
        spot_area_px=int(spots.sum()),
    )


def _in_photo(
    mask: NDArray[np.bool_], zones: ZoneMasks, shape: tuple[int, ...]
) -> NDArray[np.bool_]:
    full = np.zeros(shape[:2], bool)
    top, left, bottom, right = zones.box
    full[top:bottom, left:right] = mask
    return full

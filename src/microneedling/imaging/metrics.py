"""Per-zone skin measures from an RGB crop and its zone masks.

Every measure, its formula and its reference is in docs/imaging.md. Colour is CIELAB (D65,
2° observer, from sRGB); the erythema and melanin indices use linearised sRGB as a stand-in
for reflectance and are computed as a two-band meter does (Diffey 1984): the log of the
zone's mean reflectance, not the mean of per-pixel logs. They are relative measures for
comparing photos taken the same way, not readings of a narrow-band meter. Spatial scales
are set in units of the interocular distance, so the same skin is measured the same way at
any resolution.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from skimage.color import rgb2lab
from skimage.filters import sato

from microneedling.imaging.quality import HIGHLIGHT_LEVEL
from microneedling.imaging.zones import Mask, ZoneMasks
from microneedling.scores.ita import CLASSES, NO_ANGLE_L_STAR, ita_degrees

FloatImage = NDArray[np.float64]

POPULATION_PUPIL_DISTANCE_MM = 63.0
"""Mean adult interpupillary distance (Dodgson NA, Proc SPIE 2004;5291:36-46). Without a
measured pupil distance it sets pixels per mm only to judge whether pores are resolvable and
to size pores and the smallest spot; areas in mm² are then reported as null."""

# Project conventions (not published thresholds); docs/imaging.md explains each.
HIGHLIGHT_MADS = 3.0
NON_SKIN_DARKER_L = 20.0
NON_SKIN_YELLOWER_B = 10.0
NON_SKIN_MARGIN_IOD = 0.025
SPOT_CONTRAST_L = 6.0
SPOT_MIN_AREA_PX = 3
SPOT_MIN_RADIUS_IOD = 0.008
SPOT_MAX_RADIUS_IOD = 0.06
TEXTURE_SIGMA_IOD = 0.03
WRINKLE_SIGMAS_IOD = (0.012, 0.024)
WRINKLE_RIDGE_L = 3.0
WORKING_IOD_PX = 256.0
"""Texture and wrinkles are measured on a copy of the face reduced so that the interocular
distance is at most this (about 4 px per mm): the same skin scale at any photo size, and fast."""
PORE_MIN_PX_PER_MM = 8.0
PORE_DIAMETER_MM = (0.1, 0.5)
PORE_CONTRAST_L = 3.0
REFLECTANCE_FLOOR = 1 / 255


@dataclass(frozen=True)
class Scale:
    """Millimetres per pixel; `measured` when it comes from the client's own pupil distance."""

    mm_per_px: float
    measured: bool

    @classmethod
    def of(cls, interpupil_px: float, pupil_distance_mm: float | None) -> Scale:
        if pupil_distance_mm is None:
            return cls(POPULATION_PUPIL_DISTANCE_MM / interpupil_px, measured=False)
        return cls(pupil_distance_mm / interpupil_px, measured=True)


@dataclass(frozen=True)
class Spots:
    count: int
    area_px: int
    area_mm2: float | None
    mean_contrast: float | None


@dataclass(frozen=True)
class Pores:
    count: int
    per_cm2: float


@dataclass(frozen=True)
class ZoneMeasures:
    """The measures of one zone; `to_json` gives the documented JSON object."""

    pixels: int
    l_star: float
    l_star_sd: float
    a_star: float
    a_star_sd: float
    b_star: float
    b_star_sd: float
    ita_deg: float
    ita_class: str | None
    erythema_index: float
    melanin_index: float
    spots: Spots
    texture: float
    wrinkles: float
    pores: Pores | None

    def to_json(self) -> dict[str, Any]:
        rounded: dict[str, Any] = _rounded(asdict(self))
        return rounded


def srgb_to_linear(rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
    """The sRGB transfer function undone (IEC 61966-2-1): values 0-1, proportional to light."""
    values = rgb.astype(np.float32) / 255
    linear: NDArray[np.float32] = np.where(
        values <= 0.04045, values / 12.92, ((values + 0.055) / 1.055) ** 2.4
    )
    return linear


def photo_ita(l_star: float, b_star: float) -> float:
    """ITA° = arctan((L* − 50) / b*) in degrees (Chardon 1991), always within ±90°.

    Skin has b* > 0. A photo with a blue cast can read b* ≤ 0, outside the formula's domain;
    there the angle is taken as its limit for b* falling to 0 from above, +90° when L* ≥ 50
    and −90° below: the angle stays continuous and never increases with b* (at a fixed
    L* > 50), and the zone still gets a class, flagged by its b* ≤ 0."""
    if b_star > 0:
        return ita_degrees(l_star, b_star)
    return 90.0 if l_star >= NO_ANGLE_L_STAR else -90.0


def clipped(rgb: NDArray[np.uint8]) -> Mask:
    """Pixels with a channel at or over the highlight level: their colour is lost."""
    burnt: Mask = rgb.max(axis=-1) >= HIGHLIGHT_LEVEL
    return burnt


@dataclass(frozen=True)
class Exclusions:
    """Pixels left out of the measures: clipped ones (out of everything) and spots (out of
    texture, wrinkles and pores). A comparison leaves out the union of both photos'
    exclusions from both, so a mark near the spot threshold, or a pixel near clipping, cannot
    count as skin in one photo and not in the other (that flipped the outer eye corner
    between "spot" and "wrinkle")."""

    clipped: Mask
    spots: Mask

    def __or__(self, other: Exclusions) -> Exclusions:
        return Exclusions(self.clipped | other.clipped, self.spots | other.spots)


def exclusions(rgb: NDArray[np.uint8], zones: ZoneMasks, scale: Scale) -> Exclusions:
    """This photo's own clipped pixels and spot pixels, over the crop `zones` covers."""
    contrast = ndimage.black_tophat(rgb2lab(rgb)[..., 0], size=_spot_width(zones.frame.iod_px))
    spots = np.zeros(zones.shape, bool)
    for zone in zones.masks.values():
        spots |= _spots(contrast, zone, zones.frame.iod_px, scale)[0]
    return Exclusions(clipped=clipped(rgb), spots=spots)


def measure_zones(
    rgb: NDArray[np.uint8],
    zones: ZoneMasks,
    scale: Scale,
    exclude: Exclusions | None = None,
) -> dict[str, ZoneMeasures]:
    """Every measure for every zone of `rgb`, a crop of the photo at `zones.box`.

    Pass zones through `skin_only` first to leave hair and deep shadow out. `exclude` (by
    default this photo's own `exclusions`) is left out as `Exclusions` says; spots are
    counted in each photo itself.
    """
    iod = zones.frame.iod_px
    lab: FloatImage = rgb2lab(rgb)
    lightness = lab[..., 0]
    linear = srgb_to_linear(rgb).astype(np.float64)
    if exclude is None:
        exclude = exclusions(rgb, zones, scale)
    # the texture's blur averages only pixels that are measured, so it does not see a mark
    # that is left out
    left_out = exclude.spots | exclude.clipped
    support = zones.union() & ~left_out
    contrast = ndimage.black_tophat(lightness, size=_spot_width(iod))
    working = min(1.0, WORKING_IOD_PX / iod)
    coarse = _shrunk(lightness, working)
    coarse_iod = iod * coarse.shape[0] / lightness.shape[0]
    coarse_support = _shrunk_mask(support, coarse.shape)
    high_pass = coarse - _masked_blur(coarse, coarse_support, TEXTURE_SIGMA_IOD * coarse_iod)
    ridges = sato(
        coarse,
        sigmas=[max(1.0, s * coarse_iod) for s in WRINKLE_SIGMAS_IOD],
        black_ridges=True,
        mode="reflect",
    )
    pores_allowed = 1 / scale.mm_per_px >= PORE_MIN_PX_PER_MM
    pore_contrast = _pore_contrast(lightness, scale) if pores_allowed else None

    results: dict[str, ZoneMeasures] = {}
    for name, zone in zones.masks.items():
        skin = zone & ~_highlights(lightness, zone) & ~exclude.clipped
        _, spots = _spots(contrast, zone, iod, scale)
        plain = skin & ~left_out
        coarse_plain = _shrunk_mask(plain, coarse.shape)
        l_mean, b_mean = _mean(lightness, skin), _mean(lab[..., 2], skin)
        ita = photo_ita(l_mean, b_mean)
        red, green = _mean(linear[..., 0], skin), _mean(linear[..., 1], skin)
        results[name] = ZoneMeasures(
            pixels=int(zone.sum()),
            l_star=l_mean,
            l_star_sd=_sd(lightness, skin),
            a_star=_mean(lab[..., 1], skin),
            a_star_sd=_sd(lab[..., 1], skin),
            b_star=b_mean,
            b_star_sd=_sd(lab[..., 2], skin),
            ita_deg=ita,
            ita_class=CLASSES.lookup(ita) if np.isfinite(ita) else None,
            erythema_index=_log_ratio(red, green),
            melanin_index=_log_ratio(1.0, red),
            spots=spots,
            texture=_rms(high_pass, coarse_plain),
            wrinkles=_share_percent(ridges >= WRINKLE_RIDGE_L, coarse_plain),
            pores=None if pore_contrast is None else _pores(pore_contrast, plain, scale),
        )
    return results


def _log_ratio(numerator: float, denominator: float) -> float:
    """100 · log10(numerator / denominator) of mean reflectances (floored at 1/255)."""
    if not (np.isfinite(numerator) and np.isfinite(denominator)):
        return float("nan")
    top, bottom = max(numerator, REFLECTANCE_FLOOR), max(denominator, REFLECTANCE_FLOOR)
    return 100 * float(np.log10(top / bottom))


def _spot_width(iod: float) -> int:
    return 2 * round(SPOT_MAX_RADIUS_IOD * iod) + 1


def _shrunk(values: FloatImage, factor: float) -> FloatImage:
    """The image reduced by `factor` (area averaging), or itself when `factor` is 1."""
    if factor >= 1.0:
        return values
    import cv2

    small = cv2.resize(values, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return np.asarray(small, np.float64)


def _shrunk_mask(mask: Mask, shape: tuple[int, ...]) -> Mask:
    if mask.shape == shape:
        return mask
    import cv2

    size = (shape[1], shape[0])
    small = cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    return np.asarray(small, bool)


def _rms(values: FloatImage, mask: Mask) -> float:
    return float(np.sqrt(np.mean(values[mask] ** 2))) if mask.any() else float("nan")


def _share_percent(flags: Mask, mask: Mask) -> float:
    return 100 * float(flags[mask].mean()) if mask.any() else float("nan")


def _mean(values: FloatImage, mask: Mask) -> float:
    return float(values[mask].mean()) if mask.any() else float("nan")


def _sd(values: FloatImage, mask: Mask) -> float:
    return float(values[mask].std()) if mask.any() else float("nan")


def _highlights(lightness: FloatImage, zone: Mask) -> Mask:
    """Specular highlights: lighter than the zone's median by more than 3 scaled MADs."""
    if not zone.any():
        return zone
    values = lightness[zone]
    median = float(np.median(values))
    spread = 1.4826 * float(np.median(np.abs(values - median)))
    highlight: Mask = zone & (lightness > median + HIGHLIGHT_MADS * max(spread, 1.0))
    return highlight


def skin_only(rgb: NDArray[np.uint8], zones: ZoneMasks) -> ZoneMasks:
    """The zones without hair, beard or deep shadow found in `rgb`.

    A comparison takes them from the before photo and measures both photos through the same
    masks, so a pixel near a threshold cannot count in one photo and not in the other; a
    margin around hair and shadow keeps a slight misregistration from bringing them in.
    """
    not_skin = _hair_and_shadow(rgb2lab(rgb), zones.union(), zones.frame.iod_px)
    if not_skin.any():
        margin = max(1, round(NON_SKIN_MARGIN_IOD * zones.frame.iod_px))
        not_skin = ndimage.binary_dilation(not_skin, iterations=margin)
    return replace(zones, masks={name: mask & ~not_skin for name, mask in zones.masks.items()})


def _hair_and_shadow(lab: FloatImage, support: Mask, iod: float) -> Mask:
    """Broad areas that are not skin: much darker or yellower than the face's median skin and
    larger than a spot (hair over the forehead, beard, deep shadow)."""
    if not support.any():
        return support
    median_l = float(np.median(lab[..., 0][support]))
    median_b = float(np.median(lab[..., 2][support]))
    unlike = support & (
        (lab[..., 0] < median_l - NON_SKIN_DARKER_L)
        | (lab[..., 2] > median_b + NON_SKIN_YELLOWER_B)
    )
    labels, found = ndimage.label(unlike)
    if not found:
        return unlike
    areas = np.bincount(labels.ravel())
    areas[0] = 0
    broad: Mask = areas[labels] > np.pi * (SPOT_MAX_RADIUS_IOD * iod) ** 2
    return broad


def _masked_blur(values: FloatImage, mask: Mask, sigma: float) -> FloatImage:
    """Gaussian blur that only averages pixels inside `mask` (normalised convolution)."""
    weights = ndimage.gaussian_filter(mask.astype(np.float64), sigma)
    blurred = ndimage.gaussian_filter(np.where(mask, values, 0.0), sigma)
    out: FloatImage = blurred / np.maximum(weights, 1e-6)
    return out


def _spots(contrast: FloatImage, zone: Mask, iod: float, scale: Scale) -> tuple[Mask, Spots]:
    """Dark blobs: darker than the skin around them by the threshold, of spot size.

    `contrast` is the black top-hat of L* (closing minus image; Meyer F, 1979): darker than
    everything within a spot's width, so broad dark areas such as hair or shadow are left out.
    """
    candidates = zone & (contrast >= SPOT_CONTRAST_L)
    labels, found = ndimage.label(candidates)
    if found == 0:
        return candidates, Spots(0, 0, 0.0 if scale.measured else None, None)
    areas = np.bincount(labels.ravel())[1:]
    smallest = max(
        SPOT_MIN_AREA_PX,
        np.pi * (SPOT_MIN_RADIUS_IOD * iod) ** 2,
        np.pi * (PORE_DIAMETER_MM[1] / 2 / scale.mm_per_px) ** 2,  # smaller marks are pores
    )
    largest = np.pi * (SPOT_MAX_RADIUS_IOD * iod) ** 2
    kept = np.flatnonzero((areas >= smallest) & (areas <= largest)) + 1
    mask: Mask = np.isin(labels, kept)
    area_px = int(mask.sum())
    return mask, Spots(
        count=len(kept),
        area_px=area_px,
        area_mm2=area_px * scale.mm_per_px**2 if scale.measured else None,
        mean_contrast=float(contrast[mask].mean()) if area_px else None,
    )


def _pore_contrast(lightness: FloatImage, scale: Scale) -> FloatImage:
    """Difference of Gaussians tuned to pore size: positive where darker than around it."""
    px_per_mm = 1 / scale.mm_per_px
    small, large = (d / 2 * px_per_mm for d in PORE_DIAMETER_MM)
    dog: FloatImage = ndimage.gaussian_filter(lightness, large) - ndimage.gaussian_filter(
        lightness, small / 2
    )
    return dog


def _pores(pore_contrast: FloatImage, skin: Mask, scale: Scale) -> Pores:
    candidates = skin & (pore_contrast >= PORE_CONTRAST_L)
    labels, found = ndimage.label(candidates)
    areas = np.bincount(labels.ravel())[1:] * scale.mm_per_px**2
    low, high = (np.pi * (d / 2) ** 2 for d in PORE_DIAMETER_MM)
    count = int(((areas >= low) & (areas <= high)).sum()) if found else 0
    area_cm2 = skin.sum() * scale.mm_per_px**2 / 100
    return Pores(count=count, per_cm2=count / area_cm2 if area_cm2 else 0.0)


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return None if np.isnan(value) else round(value, 3)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value

"""Synthetic photos of a ColorChecker Classic and skin patches of known CIELAB colour, taken
under several lights by cameras that differ from sRGB: the ground truth of colour calibration.

A scene is a plain grey background with the 24-patch chart (on its black frame) and twelve
skin patches, two per phototype band of ITA° (Chardon 1991; Del Bino 2006), from -50° to
+60°, all at a* 10, b* 15. A capture: the scene's colours (CIE XYZ, D65) as seen under
another light (Bradford adaptation from D65 to the light's white, standing for a camera that
was not white-balanced to it); through a camera matrix (a wide-gamut one, as camera sensors
see every surface colour without negative values: the ProPhoto RGB matrix with each entry off
by up to ±8 %); exposed so that the chart's white reaches 70 % or 95 % of full scale in its
brightest channel (as auto-exposure would); encoded with a power-law gamma (2.0 or 2.4)
instead of the sRGB curve; with Gaussian noise (1 or 2 DN); as 8-bit.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

SKIN_A, SKIN_B = 10.0, 15.0
BANDS = {
    "I (very light)": (57.0, 60.0),
    "II (light)": (45.0, 52.0),
    "III (intermediate)": (31.0, 38.0),
    "IV (tan)": (14.0, 24.0),
    "V (brown)": (-20.0, 0.0),
    "VI (dark)": (-50.0, -40.0),
}
"""Two skin patches per ITA° band; the phototype each band usually goes with in brackets."""
SIDE_PX = 1024
PATCH_PX = 44
GAP_PX = 10
CHART_ORIGIN = (700, 80)
SKIN_PX = 60
SKIN_ROW = 120
BACKGROUND = 0.45
LIGHTS = ("D65", "D50", "A", "FL2")


@dataclass(frozen=True)
class Capture:
    light: str
    camera_seed: int
    exposure: float
    gamma: float
    noise_dn: float


@dataclass(frozen=True)
class Scene:
    rgb: NDArray[np.uint8]
    skin_boxes: list[tuple[int, int, int, int]]
    """(top, left, bottom, right) of each skin patch, in `skin_ita` order."""
    skin_ita: list[float]
    skin_band: list[str]


def skin_lab() -> tuple[NDArray[np.float64], list[float], list[str]]:
    """L*a*b* of the skin patches with their true ITA° and band."""
    rows, angles, bands = [], [], []
    for band, pair in BANDS.items():
        for angle in pair:
            rows.append((50.0 + SKIN_B * math.tan(math.radians(angle)), SKIN_A, SKIN_B))
            angles.append(angle)
            bands.append(band)
    return np.array(rows), angles, bands


def captures() -> list[Capture]:
    """The captures the validation runs: every light with two cameras, gammas and noise."""
    found = []
    for number, light in enumerate(LIGHTS):
        for camera in (0, 1):
            found.append(
                Capture(
                    light=light,
                    camera_seed=10 * number + camera,
                    exposure=(0.7, 0.95)[camera],
                    gamma=(2.0, 2.4)[camera],
                    noise_dn=(1.0, 2.0)[camera],
                )
            )
    return found


def scene(capture: Capture) -> Scene:
    import colour

    from microneedling.imaging.calibration import CHART

    lab, angles, bands = skin_lab()
    chart = colour.CCS_COLOURCHECKERS[CHART]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chart_xyz = colour.chromatic_adaptation(
            colour.xyY_to_XYZ(np.array(list(chart.data.values()))),
            colour.xy_to_XYZ(chart.illuminant),
            colour.xy_to_XYZ(colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D65"]),
            method="Von Kries",
            transform="Bradford",
        )
    d65 = colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D65"]
    skin_xyz = colour.Lab_to_XYZ(lab, d65)
    grey_xyz = colour.sRGB_to_XYZ(np.array([BACKGROUND] * 3), apply_cctf_decoding=False)
    black_xyz = colour.sRGB_to_XYZ(np.array([0.03] * 3), apply_cctf_decoding=False)

    xyz = np.empty((SIDE_PX, SIDE_PX, 3))
    xyz[:] = grey_xyz
    top, left = CHART_ORIGIN
    width, height = 6 * PATCH_PX + 7 * GAP_PX, 4 * PATCH_PX + 5 * GAP_PX
    xyz[top : top + height, left : left + width] = black_xyz
    for index in range(24):
        row, col = divmod(index, 6)
        y = top + GAP_PX + row * (PATCH_PX + GAP_PX)
        x = left + GAP_PX + col * (PATCH_PX + GAP_PX)
        xyz[y : y + PATCH_PX, x : x + PATCH_PX] = chart_xyz[index]
    boxes = []
    for index, colour_xyz in enumerate(skin_xyz):
        row, col = divmod(index, 6)
        y, x = SKIN_ROW + row * (SKIN_PX + 40), 80 + col * (SKIN_PX + 40)
        xyz[y : y + SKIN_PX, x : x + SKIN_PX] = colour_xyz
        boxes.append((y + 10, x + 10, y + SKIN_PX - 10, x + SKIN_PX - 10))

    light = colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"][capture.light]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lit = colour.chromatic_adaptation(
            xyz,
            colour.xy_to_XYZ(d65),
            colour.xy_to_XYZ(light),
            method="Von Kries",
            transform="Bradford",
        )
    rng = np.random.default_rng(capture.camera_seed)
    matrix = colour.RGB_COLOURSPACES["ProPhoto RGB"].matrix_XYZ_to_RGB
    camera = matrix * (1 + rng.uniform(-0.08, 0.08, (3, 3)))
    raw = lit @ camera.T
    white = raw[top + GAP_PX + 3 * (PATCH_PX + GAP_PX) + PATCH_PX // 2, left + GAP_PX + 2]
    linear = np.clip(capture.exposure / white.max() * raw, 0.0, 1.0)
    encoded = linear ** (1 / capture.gamma) * 255
    noisy = encoded + rng.normal(0.0, capture.noise_dn, encoded.shape)
    rgb = np.asarray(np.clip(np.round(noisy), 0, 255), np.uint8)
    return Scene(rgb=rgb, skin_boxes=boxes, skin_ita=angles, skin_band=bands)


def patch_ita(rgb: NDArray[np.uint8], box: tuple[int, int, int, int]) -> float:
    """ITA° of a patch of an 8-bit sRGB photo, from its mean L* and b*."""
    from skimage.color import rgb2lab

    from microneedling.imaging.metrics import photo_ita

    top, left, bottom, right = box
    lab = rgb2lab(rgb[top:bottom, left:right]).reshape(-1, 3).mean(axis=0)
    return photo_ita(float(lab[0]), float(lab[2]))


@dataclass(frozen=True)
class Result:
    """One capture, before and after calibration."""

    capture: Capture
    chart_found: bool
    delta_e_before: NDArray[np.float64]
    delta_e_after: NDArray[np.float64]
    ita_error_before: dict[str, list[float]]
    ita_error_after: dict[str, list[float]]


def evaluate(capture: Capture) -> Result:
    """Calibrate one synthetic capture and measure the chart's ΔE2000 and each skin patch's
    ITA° error, before (the photo read as sRGB) and after the correction."""
    from microneedling.imaging import calibration

    shot = scene(capture)
    corrected, found = calibration.calibrate(shot.rgb)
    swatches = calibration.find_chart(shot.rgb)
    reference = calibration.reference_linear()
    if swatches is None or not found.chart_found:
        empty = np.array([np.nan])
        return Result(capture, False, empty, empty, {}, {})
    as_srgb = np.where(swatches <= 0.04045, swatches / 12.92, ((swatches + 0.055) / 1.055) ** 2.4)
    before: dict[str, list[float]] = {}
    after: dict[str, list[float]] = {}
    for box, angle, band in zip(shot.skin_boxes, shot.skin_ita, shot.skin_band, strict=True):
        before.setdefault(band, []).append(patch_ita(shot.rgb, box) - angle)
        after.setdefault(band, []).append(patch_ita(corrected, box) - angle)
    return Result(
        capture=capture,
        chart_found=True,
        delta_e_before=calibration.delta_e2000(as_srgb, reference),
        delta_e_after=calibration.delta_e2000(
            calibration.correct(swatches, swatches).astype(np.float64), reference
        ),
        ita_error_before=before,
        ita_error_after=after,
    )


def srgb_card() -> NDArray[np.uint8]:
    """The chart as an sRGB camera would show it under D65, on its black frame with a grey
    margin: a card that agrees with a photo already in sRGB."""
    from microneedling.imaging.calibration import encode, reference_linear

    margin = 40
    width = 6 * PATCH_PX + 7 * GAP_PX + 2 * margin
    height = 4 * PATCH_PX + 5 * GAP_PX + 2 * margin
    linear = np.full((height, width, 3), 0.2, np.float32)
    linear[margin:-margin, margin:-margin] = 0.003
    for index, colour in enumerate(reference_linear()):
        row, col = divmod(index, 6)
        y = margin + GAP_PX + row * (PATCH_PX + GAP_PX)
        x = margin + GAP_PX + col * (PATCH_PX + GAP_PX)
        linear[y : y + PATCH_PX, x : x + PATCH_PX] = colour
    return encode(linear)

"""Colour calibration with an X-Rite ColorChecker Classic (24 patches) in the photo.

When the chart is found (`colour-checker-detection`, segmentation method), its 24 patches
are read from the photo; the camera's tone curve is undone by a power law per channel fitted
on the chart's six greys, then a root-polynomial colour correction of degree 2
(Finlayson GD, Mackiewicz M, Hurlbert A, IEEE Trans Image Process 2015;24(5):1460-1470;
`colour.colour_correction`, method "Finlayson 2015") maps them onto the chart's published
values (X-Rite, after November 2014; D50 values adapted to the D65 white of sRGB by the
Bradford transform). The same correction is applied to the whole photo. Root-polynomial terms
scale with exposure, so a brighter or darker photo is corrected the same way.

`chart_found` false means the colour is uncalibrated: the measures are then camera colour,
comparable only between photos taken the same way. The ΔE2000 (CIE 2001; Sharma G, Wu W,
Dalal EN, Color Res Appl 2005;30(1):21-30) reported is that of the chart's patches after the
correction, against the reference: how well the correction fits.

The libraries load only when a photo is calibrated (they take about 2 s to import).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from microneedling.imaging.errors import ImagingUnavailableError

CHART = "ColorChecker24 - After November 2014"
METHOD = "Finlayson 2015"
DEGREE = 2
DETECT_WORKING_WIDTH_PX = 720
"""The chart is looked for on a copy of this width (the detector's default, 1440, is several
times slower; a chart beside a face is still some 40 px a patch at this size)."""
DETECT_DENOISING_PASSES = 2
"""Bilateral filter passes before the detector segments (its default 5 takes most of its
time; the patches are large and flat)."""


@dataclass(frozen=True)
class Calibration:
    """Whether a chart was found, and how well the correction fits its 24 patches."""

    chart_found: bool
    delta_e2000_mean: float | None = None
    delta_e2000_p95: float | None = None
    swatches: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)

    def apply(self, rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
        """`rgb` (the photo or a crop of it) corrected to the chart; unchanged without one."""
        if self.swatches is None:
            return rgb
        return encode(correct(rgb.astype(np.float32) / 255, self.swatches))

    def to_json(self) -> dict[str, Any]:
        return {
            "chart_found": self.chart_found,
            "delta_e2000_mean": _rounded(self.delta_e2000_mean),
            "delta_e2000_p95": _rounded(self.delta_e2000_p95),
            "colour": "calibrated" if self.chart_found else "uncalibrated",
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def reference_linear() -> NDArray[np.float64]:
    """The chart's 24 patches in linear sRGB (D65), rows in the chart's reading order."""
    import colour

    chart = colour.CCS_COLOURCHECKERS[CHART]
    xyz = colour.xyY_to_XYZ(np.array(list(chart.data.values())))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        linear = colour.XYZ_to_RGB(
            xyz,
            colour.RGB_COLOURSPACES["sRGB"],
            illuminant=chart.illuminant,
            chromatic_adaptation_transform="Bradford",
            apply_cctf_encoding=False,
        )
    return np.asarray(linear, np.float64)


def find_chart(rgb: NDArray[np.uint8]) -> NDArray[np.float64] | None:
    """The 24 patches' mean RGB as the photo encodes it (0-1), or None without a chart."""
    try:
        from colour_checker_detection import detect_colour_checkers_segmentation
    except ImportError as error:
        raise ImagingUnavailableError(str(error)) from error

    factor = min(1.0, DETECT_WORKING_WIDTH_PX / rgb.shape[1])
    small = rgb if factor == 1.0 else _resized(rgb, factor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = detect_colour_checkers_segmentation(
            small.astype(np.float32) / 255,
            additional_data=True,
            working_width=DETECT_WORKING_WIDTH_PX,
            working_height=round(DETECT_WORKING_WIDTH_PX * 2 / 3),
            bilateral_filter_iterations=DETECT_DENOISING_PASSES,
        )
    if not found:
        return None
    swatches = np.asarray(found[0].swatch_colours, np.float64)
    return swatches if swatches.shape == (24, 3) and np.isfinite(swatches).all() else None


NEUTRALS = slice(18, 24)
"""The chart's bottom row: white to black, six greys of known reflectance."""


def tone_exponents(swatches: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per channel, the exponent k that makes the photo's encoded greys proportional to the
    chart's reflectances (a least-squares line through log reference against log encoded): the
    camera's own tone curve undone as a power law, whatever curve the file claims."""
    reference = reference_linear()[NEUTRALS]
    measured = swatches[NEUTRALS]
    exponents = np.full(3, 2.2)
    for channel in range(3):
        x, y = measured[:, channel], reference[:, channel]
        usable = (x > 1e-3) & (x < 0.98)
        if usable.sum() >= 3:
            slope = np.polyfit(np.log(x[usable]), np.log(y[usable]), 1)[0]
            exponents[channel] = float(np.clip(slope, 1.0, 3.5))
    return exponents


def correct(
    encoded: NDArray[np.floating[Any]], swatches: NDArray[np.float64]
) -> NDArray[np.float32]:
    """Encoded RGB (0-1) corrected to linear sRGB so the swatches land on the chart's
    reference: the tone curve first (`tone_exponents`), then the colours (Finlayson 2015).

    The 3 x 6 matrix is fitted by `colour` on the 24 patches; it is applied here in single
    precision to the terms R, G, B, √(RG), √(GB), √(RB) (the order `colour` fits them in)."""
    from colour.characterisation import matrix_colour_correction

    exponents = tone_exponents(swatches)
    matrix = np.asarray(
        matrix_colour_correction(
            swatches**exponents, reference_linear(), method=METHOD, degree=DEGREE
        ),
        np.float32,
    )
    linear = np.clip(np.asarray(encoded, np.float32), 0.0, None) ** exponents.astype(np.float32)
    red, green, blue = linear[..., 0], linear[..., 1], linear[..., 2]
    terms = np.stack(
        [red, green, blue, np.sqrt(red * green), np.sqrt(green * blue), np.sqrt(red * blue)],
        axis=-1,
    )
    corrected: NDArray[np.float32] = terms @ matrix.T
    return corrected


def delta_e2000(linear: NDArray[np.float64], reference: NDArray[np.float64]) -> NDArray[np.float64]:
    """CIEDE2000 between two sets of linear sRGB colours."""
    import colour

    def lab(values: NDArray[np.float64]) -> NDArray[np.float64]:
        xyz = colour.RGB_to_XYZ(
            np.clip(values, 0.0, None),
            colour.RGB_COLOURSPACES["sRGB"],
            apply_cctf_decoding=False,
        )
        return np.asarray(colour.XYZ_to_Lab(xyz), np.float64)

    return np.asarray(colour.delta_E(lab(linear), lab(reference), method="CIE 2000"), np.float64)


def find_calibration(rgb: NDArray[np.uint8]) -> Calibration:
    """Look for the chart; when found, the correction to it (`Calibration.apply`) and its fit."""
    swatches = find_chart(rgb)
    if swatches is None:
        return Calibration(chart_found=False)
    fitted = delta_e2000(correct(swatches, swatches).astype(np.float64), reference_linear())
    return Calibration(
        chart_found=True,
        delta_e2000_mean=float(fitted.mean()),
        delta_e2000_p95=float(np.percentile(fitted, 95)),
        swatches=swatches,
    )


def calibrate(rgb: NDArray[np.uint8]) -> tuple[NDArray[np.uint8], Calibration]:
    """The whole photo corrected to the chart's reference when a chart is in it; else the
    photo unchanged and `chart_found` false."""
    calibration = find_calibration(rgb)
    return calibration.apply(rgb), calibration


def encode(linear: NDArray[np.floating[Any]]) -> NDArray[np.uint8]:
    """Linear RGB back to 8-bit sRGB (IEC 61966-2-1), clipped, in single precision."""
    values = np.clip(np.asarray(linear, np.float32), 0.0, 1.0)
    curve = np.float32(1.055) * values ** np.float32(1 / 2.4) - np.float32(0.055)
    encoded = np.where(values <= 0.0031308, np.float32(12.92) * values, curve)
    return np.asarray(np.round(encoded * 255), np.uint8)


def _resized(rgb: NDArray[np.uint8], factor: float) -> NDArray[np.uint8]:
    from PIL import Image

    height, width = rgb.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))

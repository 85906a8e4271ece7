"""Figures a clinician can read at a glance: the photo(s) with the zones drawn on them, and one
bar chart per measure with the change in every zone (after - before)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import NDArray

from microneedling.imaging.analysis import Analysis
from microneedling.imaging.compare import Comparison
from microneedling.imaging.repeatability import detectable, mdc
from microneedling.imaging.zones import ZoneMasks

# (measure, title with the sign convention of a positive change)
CHANGE_PANELS = (
    ("a_star", "a* (redness): + redder"),
    ("erythema_index", "Erythema index: + redder"),
    ("melanin_index", "Melanin index: + darker"),
    ("l_star", "L* (lightness): + lighter"),
    ("spots", "Spots (count): + more spots"),
    ("texture", "Texture (RMS L*): + rougher"),
    ("wrinkles", "Wrinkles (% ridge px): + more lines"),
)
LEVEL_PANELS = (
    ("a_star", "a* (redness)"),
    ("ita_deg", "ITA° (dotted: class limits; higher = lighter)"),
    ("melanin_index", "Melanin index"),
    ("texture", "Texture (RMS L*)"),
)
ITA_CLASS_LIMITS = (-30, 10, 28, 41, 55)  # Chardon 1991, Del Bino 2006 (scores.md `ita`)
UP_COLOUR, DOWN_COLOUR, NOISE_COLOUR = "#c0392b", "#2471a3", "#bbbbbb"
ZONE_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79",
)  # fmt: skip


def _overlay(axes: Axes, rgb: NDArray[np.uint8], zones: ZoneMasks, title: str) -> None:
    """The photo with each zone outlined and named, so the skin itself stays visible."""
    axes.imshow(rgb)
    for colour, (name, mask) in zip(ZONE_COLOURS, zones.masks.items(), strict=False):
        if not mask.any():
            continue
        axes.contour(mask.astype(float), levels=[0.5], colors=[colour], linewidths=1.2)
        rows, cols = np.nonzero(mask)
        axes.text(
            float(cols.mean()), float(rows.mean()), name.replace("_", "\n"),
            fontsize=6, ha="center", va="center", color="white",
            bbox={"facecolor": colour, "alpha": 0.6, "pad": 1, "linewidth": 0},
        )  # fmt: skip
    axes.set_title(title, fontsize=10)
    axes.axis("off")


def _bars(
    axes: Axes,
    names: list[str],
    values: list[float],
    title: str,
    mdcs: list[float] | None = None,
) -> None:
    """Horizontal bars, one per zone; with `mdcs`, changes below them are grey and the band
    of the smallest MDC is shaded."""
    positions = np.arange(len(names))
    if mdcs is None:
        colours = ["#7f8c8d"] * len(values)
    else:
        colours = [
            UP_COLOUR
            if detectable(value, limit) and value > 0
            else DOWN_COLOUR
            if detectable(value, limit)
            else NOISE_COLOUR
            for value, limit in zip(values, mdcs, strict=True)
        ]
        band = min(mdcs)
        axes.axvspan(-band, band, color="#eeeeee", zorder=0)
    axes.barh(positions, values, color=colours)
    axes.set_yticks(positions, [name.replace("_", " ") for name in names], fontsize=7)
    axes.invert_yaxis()
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_title(title, fontsize=8)
    axes.tick_params(axis="x", labelsize=7)


def _value(measures: dict[str, object], key: str) -> float:
    value = measures[key]
    if isinstance(value, dict):
        value = value["count"]
    return float(value) if isinstance(value, int | float) else float("nan")


def _save(figure: Figure, out: str | Path) -> None:
    FigureCanvasAgg(figure)
    figure.savefig(out, dpi=130)


def plot_comparison(comparison: Comparison, out: str | Path) -> None:
    """Before and aligned after with zones, and a bar chart of each measure's change."""
    figure = Figure(figsize=(17, 10), layout="constrained")
    grid = figure.add_gridspec(4, 6)
    _overlay(figure.add_subplot(grid[:, 0:2]), comparison.before_crop, comparison.zones, "Before")
    _overlay(
        figure.add_subplot(grid[:, 2:4]),
        comparison.after_crop,
        comparison.zones,
        "After (aligned, colour-matched)",
    )
    names = list(comparison.zones.masks)
    before = {name: comparison.before[name].to_json() for name in names}
    after = {name: comparison.after[name].to_json() for name in names}
    cells = [grid[row, col] for row in range(4) for col in (4, 5)]
    for cell, (key, title) in zip(cells, CHANGE_PANELS, strict=False):
        deltas = [_value(after[n], key) - _value(before[n], key) for n in names]
        mdcs = [
            mdc(key, n, _value(before[n], key), landmarker=comparison.before_face.backend)
            if comparison.alignment.refined
            else 0.0
            for n in names
        ]
        _bars(figure.add_subplot(cell), names, deltas, f"Δ {title}", mdcs)
    figure.suptitle(
        "Change per zone, after − before. Red: went up; blue: went down; grey: no detectable "
        "change (below the zone's MDC95, docs/imaging.md)"
        if comparison.alignment.refined
        else "Change per zone, after − before. Aligned by landmarks only: not judged against "
        "the MDC95 (docs/imaging.md)",
        fontsize=11,
    )
    _save(figure, out)


def plot_analysis(analysis: Analysis, out: str | Path) -> None:
    """The photo with zones, and the main measures per zone."""
    figure = Figure(figsize=(13, 7), layout="constrained")
    grid = figure.add_gridspec(2, 4)
    _overlay(figure.add_subplot(grid[:, 0:2]), analysis.crop, analysis.zones, "Zones")
    names = list(analysis.zones.masks)
    rows = {name: analysis.measures[name].to_json() for name in names}
    cells = [grid[row, col] for col in (2, 3) for row in (0, 1)]
    for cell, (key, title) in zip(cells, LEVEL_PANELS, strict=True):
        values = [_value(rows[n], key) for n in names]
        axes = figure.add_subplot(cell)
        _bars(axes, names, values, title)
        if key == "ita_deg":
            for limit in ITA_CLASS_LIMITS:
                axes.axvline(limit, color="#555555", linestyle=":", linewidth=0.8)
    _save(figure, out)

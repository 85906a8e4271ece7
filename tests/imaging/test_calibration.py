"""Colour calibration: a ColorChecker in a synthetic photo is found and the photo corrected to
its reference well enough for ITA° in every phototype band; without a chart the photo is left
as it is and said to be uncalibrated."""

from __future__ import annotations

import json
from pathlib import Path

import chart_scenes
import numpy as np
import pytest
import synthetic
from numpy.typing import NDArray
from PIL import Image
from typer.testing import CliRunner

from microneedling.cli import app
from microneedling.imaging.calibration import calibrate
from microneedling.imaging.compare import compare_photos
from microneedling.imaging.faces import Landmarker
from microneedling.imaging.repeatability import mdc

GOAL_DELTA_E_MEAN = 2.0
GOAL_ITA_ERROR_DEG = 3.0
HARD_CAPTURES = (
    chart_scenes.Capture("A", camera_seed=20, exposure=0.7, gamma=2.0, noise_dn=1.0),
    chart_scenes.Capture("FL2", camera_seed=31, exposure=0.95, gamma=2.4, noise_dn=2.0),
)
"""Tungsten light with a dim exposure, fluorescent light with more noise."""


@pytest.mark.parametrize("capture", HARD_CAPTURES, ids=lambda c: c.light)
def test_a_chart_is_found_and_the_photo_corrected_to_it(capture: chart_scenes.Capture) -> None:
    result = chart_scenes.evaluate(capture)
    assert result.chart_found
    assert result.delta_e_before.mean() > 5  # the capture really is off
    assert result.delta_e_after.mean() <= GOAL_DELTA_E_MEAN
    for band, errors in result.ita_error_after.items():
        assert max(map(abs, errors)) <= GOAL_ITA_ERROR_DEG, band
    assert set(result.ita_error_after) == set(chart_scenes.BANDS)


def test_without_a_chart_the_photo_is_unchanged_and_uncalibrated(
    before_rgb: NDArray[np.uint8],
) -> None:
    corrected, calibration = calibrate(before_rgb)
    assert corrected is before_rgb
    assert calibration.to_json() == {
        "chart_found": False,
        "delta_e2000_mean": None,
        "delta_e2000_p95": None,
        "colour": "uncalibrated",
    }


def test_analyze_reports_a_chart_beside_the_face(
    before_rgb: NDArray[np.uint8], tmp_path: Path
) -> None:
    photo = before_rgb.copy()
    card = chart_scenes.srgb_card()
    photo[-card.shape[0] :, -card.shape[1] :] = card  # lower right, clear of the face
    path = tmp_path / "with-chart.png"
    Image.fromarray(photo).save(path)
    result = CliRunner().invoke(app, ["analyze", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["calibration"]["chart_found"] is True
    assert data["calibration"]["delta_e2000_mean"] <= GOAL_DELTA_E_MEAN
    assert data["calibration"]["colour"] == "calibrated"
    card_check = next(c for c in data["quality"]["checks"] if c["name"] == "colour_card")
    assert card_check["passed"] is True


def test_compare_corrects_both_photos_to_their_charts(
    before_rgb: NDArray[np.uint8], landmarker: Landmarker, tmp_path: Path
) -> None:
    """The after photo is taken with another tone curve and a warmer light, which grey-world
    gains cannot undo; with a chart in both photos each is corrected to it and the unchanged
    skin shows no detectable change."""
    card = chart_scenes.srgb_card()
    before = before_rgb.copy()
    before[-card.shape[0] :, -card.shape[1] :] = card
    moved = synthetic.moved(before, synthetic.ROTATION_DEG, synthetic.SHIFT_PX)
    warmer = (moved / 255.0) ** np.array([1.0, 1.15, 1.35])  # a different tone curve per channel
    after = np.asarray(np.round(warmer * 255), np.uint8)
    paths = tmp_path / "before.png", tmp_path / "after.png"
    Image.fromarray(before).save(paths[0])
    Image.fromarray(after).save(paths[1])
    result = compare_photos(*paths, landmarker=landmarker)
    data = result.to_json()
    assert data["colour_normalisation"]["method"] == "colour_chart"
    assert data["calibration"]["after"]["chart_found"] is True
    for zone in ("cheek_left", "cheek_right", "forehead"):
        for measure in ("l_star", "a_star", "b_star"):
            change = data["zones"][zone][measure]["change"]
            assert abs(change) < mdc(measure, zone, 0.0, landmarker=landmarker.name), (
                zone,
                measure,
                change,
            )

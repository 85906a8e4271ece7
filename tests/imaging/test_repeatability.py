"""The noise limits `compare` uses are measured, and they hold for repeat captures that were
not in the measurement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from microneedling.imaging import repeatability
from microneedling.imaging.compare import Comparison
from microneedling.imaging.faces import Face, Landmarker

FRESH_SEED = 99
"""Not a seed of the calibration sets (noise_levels.toml [method] seeds)."""


def test_every_limit_is_the_measured_spread_times_the_safety_factor() -> None:
    stored = repeatability.noise_file()
    assert stored["method"]["safety_factor"] == repeatability.SAFETY_FACTOR
    assert set(stored["limit"]) == set(repeatability.MEASURES)
    for measure, by_zone in stored["limit"].items():
        for zone, limit in by_zone.items():
            expected = repeatability.SAFETY_FACTOR * stored["spread"][measure][zone]
            assert limit == pytest.approx(expected, abs=1e-4), (measure, zone)


def test_every_zone_compare_reports_has_a_limit(null_comparison: Comparison) -> None:
    for measure in repeatability.MEASURES:
        assert set(null_comparison.zones.masks) <= set(repeatability.noise_file()["limit"][measure])


def test_the_method_in_the_file_is_the_one_in_the_code() -> None:
    method = repeatability.noise_file()["method"]
    assert FRESH_SEED not in method["seeds"]
    assert method["max_rotation_deg"] == repeatability.MAX_ROTATION_DEG
    assert method["max_shift_px"] == repeatability.MAX_SHIFT_PX
    assert tuple(method["jpeg_quality"]) == repeatability.JPEG_QUALITY
    assert method["landmark_jitter_px"] == repeatability.LANDMARK_JITTER_PX


def test_fresh_repeat_captures_stay_within_the_limits(
    before_rgb: NDArray[np.uint8], landmarker: Landmarker, tmp_path: Path
) -> None:
    captures = repeatability.repeat_captures(2, FRESH_SEED)
    for run in repeatability.unchanged_deltas(before_rgb, captures, landmarker, tmp_path):
        for zone, changes in run.items():
            for measure, change in changes.items():
                limit = repeatability.noise_level(measure, zone, 1.0)
                assert change <= limit, (zone, measure, change, limit)


def test_repeat_captures_are_reproducible_and_within_their_ranges() -> None:
    captures = repeatability.repeat_captures(50, 3)
    assert captures == repeatability.repeat_captures(50, 3)
    for capture in captures:
        assert abs(capture.rotation_deg) <= repeatability.MAX_ROTATION_DEG
        assert max(map(abs, capture.shift_px)) <= repeatability.MAX_SHIFT_PX
        low, high = repeatability.JPEG_QUALITY
        assert low <= capture.jpeg_quality <= high


def test_jitter_moves_every_landmark_by_about_its_sigma(
    before_rgb: NDArray[np.uint8], landmarker: Landmarker
) -> None:
    plain = landmarker.faces(before_rgb)[0]
    jittered: Face = repeatability.JitteredLandmarker(landmarker, 1.0, seed=1).faces(before_rgb)[0]
    moved = jittered.points - plain.points
    assert moved.std() == pytest.approx(1.0, rel=0.1)
    assert np.abs(moved.mean()) < 0.1

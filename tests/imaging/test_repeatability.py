"""The minimal detectable changes `compare` uses are measured, the documentation is generated
from the same file, and repeat captures that were not in the study stay below them."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from microneedling.imaging import repeatability
from microneedling.imaging.compare import Comparison
from microneedling.imaging.faces import Face, Landmarker

FRESH_SEED = 99
"""Not a seed of the study (mdc.toml [method] seed and the seeds after it, one per image)."""
DOC = Path(__file__).resolve().parents[2] / "docs" / "imaging.md"


BACKENDS = {"mediapipe-face-mesh-478", "dlib-68"}


def test_every_mdc_is_1_96_root_2_times_the_largest_sem_of_its_backend() -> None:
    stored = repeatability.mdc_file()
    assert set(stored["mdc"]) == set(stored["method"]["landmarkers"]) == BACKENDS
    for backend, by_measure in stored["mdc"].items():
        assert set(by_measure) == set(repeatability.MEASURES)
        for measure, by_zone in by_measure.items():
            for zone, value in by_zone.items():
                faces = [face[measure][zone] for face in stored["face_sem"][backend].values()]
                sem = max(faces)
                assert stored["sem"][backend][measure][zone] == pytest.approx(sem, abs=2e-4)
                floor = repeatability.MDC_FLOOR.get(measure, 0)
                expected = max(1.96 * math.sqrt(2) * sem, floor)
                assert value == pytest.approx(expected, abs=1e-3), (backend, measure, zone)


def test_each_backend_is_judged_by_its_own_mdcs() -> None:
    stored = repeatability.mdc_file()["mdc"]
    for backend in BACKENDS:
        limit = repeatability.mdc("a_star", "cheek_left", 12.0, landmarker=backend)
        assert limit == stored[backend]["a_star"]["cheek_left"]
    differ = [
        (measure, zone)
        for measure, by_zone in stored["dlib-68"].items()
        for zone, value in by_zone.items()
        if value != stored["mediapipe-face-mesh-478"][measure][zone]
    ]
    assert differ, "two studies with the same figures: was the dlib study run?"
    with pytest.raises(KeyError, match="no MDC was measured"):
        repeatability.mdc("a_star", "cheek_left", 12.0, landmarker="another")


def test_the_doc_table_is_generated_from_the_file() -> None:
    text = repeatability.MDC_FILE.read_text(encoding="utf-8")
    doc = DOC.read_text(encoding="utf-8")
    assert repeatability.doc_table(repeatability.parse_toml(text)) in doc, (
        "docs/imaging.md is stale: run benchmarks/imaging_repeatability.py --write"
    )
    assert "Minimal detectable change" in doc


def test_every_zone_compare_reports_has_an_mdc(null_comparison: Comparison) -> None:
    for by_measure in repeatability.mdc_file()["mdc"].values():
        for measure in repeatability.MEASURES:
            assert set(null_comparison.zones.masks) <= set(by_measure[measure])


def test_the_method_in_the_file_is_the_one_in_the_code() -> None:
    method = repeatability.mdc_file()["method"]
    images = len(repeatability.mdc_file()["images"])
    assert FRESH_SEED not in range(method["seed"], method["seed"] + images)
    assert method["max_rotation_deg"] == repeatability.MAX_ROTATION_DEG
    assert tuple(method["scale"]) == repeatability.SCALE
    assert method["max_shift_px"] == repeatability.MAX_SHIFT_PX
    assert method["max_exposure_ev"] == repeatability.MAX_EXPOSURE_EV
    assert method["max_white_balance"] == repeatability.MAX_WHITE_BALANCE
    assert method["max_blur_px"] == repeatability.MAX_BLUR_PX
    assert method["max_noise_dn"] == repeatability.MAX_NOISE_DN
    assert tuple(method["jpeg_quality"]) == repeatability.JPEG_QUALITY
    assert method["landmark_jitter_px"] == repeatability.LANDMARK_JITTER_PX


@pytest.fixture(scope="module")
def fresh(
    before_rgb: NDArray[np.uint8], landmarker: Landmarker, tmp_path_factory: pytest.TempPathFactory
) -> list[repeatability.ZoneDeltas]:
    captures = repeatability.repeat_captures(2, FRESH_SEED)
    workdir = tmp_path_factory.mktemp("repeats")
    return repeatability.unchanged_deltas(before_rgb, captures, landmarker, workdir)


def test_fresh_repeat_captures_show_no_detectable_change(
    fresh: list[repeatability.ZoneDeltas], landmarker: Landmarker
) -> None:
    assert fresh, "no repeat was aligned with refinement"
    for run in fresh:
        for zone, changes in run.items():
            for measure, change in changes.items():
                limit = repeatability.mdc(measure, zone, 1.0, landmarker=landmarker.name)
                assert not repeatability.detectable(change, limit), (zone, measure, change)


def test_the_study_code_runs_on_two_repeats(fresh: list[repeatability.ZoneDeltas]) -> None:
    sem = repeatability.sem_of(fresh)
    for measure, by_zone in sem.items():
        for zone, value in by_zone.items():
            changes = [run[zone][measure] for run in fresh]
            assert value == pytest.approx(math.sqrt(np.mean(np.square(changes))))
    halved = {m: {z: v / 2 for z, v in by_zone.items()} for m, by_zone in sem.items()}
    pooled = repeatability.pooled([halved, sem])
    for measure in sem:
        for zone in sem[measure]:
            assert pooled[measure][zone] == pytest.approx(sem[measure][zone])
    data = {
        "method": {"repeats_per_face": 2, "seed": FRESH_SEED, "landmarkers": ["x-1", "y"]},
        "images": [{"name": "a", "source": "s", "licence": "l"}],
        "runs": [
            {"image": "a", "landmarker": "x-1", "repeats": 2, "refined": 2},
            {"image": "a", "landmarker": "y", "repeats": 2, "refined": 1},
        ],
        "face_sem": {"x-1": {"a": sem}, "y": {"a": halved}},
        "sem": {"x-1": pooled, "y": halved},
        "mdc": {"x-1": repeatability.mdc_from(pooled), "y": repeatability.mdc_from(halved)},
    }
    text = repeatability.to_toml(data)
    parsed = repeatability.parse_toml(text)
    assert parsed["mdc"]["x-1"]["a_star"]["cheek_left"] == pytest.approx(
        1.96 * math.sqrt(2) * sem["a_star"]["cheek_left"], abs=1e-4
    )
    assert parsed["runs"][1] == data["runs"][1]
    doc = f"before\n{repeatability.DOC_START}\nold\n{repeatability.DOC_END}\nafter"
    assert repeatability.with_doc_table(doc, text).startswith("before\n")
    table = repeatability.with_doc_table(doc, text)
    assert (
        "| `cheek_left` |" in table and "landmarks by `y`" in table and "| 2 / 2 | 1 / 2 |" in table
    )


def test_repeat_captures_are_reproducible_and_within_their_ranges() -> None:
    captures = repeatability.repeat_captures(50, 3)
    assert captures == repeatability.repeat_captures(50, 3)
    for capture in captures:
        assert abs(capture.rotation_deg) <= repeatability.MAX_ROTATION_DEG
        assert repeatability.SCALE[0] <= capture.scale <= repeatability.SCALE[1]
        assert max(map(abs, capture.shift_px)) <= repeatability.MAX_SHIFT_PX
        assert abs(capture.exposure_ev) <= repeatability.MAX_EXPOSURE_EV
        assert 0 <= capture.blur_px <= repeatability.MAX_BLUR_PX
        assert 0 <= capture.noise_dn <= repeatability.MAX_NOISE_DN
        for gain in capture.white_balance:
            assert abs(gain - 1) <= repeatability.MAX_WHITE_BALANCE
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


@pytest.mark.parametrize(
    ("change", "limit", "expected"),
    [
        (0.4, 0.5, False),
        (-0.5, 0.5, True),  # the MDC reached: |change| ≥ MDC
        (0.6, 0.5, True),
        (3, 3, True),  # exactly 3 new spots against an MDC of 3 spots
        (0, 0, False),  # no change is never a change, whatever the MDC
    ],
)
def test_a_change_is_detectable_once_it_reaches_the_mdc(
    change: float, limit: float, expected: bool
) -> None:
    assert repeatability.detectable(change, limit) is expected

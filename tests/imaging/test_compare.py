"""Ground truth: planted changes on a real face photo, measured through the real landmarker.

Tolerances (stated here, repeated in docs/imaging.md): in every zone, Δa* within 0.5 of the
planted +8 times the share of the zone the red disk covers; forehead spots within 1 of the
planted count and their area within 25 %; added chin texture within 35 % of the planted RMS
in the measure's band; untouched zones, and every zone of an unchanged but turned and shifted
pair, below the measured minimal detectable change of `imaging/mdc.toml` (per measure and
zone; see `microneedling.imaging.repeatability`).
"""

from __future__ import annotations

import numpy as np
import pytest
import synthetic
from scipy import ndimage
from skimage import transform

from microneedling.imaging.compare import (
    Alignment,
    Comparison,
    face_shift_px,
    paired,
    similarity_transform,
)
from microneedling.imaging.faces import MediapipeLandmarker
from microneedling.imaging.repeatability import detectable, mdc

MESH = MediapipeLandmarker.name

UNTOUCHED = (
    "glabella",
    "periorbital_right",
    "periorbital_left",
    "cheek_right",
    "perioral",
    "jawline_right",
    "jawline_left",
)
ZONES = (*UNTOUCHED, "forehead", "nose", "cheek_left", "chin")
COLOUR = ("l_star", "a_star", "b_star", "ita_deg", "erythema_index", "melanin_index")


def delta(result: Comparison, zone: str, measure: str) -> float:
    after, before = result.after[zone], result.before[zone]
    value = getattr(after, measure) - getattr(before, measure)
    return float(value)


def test_the_after_photo_is_aligned_back_by_the_planted_motion(
    planted_comparison: Comparison,
) -> None:
    alignment = planted_comparison.alignment
    assert alignment.rotation_deg == pytest.approx(-synthetic.ROTATION_DEG, abs=0.5)
    assert alignment.scale == pytest.approx(1.0, abs=0.01)
    assert alignment.residual_px < 2.0
    assert alignment.refined


@pytest.mark.parametrize("zone", ZONES)
def test_redness_shows_where_it_was_planted_by_the_planted_amount(
    planted_comparison: Comparison, planted: synthetic.PlantedPair, zone: str
) -> None:
    top, left, bottom, right = planted_comparison.zones.box
    disk = planted.redness_disk[top:bottom, left:right]
    mask = planted_comparison.zones.masks[zone]
    expected = synthetic.REDNESS_A_STAR * (disk & mask).sum() / mask.sum()
    assert delta(planted_comparison, zone, "a_star") == pytest.approx(expected, abs=0.5)


def test_redness_raises_the_left_cheeks_erythema_index(planted_comparison: Comparison) -> None:
    assert delta(planted_comparison, "cheek_left", "a_star") > 4.0
    assert delta(planted_comparison, "cheek_left", "erythema_index") > 4.0


def test_spots_show_in_the_forehead(
    planted_comparison: Comparison, planted: synthetic.PlantedPair
) -> None:
    before = planted_comparison.before["forehead"].spots
    after = planted_comparison.after["forehead"].spots
    assert after.count - before.count == pytest.approx(synthetic.SPOT_COUNT, abs=1)
    assert after.area_px - before.area_px == pytest.approx(planted.spot_area_px, rel=0.25)
    assert delta(planted_comparison, "forehead", "melanin_index") > 0


def test_added_texture_shows_in_the_chin_by_its_rms(planted_comparison: Comparison) -> None:
    before = planted_comparison.before["chin"].texture
    after = planted_comparison.after["chin"].texture
    added = np.sqrt(after**2 - before**2)
    sigma = 0.03 * planted_comparison.zones.frame.iod_px
    rng = np.random.default_rng(0)
    noise = ndimage.gaussian_filter(
        rng.standard_normal((256, 256)), synthetic.TEXTURE_CORRELATION_PX
    )
    noise *= synthetic.TEXTURE_RMS_L / noise.std()
    # the pair is resampled twice (moved, then aligned back), each bicubic
    turn = synthetic.ROTATION_DEG
    twice = transform.rotate(transform.rotate(noise, turn, order=3), -turn, order=3)[64:-64, 64:-64]
    in_band = float((twice - ndimage.gaussian_filter(twice, sigma)).std())
    assert added == pytest.approx(in_band, rel=0.35)


def test_blur_lowers_the_nose_texture(planted_comparison: Comparison) -> None:
    assert delta(planted_comparison, "nose", "texture") < -0.3


def assert_within_noise(result: Comparison, zone: str) -> None:
    for measure in (*COLOUR, "wrinkles"):
        limit = mdc(measure, zone, 0.0, landmarker=MESH)
        assert not detectable(delta(result, zone, measure), limit), measure
    spots = result.after[zone].spots.count - result.before[zone].spots.count
    assert not detectable(spots, mdc("spots", zone, 0.0, landmarker=MESH))
    texture = result.before[zone].texture
    assert not detectable(
        delta(result, zone, "texture"), mdc("texture", zone, texture, landmarker=MESH)
    )


@pytest.mark.parametrize("zone", UNTOUCHED)
def test_untouched_zones_stay_within_noise(planted_comparison: Comparison, zone: str) -> None:
    assert_within_noise(planted_comparison, zone)


@pytest.mark.parametrize("zone", ZONES)
def test_an_unchanged_moved_pair_shows_no_change(null_comparison: Comparison, zone: str) -> None:
    assert null_comparison.alignment.refined
    assert_within_noise(null_comparison, zone)


def test_json_pairs_every_measure_with_delta_after_minus_before(
    planted_comparison: Comparison,
) -> None:
    zones = planted_comparison.to_json()["zones"]
    cheek = zones["cheek_left"]
    assert cheek["a_star"]["delta"] == pytest.approx(
        cheek["a_star"]["after"] - cheek["a_star"]["before"], abs=0.002
    )
    assert set(cheek["spots"]) == {"count", "area_px", "area_mm2", "mean_contrast"}
    assert cheek["spots"]["area_mm2"]["delta"] is None


def test_json_judges_each_change_against_its_mdc(planted_comparison: Comparison) -> None:
    cheek = planted_comparison.to_json()["zones"]["cheek_left"]
    assert cheek["a_star"]["mdc"] == pytest.approx(
        mdc("a_star", "cheek_left", 0.0, landmarker=MESH), abs=0.001
    )
    assert cheek["a_star"]["change"] == cheek["a_star"]["delta"]
    assert cheek["a_star"]["detectable"] is True  # the planted redness
    glabella = planted_comparison.to_json()["zones"]["glabella"]
    assert glabella["a_star"]["detectable"] is False
    assert "detectable" in cheek["spots"]["count"]
    assert "detectable" not in cheek["ita_class"]


def test_a_change_as_large_as_the_mdc_is_detectable() -> None:
    """Three new spots against an MDC of three spots is a change, not "no change"."""
    assert detectable(3.0, 3.0)
    assert detectable(-3.0, 3.0)
    assert not detectable(2.0, 3.0)
    assert not detectable(0.0, 0.0)
    assert detectable(1.0, 0.0)


def test_paired_gives_null_delta_for_labels() -> None:
    assert paired("light", "tan") == {"before": "light", "after": "tan", "delta": None}
    assert paired(2, 5) == {"before": 2, "after": 5, "delta": 3}


def test_similarity_transform_recovers_a_known_motion() -> None:
    points = np.random.default_rng(1).uniform(0, 100, (30, 2))
    angle = np.radians(10)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = 1.1 * points @ rotation.T + [5, -3]
    found = similarity_transform(points, moved)
    assert found.rotation_deg == pytest.approx(10, abs=1e-6)
    assert found.scale == pytest.approx(1.1, abs=1e-9)
    assert found.shift_px == pytest.approx((5, -3), abs=1e-6)


def test_rotation_and_scale_describe_a_refined_affine_transform() -> None:
    """A refinement adds a small symmetric stretch; the rotation and scale reported are those
    of the nearest rotation and the area, not of the first column."""
    angle = np.radians(3.0)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    stretch = np.array([[1.0, 0.02], [0.02, 1.0]])
    matrix = np.hstack([rotation @ stretch, [[4.0], [-2.0]]])
    alignment = Alignment(matrix=matrix, residual_px=0.0, refined=True)
    assert alignment.rotation_deg == pytest.approx(3.0, abs=1e-9)
    assert alignment.scale == pytest.approx(1.0, abs=1e-3)
    assert alignment.to_json()["rotation_deg"] == 3.0


def test_the_refinement_guard_measures_the_shift_on_the_face() -> None:
    """A 1° turn about the face moves the crop's corner by 12 px and the face by under
    1.5 px on average."""
    face = np.zeros((1000, 1000), bool)
    face[400:600, 400:600] = True
    angle = np.radians(1.0)
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = np.array([500.0, 500.0])
    correction = np.hstack([turn, (centre - turn @ centre)[:, None]])
    corner = float(np.hypot(*correction[:, 2]))
    assert corner > 10
    assert face_shift_px(correction, face) < 1.5  # 1° of the mean radius, 76 px

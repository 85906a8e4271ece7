"""The measures on flat patches of known colour with known marks (no face needed)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.typing import NDArray
from skimage.color import lab2rgb
from skimage.draw import disk, line

from microneedling.imaging.metrics import (
    Scale,
    exclusions,
    measure_zones,
    photo_ita,
    srgb_to_linear,
)
from microneedling.imaging.zones import FaceFrame, ZoneMasks

SIDE = 200
IOD_PX = 100.0


def patch(lab: tuple[float, float, float]) -> NDArray[np.uint8]:
    rgb = lab2rgb(np.array(lab, float).reshape(1, 1, 3))
    return np.tile(np.round(rgb * 255).astype(np.uint8), (SIDE, SIDE, 1))


def zones_over(shape: tuple[int, int] = (SIDE, SIDE)) -> ZoneMasks:
    inner = np.zeros(shape, bool)
    inner[20:-20, 20:-20] = True
    frame = FaceFrame(origin=np.zeros(2), x_axis=np.array([1.0, 0.0]), iod_px=IOD_PX)
    return ZoneMasks(box=(0, 0, *shape), masks={"cheek_left": inner}, frame=frame, polygons={})


def darken(rgb: NDArray[np.uint8], mask: NDArray[np.bool_], by_l: float) -> None:
    from skimage.color import rgb2lab

    lab = rgb2lab(rgb[mask][None])
    lab[..., 0] -= by_l
    rgb[mask] = np.round(lab2rgb(lab)[0] * 255).astype(np.uint8)


UNSCALED = Scale(mm_per_px=0.6, measured=False)


def test_colour_and_ita_of_a_known_patch() -> None:
    measures = measure_zones(patch((65.0, 10.0, 15.0)), zones_over(), UNSCALED)["cheek_left"]
    assert measures.l_star == pytest.approx(65, abs=0.5)
    assert measures.a_star == pytest.approx(10, abs=0.5)
    assert measures.b_star == pytest.approx(15, abs=0.5)
    assert measures.ita_deg == pytest.approx(45, abs=1.5)  # scores.md worked example
    assert measures.ita_class == "light"
    assert measures.l_star_sd == pytest.approx(0, abs=1e-6)


def test_erythema_and_melanin_indices_are_logs_of_the_mean_reflectance() -> None:
    rgb = patch((60.0, 20.0, 15.0))
    rgb[:, SIDE // 2 :] = patch((45.0, 8.0, 12.0))[:, SIDE // 2 :]
    measures = measure_zones(rgb, zones_over(), UNSCALED)["cheek_left"]
    inner = srgb_to_linear(rgb[20:-20, 20:-20]).reshape(-1, 3).astype(np.float64)
    red, green = inner[:, 0].mean(), inner[:, 1].mean()
    assert measures.erythema_index == pytest.approx(100 * math.log10(red / green), abs=1e-4)
    assert measures.melanin_index == pytest.approx(100 * math.log10(1 / red), abs=1e-4)
    per_pixel = 100 * np.log10(1 / inner[:, 0]).mean()  # what a meter does not do
    assert abs(measures.melanin_index - per_pixel) > 0.5


def test_ita_of_a_blue_cast_is_the_limit_of_the_angle_with_a_class() -> None:
    measures = measure_zones(patch((70.0, 5.0, -6.0)), zones_over(), UNSCALED)["cheek_left"]
    assert measures.b_star < 0
    assert measures.ita_deg == 90.0
    assert measures.ita_class == "very_light"
    assert photo_ita(40.0, -3.0) == -90.0


@given(l_star=st.floats(0, 100), b_star=st.floats(-60, 60), more=st.floats(0, 30))
def test_ita_stays_within_90_degrees_and_never_rises_with_b(
    l_star: float, b_star: float, more: float
) -> None:
    angle = photo_ita(l_star, b_star)
    assert -90.0 <= angle <= 90.0
    if l_star > 50:
        assert photo_ita(l_star, b_star + more) <= angle + 1e-9


def test_clipped_pixels_are_left_out_of_colour() -> None:
    rgb = patch((70.0, 15.0, 16.0))
    plain = measure_zones(rgb, zones_over(), UNSCALED)["cheek_left"]
    burnt = rgb.copy()
    burnt[:, : SIDE // 2, 0] = 255  # the red channel clipped over half the zone
    over = measure_zones(burnt, zones_over(), UNSCALED)["cheek_left"]
    assert over.a_star == pytest.approx(plain.a_star, abs=0.01)
    assert over.erythema_index == pytest.approx(plain.erythema_index, abs=0.01)


def test_a_mark_near_the_spot_threshold_changes_no_wrinkles_or_texture() -> None:
    """A short dark fold is a spot in one photo and, a little paler, not in the other.
    Measured each through its own spot mask it moves the texture; through the union of both
    masks (as `compare` does) the same pixels are left out of both and it does not."""
    before, after = patch((70.0, 10.0, 16.0)), patch((70.0, 10.0, 16.0))
    fold = np.zeros((SIDE, SIDE), bool)
    fold[98:101, 90:110] = True
    darken(before, fold, 8.0)  # over the 6 L* spot contrast
    darken(after, fold, 5.0)  # under it, still a ridge
    zones = zones_over()
    one = measure_zones(before, zones, UNSCALED)["cheek_left"]
    other = measure_zones(after, zones, UNSCALED)["cheek_left"]
    assert (one.spots.count, other.spots.count) == (1, 0)
    shared = exclusions(before, zones, UNSCALED) | exclusions(after, zones, UNSCALED)
    first = measure_zones(before, zones, UNSCALED, shared)["cheek_left"]
    second = measure_zones(after, zones, UNSCALED, shared)["cheek_left"]
    assert (first.spots.count, second.spots.count) == (1, 0)
    own_change = abs(other.texture - one.texture)
    assert own_change > 0.1 * one.texture
    assert abs(second.texture - first.texture) < 0.2 * own_change
    assert second.wrinkles == first.wrinkles


def test_redder_skin_has_a_higher_erythema_index() -> None:
    pale = measure_zones(patch((65.0, 8.0, 15.0)), zones_over(), UNSCALED)["cheek_left"]
    red = measure_zones(patch((65.0, 16.0, 15.0)), zones_over(), UNSCALED)["cheek_left"]
    assert red.erythema_index > pale.erythema_index + 3


def test_spots_are_counted_with_their_area_and_contrast() -> None:
    rgb = patch((70.0, 10.0, 16.0))
    marks = np.zeros((SIDE, SIDE), bool)
    for row, col in ((50, 50), (50, 120), (120, 60), (140, 140), (100, 100)):
        marks[disk((row, col), 3, shape=marks.shape)] = True
    darken(rgb, marks, 15)
    spots = measure_zones(rgb, zones_over(), Scale(0.1, measured=True))["cheek_left"].spots
    assert spots.count == 5
    assert spots.area_px == pytest.approx(marks.sum(), rel=0.15)
    assert spots.area_mm2 == pytest.approx(spots.area_px * 0.01)
    assert spots.mean_contrast == pytest.approx(15, abs=2)


def test_flat_skin_has_no_spots_texture_or_wrinkles() -> None:
    measures = measure_zones(patch((70.0, 10.0, 16.0)), zones_over(), UNSCALED)["cheek_left"]
    assert measures.spots.count == 0
    assert measures.spots.area_mm2 is None  # no measured scale
    assert measures.texture == pytest.approx(0, abs=0.05)
    assert measures.wrinkles == 0


def test_a_dark_line_counts_as_wrinkle() -> None:
    rgb = patch((70.0, 10.0, 16.0))
    marks = np.zeros((SIDE, SIDE), bool)
    rows, cols = line(40, 30, 160, 170)
    marks[rows, cols] = True
    darken(rgb, marks, 20)
    measures = measure_zones(rgb, zones_over(), UNSCALED)["cheek_left"]
    assert measures.wrinkles > 0.3


def test_pores_are_counted_only_where_resolution_allows() -> None:
    rgb = patch((70.0, 10.0, 16.0))
    marks = np.zeros((SIDE, SIDE), bool)
    centres = [(r, c) for r in range(35, 170, 20) for c in range(35, 170, 20)]
    for row, col in centres:
        marks[disk((row, col), 1.5, shape=marks.shape)] = True  # 0.3 mm across at 10 px/mm
    darken(rgb, marks, 12)
    fine = measure_zones(rgb, zones_over(), Scale(0.1, measured=True))["cheek_left"].pores
    assert fine is not None
    assert fine.count == pytest.approx(len(centres), abs=2)
    coarse = measure_zones(rgb, zones_over(), Scale(0.5, measured=True))["cheek_left"].pores
    assert coarse is None

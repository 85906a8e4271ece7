"""Session fixtures: the real landmark backend runs once per photo, and the synthetic pairs
are built and compared once for every ground-truth test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

try:
    import cv2  # noqa: F401
    import mediapipe  # noqa: F401
    import synthetic
    from PIL import Image

    from microneedling.imaging.compare import Comparison, compare_photos
    from microneedling.imaging.faces import Face, Landmarker, MediapipeLandmarker, find_face
    from microneedling.imaging.zones import ZoneMasks, zone_masks
except ImportError as missing:  # only where the extra cannot load
    if os.environ.get("CI"):
        raise  # CI installs the extra and libGL: a failure to load is a failure
    print(f"imaging tests not collected, the imaging extra does not load here: {missing}")
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def landmarker() -> Landmarker:
    return MediapipeLandmarker()


@pytest.fixture(scope="session")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("photos")


@pytest.fixture(scope="session")
def before_rgb():  # type: ignore[no-untyped-def]
    return synthetic.astronaut()


@pytest.fixture(scope="session")
def before_face(before_rgb, landmarker: Landmarker) -> Face:  # type: ignore[no-untyped-def]
    return find_face(before_rgb, landmarker)


@pytest.fixture(scope="session")
def before_zones(before_rgb, before_face: Face) -> ZoneMasks:  # type: ignore[no-untyped-def]
    return zone_masks(before_face, before_rgb.shape[:2])


@pytest.fixture(scope="session")
def planted(before_rgb, before_face, before_zones) -> synthetic.PlantedPair:  # type: ignore[no-untyped-def]
    return synthetic.plant(before_rgb, before_face, before_zones)


@pytest.fixture(scope="session")
def pair_files(planted: synthetic.PlantedPair, photos: Path) -> tuple[Path, Path, Path]:
    before, after, unchanged = photos / "before.png", photos / "after.png", photos / "same.png"
    Image.fromarray(planted.before).save(before)
    Image.fromarray(planted.after).save(after)
    moved = synthetic.moved(planted.before, synthetic.ROTATION_DEG, synthetic.SHIFT_PX)
    Image.fromarray(moved).save(unchanged)
    return before, after, unchanged


@pytest.fixture(scope="session")
def planted_comparison(pair_files, landmarker: Landmarker) -> Comparison:  # type: ignore[no-untyped-def]
    return compare_photos(pair_files[0], pair_files[1], landmarker=landmarker)


@pytest.fixture(scope="session")
def null_comparison(pair_files, landmarker: Landmarker) -> Comparison:  # type: ignore[no-untyped-def]
    return compare_photos(pair_files[0], pair_files[2], landmarker=landmarker)

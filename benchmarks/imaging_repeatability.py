"""The repeatability study: the minimal detectable change (MDC95) of every imaging measure per
zone, from simulated repeat captures of the faces of the evaluation set. With `--write` it
stores the result in src/microneedling/imaging/mdc.toml (which `compare` reads) and the table
in docs/imaging.md (generated from that file).

Run: `.venv/bin/python benchmarks/imaging_repeatability.py [--repeats 32] [--write]`. Each
repeat is turned up to ±5°, scaled 0.8-1.2, moved up to ±20 px, blurred (σ ≤ 0.6 px), exposed
±0.3 EV, white-balanced ±5 %, given sensor noise (σ ≤ 1.5 DN), saved as JPEG 75-95 and its
landmarks found again and jittered: see `microneedling.imaging.repeatability`. Every landmark
backend installed is studied in turn, each for its own MDCs."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
from numpy.typing import NDArray
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "imaging"))
import synthetic  # noqa: E402

from microneedling.imaging import repeatability  # noqa: E402
from microneedling.imaging.errors import ImagingUnavailableError  # noqa: E402
from microneedling.imaging.faces import (  # noqa: E402
    DlibLandmarker,
    Landmarker,
    MediapipeLandmarker,
    find_face,
)
from microneedling.imaging.zones import zone_masks  # noqa: E402

DOC = ROOT / "docs" / "imaging.md"


def grace_hopper(side_px: int = synthetic.SIDE_PX) -> NDArray[np.uint8]:
    from matplotlib import cbook

    with cbook.get_sample_data("grace_hopper.jpg") as handle:
        image = Image.open(handle).convert("RGB")
    scale = side_px / max(image.size)
    resized = image.resize((round(image.width * scale), round(image.height * scale)), 3)
    return np.asarray(resized, np.uint8)


def planted() -> NDArray[np.uint8]:
    """The ground-truth tests' after face before it is moved: astronaut with planted redness,
    spots, chin texture and a blurred nose."""
    rgb = synthetic.astronaut()
    face = find_face(rgb, MediapipeLandmarker())
    pair = synthetic.plant(rgb, face, zone_masks(face, rgb.shape[:2]))
    return synthetic.moved(pair.after, -synthetic.ROTATION_DEG, (0.0, 0.0))


IMAGES: dict[str, tuple[Callable[[], NDArray[np.uint8]], str, str]] = {
    "astronaut": (
        synthetic.astronaut,
        "scikit-image `skimage.data.astronaut()` (Eileen Collins, NASA), resized to 1024 px",
        "public domain (NASA); scikit-image data, BSD-3-Clause package",
    ),
    "grace_hopper": (
        grace_hopper,
        "matplotlib sample data `grace_hopper.jpg`, resized to 1024 px",
        "public domain (US Navy photo); matplotlib, PSF-based licence",
    ),
    "synthetic_planted": (
        planted,
        "the astronaut with the ground-truth tests' planted changes (tests/imaging/synthetic.py)",
        "derived from the astronaut, public domain",
    ),
}


def landmarkers() -> list[Landmarker]:
    found: list[Landmarker] = [MediapipeLandmarker()]
    with contextlib.suppress(ImagingUnavailableError):  # dlib is optional
        found.append(DlibLandmarker())
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=32, help="repeat captures per face")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--write", action="store_true", help="write mdc.toml and the doc table")
    options = parser.parse_args()

    started = time.perf_counter()
    backends = landmarkers()
    face_sem: dict[str, dict[str, repeatability.ByZone]] = {b.name: {} for b in backends}
    images, runs = [], []
    for number, (name, (load, source, licence)) in enumerate(IMAGES.items()):
        rgb = load()
        images.append({"name": name, "source": source, "licence": licence})
        for landmarker in backends:
            captures = repeatability.repeat_captures(options.repeats, options.seed + number)
            with TemporaryDirectory() as workdir:
                deltas = repeatability.unchanged_deltas(rgb, captures, landmarker, Path(workdir))
            face_sem[landmarker.name][name] = repeatability.sem_of(deltas)
            runs.append(
                {
                    "image": name,
                    "landmarker": landmarker.name,
                    "repeats": options.repeats,
                    "refined": len(deltas),
                }
            )
            print(
                f"{name}, {landmarker.name}: {len(deltas)} of {options.repeats} pairs refined, "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
    data = {
        "method": {
            "repeats_per_face": options.repeats,
            "seed": options.seed,
            "landmarkers": [landmarker.name for landmarker in backends],
            "max_rotation_deg": repeatability.MAX_ROTATION_DEG,
            "scale": list(repeatability.SCALE),
            "max_shift_px": repeatability.MAX_SHIFT_PX,
            "max_exposure_ev": repeatability.MAX_EXPOSURE_EV,
            "max_white_balance": repeatability.MAX_WHITE_BALANCE,
            "max_blur_px": repeatability.MAX_BLUR_PX,
            "max_noise_dn": repeatability.MAX_NOISE_DN,
            "jpeg_quality": list(repeatability.JPEG_QUALITY),
            "landmark_jitter_px": repeatability.LANDMARK_JITTER_PX,
        },
        "images": images,
        "runs": runs,
        "face_sem": face_sem,
        "sem": {b: repeatability.pooled(list(faces.values())) for b, faces in face_sem.items()},
    }
    data["mdc"] = {b: repeatability.mdc_from(sem) for b, sem in data["sem"].items()}
    text = repeatability.to_toml(data)
    print(repeatability.doc_table(repeatability.parse_toml(text)))
    if options.write:
        repeatability.MDC_FILE.write_text(text, encoding="utf-8")
        DOC.write_text(
            repeatability.with_doc_table(DOC.read_text(encoding="utf-8"), text), encoding="utf-8"
        )
        print(f"written: {repeatability.MDC_FILE.name}, {DOC.name}")


if __name__ == "__main__":
    main()

"""Measure the repeatability of every imaging measure on unchanged faces and print it; with
`--write`, store the limits that `compare` uses in src/microneedling/imaging/noise_levels.toml.

Run: `.venv/bin/python benchmarks/imaging_repeatability.py [--repeats 64] [--write]`.
Each repeat is a simulated repeat capture (turned up to 3°, moved up to 20 px by a sub-pixel
amount, saved as JPEG 75-95, landmarks found again and jittered): see
`microneedling.imaging.repeatability`. The limits are measured on scikit-image's
`astronaut` at 1024 px (the face of the ground-truth tests); `--face grace_hopper` measures
matplotlib's Grace Hopper portrait (a 512 px photo, upscaled) for comparison.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "imaging"))
import synthetic

from microneedling.imaging import repeatability
from microneedling.imaging.faces import MediapipeLandmarker


def grace_hopper(side_px: int = synthetic.SIDE_PX) -> NDArray[np.uint8]:
    from matplotlib import cbook

    with cbook.get_sample_data("grace_hopper.jpg") as handle:
        image = Image.open(handle).convert("RGB")
    scale = side_px / max(image.size)
    resized = image.resize((round(image.width * scale), round(image.height * scale)), 3)
    return np.asarray(resized, np.uint8)


FACES = {"astronaut": synthetic.astronaut, "grace_hopper": grace_hopper}


def measured(face: str, repeats: int, seed: int) -> list[repeatability.ZoneDeltas]:
    landmarker = MediapipeLandmarker()
    captures = repeatability.repeat_captures(repeats, seed)
    with tempfile.TemporaryDirectory() as workdir:
        deltas = repeatability.unchanged_deltas(FACES[face](), captures, landmarker, Path(workdir))
    print(f"seed {seed}: {len(deltas)} of {repeats} pairs aligned with refinement")
    return deltas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--face", choices=sorted(FACES), default="astronaut")
    parser.add_argument("--repeats", type=int, default=64, help="repeat captures per seed")
    parser.add_argument("--seeds", type=int, nargs=2, default=[2026, 7])
    parser.add_argument("--write", action="store_true", help="write noise_levels.toml")
    options = parser.parse_args()

    started = time.perf_counter()
    first, second = (measured(options.face, options.repeats, seed) for seed in options.seeds)
    print(f"{options.face}, {time.perf_counter() - started:.0f} s")
    one, other = repeatability.spreads(first), repeatability.spreads(second)
    print(
        f"\nlargest change in the second set / in the first (the safety factor is "
        f"{repeatability.SAFETY_FACTOR}):"
    )
    table(
        {
            measure: {
                zone: (other[measure][zone] / value if value else float("nan"))
                for zone, value in by_zone.items()
            }
            for measure, by_zone in one.items()
        }
    )
    both = repeatability.spreads(first + second)
    print("\nlargest change over both sets (the spread):")
    table(both)
    print("\nlimit = safety factor x spread:")
    table(repeatability.limits_from(both))
    if options.write:
        repeatability.NOISE_FILE.write_text(toml(options, both), encoding="utf-8")
        print(f"written: {repeatability.NOISE_FILE.name}")


def table(values: repeatability.Spreads) -> None:
    zones = sorted(next(iter(values.values())))
    print(f"{'measure':15}" + "".join(f"{zone[:11]:>12}" for zone in zones))
    for measure, by_zone in values.items():
        print(f"{measure:15}" + "".join(f"{by_zone[zone]:12.3f}" for zone in zones))


def toml(options: argparse.Namespace, spreads: repeatability.Spreads) -> str:
    lines = [
        "# Repeatability of the imaging measures on an unchanged face; `compare` calls a change",
        "# within `limit` no change. Written by benchmarks/imaging_repeatability.py --write:",
        "# do not edit by hand. spread = the largest |after - before| over the repeat",
        "# captures, per measure and zone; limit = safety_factor x spread. texture is relative",
        "# (|change| / before); spots is a count.",
        "",
        "[method]",
        f'face = "{options.face}"',
        f"side_px = {synthetic.SIDE_PX}",
        f"repeats = {2 * options.repeats}",
        f"seeds = {options.seeds}",
        f"max_rotation_deg = {repeatability.MAX_ROTATION_DEG}",
        f"max_shift_px = {repeatability.MAX_SHIFT_PX}",
        f"jpeg_quality = [{repeatability.JPEG_QUALITY[0]}, {repeatability.JPEG_QUALITY[1]}]",
        f"landmark_jitter_px = {repeatability.LANDMARK_JITTER_PX}",
        f"safety_factor = {repeatability.SAFETY_FACTOR}",
    ]
    rounded = {
        measure: {zone: round(value, 4) for zone, value in by_zone.items()}
        for measure, by_zone in spreads.items()
    }
    for section, values in (("spread", rounded), ("limit", repeatability.limits_from(rounded))):
        for measure, by_zone in values.items():
            lines += ["", f"[{section}.{measure}]"]
            lines += [f"{zone} = {value:.4f}" for zone, value in sorted(by_zone.items())]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

"""Seconds per photo for `analyze` and `compare` on one core, at 1024 px and 4000 px, and for
colour calibration alone at 2048 px (with and without a chart in the photo).

Run: `make bench-imaging` (or `.venv/bin/python benchmarks/imaging.py`). Targets: analyze <= 1
s per photo at 1024 px on one core; calibration <= 2 s at 2048 px. `analyze` includes looking
for a colour chart (and correcting to it when found). The photos are scikit-image's
`astronaut`, resized to the size and saved as JPEG (quality 95); the after photo is turned 4°
and shifted, so compare has real alignment to do. Times include reading and decoding the files;
the landmark model is loaded once, before timing, as a long-running service would.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

from PIL import Image  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "imaging"))
import synthetic  # noqa: E402

from microneedling.imaging.analysis import analyze_photo  # noqa: E402
from microneedling.imaging.compare import compare_photos  # noqa: E402
from microneedling.imaging.faces import MediapipeLandmarker  # noqa: E402

SIZES_PX = (1024, 4000)
TARGET_ANALYZE_1024_S = 1.0
CALIBRATION_PX = 2048
TARGET_CALIBRATION_S = 2.0


def seconds(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and best wall time of `repeats` runs after one warm-up run."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main() -> None:
    landmarker = MediapipeLandmarker()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"imaging benchmark, {cores} core(s), seconds per photo (median, best)")
    with tempfile.TemporaryDirectory() as folder:
        for side in SIZES_PX:
            before, after = Path(folder, f"b{side}.jpg"), Path(folder, f"a{side}.jpg")
            rgb = synthetic.astronaut(side)
            Image.fromarray(rgb).save(before, quality=95)
            moved = synthetic.moved(rgb, 4.0, (side * 0.02, -side * 0.01))
            Image.fromarray(moved).save(after, quality=95)
            del rgb, moved
            repeats = 5 if side <= 1024 else 2
            analyze = seconds(partial(analyze_photo, before, landmarker=landmarker), repeats)
            compare = seconds(
                partial(compare_photos, before, after, landmarker=landmarker), repeats
            )
            print(f"  {side:>5} px  analyze {analyze[0]:6.2f} s ({analyze[1]:.2f})", end="")
            print(f"   compare {compare[0]:6.2f} s ({compare[1]:.2f})")
            if side == 1024:
                verdict = "met" if analyze[0] <= TARGET_ANALYZE_1024_S else "MISSED"
                print(f"         target analyze <= {TARGET_ANALYZE_1024_S} s at 1024 px: {verdict}")
    calibration()


def calibration() -> None:
    """`calibrate` alone on a 2048 px photo without a chart and with one beside the face."""
    import chart_scenes
    import numpy as np

    from microneedling.imaging.calibration import calibrate

    plain = synthetic.astronaut(CALIBRATION_PX)
    shot = chart_scenes.scene(chart_scenes.Capture("A", 20, 0.8, 2.2, 1.0))
    top, left = chart_scenes.CHART_ORIGIN
    card = np.kron(
        shot.rgb[top - 40 : top + 280, left - 40 : left + 420], np.ones((2, 2, 1), np.uint8)
    )
    charted = plain.copy()
    charted[-card.shape[0] :, -card.shape[1] :] = card
    for name, rgb in (("no chart", plain), ("chart", charted)):
        median, best = seconds(partial(calibrate, rgb), 3)
        verdict = "met" if median <= TARGET_CALIBRATION_S else "MISSED"
        print(
            f"  calibrate {CALIBRATION_PX} px, {name:8}  {median:6.2f} s ({best:.2f})"
            f"   target <= {TARGET_CALIBRATION_S} s: {verdict}"
        )


if __name__ == "__main__":
    main()

"""Colour calibration on synthetic photos of a ColorChecker Classic and skin patches of known
colour: the chart's ΔE2000 (mean, 95th percentile) and the ITA° error per phototype band,
before (the photo read as sRGB) and after the correction.

Run: `.venv/bin/python benchmarks/imaging_calibration.py`. The scenes and captures (four
lights, two cameras each, gamma 2.0 / 2.4, noise 1 / 2 DN) are in tests/imaging/chart_scenes.py.
Goal: mean ΔE2000 ≤ 2 after correction; ITA° error ≤ 3° in every band.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "imaging"))
import chart_scenes


def main() -> None:
    results = [chart_scenes.evaluate(capture) for capture in chart_scenes.captures()]
    print("capture                     chart  ΔE2000 before (mean / p95)   after (mean / p95)")
    for result in results:
        c = result.capture
        name = f"{c.light:4} gamma {c.gamma} noise {c.noise_dn:.0f} DN, camera {c.camera_seed}"
        if not result.chart_found:
            print(f"{name:28} not found")
            continue
        b, a = result.delta_e_before, result.delta_e_after
        print(
            f"{name:28} found  {b.mean():6.2f} / {np.percentile(b, 95):6.2f}"
            f"              {a.mean():5.2f} / {np.percentile(a, 95):5.2f}"
        )
    found = [r for r in results if r.chart_found]
    print(f"\ncharts found: {len(found)} of {len(results)}")
    before = np.concatenate([r.delta_e_before for r in found])
    after = np.concatenate([r.delta_e_after for r in found])
    print("| | chart ΔE2000 mean | chart ΔE2000 p95 |")
    print("|---|---|---|")
    print(f"| before | {before.mean():.2f} | {np.percentile(before, 95):.2f} |")
    print(f"| after | {after.mean():.2f} | {np.percentile(after, 95):.2f} |")
    print(
        "\n| ITA° band | patches | mean \\|error\\| before | max before | mean after | max after |"
    )
    print("|---|---|---|---|---|---|")
    for band in chart_scenes.BANDS:
        b = np.abs([e for r in found for e in r.ita_error_before[band]])
        a = np.abs([e for r in found for e in r.ita_error_after[band]])
        print(
            f"| {band} | {len(a)} | {b.mean():.1f}° | {b.max():.1f}° | {a.mean():.2f}° | "
            f"{a.max():.2f}° |"
        )


if __name__ == "__main__":
    main()

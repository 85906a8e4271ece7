"""Planner throughput and CLI cold start, printed as figures in one run.

Run on one core: `taskset -c 1 .venv/bin/python benchmarks/plan.py [--runs N]`. Targets:
>= 5,000 plans/s; `microneedling plan REQUEST.json --json` cold start <= 1.5x the `--help` of a
minimal Typer app, each the median of N process runs interleaved in the same run. On a shared
machine the figures move with the background load: compare ratios, and use many runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from microneedling import plan
from microneedling.clinical.models import PlanRequest

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "microneedling")
EXAMPLE = str(ROOT / "docs" / "examples" / "acne-scars-clinic.json")
TARGET_RATIO = 1.5
TARGET_PLANS_PER_S = 5_000

REQUEST = {
    "setting": "clinic",
    "device": {"type": "pen", "needle_length_mm": 1.5},
    "client": {
        "age_years": 41,
        "fitzpatrick": 4,
        "conditions": [{"code": "herpes_labialis", "status": "history"}],
        "recent_procedures": [{"code": "botulinum_toxin", "days_ago": 5, "zones": ["forehead"]}],
    },
    "concerns": [
        {
            "indication": "acne_scars_atrophic",
            "zones": ["cheeks", "chin"],
            "scar_types": ["rolling", "icepick"],
        },
        {"indication": "wrinkles_fine_lines", "zones": ["forehead", "periorbital"]},
        {"indication": "melasma", "zones": ["cheeks"]},
    ],
    "topicals": ["hyaluronic_acid_sterile"],
    "as_of": "2026-11-22",
    "start_date": "2026-12-01",
}

MINIMAL_TYPER = """
import typer
app = typer.Typer()
@app.command()
def hello(name: str = "x") -> None:
    "Say hello."
@app.command()
def bye() -> None:
    "Say bye."
app()
"""


def plans_per_second(seconds: float = 3.0) -> tuple[float, float]:
    """Plans per second from a validated request and from raw JSON data."""
    validated = PlanRequest.model_validate(REQUEST)
    results = []
    for request in (validated, REQUEST):
        plan(request)
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            plan(request)
            count += 1
        results.append(count / (time.perf_counter() - start))
    return results[0], results[1]


def cold_starts(commands: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    """Wall times of fresh processes in milliseconds, the commands interleaved round by round.

    Interleaving spreads the machine's background load evenly over the commands, so their
    ratio stays comparable on a shared machine. Two unmeasured rounds first write bytecode and
    the compiled knowledge base, as the first run of an installed package does.
    """
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(runs + 2):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True, env=environment)
            if round_number >= 2:
                times[name].append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=31, help="process runs per command")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per plans/s figure")
    options = parser.parse_args()
    validated, raw = plans_per_second(options.seconds)
    print(f"plans/s, validated request (3 concerns, 5 treatments): {validated:,.0f}")
    print(f"plans/s, from JSON data (validation included):       {raw:,.0f}")
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(MINIMAL_TYPER)
    times = cold_starts(
        {
            "python -c pass": [sys.executable, "-c", "pass"],
            "minimal Typer app --help": [sys.executable, script.name, "--help"],
            "microneedling --help": [CLI, "--help"],
            "microneedling plan --json": [CLI, "plan", EXAMPLE, "--json"],
        },
        options.runs,
    )
    os.unlink(script.name)
    baseline = statistics.median(times["minimal Typer app --help"])
    print(f"cold start, median of {options.runs} runs (25th-75th percentile), ratio to Typer:")
    for name, runs in times.items():
        low, _, high = statistics.quantiles(runs, n=4)
        median = statistics.median(runs)
        ratio = median / baseline
        print(f"  {name:26} {median:6.0f} ms ({low:4.0f}-{high:4.0f}) {ratio:5.2f}x")
    plan_ratio = statistics.median(times["microneedling plan --json"]) / baseline
    verdict = "met" if plan_ratio <= TARGET_RATIO and validated >= TARGET_PLANS_PER_S else "NOT met"
    print(
        f"targets (plan --json <= {TARGET_RATIO}x Typer, >= {TARGET_PLANS_PER_S:,} plans/s): "
        f"{verdict}"
    )


if __name__ == "__main__":
    main()

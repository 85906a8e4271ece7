"""Planner throughput and CLI cold start, printed as figures in one run.

Run on one core: `taskset -c 1 .venv/bin/python benchmarks/plan.py [--runs N]`. Targets:
>= 5,000 plans/s; `microneedling plan REQUEST.json --json` cold start <= 1.5x the `--help` of a
minimal Typer app, each the median of N process runs interleaved in the same run (wall time,
which the target is about, and CPU time, which moves less with other work). On a shared
machine the figures move with the background load: compare ratios, and use many runs.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def plans_per_second(seconds: float = 3.0) -> dict[str, tuple[float, float]]:
    """Plans per wall second and per CPU second, from a validated request and from JSON data.

    Per CPU second leaves out the time the process waits for a core on a busy machine.
    """
    validated = PlanRequest.model_validate(REQUEST)
    results = {}
    for name, request in (("validated request", validated), ("from JSON data", REQUEST)):
        plan(request)
        count, start, cpu_start = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - start < seconds:
            plan(request)
            count += 1
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        results[name] = (count / wall, count / cpu)
    return results


def cold_starts(commands: dict[str, list[str]], runs: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) milliseconds of fresh processes, the commands interleaved round by round.

    Interleaving spreads the machine's background load evenly over the commands, so their
    ratio stays comparable on a shared machine; CPU time (user + system) leaves out the time a
    process waits for a core, so it moves less with the load than wall time. Two unmeasured
    rounds first write bytecode and the compiled knowledge base, as an installed package has.
    """
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for round_number in range(runs + 2):
        for name, command in commands.items():
            cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True, env=environment)
            wall = time.perf_counter() - start
            cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
                cpu_after.ru_stime - cpu_before.ru_stime
            )
            if round_number >= 2:
                times[name].append((wall * 1000, cpu * 1000))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=31, help="process runs per command")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per plans/s figure")
    options = parser.parse_args()
    throughput = plans_per_second(options.seconds)
    print("plans per second (3 concerns, 5 treatments): per wall second, per CPU second")
    for name, (per_wall, per_cpu) in throughput.items():
        print(f"  {name:26} {per_wall:8,.0f} {per_cpu:8,.0f}")
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
    ratios = {}
    for measure, index in (("wall", 0), ("CPU", 1)):
        baseline = statistics.median(t[index] for t in times["minimal Typer app --help"])
        print(f"cold start, {measure} time, median of {options.runs} runs (25th-75th percentile):")
        for name, runs in times.items():
            values = [t[index] for t in runs]
            low, _, high = statistics.quantiles(values, n=4)
            median = statistics.median(values)
            ratios[measure, name] = median / baseline
            print(
                f"  {name:26} {median:6.0f} ms ({low:4.0f}-{high:4.0f}) {median / baseline:5.2f}x"
            )
    plan_ratio = ratios["wall", "microneedling plan --json"]
    per_cpu = throughput["validated request"][1]
    print(
        f"targets: plan --json wall {plan_ratio:.2f}x Typer (<= {TARGET_RATIO}x): "
        f"{'met' if plan_ratio <= TARGET_RATIO else 'NOT met'}; "
        f"{per_cpu:,.0f} validated plans per CPU second on one core "
        f"(>= {TARGET_PLANS_PER_S:,}): {'met' if per_cpu >= TARGET_PLANS_PER_S else 'NOT met'}"
    )


if __name__ == "__main__":
    main()

"""Planner throughput and CLI cold start, printed as figures.

Run: `.venv/bin/python benchmarks/plan.py`. Targets: >= 5,000 plans/s on one core; `--help`
and `plan` cold start <= 1.5x the `--help` of a minimal Typer app measured in the same run.
"""

from __future__ import annotations

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


def cold_start(command: list[str], runs: int = 15) -> float:
    """Median wall time of a fresh process, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    validated, raw = plans_per_second()
    print(f"plans/s, validated request (3 concerns, 5 treatments): {validated:,.0f}")
    print(f"plans/s, from JSON data (validation included):       {raw:,.0f}")
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(MINIMAL_TYPER)
    baseline = cold_start([sys.executable, script.name, "--help"])
    bare = cold_start([sys.executable, "-c", "pass"])
    help_ms = cold_start([CLI, "--help"])
    plan_ms = cold_start([CLI, "plan", EXAMPLE, "--json"])
    print(f"cold start, python -c pass:            {bare:6.0f} ms")
    print(f"cold start, minimal Typer app --help:  {baseline:6.0f} ms")
    print(f"cold start, microneedling --help:      {help_ms:6.0f} ms ({help_ms / baseline:.2f}x)")
    print(f"cold start, microneedling plan --json: {plan_ms:6.0f} ms ({plan_ms / baseline:.2f}x)")


if __name__ == "__main__":
    main()

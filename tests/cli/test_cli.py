"""The CLI through its real entry point: exit codes, JSON, and lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).parent / "microneedling"
EXAMPLE = ROOT / "docs" / "examples" / "acne-scars-clinic.json"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *args], input=stdin, capture_output=True, text=True, check=False
    )


def test_plan_json_follows_the_contract() -> None:
    result = run("plan", str(EXAMPLE), "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["status"] == "ok"
    assert plan["schedule"][0]["kind"] == "test_spot"
    assert {"for", "code"} <= set(plan["combinations"][0])


def test_plan_reads_stdin_and_prints_tables() -> None:
    result = run("plan", "-", stdin=EXAMPLE.read_text())
    assert result.returncode == 0
    assert "Treatments" in result.stdout


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"setting": "spa"}', "setting"),
    ],
)
def test_bad_input_exits_2_without_traceback(stdin: str, message: str) -> None:
    result = run("plan", "-", stdin=stdin)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_exits_2() -> None:
    result = run("plan", "nowhere.json")
    assert result.returncode == 2
    assert "no such file" in result.stderr


@pytest.mark.parametrize(
    "listing", ["indications", "zones", "contraindications", "claims", "sources"]
)
def test_listings_print_json_arrays(listing: str) -> None:
    result = run(listing, "--json")
    assert result.returncode == 0
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and rows and isinstance(rows[0], dict)


def test_explain_and_version() -> None:
    assert "clinic_cap" in run("explain", "cheeks").stdout
    assert run("explain", "nonsense").returncode == 2
    assert run("--version").stdout.startswith("microneedling ")


@pytest.mark.parametrize(
    ("code", "kinds"),
    [
        ("off_label_depth", {"warning"}),
        ("off_label_delivery", {"warning"}),
        ("keloid_scar", {"indication", "contraindication", "client_finding"}),
        ("hypertrophic_scar", {"contraindication", "client_finding"}),
        ("den160029", {"reference"}),
    ],
)
def test_explain_knows_the_revision_2_codes(code: str, kinds: set[str]) -> None:
    result = run("explain", code, "--json")
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert {entry["kind"] for entry in entries} == kinds
    assert all(
        entry.get("name") or entry.get("reason") or entry.get("citation") for entry in entries
    )


def test_interactive_plan_asks_and_plans() -> None:
    answers = "\n".join(
        [
            "home",
            "roller",
            "1.5",
            "30",
            "3",
            "n",
            "n",
            "",
            "",
            "",
            "acne_scars_atrophic",
            "cheeks",
            "",
        ]
    )
    result = run("plan", "--interactive", "--json", stdin=answers + "\n")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout[result.stdout.index("{") :])
    assert "home_depth_capped" in {w["code"] for w in plan["warnings"]}


def test_help_and_plan_load_no_web_database_or_imaging_module() -> None:
    code = (
        "import sys\n"
        "from microneedling.cli import app\n"
        "try:\n    app(['plan', sys.argv[1], '--json'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('fastapi', 'starlette', 'sqlalchemy', 'numpy', 'skimage', 'cv2', 'mediapipe', "
        "'uvicorn', 'alembic', 'argon2', 'jwt', 'psycopg', 'jinja2')]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(EXAMPLE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    help_code = (
        "import sys\nfrom microneedling.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'pydantic' not in sys.modules, 'pydantic imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", help_code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("UTC", "2026-11-22"),
        ("Pacific/Auckland", "2026-11-23"),
        ("America/Los_Angeles", "2026-11-22"),
    ],
)
def test_plans_today_is_the_clinics_not_the_machines(
    zone: str, day: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the suite's instant (23:20 UTC) Auckland is a day ahead; the machine's zone is moot."""
    from microneedling.cli.planning import clinic_today

    monkeypatch.setenv("MICRONEEDLING_TIMEZONE", zone)
    assert clinic_today().isoformat() == day

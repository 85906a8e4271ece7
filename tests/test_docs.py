"""The docs stay true: their examples run and every code is listed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from microneedling import plan
from microneedling.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def json_blocks(path: Path) -> list[str]:
    return re.findall(r"```json\n(.*?)```", path.read_text(encoding="utf-8"), re.DOTALL)


def test_contract_request_example_plans() -> None:
    (request,) = json_blocks(ROOT / "docs" / "plan-contract.md")
    result = plan(json.loads(request))
    assert result.status == "ok"
    assert {t.zone: t.status for t in result.treatments} == {
        "cheeks": "planned",
        "chin": "deferred",
    }


def test_every_code_is_documented() -> None:
    text = (ROOT / "docs" / "plan-contract.md").read_text(encoding="utf-8")
    kb = load_knowledge()
    sections = (
        kb.indications,
        kb.zones,
        kb.scar_types,
        kb.conditions,
        kb.medications,
        kb.procedures,
        kb.client_findings,
        kb.combinations,
        kb.referrals,
        kb.topicals,
        kb.claims,
        kb.warnings,
    )
    missing = [code for section in sections for code in section if f"`{code}`" not in text]
    assert not missing


def test_every_session_warning_is_documented() -> None:
    text = (ROOT / "docs" / "records.md").read_text(encoding="utf-8")
    assert [code for code in load_knowledge().session_warnings if f"`{code}`" not in text] == []


def test_readme_commands_run_after_make_run_in_a_new_shell(tmp_path: Path) -> None:
    """`make run` prepares the demo in development mode; the README's commands then run in a
    shell where nothing is exported."""
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith("MICRONEEDLING")},
        "MICRONEEDLING_DATA_DIR": str(tmp_path),
    }
    for step in (["db", "upgrade"], ["demo"]):  # what `make run` does before it serves
        make_run = subprocess.run(
            [str(BIN / "microneedling"), *step],
            capture_output=True,
            text=True,
            check=False,
            env={**environment, "MICRONEEDLING_ENVIRONMENT": "development"},
        )
        assert make_run.returncode == 0, make_run.stderr
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^\.venv/bin/microneedling (.+)$", readme, re.MULTILINE)
    assert commands
    for command in commands:
        result = subprocess.run(
            [str(BIN / "microneedling"), *command.split()],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env=environment,
        )
        assert result.returncode == 0, (command, result.stderr)

"""The step-by-step course in docs/records.md runs through the API as written."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from tests.web.conftest import API, login
from tests.world import TODAY, World

DOC = Path(__file__).resolve().parents[2] / "docs" / "records.md"
STEP = re.compile(r"^`POST (/api/v1/\S+)`.*?```json\n(.*?)```", re.MULTILINE | re.DOTALL)
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str) and PLACEHOLDER.fullmatch(value):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


def test_the_documented_course_runs_step_by_step(client: TestClient, world: World) -> None:
    steps = STEP.findall(DOC.read_text(encoding="utf-8"))
    assert [path.rsplit("/", 1)[-1] for path, _ in steps] == [
        "clients",
        "intakes",
        "plans",
        "consents",
        "sessions",
        "scores",
        "amendments",
    ]
    headers = login(client, "clinician@a.example")
    ids: dict[str, Any] = {"today": TODAY.isoformat()}
    for path, body in steps:
        url = PLACEHOLDER.sub(lambda match: str(ids[match.group(1)]), path)
        response = client.post(url, json=_fill(json.loads(body), ids), headers=headers)
        assert response.status_code == 201, (path, response.text)
        kind = path.rsplit("/", 1)[-1].removesuffix("s")
        ids[kind if kind != "amendment" else "amended"] = response.json()["id"]
        if kind == "session":
            assert response.json()["warnings"] == []
    timeline = client.get(f"{API}/clients/{ids['client']}/timeline", headers=headers).json()
    session = next(e for e in timeline if e["id"] == ids["session"] and e["kind"] == "session")
    assert session["superseded_by"] == ids["amended"]

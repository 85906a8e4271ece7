"""A bounded schemathesis run over every API operation, on SQLite and PostgreSQL: no answer is
a 5xx, every answer matches the schema, and every status is one the schema documents.

The run is derandomized (a fixed seed), with valid and invalid input for each operation."""

from __future__ import annotations

from typing import Any

import hypothesis
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.web.conftest import login
from tests.world import World, planned_course

EXAMPLES_PER_OPERATION = 60
# Log-out ends the run's own token; tests/services/test_users.py covers it.
SKIPPED = {"POST /api/v1/auth/logout"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _failures_of(operation: Any, headers: dict[str, str]) -> list[str]:
    failures: list[str] = []
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def run(case: Any) -> None:
        try:
            response = case.call(headers=headers)
        except Exception as error:  # the in-process server raises what would be a 500
            failures.append(f"{operation.label}: 500 {type(error).__name__}: {error}"[:1500])
            return
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as error:
            failures.append(f"{operation.label}: {str(error).strip()[:1500]}")

    run()
    return failures


def test_the_api_answers_as_its_schema_says(client: TestClient, world: World) -> None:
    planned_course(world)
    headers = login(client, "owner@a.example")
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    failures = [
        failure
        for result in schema.get_all_operations()
        if result.ok().label not in SKIPPED
        for failure in _failures_of(result.ok(), headers)
    ]
    assert not failures, "\n\n".join(failures)

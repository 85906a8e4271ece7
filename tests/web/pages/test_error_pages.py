"""Every refusal is answered once, from one table: JSON under /api/, a page elsewhere, with the
same status either way; a page whose path or query fails validation answers a page, not JSON."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from markupsafe import escape
from tests.web.conftest import login
from tests.web.page_world import Browser, email_for

from microneedling.clinical.session_check import Departure
from microneedling.errors import InputError
from microneedling.services.errors import (
    Conflict,
    DeparturesFound,
    DocumentsUnavailable,
    Forbidden,
    NotFound,
    ServiceError,
    TooManyAttempts,
    Unauthenticated,
)
from microneedling.services.idempotency import StillHandled
from microneedling.services.pre_session import IntakeNeeded
from microneedling.services.research_export import DefaultKeyRefused
from microneedling.web.errors import STATUS_BY_ERROR
from microneedling.web.pages.common import CsrfRefused

DEPARTURE = Departure(
    code="depth_over_plan", zone="cheeks", message="deeper than planned", references=()
)
REFUSALS: list[tuple[Exception, int]] = [
    (InputError.one("depth_mm", "must be 2.5 or less"), 422),
    (Unauthenticated("no valid token"), 401),
    (Forbidden("the role does not allow this"), 403),
    (NotFound("client", 7), 404),
    (Conflict("the record changed meanwhile"), 409),
    (DeparturesFound([DEPARTURE]), 409),
    (IntakeNeeded(7, ["medication"]), 409),
    (StillHandled("still being handled"), 409),
    (TooManyAttempts(60), 429),
    (DocumentsUnavailable("documents need the documents extra"), 503),
    (DefaultKeyRefused("the key is the default"), 409),
]


def _raising(app: FastAPI, error: Exception) -> None:
    """The same refusal raised by an API route and by a page route."""

    def refuse() -> None:
        raise error

    app.add_api_route("/api/v1/refusal", refuse)
    app.add_api_route("/refusal", refuse, include_in_schema=False)


@pytest.mark.parametrize(
    ("error", "status"), REFUSALS, ids=[type(error).__name__ for error, _ in REFUSALS]
)
def test_each_refusal_answers_its_status_as_json_on_the_api_and_as_a_page_elsewhere(
    browser: Browser, error: Exception, status: int
) -> None:
    _raising(browser.client.app, error)  # type: ignore[arg-type]
    api = browser.client.get("/api/v1/refusal")
    assert api.status_code == status
    assert api.headers["content-type"] == "application/json"
    body = api.json()
    if isinstance(error, InputError):
        assert body == {
            "detail": [{"field": "depth_mm", "msg": "must be 2.5 or less", "allowed": []}]
        }
    else:
        assert body["detail"] == str(error)
    page = browser.client.get("/refusal")
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert str(escape(str(error))) in page.text


def test_refusals_carry_their_code_facts_and_headers_in_json(browser: Browser) -> None:
    _raising(browser.client.app, IntakeNeeded(7, ["medication"]))  # type: ignore[arg-type]
    body = browser.client.get("/api/v1/refusal").json()
    assert body["code"] == "intake_needed"
    assert body["changes"] == ["medication"]
    assert body["intake_form"] == "/clients/7/intake"


def test_a_session_that_departs_lists_its_departures(browser: Browser) -> None:
    _raising(browser.client.app, DeparturesFound([DEPARTURE]))  # type: ignore[arg-type]
    body = browser.client.get("/api/v1/refusal").json()
    assert body["departures"] == [
        {"code": "depth_over_plan", "zone": "cheeks", "message": "deeper than planned"}
    ]


@pytest.mark.parametrize("path", ["/api/v1/refusal", "/refusal"])
def test_too_many_attempts_says_when_to_try_again(browser: Browser, path: str) -> None:
    _raising(browser.client.app, TooManyAttempts(60))  # type: ignore[arg-type]
    assert browser.client.get(path).headers["retry-after"] == "60"


def test_the_table_places_every_subclass_before_its_base() -> None:
    kinds = [kind for kind, _ in STATUS_BY_ERROR]
    for index, kind in enumerate(kinds):
        later = kinds[index + 1 :]
        assert not any(issubclass(other, kind) for other in later if other is not kind), kind


def test_log_in_and_csrf_refusals_are_web_errors_not_the_services() -> None:
    assert not issubclass(CsrfRefused, ServiceError)
    from microneedling.web.pages.common import LoginRequired

    assert not issubclass(LoginRequired, ServiceError)


def test_a_page_needing_a_log_in_redirects_to_it(browser: Browser) -> None:
    answer = browser.client.get("/clients/1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/clients/1"


def test_a_form_without_its_token_is_a_403_page(clinician: Browser) -> None:
    answer = clinician.client.post("/clients/1", data={"csrf_token": "forged"})
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "did not come from this site" in answer.text


def test_a_page_with_a_bad_id_in_its_path_is_a_404_page(clinician: Browser) -> None:
    answer = clinician.get("/clients/not-a-number")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "there is no page at /clients/not-a-number" in answer.text


def test_a_page_with_a_bad_query_is_a_422_page_naming_it(clinician: Browser) -> None:
    answer = clinician.get("/clients/1/scores?saved=many")
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "saved" in answer.text


def test_an_api_route_with_a_bad_id_answers_json_naming_it(browser: Browser) -> None:
    headers = login(browser.client, email_for("clinician"))
    answer = browser.client.get("/api/v1/clients/not-a-number", headers=headers)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/json"
    assert [problem["field"] for problem in answer.json()["detail"]] == ["client_id"]


def test_an_unknown_page_is_a_404_page(browser: Browser) -> None:
    answer = browser.client.get("/no-such-page")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "there is no page at /no-such-page" in answer.text


def test_an_unknown_api_route_stays_json(browser: Browser) -> None:
    answer = browser.client.get("/api/v1/no-such-route")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not Found"}

"""Scores: one form per instrument, its items and allowed values read from the instrument's
own input schema (scores/form.py), the result and its band, and a small chart of each score
over the course."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microneedling.errors import InputError
from microneedling.scores import registry
from microneedling.scores.form import Form, Question
from microneedling.scores.schema import resolve
from microneedling.services.access import Actor, Permission
from microneedling.services.clinical_records import read, record
from microneedling.services.common import Records
from microneedling.services.course import client_course
from microneedling.services.scores import SCORE, ScoreOut
from microneedling.web.pages.common import (
    FormDep,
    FormErrors,
    PageActorDep,
    RecordsDep,
    form_errors,
    redirect,
    render,
    text,
)

router = APIRouter()
DESCRIBED = ("integer", "number", "a ")
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 320, 120, 24


@dataclass(frozen=True)
class Item:
    """One question of an instrument as a form control."""

    name: str
    label: str
    hint: str
    options: tuple[str, ...]
    kind: str
    required: bool


def _item(question: Question) -> Item:
    options = question.allowed
    hint = ""
    if any(value.startswith(DESCRIBED) for value in options):
        hint, options = ", ".join(options), ()
    if question.kind == "list":
        hint = (hint + "; " if hint else "") + "comma-separated"
    return Item(
        f"a.{question.key}",
        question.key.replace("_", " ").replace(".", ": "),
        "; ".join(part for part in (question.description, hint) if part),
        options,
        question.kind,
        question.required,
    )


def answers_from(code: str, form: Any) -> tuple[dict[str, Any], list[Item]]:
    """The instrument's answers from the form, and its items for the answers so far (a union's
    tag decides which items follow)."""
    instrument = registry.get(code)
    answers: dict[str, Any] = {}
    questions: list[Question] = []
    for _ in range(3):
        questions = Form(instrument, dict(answers)).questions()
        for question in questions:
            value = text(form, f"a.{question.key}")
            if value is not None:
                _set(answers, question.path, question.parse(value))
    return answers, [_item(q) for q in questions]


def _set(answers: dict[str, Any], path: tuple[int | str, ...], value: object) -> None:
    *parents, last = path
    for key in parents:
        answers = answers.setdefault(str(key), {})
    answers[str(last)] = value


@dataclass(frozen=True)
class Chart:
    code: str
    name: str
    points: list[tuple[float, float, str]]
    low: float
    high: float

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in self.points)


def charts(scores: list[ScoreOut]) -> list[Chart]:
    """One chart per instrument: each score against its date, on the instrument's range."""
    result = []
    for code in sorted({s.instrument for s in scores}):
        rows = sorted(
            (s for s in scores if s.instrument == code and s.value is not None),
            key=lambda s: (s.scored_on, s.id),
        )
        if not rows or code not in registry.INSTRUMENTS:
            continue
        instrument = registry.INSTRUMENTS[code]
        low, high = (float(v) for v in instrument.score_range)
        first, last = rows[0].scored_on, rows[-1].scored_on
        span = max((last - first).days, 1)
        points = []
        for row in rows:
            x = CHART_PAD + (row.scored_on - first).days / span * (CHART_WIDTH - 2 * CHART_PAD)
            if len(rows) == 1:
                x = CHART_WIDTH / 2
            share = (float(row.value or 0) - low) / ((high - low) or 1)
            y = CHART_HEIGHT - CHART_PAD - share * (CHART_HEIGHT - 2 * CHART_PAD)
            label = f"{row.scored_on}: {row.value:g}" + (f" ({row.band})" if row.band else "")
            points.append((x, y, label))
        result.append(Chart(code, instrument.name, points, low, high))
    return result


def _has_choice(code: str | None) -> bool:
    """Whether the instrument's items depend on a part or scale chosen first (POSAS, GAIS)."""
    if code not in registry.INSTRUMENTS:
        return False
    schema = registry.INSTRUMENTS[code].input_schema
    return "discriminator" in resolve(schema, schema)


def _context(
    records: Records,
    actor: Actor,
    client_id: int,
    code: str | None,
    form: Any,
    errors: FormErrors | None,
    saved: ScoreOut | None = None,
) -> dict[str, Any]:
    course = client_course(records, actor, client_id)
    client, scores = course.client, course.scores
    items: list[Item] = []
    if code in registry.INSTRUMENTS:
        _answers, items = answers_from(code, form)
    else:
        code = None
    return {
        "client": client,
        "instruments": [(row["code"], row["name"]) for row in registry.catalogue()],
        "code": code,
        "instrument": registry.INSTRUMENTS.get(code or ""),
        "items": items,
        "has_choice": _has_choice(code),
        "form": form,
        "errors": errors,
        "saved": saved,
        "scores": list(reversed(scores)),
        "charts": charts(scores),
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT, "pad": CHART_PAD},
        "today": records.clock.today().isoformat(),
        "can_record": actor.can(Permission.RECORD_SCORE),
    }


@router.get("/clients/{client_id}/scores")
def scores_page(
    request: Request,
    records: RecordsDep,
    actor: PageActorDep,
    client_id: int,
    instrument: str | None = None,
    saved: int | None = None,
) -> Response:
    form = request.query_params
    result = None
    if saved is not None:
        result = read(records, actor, SCORE, saved)
    context = _context(records, actor, client_id, instrument, form, None, result)
    return render(request, "scores.html", context, fragment="_score_form.html")


@router.post("/clients/{client_id}/scores/items")
def score_items(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int, form: FormDep
) -> Response:
    """The items that follow a part or scale chosen in the form, without saving anything (a
    POST, so the form's CSRF token never lands in a URL)."""
    code = text(form, "instrument")
    context = _context(records, actor, client_id, code, form, None)
    return render(request, "scores.html", context, fragment="_score_form.html")


@router.post("/clients/{client_id}/scores")
def save_score(
    request: Request, records: RecordsDep, actor: PageActorDep, client_id: int, form: FormDep
) -> Response:
    code = text(form, "instrument") or ""
    data: dict[str, Any] = {"instrument": code, "scored_on": text(form, "scored_on")}
    fields = {"instrument": "instrument", "scored_on": "scored_on"}
    try:
        answers, items = answers_from(code, form)
        for item in items:
            fields[f"answers.{item.name[2:]}"] = item.name
        data["answers"] = answers
        saved = record(records, actor, SCORE, client_id, data)
    except InputError as error:
        errors = form_errors(error, fields)
        context = _context(records, actor, client_id, code, form, errors)
        return render(request, "scores.html", context, status_code=422)
    return redirect(request, f"/clients/{client_id}/scores?instrument={code}&saved={saved.id}")

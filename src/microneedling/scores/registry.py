"""Every instrument by its code (scores.md), and the three ways to use one by code."""

from __future__ import annotations

from typing import Any

from microneedling.errors import FieldProblem, InputError
from microneedling.scores import (
    ecca,
    facial_acne_scar_qol,
    fitzpatrick_questionnaire,
    gags,
    gais,
    glogau,
    goodman_baron_qualitative,
    goodman_baron_quantitative,
    ita,
    ludwig,
    masi,
    mmasi,
    norwood_hamilton,
    posas,
    salt,
    vss,
    wrinkle_severity_rating_scale,
)
from microneedling.scores.instrument import Instrument, compare
from microneedling.scores.references import citations_for
from microneedling.scores.result import ScoreChange, ScoreResult

INSTRUMENTS: dict[str, Instrument] = {
    module.INSTRUMENT.code: module.INSTRUMENT
    for module in (
        fitzpatrick_questionnaire,
        glogau,
        goodman_baron_qualitative,
        goodman_baron_quantitative,
        ecca,
        masi,
        mmasi,
        gags,
        gais,
        vss,
        posas,
        salt,
        norwood_hamilton,
        ludwig,
        ita,
        wrinkle_severity_rating_scale,
    )
}

# Registered so that asking for them says why they are missing, not that they are unknown.
UNAVAILABLE: dict[str, str] = {facial_acne_scar_qol.CODE: facial_acne_scar_qol.REASON}


def get(code: str) -> Instrument:
    """The instrument with this code, or an `InputError` that lists the known codes."""
    if code in INSTRUMENTS:
        return INSTRUMENTS[code]
    message = f"unknown instrument '{code}'"
    if code in UNAVAILABLE:
        message = f"{code} is not available: {UNAVAILABLE[code]}"
    raise InputError.one("code", message, allowed=tuple(INSTRUMENTS))


def calculate(code: str, data: object) -> ScoreResult:
    """Score one assessment given as a JSON object (a dict) or as the input model."""
    return get(code).score(data)


def change(code: str, before: object, after: object) -> ScoreChange:
    """Score two assessments of the same instrument and compare them (after − before)."""
    instrument = get(code)
    instrument.ensure_comparable()
    results = []
    for label, data in (("before", before), ("after", after)):
        try:
            results.append(instrument.score(data))
        except InputError as error:
            raise InputError(
                [
                    FieldProblem(f"{label}.{problem.field}", problem.message, problem.allowed)
                    for problem in error.problems
                ]
            ) from None
    return compare(instrument, *results)


def catalogue() -> list[dict[str, Any]]:
    """One row per available instrument, as `score list --json` prints it."""
    rows = []
    for instrument in INSTRUMENTS.values():
        row: dict[str, Any] = {
            "code": instrument.code,
            "name": instrument.name,
            "range": list(instrument.score_range),
            "references": list(instrument.references),
            "citations": citations_for(instrument.references),
        }
        if instrument.variant_ranges:
            row["ranges"] = {
                name: list(bounds) for name, bounds in instrument.variant_ranges.items()
            }
        rows.append(row)
    return rows

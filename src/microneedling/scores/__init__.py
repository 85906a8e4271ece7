"""Validated scoring instruments (scores.md): one pure module per instrument, a registry by code.

    >>> from microneedling.scores import calculate
    >>> calculate("glogau", {"photoaging_type": "II", "age_years": 42}).band
    'II'

The names below load on first use, so that importing one instrument (the planner imports the
Fitzpatrick questionnaire) does not build every other one.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microneedling.scores.instrument import Instrument
    from microneedling.scores.registry import INSTRUMENTS, calculate, change, get
    from microneedling.scores.result import ScoreChange, ScoreResult

_HOMES = {
    "INSTRUMENTS": "registry",
    "calculate": "registry",
    "change": "registry",
    "get": "registry",
    "Instrument": "instrument",
    "ScoreChange": "result",
    "ScoreResult": "result",
}

__all__ = ["INSTRUMENTS", "Instrument", "ScoreChange", "ScoreResult", "calculate", "change", "get"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"microneedling.scores.{_HOMES[name]}"), name)

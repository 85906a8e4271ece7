"""Validated scoring instruments (scores.md): one pure module per instrument, a registry by code.

>>> from microneedling.scores import calculate
>>> calculate("glogau", {"photoaging_type": "II", "age_years": 42}).band
'II'
"""

from __future__ import annotations

from microneedling.scores.instrument import Instrument
from microneedling.scores.registry import INSTRUMENTS, calculate, change, get
from microneedling.scores.result import ScoreChange, ScoreResult

__all__ = ["INSTRUMENTS", "Instrument", "ScoreChange", "ScoreResult", "calculate", "change", "get"]

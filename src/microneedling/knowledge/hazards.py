"""The rows a hazard's controls name, found by `kind:code` in any section of the knowledge base.

A control is a row that stops a hazard from causing harm: a screening rule, a zone's cap, a
warning the planner gives, a care item. Several screening rows may share a code, so every kind
maps a code to the list of rows it names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from microneedling.knowledge.models import Knowledge


def _by_code(rows: Iterable[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.code, []).append(row)
    return grouped


def _single(section: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {code: [row] for code, row in section.items()}


CONTROL_KINDS: dict[str, Callable[[Knowledge], dict[str, list[Any]]]] = {
    "contraindication": lambda kb: _by_code(kb.contraindications),
    "zone": lambda kb: _single(kb.zones),
    "indication": lambda kb: _single(kb.indications),
    "combination": lambda kb: _single(kb.combinations),
    "referral": lambda kb: _single(kb.referrals),
    "topical": lambda kb: _single(kb.topicals),
    "claim": lambda kb: _single(kb.claims),
    "pre_care": lambda kb: _by_code(kb.pre_care),
    "aftercare": lambda kb: _by_code(kb.aftercare),
    "rule": lambda kb: {name: [getattr(kb.rules, name)] for name in type(kb.rules).model_fields},
    "warning": lambda kb: _single(kb.warnings),
    "session_warning": lambda kb: _single(kb.session_warnings),
}


def control_rows(kb: Knowledge, control: str) -> list[Any]:
    """The rows a control names (empty when the kind or the code is unknown)."""
    kind, _, code = control.partition(":")
    section = CONTROL_KINDS.get(kind)
    return section(kb).get(code, []) if section else []

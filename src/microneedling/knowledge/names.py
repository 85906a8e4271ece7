"""Knowledge-base codes in words, for every page, summary and document that people read."""

from __future__ import annotations

from microneedling.knowledge.models import Knowledge


def term_name(kb: Knowledge, code: str) -> str:
    """A code in words: "herpes_labialis" → "Cold sores (herpes labialis)"; an unknown code
    reads as its words, so nothing shown is ever a raw identifier."""
    for table in (
        kb.conditions,
        kb.medications,
        kb.procedures,
        kb.client_findings,
        kb.scar_types,
        kb.indications,
        kb.combinations,
        kb.referrals,
        kb.topicals,
        kb.zones,
    ):
        if code in table:
            return table[code].name
    return code.replace("_", " ").capitalize()

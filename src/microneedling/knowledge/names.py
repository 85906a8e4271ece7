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


def zone_names(kb: Knowledge) -> dict[str, str]:
    """Every zone's code and name, in the knowledge base's order: the one list of zones that
    every form's choices, map and document reads."""
    return {code: zone.name for code, zone in kb.zones.items()}


def zone_choices(kb: Knowledge) -> list[tuple[str, str]]:
    """The zones as a form offers them: (code, name) pairs in the knowledge base's order."""
    return list(zone_names(kb).items())


def indication_names(kb: Knowledge) -> dict[str, str]:
    """Every indication's code and name, in the knowledge base's order."""
    return {code: row.name for code, row in kb.indications.items()}

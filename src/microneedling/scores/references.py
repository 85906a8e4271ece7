"""Citation text for the instruments' reference ids: the knowledge base's reference files hold
them (`knowledge/data/instrument_references.toml`, a few shared with `references.toml`)."""

from __future__ import annotations

from microneedling.knowledge import load_knowledge
from microneedling.knowledge.citations import cited


def citations() -> dict[str, str]:
    """Every reference id in the knowledge base, mapped to its citation."""
    return {ref: row.citation for ref, row in load_knowledge().references.items()}


def citations_for(reference_ids: tuple[str, ...]) -> list[str]:
    """The citations of these ids, in order; an id without a row shows as itself."""
    return [reference.citation for reference in cited(load_knowledge(), reference_ids)]

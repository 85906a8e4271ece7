"""References as the pages cite them: the knowledge base's citation for each id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from microneedling.knowledge import load_knowledge


@dataclass(frozen=True)
class Cited:
    id: str
    citation: str
    link: str | None


def cited(ids: Iterable[str]) -> list[Cited]:
    """Each id once, in first-cited order, with its citation and a PubMed or DOI link."""
    kb = load_knowledge()
    seen: dict[str, Cited] = {}
    for ref in ids:
        if ref in seen:
            continue
        row = kb.references.get(ref)
        if row is None:
            seen[ref] = Cited(ref, ref, None)
            continue
        link = None
        if row.pmid:
            link = f"https://pubmed.ncbi.nlm.nih.gov/{row.pmid}/"
        elif row.doi:
            link = f"https://doi.org/{row.doi}"
        seen[ref] = Cited(ref, row.citation, link)
    return list(seen.values())

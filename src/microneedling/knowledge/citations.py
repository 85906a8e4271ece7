"""References as everything cites them: the plan, the pages and the score instruments read a
reference id's citation, evidence and link here (the knowledge base's reference files hold the
instruments' references too)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from microneedling.knowledge.models import Evidence, Knowledge


@dataclass(frozen=True)
class Cited:
    id: str
    citation: str
    evidence: tuple[Evidence, ...]
    link: str | None


def cited(kb: Knowledge, ids: Iterable[str]) -> list[Cited]:
    """Each id once, in first-cited order, with its citation, evidence and a PubMed or DOI
    link; an id without a row reads as itself, so nothing cited is ever dropped."""
    return [_cited(kb, ref) for ref in dict.fromkeys(ids)]


def _cited(kb: Knowledge, ref: str) -> Cited:
    row = kb.references.get(ref)
    if row is None:
        return Cited(ref, ref, (), None)
    link = None
    if row.pmid:
        link = f"https://pubmed.ncbi.nlm.nih.gov/{row.pmid}/"
    elif row.doi:
        link = f"https://doi.org/{row.doi}"
    return Cited(ref, row.citation, tuple(row.evidence), link)

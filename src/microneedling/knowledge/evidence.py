"""Every cited number, rule and claim of the knowledge base with its two kinds of citation.

One list feeds `microneedling sources`, `explain CODE` and docs/evidence.md, so the three always
say the same: per item its grade, the references that report it (with their quote), and the
background that is related but does not state it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from microneedling.knowledge.loader import EXPERT_DEFAULT, walk_cited
from microneedling.knowledge.models import (
    Aftercare,
    Cited,
    Claim,
    Combination,
    Contraindication,
    Knowledge,
    PreCare,
    Referral,
    Sourced,
)

Kind = Literal["number", "rule", "claim"]
Status = Literal["supported", "derived"]
_CITATION_FIELDS = frozenset(Cited.model_fields)
_SECTIONS = (
    "zones",
    "indications",
    "devices",
    "rules",
    "contraindications",
    "combinations",
    "referrals",
    "pre_care",
    "aftercare",
    "claims",
)


@dataclass(frozen=True)
class CitedItem:
    """One number, rule or claim verdict and what backs it."""

    item: str
    kind: Kind
    value: str
    evidence: tuple[str, ...]
    references: tuple[str, ...]
    background: tuple[str, ...]
    quote: str

    @property
    def status(self) -> Status:
        """`derived` is an expert default; anything else rests on a reporting reference."""
        return "derived" if self.evidence == ("derived",) else "supported"

    def as_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "kind": self.kind,
            "value": self.value,
            "status": self.status,
            "evidence": list(self.evidence),
            "references": list(self.references),
            "background": list(self.background),
            "quote": self.quote,
        }


def cited_items(kb: Knowledge) -> list[CitedItem]:
    """Every cited item in file order: numbers nested in a rule follow the rule."""
    items = []
    for section in _SECTIONS:
        for path, cited in walk_cited(getattr(kb, section), section):
            items.append(_item(path, cited, _owner(kb, section, path)))
    return items


def _owner(kb: Knowledge, section: str, path: str) -> BaseModel | None:
    """The row a nested number belongs to (an aftercare day, an indication), for its label."""
    parts = path.split(".")
    if len(parts) < 3:
        return None
    rows: Any = getattr(kb, section)
    if isinstance(rows, dict):
        owner = rows.get(parts[1])
        return owner if isinstance(owner, BaseModel) else None
    if isinstance(rows, list):
        code = parts[1].split("#")[0]
        matches = [row for row in rows if getattr(row, "code", None) == code]
        return matches[0] if matches else None
    return None


def _item(path: str, cited: Cited, owner: BaseModel | None) -> CitedItem:
    kind: Kind = "claim" if isinstance(cited, Claim) else "rule"
    value = _row_value(cited)
    if isinstance(cited, Sourced):
        value = _number_value(path, cited, owner)
        kind = "number" if any(char.isdigit() for char in value) else "rule"
    return CitedItem(
        item=path,
        kind=kind,
        value=value,
        evidence=tuple(cited.evidence),
        references=tuple(cited.references),
        background=tuple(cited.background),
        quote=cited.quote,
    )


def _row_value(cited: Cited) -> str:
    if isinstance(cited, Contraindication):
        return f"{cited.action}: {cited.reason}"
    if isinstance(cited, Combination):
        return f"{cited.name}. {cited.note}".strip()
    if isinstance(cited, Referral):
        return cited.reason
    if isinstance(cited, PreCare):
        return cited.text
    if isinstance(cited, Claim):
        return f"{cited.claim}: {cited.verdict.replace('_', ' ')}"
    return ""


def _number_value(path: str, sourced: Sourced, owner: BaseModel | None) -> str:
    """The number itself, in words a reader can match against the quote."""
    name = path.rsplit(".", 1)[-1]
    if isinstance(owner, Aftercare) and name == "timing":
        return f"day {owner.from_day} to {owner.to_day}"
    if name.endswith("_source") and owner is not None:
        shown = getattr(owner, name.removesuffix("_source"), "")
        return ", ".join(shown) if isinstance(shown, list) else str(shown)
    if name == "home_exclusion":
        return "not at home"
    own = [
        field
        for field in type(sourced).model_fields
        if field not in _CITATION_FIELDS and not _holds_sourced(getattr(sourced, field))
    ]
    return ", ".join(f"{field} {_plain(getattr(sourced, field))}" for field in own)


def _holds_sourced(value: Any) -> bool:
    return isinstance(value, Sourced) or (
        isinstance(value, list) and any(isinstance(item, Sourced) for item in value)
    )


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return "/".join(str(item) for item in value)
    return str(value)


def counts(items: list[CitedItem]) -> dict[str, Counter[str]]:
    """Supported and derived per kind of item."""
    result: dict[str, Counter[str]] = {}
    for item in items:
        result.setdefault(item.kind, Counter())[item.status] += 1
    return result


def reference_uses(items: list[CitedItem], ref: str) -> dict[str, list[str]]:
    """The items a reference reports and those it is background for."""
    return {
        "reports": [item.item for item in items if ref in item.references],
        "background_for": [item.item for item in items if ref in item.background],
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or "—"


def _refs(refs: tuple[str, ...]) -> str:
    return ", ".join(f"`{ref}`" for ref in refs if ref != EXPERT_DEFAULT) or "—"


def evidence_markdown(kb: Knowledge) -> str:
    """docs/evidence.md: every cited item with its grade and citation, and the counts."""
    items = cited_items(kb)
    tally = counts(items)
    titles = {"number": "Numbers", "rule": "Rules", "claim": "Claim verdicts"}
    lines = [
        "# Evidence behind every number",
        "",
        "Generated from the knowledge base by `microneedling evidence --write docs/evidence.md`;",
        "do not edit by hand (a test fails when this file is not current).",
        f"Knowledge base version {kb.version}.",
        "",
        "**Supported** items are graded by the references that report them, and the quote",
        "says what they report (as summarised in the clinical brief, mostly from abstracts).",
        "**Derived** items are expert defaults (`expert_default`) that a clinician may override;",
        "their background sources are related but do not state the number.",
        "",
        "| kind | supported | derived | total |",
        "|---|---|---|---|",
    ]
    for kind, title in titles.items():
        counter = tally.get(kind, Counter())
        supported, derived = counter["supported"], counter["derived"]
        lines.append(f"| {title.lower()} | {supported} | {derived} | {supported + derived} |")
    for kind, title in titles.items():
        lines += [
            "",
            f"## {title}",
            "",
            "| item | value | grade | reported by | quote | background |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| `{item.item}` | {_cell(item.value)} | {', '.join(item.evidence)} "
            f"| {_refs(item.references)} | {_cell(item.quote)} | {_refs(item.background)} |"
            for item in items
            if item.kind == kind
        ]
    lines += [
        "",
        "## References",
        "",
        "| id | grade | citation | reports | background for |",
        "|---|---|---|---|---|",
    ]
    for ref in kb.references.values():
        uses = reference_uses(items, ref.id)
        lines.append(
            f"| `{ref.id}` | {', '.join(ref.evidence)} | {_cell(ref.citation)} "
            f"| {len(uses['reports'])} | {len(uses['background_for'])} |"
        )
    return "\n".join(lines) + "\n"

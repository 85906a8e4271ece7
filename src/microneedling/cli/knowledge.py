"""Listings of the knowledge base (`indications`, `zones`, `contraindications`, `claims`,
`sources`), `explain CODE` and `evidence`. Each listing prints its rows as a JSON array with
`--json`; `sources` and `explain` show each number's reporting references, background, grade and
quote, and `evidence` writes the same as Markdown (docs/evidence.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from microneedling.cli.common import fail, print_json, print_rows

JsonOption = Annotated[bool, typer.Option("--json", help="Print the rows as a JSON array.")]


def _rows(listing: str) -> list[dict[str, Any]]:
    from microneedling.knowledge import load_knowledge

    kb = load_knowledge()
    if listing == "indications":
        return [
            {
                "code": i.code,
                "name": i.name,
                "evidence": i.evidence,
                "depth_mm": [i.depth_mm.min, i.depth_mm.max] if i.depth_mm else None,
                "sessions": [i.sessions.min, i.sessions.max] if i.sessions else None,
                "interval_days": [i.interval_days.min, i.interval_days.max]
                if i.interval_days
                else None,
                "zones": i.zones,
                "plannable": i.answer is None,
            }
            for i in kb.indications.values()
        ]
    if listing == "zones":
        return [
            {
                "code": z.code,
                "name": z.name,
                "facial": z.facial,
                "clinic_cap_mm": z.clinic_cap.mm,
                "home_cap_mm": z.home_cap.mm if z.home_cap else None,
                "evidence": z.clinic_cap.evidence,
                "references": z.clinic_cap.references,
            }
            for z in kb.zones.values()
        ]
    if listing == "contraindications":
        return [
            {
                "code": c.code,
                "action": c.action,
                "scope": c.scope,
                "settings": c.settings,
                "wait_days": c.wait.days if c.wait else None,
                "reason": c.reason,
                "evidence": c.evidence,
                "references": c.references,
            }
            for c in kb.contraindications
        ]
    if listing == "claims":
        return [c.model_dump() for c in kb.claims.values()]
    return [r.model_dump() for r in kb.references.values()]


def _cited_rows() -> list[dict[str, Any]]:
    from microneedling.knowledge import load_knowledge
    from microneedling.knowledge.evidence import cited_items

    return [item.as_json() for item in cited_items(load_knowledge())]


def _table(rows: list[dict[str, Any]], columns: list[str], title: str) -> Callable[[], None]:
    def render() -> None:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(_cell(row[column]) for column in columns))
        Console().print(table)

    return render


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


_LISTINGS: dict[str, tuple[str, list[str]]] = {
    "indications": ("Indications", ["code", "evidence", "depth_mm", "sessions", "interval_days"]),
    "zones": ("Zones and needle-length caps (mm)", ["code", "clinic_cap_mm", "home_cap_mm"]),
    "contraindications": (
        "Contraindications",
        ["code", "action", "scope", "settings", "wait_days", "references"],
    ),
    "claims": (
        "Marketing claims and verdicts",
        ["id", "claim", "verdict", "evidence", "references"],
    ),
}
_CITED_COLUMNS = ["item", "value", "evidence", "references", "quote", "background"]


def _listing_command(listing: str, title: str, columns: list[str]) -> Callable[[bool], None]:
    def command(as_json: JsonOption = False) -> None:
        rows = _rows(listing)
        print_rows(rows, as_json, _table(rows, columns, title))

    command.__doc__ = f"List {title.lower()}."
    return command


def sources(
    as_json: JsonOption = False,
    references: Annotated[
        bool, typer.Option("--references", help="List the references themselves instead.")
    ] = False,
) -> None:
    """List every number, rule and claim with its grade, reporting references, quote and
    background (`--references`: the reference list)."""
    if references:
        rows = _rows("sources")
        print_rows(rows, as_json, _table(rows, ["id", "evidence", "citation"], "References"))
        return
    rows = _cited_rows()
    print_rows(rows, as_json, _table(rows, _CITED_COLUMNS, "Evidence behind every number"))


def evidence(
    write: Annotated[
        Path | None, typer.Option("--write", help="Write the Markdown to this file.")
    ] = None,
) -> None:
    """Print (or write) docs/evidence.md: every number with its grade and citation, and counts."""
    from microneedling.knowledge import load_knowledge
    from microneedling.knowledge.evidence import evidence_markdown

    text = evidence_markdown(load_knowledge())
    if write is None:
        typer.echo(text, nl=False)
        return
    write.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {write}")


def explain(
    code: Annotated[str, typer.Argument(help="Any code: indication, zone, condition, claim...")],
    as_json: JsonOption = False,
) -> None:
    """Explain what a code means, its numbers and its references."""
    from microneedling.knowledge import load_knowledge
    from microneedling.knowledge.evidence import cited_items, reference_uses

    kb = load_knowledge()
    items = cited_items(kb)
    found: list[dict[str, Any]] = []
    for section in ("indications", "zones", "combinations", "referrals", "topicals", "claims"):
        row = getattr(kb, section).get(code)
        if row is not None:
            found.append(
                {
                    "kind": section.rstrip("s"),
                    **row.model_dump(mode="json"),
                    "citations": _citations(items, f"{section}.{code}"),
                }
            )
    rules = [rule for rule in kb.contraindications if rule.code == code]
    for number, rule in enumerate(rules, start=1):
        path = f"contraindications.{code}" + (f"#{number}" if len(rules) > 1 else "")
        found.append(
            {
                "kind": "contraindication",
                **rule.model_dump(mode="json"),
                "citations": _citations(items, path),
            }
        )
    for section in (
        "conditions",
        "medications",
        "procedures",
        "scar_types",
        "client_findings",
        "warnings",
    ):
        term = getattr(kb, section).get(code)
        if term is not None:
            found.append({"kind": section.rstrip("s"), "code": code, **term.model_dump()})
    if code in kb.references:
        found.append(
            {"kind": "reference", **kb.references[code].model_dump(), **reference_uses(items, code)}
        )
    if not found:
        fail(f"code: unknown code '{code}' (see `microneedling indications`, `zones`, ...)")
    if as_json:
        print_json(found)
        return
    for entry in found:
        typer.echo(f"{entry['kind']}: {code}")
        for key, value in entry.items():
            if not _shown_as_citation(entry, key, value):
                typer.echo(f"  {key}: {value}")
        for cited in entry.get("citations", []):
            typer.echo(_citation_text(cited))


def _shown_as_citation(entry: dict[str, Any], key: str, value: Any) -> bool:
    """Keys the citation lines below a row already show (in text output)."""
    if key in ("kind", "code", "citations"):
        return True
    if "citations" not in entry:
        return False
    return key in ("evidence", "references", "background", "quote") or (
        isinstance(value, dict) and "evidence" in value
    )


def _citations(items: list[Any], prefix: str) -> list[dict[str, Any]]:
    """The cited items of one row: the row itself and the numbers inside it."""
    return [
        item.as_json()
        for item in items
        if item.item == prefix or item.item.startswith(f"{prefix}.")
    ]


def _citation_text(cited: dict[str, Any]) -> str:
    lines = [f"  {cited['item']} = {cited['value']} [{', '.join(cited['evidence'])}]"]
    reporting = [ref for ref in cited["references"] if ref != "expert_default"]
    if cited["status"] == "derived":
        lines.append("    expert default (derived): no reference reports it")
    else:
        lines.append(f"    reported by: {', '.join(reporting)}")
        lines.append(f'    quote: "{cited["quote"]}"' if cited["quote"] else "    quote: -")
    if cited["background"]:
        lines.append(f"    background: {', '.join(cited['background'])}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    for listing, (title, columns) in _LISTINGS.items():
        app.command(listing)(_listing_command(listing, title, columns))
    app.command("sources")(sources)
    app.command("explain")(explain)
    app.command("evidence")(evidence)

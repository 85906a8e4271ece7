"""Rich rendering of a plan for people; `--json` gives the contract instead."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from microneedling.clinical.models import Plan


def render_plan(plan: Plan) -> None:
    console = Console()
    colour = {"ok": "green", "deferred": "yellow", "refused": "red"}[plan.status]
    console.print(
        f"[bold {colour}]Status: {plan.status}[/]  phototype {plan.phototype}  "
        f"knowledge base {plan.knowledge_version}"
    )
    if plan.findings:
        table = Table(title="Findings")
        for column in ("code", "action", "zones", "until", "reason"):
            table.add_column(column)
        for f in plan.findings:
            until = ""
            if f.until:
                until = " ".join(str(p) for p in (f.until.date, f.until.condition) if p)
            table.add_row(f.code, f.action, ", ".join(f.zones or ["all"]), until, f.reason)
        console.print(table)
    table = Table(title="Treatments")
    for column in ("indication", "zone", "status", "depth mm", "first", "sessions", "passes"):
        table.add_column(column)
    for t in plan.treatments:
        depth = f"{t.depth_mm.min:g}-{t.depth_mm.max:g}" if t.depth_mm else "-"
        first = f"{t.depth_mm.first_session:g}" if t.depth_mm else "-"
        sessions = "-"
        if t.sessions:
            every = f" every {t.sessions.interval_days} d" if t.sessions.interval_days else ""
            sessions = f"{t.sessions.count}{every}"
        derived = any("derived" in s.evidence for s in t.sources.values())
        status = t.status + (f" ({', '.join(t.blocked_by)})" if t.blocked_by else "")
        table.add_row(
            t.indication,
            t.zone,
            status,
            depth + (" (derived)" if derived else ""),
            first,
            sessions,
            f"{t.passes} {t.passes_unit}" if t.passes else "-",
        )
    console.print(table)
    if plan.schedule:
        table = Table(title="Schedule")
        for column in ("session", "date", "kind", "depth mm per zone"):
            table.add_column(column)
        for s in plan.schedule:
            depths = ", ".join(f"{zone} {mm:g}" for zone, mm in s.depth_mm.items())
            table.add_row(str(s.session), str(s.date or "-"), s.kind, depths)
        console.print(table)
    for title, lines in (
        ("Combinations", [f"{c.code} (for {c.for_}): {c.note}" for c in plan.combinations]),
        ("Referrals", [f"{r.code} (for {r.for_}): {r.reason}" for r in plan.referrals]),
        ("Warnings", [f"{w.code}: {w.message}" for w in plan.warnings]),
        ("Pre-care", [p.text for p in plan.pre_care]),
        (
            "Aftercare",
            [
                f"day {a.from_day}-{a.to_day}: do {'; '.join(a.do)}"
                + (f" | avoid {'; '.join(a.avoid)}" if a.avoid else "")
                for a in plan.aftercare
            ],
        ),
        (
            "References",
            [f"[{r.id}] {r.citation} ({', '.join(r.evidence)})" for r in plan.references],
        ),
    ):
        if lines:
            console.print(f"\n[bold]{title}[/]")
            for line in lines:
                console.print(f"- {line}", highlight=False)

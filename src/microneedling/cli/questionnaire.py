"""`plan --interactive`: a guided questionnaire that builds the same request as a JSON file."""

from __future__ import annotations

from typing import Any

import typer

from microneedling.knowledge import load_knowledge


def _choice(question: str, allowed: list[str], default: str | None = None) -> str:
    while True:
        answer = str(typer.prompt(f"{question} [{'/'.join(allowed)}]", default=default)).strip()
        if answer in allowed:
            return answer
        typer.echo(f"Please answer one of: {', '.join(allowed)}")


def _codes(question: str, allowed: list[str]) -> list[str]:
    while True:
        answer = str(typer.prompt(f"{question} (comma-separated, blank for none)", default=""))
        codes = [code.strip() for code in answer.split(",") if code.strip()]
        unknown = [code for code in codes if code not in allowed]
        if not unknown:
            return codes
        typer.echo(f"Unknown: {', '.join(unknown)}. Allowed: {', '.join(allowed)}")


def ask_request() -> dict[str, Any]:
    """Ask item by item, re-asking on an answer that is not allowed."""
    kb = load_knowledge()
    setting = _choice("Setting", ["clinic", "home"], "home")
    device = _choice("Device", list(kb.devices), "roller")
    length = typer.prompt("Needle length in mm (blank if unknown)", default="", show_default=False)
    age = typer.prompt("Age in years", type=int)
    phototype = typer.prompt("Fitzpatrick phototype (1-6)", type=int)
    pregnant = typer.confirm("Pregnant?", default=False)
    breastfeeding = typer.confirm("Breastfeeding?", default=False)
    active = _codes("Conditions active now", list(kb.conditions))
    history = _codes("Conditions in the past", list(kb.conditions))
    medications = _codes("Medications taken now", list(kb.medications))
    indication = _choice("What to treat", list(kb.indications))
    zones = _codes("Zones", list(kb.zones)) or [kb.indications[indication].zones[0]]
    topicals = _codes("Products you mean to apply", list(kb.topicals))
    device_data: dict[str, Any] = {"type": device}
    if str(length).strip():
        device_data["needle_length_mm"] = float(length)
    return {
        "setting": setting,
        "device": device_data,
        "client": {
            "age_years": age,
            "fitzpatrick": phototype,
            "pregnant": pregnant,
            "breastfeeding": breastfeeding,
            "conditions": [{"code": c, "status": "active"} for c in active]
            + [{"code": c, "status": "history"} for c in history],
            "medications": [{"code": m, "status": "current"} for m in medications],
        },
        "concerns": [{"indication": indication, "zones": zones}],
        "topicals": topicals,
    }

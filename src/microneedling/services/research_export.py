"""Pseudonymised exports of sessions and scores for research, with their data dictionary.

A research export names no one: each client is a subject code derived from the clinic's secret
key (stable across exports, not reversible without the key), dates become days since the
subject's first session, and the birth date becomes the age at that session. Only current
versions of records go out (no superseded row), and no photo, note or free text.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select

from microneedling import __version__
from microneedling.records.models import Client, ScoreRecord, TreatmentSession
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clinical_records import is_current
from microneedling.services.common import Records
from microneedling.services.intakes import age_on
from microneedling.services.interop import latest_ids

ResearchFormat = Literal["csv", "json"]


@dataclass(frozen=True)
class Column:
    """One column of a research table: its name, type, unit and meaning."""

    table: str
    name: str
    type: str
    unit: str
    description: str


DATA_DICTIONARY: tuple[Column, ...] = (
    Column("sessions", "subject", "string", "", "pseudonymous subject code (S- and 12 hex digits)"),
    Column("sessions", "session", "integer", "", "the subject's session number, from 1"),
    Column("sessions", "day", "integer", "days", "days since the subject's first session"),
    Column("sessions", "age_years", "integer", "years", "age at the session; empty if unknown"),
    Column("sessions", "sex", "string", "", "female, male, other, unknown, or empty"),
    Column("sessions", "phototype", "integer", "", "Fitzpatrick skin phototype 1-6, or empty"),
    Column("sessions", "device", "string", "", "pen, roller or stamp"),
    Column("sessions", "single_use", "boolean", "", "a sterile single-use needle cartridge"),
    Column("sessions", "zone", "string", "", "treatment zone code (docs/plan-contract.md)"),
    Column("sessions", "needle_mm", "number", "mm", "needle length set for the zone"),
    Column("sessions", "passes", "integer", "", "passes over the zone, or empty"),
    Column("sessions", "topicals", "string", "", "topical codes applied, joined with ;"),
    Column(
        "sessions", "adverse_events", "string", "", "adverse events as event:severity, joined by ;"
    ),
    Column("sessions", "warnings", "string", "", "warning codes of the session, joined with ;"),
    Column("scores", "subject", "string", "", "pseudonymous subject code, as in sessions"),
    Column("scores", "instrument", "string", "", "instrument code (docs/scores.md)"),
    Column("scores", "day", "integer", "days", "days since the subject's first session"),
    Column("scores", "session", "integer", "", "the session the score belongs to, or empty"),
    Column("scores", "value", "number", "", "the instrument's score (ITA in degrees)"),
    Column("scores", "band", "string", "", "the instrument's band or class, or empty"),
)
TABLES = ("sessions", "scores")


def columns(table: str) -> list[str]:
    return [column.name for column in DATA_DICTIONARY if column.table == table]


def subject_code(secret: str, clinic_id: int, client_id: int) -> str:
    """A stable pseudonym: an HMAC of the ids under the clinic's secret key."""
    digest = hmac.new(secret.encode(), f"{clinic_id}:{client_id}".encode(), hashlib.sha256)
    return f"S-{digest.hexdigest()[:12]}"


def research_tables(records: Records, actor: Actor) -> dict[str, list[dict[str, Any]]]:
    """The sessions (a row per zone treated) and the scores of every live client."""
    require(actor, Permission.EXPORT)
    secret = records.settings.secret_key.get_secret_value()
    tables: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES}
    with records.transaction() as db:
        clients = {
            c.id: c
            for c in db.scalars(
                select(Client).where(
                    Client.clinic_id == actor.clinic_id, Client.erased_at.is_(None)
                )
            )
        }
        sessions = [
            s
            for s in db.scalars(
                select(TreatmentSession)
                .where(TreatmentSession.clinic_id == actor.clinic_id, is_current(TreatmentSession))
                .order_by(TreatmentSession.performed_on, TreatmentSession.id)
            )
            if s.client_id in clients
        ]
        scores = [
            s
            for s in db.scalars(
                select(ScoreRecord)
                .where(ScoreRecord.clinic_id == actor.clinic_id, is_current(ScoreRecord))
                .order_by(ScoreRecord.scored_on, ScoreRecord.id)
            )
            if s.client_id in clients
        ]
        session_ids = {
            client_id: latest_ids(db, TreatmentSession, client_id)
            for client_id in {score.client_id for score in scores if score.session_id}
        }
    first: dict[int, dt.date] = {}
    counts: Counter[int] = Counter()
    number: dict[int, int] = {}
    for session in sessions:
        first.setdefault(session.client_id, session.performed_on)
        counts[session.client_id] += 1
        number[session.id] = counts[session.client_id]
    for session in sessions:
        client = clients[session.client_id]
        shared = {
            "subject": subject_code(secret, actor.clinic_id, client.id),
            "session": number[session.id],
            "day": (session.performed_on - first[client.id]).days,
            "age_years": age_on(client.birth_date, session.performed_on)
            if client.birth_date
            else None,
            "sex": client.sex,
            "phototype": client.phototype,
            "device": session.device,
            "single_use": session.single_use,
            "topicals": ";".join(session.topicals),
            "adverse_events": ";".join(
                f"{e['event']}:{e['severity']}" for e in session.adverse_events
            ),
            "warnings": ";".join(w["code"] for w in session.warnings),
        }
        for zone in session.zones:
            tables["sessions"].append(
                {
                    **shared,
                    "zone": zone["zone"],
                    "needle_mm": zone["needle_mm"],
                    "passes": zone.get("passes"),
                }
            )
    for score in scores:
        start = first.get(score.client_id)
        tables["scores"].append(
            {
                "subject": subject_code(secret, actor.clinic_id, score.client_id),
                "instrument": score.instrument,
                "day": (score.scored_on - start).days if start else None,
                "session": number.get(session_ids[score.client_id][score.session_id])
                if score.session_id
                else None,
                "value": score.value,
                "band": score.band,
            }
        )
    return {table: [_ordered(table, row) for row in rows] for table, rows in tables.items()}


def _ordered(table: str, row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in columns(table)}


def research_export(
    records: Records, actor: Actor, export_format: ResearchFormat
) -> dict[str, str]:
    """The export's files by name: CSV tables and a data dictionary, or one JSON document."""
    tables = research_tables(records, actor)
    dictionary = [column.__dict__ for column in DATA_DICTIONARY]
    if export_format == "json":
        document = {
            "format": "microneedling-research-export",
            "version": __version__,
            "data_dictionary": dictionary,
            **tables,
        }
        return {"research.json": json.dumps(document, indent=2, ensure_ascii=False) + "\n"}
    files = {f"{table}.csv": _csv(columns(table), tables[table]) for table in TABLES}
    files["data_dictionary.csv"] = _csv(
        ["table", "name", "type", "unit", "description"], dictionary
    )
    return files


def _csv(names: list[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()

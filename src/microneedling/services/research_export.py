"""Pseudonymised exports of sessions and scores for research, with their data dictionary.

A research export names no one: each client is a subject code under a pseudonym key derived
from the installation's signing key with a label of its own (stable across exports, not
reversible without the key; refused while the key is a default anyone could know), dates
become days since the subject's first session, and the birth date a 5-year age band at that
session. Only current versions of records go out (no superseded row), and no photo, note or
free text: an adverse event goes out as a code of the knowledge base's vocabulary and its
severity. Every CSV cell is formula-safe. A check reports the smallest group of subjects that
share an age band, sex and phototype, and warns below k = 5.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select

from microneedling import __version__
from microneedling.config import PLACEHOLDER_SECRET
from microneedling.knowledge import load_knowledge
from microneedling.records.models import Client, ScoreRecord, TreatmentSession
from microneedling.services.access import Actor, Permission, require
from microneedling.services.clinical_records import is_current
from microneedling.services.common import Records
from microneedling.services.errors import ServiceError
from microneedling.services.exports import formula_safe
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
    Column("sessions", "age_band", "string", "years", "age at the session in 5-year bands (30-34)"),
    Column("sessions", "sex", "string", "", "female, male, other, unknown, or empty"),
    Column("sessions", "phototype", "integer", "", "Fitzpatrick skin phototype 1-6, or empty"),
    Column("sessions", "device", "string", "", "pen, roller or stamp"),
    Column("sessions", "single_use", "boolean", "", "a sterile single-use needle cartridge"),
    Column("sessions", "zone", "string", "", "treatment zone code (docs/plan-contract.md)"),
    Column("sessions", "needle_mm", "number", "mm", "needle length set for the zone"),
    Column("sessions", "passes", "integer", "", "passes over the zone, or empty"),
    Column("sessions", "topicals", "string", "", "topical codes applied, joined with ;"),
    Column(
        "sessions",
        "adverse_events",
        "string",
        "",
        "adverse event codes as code:severity, joined by ;",
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
PSEUDONYM_LABEL = b"microneedling research export pseudonym key v1"
AGE_BAND_YEARS = 5
# The smallest group of subjects sharing their quasi-identifiers below which a subject may be
# singled out (k-anonymity, k = 5).
K_ANONYMITY = 5
QUASI_IDENTIFIERS = ("age_band", "sex", "phototype")


class DefaultKeyRefused(ServiceError):
    """The pseudonyms would be made with a key anyone can know."""


@dataclass(frozen=True)
class ResearchExport:
    """The export's files by name, and the smallest group of subjects on the quasi-identifiers."""

    files: dict[str, str]
    smallest_group: int | None

    @property
    def warning(self) -> str | None:
        if self.smallest_group is None or self.smallest_group >= K_ANONYMITY:
            return None
        return (
            f"a group of {self.smallest_group} subject(s) shares one age band, sex and "
            f"phototype, below k = {K_ANONYMITY}: such subjects may be singled out; export fewer "
            "columns or more subjects before sharing"
        )


def columns(table: str) -> list[str]:
    return [column.name for column in DATA_DICTIONARY if column.table == table]


def pseudonym_key(signing_key: str) -> bytes:
    """The key of the subject codes: derived from the signing key under a label of its own, so
    it is neither the token key nor usable for tokens; refused when the signing key is empty or
    the public placeholder."""
    if signing_key in ("", PLACEHOLDER_SECRET):
        raise DefaultKeyRefused(
            "the signing key is a default anyone can know, so pseudonyms made with it could be "
            "reversed; set MICRONEEDLING_SECRET_KEY to a secret of your own"
        )
    return hmac.new(signing_key.encode(), PSEUDONYM_LABEL, hashlib.sha256).digest()


def subject_code(key: bytes, clinic_id: int, client_id: int) -> str:
    """A stable pseudonym: an HMAC of the ids under the pseudonym key."""
    digest = hmac.new(key, f"{clinic_id}:{client_id}".encode(), hashlib.sha256)
    return f"S-{digest.hexdigest()[:12]}"


def age_band(age_years: int) -> str:
    """The 5-year band an age falls in, e.g. 30-34."""
    low = age_years // AGE_BAND_YEARS * AGE_BAND_YEARS
    return f"{low}-{low + AGE_BAND_YEARS - 1}"


def _folded(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def adverse_event_code(text: str) -> str:
    """The vocabulary code of an adverse event's free text: its code or name, or the name's
    words outside or inside brackets; anything else is `other`, so no free text leaves."""
    folded = _folded(text)
    for code, term in load_knowledge().adverse_events.items():
        outside, _, inside = term.name.partition("(")
        if folded in {_folded(code), _folded(term.name), _folded(outside), _folded(inside)}:
            return code
    return "other"


def smallest_group(rows: list[dict[str, Any]]) -> int | None:
    """The fewest subjects sharing one combination of age band, sex and phototype."""
    subjects: defaultdict[tuple[Any, ...], set[str]] = defaultdict(set)
    for row in rows:
        subjects[tuple(row[name] for name in QUASI_IDENTIFIERS)].add(row["subject"])
    return min((len(found) for found in subjects.values()), default=None)


def research_tables(records: Records, actor: Actor) -> dict[str, list[dict[str, Any]]]:
    """The sessions (a row per zone treated) and the scores of every live client."""
    require(actor, Permission.EXPORT)
    key = pseudonym_key(records.settings.signing_key)
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
            "subject": subject_code(key, actor.clinic_id, client.id),
            "session": number[session.id],
            "day": (session.performed_on - first[client.id]).days,
            "age_band": age_band(age_on(client.birth_date, session.performed_on))
            if client.birth_date
            else None,
            "sex": client.sex,
            "phototype": client.phototype,
            "device": session.device,
            "single_use": session.single_use,
            "topicals": ";".join(session.topicals),
            "adverse_events": ";".join(
                f"{adverse_event_code(e['event'])}:{e['severity']}" for e in session.adverse_events
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
                "subject": subject_code(key, actor.clinic_id, score.client_id),
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
) -> ResearchExport:
    """The export's files by name (CSV tables and a data dictionary, or one JSON document),
    with the smallest group of subjects on the quasi-identifiers."""
    tables = research_tables(records, actor)
    smallest = smallest_group(tables["sessions"])
    dictionary = [column.__dict__ for column in DATA_DICTIONARY]
    if export_format == "json":
        document = {
            "format": "microneedling-research-export",
            "version": __version__,
            "data_dictionary": dictionary,
            "smallest_group": {"on": list(QUASI_IDENTIFIERS), "subjects": smallest},
            **tables,
        }
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        return ResearchExport({"research.json": text}, smallest)
    files = {f"{table}.csv": _csv(columns(table), tables[table]) for table in TABLES}
    files["data_dictionary.csv"] = _csv(
        ["table", "name", "type", "unit", "description"], dictionary
    )
    return ResearchExport(files, smallest)


def _csv(names: list[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows({name: formula_safe(value) for name, value in row.items()} for row in rows)
    return out.getvalue()

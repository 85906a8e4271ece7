"""A demo clinic to try the app with: users for each role and a dozen synthetic clients whose
courses show the planner's main paths (clear plans, deferrals, a test spot, referrals, warnings).

Every person here is invented. Running it again changes nothing: an existing demo clinic is
left as it is.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from microneedling.records.models import Clinic, User
from microneedling.services import clients, clinics, photos, products, users
from microneedling.services.access import Actor
from microneedling.services.clinical_records import record
from microneedling.services.common import Records
from microneedling.services.consents import CONSENT
from microneedling.services.intakes import INTAKE
from microneedling.services.plans import PLAN
from microneedling.services.scores import SCORE
from microneedling.services.treatment_sessions import SESSION

DEMO_CLINIC = "Demo Clinic"
# A made-up address and a number from the range set aside for drama (Ofcom, 020 7946 0xxx).
DEMO_CONTACT = {"address": "1 Example Street, London", "phone": "020 7946 0000"}
DEMO_USERS = (
    ("owner", "owner@demo.example", "Olivia Owner", "demo-owner-2026"),
    ("clinician", "clinician@demo.example", "Dr Chris Clinician", "demo-clinician-2026"),
    ("assistant", "assistant@demo.example", "Alex Assistant", "demo-assistant-2026"),
    ("read_only", "reader@demo.example", "Robin Reader", "demo-reader-2026"),
)


@dataclass(frozen=True)
class DemoClient:
    given_name: str
    family_name: str
    birth_date: dt.date
    answers: dict[str, Any]
    concerns: list[dict[str, Any]]
    sessions: int = 0
    score: tuple[str, list[dict[str, Any]]] | None = None
    device: str = "pen"
    session_extras: dict[str, Any] = field(default_factory=dict)


def _acne_score(v: int, u: int, m: int) -> dict[str, Any]:
    names = ("superficial_elastolysis", "hypertrophic_inflammatory", "keloid")
    return {"v_shaped": v, "u_shaped": u, "m_shaped": m, **dict.fromkeys(names, 0)}


DEMO_CLIENTS = (
    DemoClient(
        "Amelia",
        "Hart",
        dt.date(1994, 3, 14),
        {"fitzpatrick": 2},
        [
            {
                "indication": "acne_scars_atrophic",
                "zones": ["cheeks", "forehead"],
                "scar_types": ["rolling", "boxcar_shallow"],
            }
        ],
        sessions=3,
        score=("ecca", [_acne_score(2, 2, 1), _acne_score(2, 1, 1), _acne_score(1, 1, 1)]),
    ),
    DemoClient(
        "Bilal",
        "Rahman",
        dt.date(1988, 7, 2),
        {"fitzpatrick": 4},
        [{"indication": "acne_scars_atrophic", "zones": ["cheeks"], "scar_types": ["icepick"]}],
        sessions=2,
    ),
    DemoClient(
        "Chiara",
        "Bianchi",
        dt.date(1985, 11, 20),
        {"fitzpatrick": 3},
        [{"indication": "melasma", "zones": ["cheeks", "forehead"]}],
        sessions=2,
        score=(
            "mmasi",
            [
                {
                    "forehead": {"area": 2, "darkness": 2},
                    "right_malar": {"area": 3, "darkness": 2},
                    "left_malar": {"area": 3, "darkness": 2},
                    "chin": {"area": 0, "darkness": 0},
                },
                {
                    "forehead": {"area": 1, "darkness": 2},
                    "right_malar": {"area": 2, "darkness": 2},
                    "left_malar": {"area": 2, "darkness": 2},
                    "chin": {"area": 0, "darkness": 0},
                },
            ],
        ),
    ),
    DemoClient(
        "Daniel",
        "Okafor",
        dt.date(1979, 5, 9),
        {"fitzpatrick": 5},
        [{"indication": "androgenetic_alopecia", "zones": ["scalp"]}],
        sessions=2,
        score=("norwood_hamilton", [{"stage": "III"}, {"stage": "III"}]),
    ),
    DemoClient(
        "Eva",
        "Lindqvist",
        dt.date(1990, 1, 30),
        {"fitzpatrick": 1},
        [{"indication": "striae", "zones": ["abdomen"]}],
        sessions=1,
    ),
    DemoClient(
        "Fatima",
        "Zahra",
        dt.date(1996, 9, 12),
        {"fitzpatrick": 3, "pregnant": True},
        [{"indication": "skin_laxity_texture", "zones": ["cheeks"]}],
    ),
    DemoClient(
        "George",
        "Mensah",
        dt.date(2001, 4, 4),
        {
            "fitzpatrick": 6,
            "medications": [
                {"code": "isotretinoin", "status": "stopped", "days_since_stopped": 60}
            ],
        },
        [{"indication": "acne_scars_atrophic", "zones": ["cheeks"]}],
    ),
    DemoClient(
        "Hannah",
        "Schmidt",
        dt.date(1972, 12, 1),
        {"fitzpatrick": 2},
        [{"indication": "wrinkles_fine_lines", "zones": ["forehead", "periorbital"]}],
        sessions=2,
        score=("wrinkle_severity_rating_scale", [{"grade": 3}, {"grade": 2}]),
    ),
    DemoClient(
        "Ines",
        "Moreau",
        dt.date(1992, 6, 18),
        {"fitzpatrick": 2, "conditions": [{"code": "herpes_labialis", "status": "history"}]},
        [{"indication": "acne_scars_atrophic", "zones": ["perioral", "chin"]}],
        sessions=1,
    ),
    DemoClient(
        "Jun",
        "Tanaka",
        dt.date(1987, 8, 25),
        {"fitzpatrick": 3},
        [{"indication": "enlarged_pores", "zones": ["cheeks", "nose"]}],
        sessions=1,
        session_extras={
            "single_use": False,
            "confirm_departures": True,
            "departure_reason": "demo record of a departure: the sealed pack was not checked",
        },
    ),
    DemoClient(
        "Kemi",
        "Adeyemi",
        dt.date(1983, 2, 11),
        {"fitzpatrick": 6},
        [{"indication": "hyperpigmentation_pih", "zones": ["cheeks"]}],
        sessions=1,
    ),
    DemoClient(
        "Lucas",
        "Ferreira",
        dt.date(1998, 10, 5),
        {"fitzpatrick": 3},
        [{"indication": "surgical_burn_scars", "zones": ["arms"]}],
        sessions=1,
        score=("vss", [{"pigmentation": 2, "vascularity": 1, "pliability": 2, "height": 1}]),
    ),
)


@dataclass(frozen=True)
class DemoResult:
    created: bool
    clinic: str
    logins: tuple[tuple[str, str, str], ...]
    clients: int


def _tiny_png(seed: int) -> bytes:
    """A small, valid PNG (a skin-toned gradient) so the demo has photos to show."""
    width = height = 32
    rows = b"".join(
        b"\x00"
        + bytes(
            channel
            for x in range(width)
            for channel in (200 - y, 150 + (x + seed) % 40, 130 - (y + seed) % 30)
        )
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def create_demo(records: Records, today: dt.date | None = None) -> DemoResult:
    """Create the demo clinic once; later calls report it and change nothing."""
    today = today or records.clock.today()
    logins = tuple((role, email, password) for role, email, _, password in DEMO_USERS)
    with records.transaction() as db:
        existing = db.scalar(select(Clinic.id).where(Clinic.name == DEMO_CLINIC))
    if existing is not None:
        return DemoResult(False, DEMO_CLINIC, logins, len(DEMO_CLIENTS))
    for role, email, name, password in DEMO_USERS:
        users.create_user(
            records,
            None,
            {"email": email, "full_name": name, "role": role, "password": password},
            clinic_name=DEMO_CLINIC,
        )
    with records.transaction() as db:
        owner = db.scalars(select(User).where(User.email == DEMO_USERS[0][1])).one()
        clinician = db.scalars(select(User).where(User.email == DEMO_USERS[1][1])).one()
        actor = Actor(clinic_id=clinician.clinic_id, role="clinician", user_id=clinician.id)
    as_owner = Actor(owner.clinic_id, "owner", owner.id)
    clinics.update_clinic(records, as_owner, DEMO_CONTACT)
    lot_id = _demo_catalogue(records, as_owner, today)
    for index, demo in enumerate(DEMO_CLIENTS):
        _create_course(records, actor, demo, index, today, lot_id)
    return DemoResult(True, DEMO_CLINIC, logins, len(DEMO_CLIENTS))


def _demo_catalogue(records: Records, owner: Actor, today: dt.date) -> int:
    """A cartridge and one lot of it, which every demo session uses; the lot's id."""
    cartridge = products.create_product(
        records,
        owner,
        {
            "kind": "needle_cartridge",
            "name": "12-needle sterile cartridge",
            "manufacturer": "Demo Needles Ltd",
            "needle_count": 12,
            "needle_mm": 2.5,
        },
    )
    lot = products.create_lot(
        records,
        owner,
        {
            "product_id": cartridge.id,
            "lot_number": "DN-2611",
            "expires_on": (today + dt.timedelta(days=365)).isoformat(),
            "quantity_in_stock": 200,
        },
    )
    return lot.id


def _create_course(
    records: Records, actor: Actor, demo: DemoClient, index: int, today: dt.date, lot_id: int
) -> None:
    """Register the client and record the course up to today: sessions four weeks apart."""
    client = clients.register_client(
        records,
        actor,
        {
            "given_name": demo.given_name,
            "family_name": demo.family_name,
            "birth_date": demo.birth_date,
            "phototype": demo.answers.get("fitzpatrick"),
            "email": f"{demo.given_name.lower()}.{demo.family_name.lower()}@example.com",
        },
    )
    intake = record(records, actor, INTAKE, client.id, {"answers": demo.answers})
    start = today - dt.timedelta(days=28 * demo.sessions)
    plan = record(
        records,
        actor,
        PLAN,
        client.id,
        {
            "intake_id": intake.id,
            "device": {"type": demo.device},
            "concerns": demo.concerns,
            "start_date": start.isoformat(),
            "as_of": start.isoformat(),
        },
    )
    if plan.status == "ok":
        name = f"{demo.given_name} {demo.family_name}"
        for scope in ("treatment", "photography"):
            record(
                records,
                actor,
                CONSENT,
                client.id,
                {
                    "scope": scope,
                    "signer_name": name,
                    "method": "electronic_signature",
                    "plan_id": plan.id,
                },
            )
    planned = [
        (t.zone, t.depth_mm.first_session, t.passes)
        for t in plan.plan.treatments
        if t.status == "planned" and t.depth_mm
    ]
    for number in range(demo.sessions if planned else 0):
        performed_on = start + dt.timedelta(days=28 * number)
        session = record(
            records,
            actor,
            SESSION,
            client.id,
            {
                "plan_id": plan.id,
                "performed_on": performed_on.isoformat(),
                "device": demo.device,
                "device_model": "Demo pen 2",
                "cartridge": "12-needle sterile cartridge",
                "lot_ids": [lot_id],
                "single_use": True,
                "zones": [
                    {"zone": zone, "needle_mm": needle_mm, "passes": passes}
                    for zone, needle_mm, passes in planned
                ],
                "end_point": "uniform erythema",
                "anaesthetic": "topical lidocaine 30 min",
                "immediate_reactions": "expected redness",
                **demo.session_extras,
            },
        )
        if demo.score is not None and number < len(demo.score[1]):
            instrument, answers = demo.score
            record(
                records,
                actor,
                SCORE,
                client.id,
                {
                    "instrument": instrument,
                    "answers": answers[number],
                    "scored_on": performed_on.isoformat(),
                    "session_id": session.id,
                },
            )
        zone = planned[0][0]
        photos.add_photo(
            records,
            actor,
            client.id,
            _tiny_png(index * 7 + number),
            {
                "view": "front",
                "taken_on": performed_on.isoformat(),
                "zone": zone,
                "session_id": session.id,
                "consent_to_use": False,
                # A tiny placeholder, not a face: kept as the clinician would keep it,
                # with the quality check's reasons on its record.
                "quality_confirmed": True,
            },
        )

"""A small named world for the interop, research-export, API and CLI tests: a clinic, its owner
and clinician, and one client with a full course (intake, plan, consent, two sessions of which
one is amended, an amended score, an ITA reading and a photo with its measurements), recorded
through the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from microneedling.records.models import Photo, PhotoMeasurement
from microneedling.services import clients, photos, users
from microneedling.services.access import Actor
from microneedling.services.amendments import amend_record
from microneedling.services.clinical_records import record
from microneedling.services.common import Records
from microneedling.services.consents import CONSENT
from microneedling.services.intakes import INTAKE
from microneedling.services.plans import PLAN
from microneedling.services.scores import SCORE
from microneedling.services.treatment_sessions import SESSION

# The smallest valid PNG, a 1 x 1 pixel image, as the upload check re-encodes it (so the file
# stored is these very bytes).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0000003020100999b3b940000000049454e44ae426082"
)


def _acne_scars(v: int, u: int, m: int) -> dict[str, int]:
    zero = dict.fromkeys(("superficial_elastolysis", "hypertrophic_inflammatory", "keloid"), 0)
    return {"v_shaped": v, "u_shaped": u, "m_shaped": m, **zero}


@dataclass(frozen=True)
class World:
    records: Records
    owner: Actor
    clinician: Actor
    client_id: int
    ids: dict[str, Any]


# What the photo's analysis stores (a 1-pixel photo has no face to measure, so the rows are
# written as the background job writes them): value and MDC95 per zone and measure.
MEASURED = (
    ("cheek_left", "a_star", 14.2, 0.49),
    ("cheek_left", "ita_deg", 38.5, 1.0),
    ("forehead", "spots", 4.0, 3.0),
    ("forehead", "texture", None, None),
)


def measured(records: Records, photo_id: int) -> None:
    with records.transaction() as db:
        photo = db.get_one(Photo, photo_id)
        for zone, measure, value, mdc in MEASURED:
            db.add(
                PhotoMeasurement(
                    clinic_id=photo.clinic_id,
                    client_id=photo.client_id,
                    photo_id=photo_id,
                    zone=zone,
                    measure=measure,
                    value=value,
                    mdc=mdc,
                    measured_at=records.clock.now(),
                )
            )


def build_world(records: Records) -> World:
    owner_out = users.create_user(
        records,
        None,
        {
            "email": "owner@clinic.example",
            "full_name": "Olivia Owner",
            "role": "owner",
            "password": "a-long-owner-password",
        },
        clinic_name="Harbour Skin Clinic",
    )
    owner = Actor(clinic_id=owner_out.clinic_id, role="owner", user_id=owner_out.id)
    clinician_out = users.create_user(
        records,
        owner,
        {
            "email": "clinician@clinic.example",
            "full_name": "Dr Chris Clinician",
            "role": "clinician",
            "password": "a-long-clinician-password",
        },
    )
    clinician = Actor(owner.clinic_id, "clinician", clinician_out.id)
    client = clients.register_client(
        records,
        clinician,
        {
            "given_name": "Amelia",
            "family_name": "Hart",
            "birth_date": "1994-03-14",
            "sex": "female",
            "email": "amelia@example.org",
            "phone": "+44 20 7946 0000",
            "phototype": 2,
        },
    )
    intake: Any = record(
        records,
        clinician,
        INTAKE,
        client.id,
        {
            "answers": {
                "fitzpatrick": 2,
                "conditions": [{"code": "herpes_labialis", "status": "history"}],
            }
        },
    )
    plan: Any = record(
        records,
        clinician,
        PLAN,
        client.id,
        {
            "intake_id": intake.id,
            "device": {"type": "pen"},
            "concerns": [
                {
                    "indication": "acne_scars_atrophic",
                    "zones": ["cheeks", "forehead"],
                    "severity": "moderate",
                    "scar_types": ["rolling"],
                },
                {"indication": "melasma", "zones": ["cheeks"]},
            ],
            "start_date": "2026-01-05",
            "as_of": "2026-01-05",
        },
    )
    consent: Any = record(
        records,
        clinician,
        CONSENT,
        client.id,
        {
            "scope": "treatment",
            "signer_name": "Amelia Hart",
            "method": "written_signature",
            "plan_id": plan.id,
        },
    )
    sessions = []
    for day, depth in (("2026-01-05", 0.5), ("2026-02-02", 1.0)):
        session: Any = record(
            records,
            clinician,
            SESSION,
            client.id,
            {
                "plan_id": plan.id,
                "performed_on": day,
                "device": "pen",
                "device_model": "Example Pen 2",
                "cartridge": "36-pin nano",
                "lot_number": "LOT-4411",
                "single_use": True,
                "zones": [{"zone": "cheeks", "needle_mm": depth, "passes": 3}],
                "topicals": ["hyaluronic_acid_sterile"],
                "adverse_events": [{"event": "erythema", "severity": "mild", "onset_days": 0}],
            },
        )
        sessions.append(session)
    first_score: Any = record(
        records,
        clinician,
        SCORE,
        client.id,
        {
            "instrument": "ecca",
            "answers": _acne_scars(2, 2, 1),
            "scored_on": "2026-01-05",
            "session_id": sessions[0].id,
        },
    )
    amended: Any = amend_record(
        records,
        clinician,
        "score",
        first_score.id,
        {"changes": {"answers": _acne_scars(2, 1, 1)}, "reason": "miscounted boxcar scars"},
    )
    ita: Any = record(
        records,
        clinician,
        SCORE,
        client.id,
        {
            "instrument": "ita",
            "answers": {"l_star": 62.0, "b_star": 15.0},
            "scored_on": "2026-02-02",
        },
    )
    photo = photos.add_photo(
        records,
        clinician,
        client.id,
        PNG,
        {
            "zone": "cheeks",
            "view": "front",
            "taken_on": "2026-01-05",
            "consent_to_use": True,
            "session_id": sessions[0].id,
        },
    )
    measured(records, photo.id)
    amended_session: Any = amend_record(
        records,
        clinician,
        "session",
        sessions[0].id,
        {"changes": {"lot_number": "LOT-4412"}, "reason": "lot number misread from the pouch"},
    )
    ids = {
        "clinician": clinician_out.id,
        "intake": intake.id,
        "plan": plan.id,
        "consent": consent.id,
        "sessions": [amended_session.id, sessions[1].id],
        "session_original": sessions[0].id,
        "score_original": first_score.id,
        "score_amended": amended.id,
        "ita": ita.id,
        "photo": photo.id,
    }
    return World(records, owner, clinician, client.id, ids)

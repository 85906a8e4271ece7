"""Signed consents: the exact text and its hash, the signature images checked as PNGs, a seal
over everything stored that any change breaks, withdrawal as a record of its own, and photos
withheld from every view and export while photography consent stands withdrawn."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.images import image
from tests.world import NOW, World, new_client, planned_course

from microneedling.errors import InputError
from microneedling.records.models import AuditEntry, Consent
from microneedling.services import amendments, exports, interop, photos
from microneedling.services.clinical_records import read, record
from microneedling.services.consents import (
    CONSENT,
    consent_texts,
    current_version,
    seal_holds,
    seal_of,
    text_sha256,
)
from microneedling.services.course import client_course
from microneedling.services.errors import Conflict, NotFound
from microneedling.services.timeline import timeline

SIGNATURE = image("PNG", size=(300, 100), colour=(255, 255, 255))
META = {"view": "front", "taken_on": "2026-11-02", "zone": "cheeks"}


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def _consent(world: World, client_id: int, **changes: Any) -> Any:
    data = {
        "scope": "photography",
        "signer_name": "Ann Lee",
        "method": "electronic_signature",
        "signature_png": b64(SIGNATURE),
        **changes,
    }
    return record(world.records, world.assistant, CONSENT, client_id, data)


def _row(world: World, consent_id: int) -> Consent:
    with world.records.transaction() as db:
        row = db.get_one(Consent, consent_id)
        db.expunge(row)
        return row


def test_a_signed_consent_keeps_text_signatures_witness_and_a_seal_that_holds(
    world: World,
) -> None:
    client, _intake, plan = planned_course(world)
    consent = _consent(
        world,
        client.id,
        scope="treatment",
        plan_id=plan.id,
        witness_name="Bea Witness",
        witness_signature_png=b64(SIGNATURE),
    )
    text = consent_texts()[("treatment", current_version("treatment"))]
    assert consent.text == text and consent.text_sha256 == text_sha256(text)
    assert consent.signed_on_screen and consent.witnessed_on_screen
    assert consent.decision == "given" and consent.created_by == world.assistant.user_id
    row = _row(world, consent.id)
    assert row.signature_png is not None and row.signature_png.startswith(b"\x89PNG")
    assert row.witness_name == "Bea Witness"
    assert consent.record_sha256 == seal_of(row) and seal_holds(row)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("signature_png", "not base64!", "base64"),
        ("signature_png", b64(image("JPEG", size=(300, 100))), "not a PNG"),
        ("signature_png", b64(b"\x89PNG\r\n\x1a\n" + b"junk" * 10), "not a readable image"),
        ("signature_png", b64(image("PNG", size=(8, 8))), "too small"),
        ("witness_signature_png", b64(b"GIF89a"), "not a PNG"),
    ],
)
def test_a_signature_that_is_not_a_sane_png_is_refused_naming_the_field(
    world: World, field: str, value: str, message: str
) -> None:
    client = new_client(world)
    extra = {"witness_name": "Bea"} if field == "witness_signature_png" else {}
    with pytest.raises(InputError) as error:
        _consent(world, client.id, **{field: value, **extra})
    (problem,) = error.value.problems
    assert problem.field == field and message in problem.message
    assert client_course(world.records, world.clinician, client.id).consents == []


def test_a_signature_over_the_size_limit_is_refused(world: World) -> None:
    client = new_client(world)
    with pytest.raises(InputError) as error:
        _consent(world, client.id, signature_png="A" * 800_000)
    assert error.value.problems[0].field == "signature_png"


def test_a_typed_name_signs_only_with_the_box_ticked(world: World) -> None:
    client = new_client(world)
    typed = {"method": "typed_name", "signature_png": None}
    with pytest.raises(InputError) as error:
        _consent(world, client.id, **typed)
    assert error.value.problems[0].field == "typed_agreement"
    consent = _consent(world, client.id, **typed, typed_agreement=True)
    assert consent.method == "typed_name" and not consent.signed_on_screen


def test_a_consent_is_never_amended(world: World) -> None:
    client = new_client(world)
    consent = _consent(world, client.id)
    with pytest.raises(InputError) as error:
        amendments.amend_record(
            world.records,
            world.owner,
            "consent",
            consent.id,
            {"changes": {"signer_name": "Someone Else"}, "reason": "typo"},
        )
    assert error.value.problems[0].field == "entity"


BASE = {
    "client_id": 7,
    "clinic_id": 1,
    "created_by": 3,
    "decision": "given",
    "method": "electronic_signature",
    "plan_id": 11,
    "scope": "treatment",
    "signature_png": b"\x89PNG-client",
    "signed_at": dt.datetime(2026, 11, 30, 9, 15, 0, 123456, tzinfo=dt.UTC),
    "signer_name": "Ann Lee",
    "text": "I agree.",
    "text_version": "2026-11",
    "witness_name": "Bea",
    "witness_signature_png": b"\x89PNG-witness",
}
OPTIONAL = {"created_by", "plan_id", "signature_png", "witness_name", "witness_signature_png"}
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "client_id": st.integers(1, 2**31 - 1),
    "clinic_id": st.integers(1, 2**31 - 1),
    "created_by": st.integers(1, 2**31 - 1),
    "decision": st.sampled_from(["given", "withdrawn"]),
    "method": st.sampled_from(["written_signature", "electronic_signature", "typed_name"]),
    "plan_id": st.integers(1, 2**31 - 1),
    "scope": st.sampled_from(["treatment", "photography", "photo_publication"]),
    "signature_png": st.binary(max_size=64),
    "signed_at": st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2100, 1, 1),
        timezones=st.just(dt.UTC),
    ),
    "signer_name": st.text(min_size=1, max_size=40),
    "text": st.text(max_size=200),
    "text_version": st.text(min_size=1, max_size=12),
    "witness_name": st.text(min_size=1, max_size=40),
    "witness_signature_png": st.binary(max_size=64),
}


@st.composite
def one_change(draw: st.DrawFn) -> tuple[str, Any]:
    name = draw(st.sampled_from(sorted(BASE)))
    options = VALUES[name] | st.none() if name in OPTIONAL else VALUES[name]
    value = draw(options.filter(lambda v: v != BASE[name]))
    return name, value


# Generation is cheap; only a busy machine makes it look slow.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_change())
def test_the_seal_changes_when_any_stored_part_changes(change: tuple[str, Any]) -> None:
    name, value = change
    before = seal_of(Consent(**BASE))
    assert seal_of(Consent(**{**BASE, name: value})) != before


def test_the_seal_reads_the_same_time_in_any_zone() -> None:
    paris = BASE["signed_at"].astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert seal_of(Consent(**{**BASE, "signed_at": paris})) == seal_of(Consent(**BASE))


def test_withdrawing_photography_consent_hides_photos_everywhere_but_the_audit(
    world: World,
) -> None:
    client = new_client(world)
    _consent(world, client.id, signed_at=(NOW - dt.timedelta(days=2)).isoformat())
    photo = photos.add_photo(world.records, world.assistant, client.id, image("PNG"), META)
    assert [p.id for p in client_course(world.records, world.clinician, client.id).photos] == [
        photo.id
    ]
    withdrawal = _consent(world, client.id, decision="withdrawn", signature_png=None)
    assert withdrawal.decision == "withdrawn"

    course = client_course(world.records, world.clinician, client.id)
    assert course.photos == []
    assert [c.decision for c in course.consents] == ["given", "withdrawn"]
    kinds = [entry.kind for entry in timeline(world.records, world.clinician, client.id)]
    assert "photo" not in kinds and kinds.count("consent") == 2
    with pytest.raises(NotFound):
        read(world.records, world.clinician, photos.PHOTO, photo.id)
    with pytest.raises(NotFound):
        photos.photo_file(world.records, world.clinician, photo.id)
    with pytest.raises(NotFound):
        amendments.amend_record(
            world.records,
            world.clinician,
            "photo",
            photo.id,
            {"changes": {"view": "left"}, "reason": "wrong view"},
        )
    exported = exports.export_json(world.records, world.owner)
    (document,) = [c for c in exported["clients"] if c["id"] == client.id]
    assert document["photos"] == [] and len(document["consents"]) == 2
    assert interop.read_client_record(world.records, world.owner, client.id).photos == []
    bundle = interop.export_fhir(world.records, world.owner, client.id)
    kinds_sent = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert "Media" not in kinds_sent
    with pytest.raises(Conflict, match="withdrew consent to photography"):
        photos.add_photo(world.records, world.assistant, client.id, image("PNG"), META)
    with world.records.transaction() as db:
        audited = db.scalars(select(AuditEntry.entity_id).where(AuditEntry.entity == "photo")).all()
    assert photo.id in audited

    _consent(world, client.id)  # consent given again: the photos come back
    assert len(client_course(world.records, world.clinician, client.id).photos) == 1


def test_withdrawal_denies_in_the_fhir_consent(world: World) -> None:
    client = new_client(world)
    _consent(world, client.id, decision="withdrawn", signature_png=None)
    bundle = interop.export_fhir(world.records, world.owner, client.id)
    (consent,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Consent"
    ]
    assert consent["provision"]["type"] == "deny"

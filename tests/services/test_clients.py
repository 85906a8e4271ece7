"""Clients: registration, search by name and date, optimistic locking, erasure."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.concurrency import at_once
from tests.conftest import PHOTO_STORES
from tests.services.test_photos import PNG, renditions_of
from tests.world import NOW, World, new_client, planned_course

from microneedling.errors import InputError
from microneedling.records.models import CLINICAL_MODELS, AuditEntry, Client
from microneedling.services import amendments, clients, photos
from microneedling.services.clinical_records import record
from microneedling.services.clock import Clock
from microneedling.services.errors import Conflict, Forbidden, NotFound
from microneedling.services.intakes import INTAKE
from microneedling.services.integrity import check_photo_store
from microneedling.services.timeline import timeline


def test_a_registered_client_is_found_by_the_start_of_either_name(world: World) -> None:
    ann = new_client(world, "Ann", "Lee")
    new_client(world, "Bob", "Leeds")
    new_client(world, "Carla", "Brown")
    found = clients.search_clients(world.records, world.reader, {"q": "lee"})
    assert {c.family_name for c in found.items} == {"Lee", "Leeds"}
    assert [
        c.id for c in clients.search_clients(world.records, world.reader, {"q": "an"}).items
    ] == [ann.id]


def test_search_with_two_words_matches_given_and_family_name_in_either_order(
    world: World,
) -> None:
    ann = new_client(world, "Ann", "Lee")
    new_client(world, "Ann", "Brown")
    for query in ("ann lee", "lee ann", "  ANN   le "):
        items = clients.search_clients(world.records, world.reader, {"q": query}).items
        assert [c.id for c in items] == [ann.id], query


def test_search_ignores_accents_and_case(world: World) -> None:
    zoe = new_client(world, "Zoë", "Ångström")
    for query in ("zoe", "ANGS", "Ångs"):
        items = clients.search_clients(world.records, world.reader, {"q": query}).items
        assert [c.id for c in items] == [zoe.id], query


def test_search_pages_through_results_in_name_order(world: World) -> None:
    for family in ("Cole", "Abbot", "Baker", "Dunn", "Evans"):
        new_client(world, "Pat", family)
    first = clients.search_clients(world.records, world.reader, {"limit": 2})
    second = clients.search_clients(world.records, world.reader, {"limit": 2, "offset": 2})
    assert first.total == second.total == 5
    names = [c.family_name for c in first.items + second.items]
    assert names == ["Abbot", "Baker", "Cole", "Dunn"]


def test_search_filters_by_registration_date(world: World) -> None:
    new_client(world)
    today = world.records.clock.today()
    tomorrow = today + dt.timedelta(days=1)
    assert (
        clients.search_clients(world.records, world.reader, {"registered_from": today}).total == 1
    )
    assert (
        clients.search_clients(world.records, world.reader, {"registered_from": tomorrow}).total
        == 0
    )
    assert clients.search_clients(world.records, world.reader, {"registered_to": today}).total == 1


def test_registration_dates_are_the_clinics_calendar_days(world: World) -> None:
    """20:00 UTC on 1 December is already 2 December in Kiritimati (UTC+14)."""
    zone = ZoneInfo("Pacific/Kiritimati")
    evening = dt.datetime(2026, 12, 1, 20, 0, tzinfo=dt.UTC)
    records = replace(world.records, clock=Clock(time_zone=zone, fixed=evening))
    clients.register_client(
        records, world.clinician, {"given_name": "Tia", "family_name": "Kaiea", "sex": "female"}
    )

    def found(day: dt.date) -> int:
        criteria = {"registered_from": day, "registered_to": day}
        return clients.search_clients(records, world.reader, criteria).total

    assert (found(dt.date(2026, 12, 2)), found(dt.date(2026, 12, 1))) == (1, 0)


def test_search_rejects_a_bad_page_size_naming_the_field(world: World) -> None:
    with pytest.raises(InputError) as error:
        clients.search_clients(world.records, world.reader, {"limit": 0})
    assert error.value.problems[0].field == "limit"


@pytest.mark.parametrize(
    ("zone", "latest"), [("UTC", "2026-11-22"), ("Pacific/Auckland", "2026-11-23")]
)
def test_a_birth_date_may_be_the_clinics_today_not_its_tomorrow(
    world: World, zone: str, latest: str
) -> None:
    """At 23:20 UTC, Auckland's today is UTC's tomorrow: the clinic's zone decides, on
    registering and on changing a client alike, whatever the machine's zone."""
    records = replace(world.records, clock=Clock(ZoneInfo(zone), fixed=NOW))
    day = dt.date.fromisoformat(latest)
    client = clients.register_client(
        records, world.clinician, {"given_name": "Ann", "family_name": "Lee", "birth_date": day}
    )
    after = (day + dt.timedelta(days=1)).isoformat()
    with pytest.raises(InputError, match=r"birth_date: .*between 1900-01-01 and today"):
        clients.register_client(
            records, world.clinician, {"given_name": "A", "family_name": "B", "birth_date": after}
        )
    with pytest.raises(InputError, match="birth_date"):
        change = clients.ClientChange(version=client.version, birth_date=after)  # as an API body
        clients.update_client(records, world.clinician, client.id, change)


def test_bad_input_names_each_field_and_saves_nothing(world: World) -> None:
    with pytest.raises(InputError) as error:
        clients.register_client(
            world.records,
            world.clinician,
            {"given_name": "", "family_name": "Lee", "sex": "f", "birth_date": "2999-01-01"},
        )
    fields = {problem.field for problem in error.value.problems}
    assert fields == {"given_name", "sex", "birth_date"}
    sex = next(p for p in error.value.problems if p.field == "sex")
    assert set(sex.allowed) == {"female", "male", "other", "unknown"}
    assert clients.search_clients(world.records, world.reader).total == 0


def test_an_update_must_quote_the_current_version(world: World) -> None:
    client = new_client(world)
    changed = clients.update_client(
        world.records, world.clinician, client.id, {"version": 1, "phone": "+44 1234 567"}
    )
    assert changed.version == 2
    assert changed.phone == "+44 1234 567"
    with pytest.raises(Conflict, match="version 2"):
        clients.update_client(
            world.records, world.assistant, client.id, {"version": 1, "family_name": "Stale"}
        )
    assert clients.get_client(world.records, world.reader, client.id).family_name == "Lee"


def test_a_renamed_client_is_found_by_the_new_name(world: World) -> None:
    client = new_client(world)
    clients.update_client(
        world.records, world.clinician, client.id, {"version": 1, "family_name": "Ng"}
    )
    assert clients.search_clients(world.records, world.reader, {"q": "ng"}).total == 1
    assert clients.search_clients(world.records, world.reader, {"q": "lee"}).total == 0


def test_the_audit_log_names_fields_but_holds_no_personal_values(world: World) -> None:
    client = new_client(world, "Ann", "Lee", phone="+44 1234 567")
    clients.update_client(world.records, world.clinician, client.id, {"version": 1, "notes": "x"})
    with world.records.transaction() as db:
        entries = list(db.scalars(select(AuditEntry).where(AuditEntry.entity == "client")))
    assert [e.action for e in entries] == ["client.create", "client.update"]
    assert entries[1].fields == ["notes"]
    text = repr([(e.action, e.fields, e.entity_id) for e in entries])
    for personal in ("Ann", "Lee", "+44", "1990"):
        assert personal not in text


def test_a_read_only_user_cannot_register_or_change_clients(world: World) -> None:
    with pytest.raises(Forbidden, match="read_only"):
        clients.register_client(
            world.records, world.reader, {"given_name": "A", "family_name": "B"}
        )
    client = new_client(world)
    with pytest.raises(Forbidden):
        clients.update_client(world.records, world.reader, client.id, {"version": 1, "notes": "x"})


def test_another_clinics_client_cannot_be_read_changed_or_found(world: World) -> None:
    client = new_client(world)
    with pytest.raises(NotFound):
        clients.get_client(world.records, world.outsider, client.id)
    with pytest.raises(NotFound):
        clients.update_client(
            world.records, world.outsider, client.id, {"version": 1, "notes": "x"}
        )
    with pytest.raises(NotFound):
        clients.erase_client(world.records, world.outsider, client.id)
    assert clients.search_clients(world.records, world.outsider, {"q": "lee"}).total == 0


def test_only_an_owner_may_erase_a_client(world: World) -> None:
    client = new_client(world)
    for actor in (world.clinician, world.assistant, world.reader):
        with pytest.raises(Forbidden):
            clients.erase_client(world.records, actor, client.id)


@pytest.mark.parametrize("photo_store_kind", PHOTO_STORES)
def test_erasure_removes_personal_data_clinical_rows_and_photo_files(world: World) -> None:
    client, _intake, _plan = planned_course(world)
    photo = photos.add_photo(
        world.records, world.assistant, client.id, PNG, {"view": "front", "taken_on": "2026-01-02"}
    )
    copies = renditions_of(world, photo.sha256)  # the thumbnail and screen copy
    assert copies and world.records.photos.stored() == {photo.sha256, *copies}
    clients.erase_client(world.records, world.owner, client.id)
    assert world.records.photos.stored() == set()
    assert world.records.photos.leftovers() == []
    with pytest.raises(NotFound):
        clients.get_client(world.records, world.reader, client.id)
    with pytest.raises(NotFound):
        timeline(world.records, world.reader, client.id)
    with world.records.transaction() as db:
        row = db.get_one(Client, client.id)
        assert (row.given_name, row.family_name, row.birth_date, row.given_key) == (None,) * 4
        assert row.erased_at is not None
        erasure = db.scalars(select(AuditEntry).where(AuditEntry.action == "client.erase")).one()
    assert erasure.entity_id == client.id
    assert {"given_name", "photos", "sessions"} <= set(erasure.fields)


@pytest.mark.parametrize("photo_store_kind", PHOTO_STORES)
def test_erasure_keeps_a_photo_file_another_client_still_uses(world: World) -> None:
    first = new_client(world, "Ann", "Lee")
    second = new_client(world, "Bea", "Lim")
    for client in (first, second):
        shared = photos.add_photo(
            world.records,
            world.assistant,
            client.id,
            PNG,
            {"view": "front", "taken_on": "2026-01-02"},
        )
    clients.erase_client(world.records, world.owner, first.id)
    kept = {shared.sha256, *renditions_of(world, shared.sha256)}
    assert len(kept) > 1 and world.records.photos.stored() == kept


def _rows_of(world: World, client_id: int) -> int:
    with world.records.transaction() as db:
        return sum(
            len(db.scalars(select(model.id).where(model.client_id == client_id)).all())
            for model in CLINICAL_MODELS
        )


def test_an_erasure_races_no_write_for_that_client(world: World) -> None:
    """Writes for a client while it is erased land before the erasure (and are erased) or are
    refused as not found: nothing is left behind."""
    for _round in range(3):
        client, intake, _plan = planned_course(world)
        writes: list[Callable[[], object]] = [
            functools.partial(
                record,
                world.records,
                world.clinician,
                INTAKE,
                client.id,
                {"answers": {"fitzpatrick": 2}},
            ),
            functools.partial(
                photos.add_photo,
                world.records,
                world.assistant,
                client.id,
                PNG,
                {"view": "front", "taken_on": "2026-01-02"},
            ),
            functools.partial(
                amendments.amend_record,
                world.records,
                world.clinician,
                "intake",
                intake.id,
                {"changes": {"answers": {"fitzpatrick": 3}}, "reason": "misread"},
            ),
            functools.partial(
                clients.update_client,
                world.records,
                world.clinician,
                client.id,
                {"version": 1, "notes": "called"},
            ),
        ] * 2
        erase = functools.partial(clients.erase_client, world.records, world.owner, client.id)
        outcomes = at_once([erase, *writes])
        assert outcomes[0] is None
        for outcome in outcomes[1:]:
            assert not isinstance(outcome, BaseException) or isinstance(
                outcome, NotFound | Conflict
            ), repr(outcome)
        assert _rows_of(world, client.id) == 0
        with world.records.transaction() as db:
            row = db.get_one(Client, client.id)
            assert (row.given_name, row.family_name, row.notes) == (None, None, None)


@pytest.mark.parametrize("photo_store_kind", PHOTO_STORES)
def test_an_upload_of_the_same_photo_during_an_erasure_keeps_its_file(world: World) -> None:
    """The erased client's photo is uploaded for another client at that moment: every upload
    that was confirmed still has its file."""
    meta = {"view": "front", "taken_on": "2026-01-02"}
    for _round in range(3):
        leaving = new_client(world, "Ann", "Lee")
        staying = new_client(world, "Bea", "Lim")
        photos.add_photo(world.records, world.assistant, leaving.id, PNG, meta)
        upload = functools.partial(
            photos.add_photo, world.records, world.assistant, staying.id, PNG, meta
        )
        erase = functools.partial(clients.erase_client, world.records, world.owner, leaving.id)
        outcomes = at_once([erase, upload, upload, upload])
        confirmed = [o for o in outcomes[1:] if isinstance(o, photos.PhotoOut)]
        assert len(confirmed) == 3, outcomes
        for photo in confirmed:
            assert photos.photo_file(world.records, world.reader, photo.id).read()
        assert check_photo_store(world.records).problems == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    family=st.text(
        alphabet=st.characters(categories=["L"], max_codepoint=0x24F), min_size=1, max_size=12
    ),
    cut=st.integers(min_value=1, max_value=12),
)
def test_any_prefix_of_a_family_name_finds_the_client(world: World, family: str, cut: int) -> None:
    """Property: whatever the name, a search by the start of its folded form finds the client."""
    key = clients.name_key(family)
    if not key:
        return
    client = new_client(world, "Pat", family)
    items = clients.search_clients(world.records, world.reader, {"q": key[:cut], "limit": 500})
    assert client.id in [c.id for c in items.items]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_erased_name_leaves_the_sqlite_files(world: World, settings: Any) -> None:
    """secure_delete zeroes what the erasure removed and the WAL is checkpointed and emptied
    (a SQLite file check: PostgreSQL is vacuumed, docs/records.md)."""
    client = new_client(world, "Quillonax", "Vantrebeck", notes="Zephyrine allergy")
    meta = {"view": "front", "taken_on": "2026-01-02", "lighting": "Xanthorrhoea lamp"}
    photos.add_photo(world.records, world.assistant, client.id, PNG, meta)
    clients.erase_client(world.records, world.owner, client.id)
    database = Path(settings.database_url.removeprefix("sqlite:///"))
    files = [database, database.with_name(database.name + "-wal")]
    held = b"".join(path.read_bytes() for path in files if path.exists())
    for text in ("Quillonax", "Vantrebeck", "Zephyrine", "quillonax", "Xanthorrhoea"):
        assert text.encode() not in held


def test_a_page_larger_than_the_setting_is_refused_naming_limit(world: World) -> None:
    largest = world.records.settings.page_size_max
    assert clients.search_clients(world.records, world.reader, {"limit": largest}).limit == largest
    with pytest.raises(InputError) as error:
        clients.search_clients(world.records, world.reader, {"limit": largest + 1})
    assert error.value.problems[0].field == "limit"
    assert f"must be {largest} or less" in error.value.problems[0].message

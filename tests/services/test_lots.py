"""Products, lots and the recall, on SQLite and PostgreSQL: a session records the lots it used,
an expired, recalled, foreign or empty lot is refused as an input error, stock goes down with
the session and never below zero under concurrent sessions, and the recall finds every session
that used a lot."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.concurrency import at_once
from tests.world import TODAY, World, new_client, planned_course

from microneedling.errors import InputError
from microneedling.records.models import SessionLot
from microneedling.services import amendments, exports, lot_use, products
from microneedling.services import clients as clients_service
from microneedling.services.clinical_records import record
from microneedling.services.errors import Conflict, DeparturesFound, Forbidden, NotFound
from microneedling.services.interop import export_fhir
from microneedling.services.products import LotOut, ProductIn
from microneedling.services.treatment_sessions import SESSION, check_session

LATER = TODAY + dt.timedelta(days=180)


def cartridge(world: World, needle_mm: float = 1.5, actor: Any = None) -> Any:
    return products.create_product(
        world.records,
        actor or world.owner,
        {
            "kind": "needle_cartridge",
            "name": f"{needle_mm:g} mm 12-pin",
            "manufacturer": "Acme Needles",
            "needle_count": 12,
            "needle_mm": needle_mm,
        },
    )


def lot(
    world: World,
    number: str = "LOT-A",
    stock: int = 10,
    expires_on: dt.date = LATER,
    product: Any = None,
    actor: Any = None,
) -> LotOut:
    product = product or cartridge(world, actor=actor)
    return products.create_lot(
        world.records,
        actor or world.owner,
        {
            "product_id": product.id,
            "lot_number": number,
            "expires_on": expires_on.isoformat(),
            "quantity_in_stock": stock,
        },
    )


def session_with(world: World, lot_ids: list[int], **changes: Any) -> Any:
    client, _intake, plan = planned_course(world)
    data = {
        "plan_id": plan.id,
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": True,
        "zones": [{"zone": "cheeks", "needle_mm": 1.0, "passes": 3}],
        "lot_ids": lot_ids,
        **changes,
    }
    return record(world.records, world.clinician, SESSION, client.id, data)


def stock(world: World, lot_id: int) -> int:
    return products.get_lot(world.records, world.owner, lot_id).quantity_in_stock


def refused(world: World, lot_ids: list[int], **changes: Any) -> InputError:
    with pytest.raises(InputError) as error:
        session_with(world, lot_ids, **changes)
    return error.value


def test_a_session_records_its_lots_and_stock_goes_down(world: World) -> None:
    cartridges = lot(world, stock=5)
    serum = products.create_product(
        world.records, world.owner, {"kind": "serum", "name": "HA", "manufacturer": "Skin Co"}
    )
    serums = lot(world, "S-9", stock=3, product=serum)
    session = session_with(world, [cartridges.id, serums.id, serums.id])
    assert session.lot_ids == [cartridges.id, serums.id, serums.id]
    assert (stock(world, cartridges.id), stock(world, serums.id)) == (4, 1)


def test_an_expired_lot_is_refused_naming_it(world: World) -> None:
    old = lot(world, "OLD-1", expires_on=TODAY - dt.timedelta(days=1))
    error = refused(world, [old.id])
    assert error.problems[0].field == "lot_ids[0]"
    assert "lot OLD-1" in error.problems[0].message
    assert "expired" in error.problems[0].message
    assert stock(world, old.id) == 10


def test_a_lot_expiring_on_the_session_day_is_used(world: World) -> None:
    today = lot(world, "LAST-DAY", expires_on=TODAY)
    session_with(world, [today.id])
    assert stock(world, today.id) == 9


def test_a_recalled_lot_is_refused_with_the_reason(world: World) -> None:
    bad = lot(world, "BAD-7")
    products.recall_lot(world.records, world.owner, bad.id, {"reason": "sterility breach"})
    error = refused(world, [bad.id])
    assert "lot BAD-7" in str(error)
    assert "recalled" in str(error)
    assert "sterility breach" in str(error)


def test_a_lot_without_enough_stock_is_refused(world: World) -> None:
    last = lot(world, "LAST", stock=1)
    error = refused(world, [last.id, last.id])
    assert "has 1 in stock, the session uses 2" in str(error)
    assert stock(world, last.id) == 1


def test_another_clinics_lot_is_not_found(world: World) -> None:
    theirs = lot(world, "THEIRS", actor=world.outsider)
    with pytest.raises(NotFound, match="lot"):
        session_with(world, [theirs.id])
    assert products.get_lot(world.records, world.outsider, theirs.id).quantity_in_stock == 10


def test_a_cartridge_shorter_than_the_depth_recorded_is_a_contradiction(world: World) -> None:
    short = lot(world, "SHORT", product=cartridge(world, needle_mm=0.5))
    error = refused(world, [short.id])
    assert error.problems[0].field == "zones[0].needle_mm"
    assert "deeper than the 0.5 mm needles of lot SHORT" in error.problems[0].message
    longer = lot(world, "LONG", product=cartridge(world, needle_mm=2.0))
    session_with(world, [longer.id])  # a longer needle set shallower is how a pen works


def test_lot_checks_are_input_errors_before_the_departure_gate(world: World) -> None:
    old = lot(world, "OLD-2", expires_on=TODAY - dt.timedelta(days=3))
    departing = {"zones": [{"zone": "cheeks", "needle_mm": 2.5}], "lot_ids": [old.id]}
    with pytest.raises(InputError, match="OLD-2"):
        session_with(world, **departing)
    fresh = lot(world, "FRESH-2", product=cartridge(world, needle_mm=2.5))
    with pytest.raises(DeparturesFound):
        session_with(world, [fresh.id], zones=[{"zone": "cheeks", "needle_mm": 2.5}])
    assert stock(world, fresh.id) == 10
    confirmed = session_with(
        world,
        [fresh.id],
        zones=[{"zone": "cheeks", "needle_mm": 2.5}],
        confirm_departures=True,
        departure_reason="deeper scars than planned",
    )
    assert confirmed.lot_ids == [fresh.id]
    assert stock(world, fresh.id) == 9


def test_the_live_check_refuses_a_bad_lot_and_uses_no_stock(world: World) -> None:
    good, old = lot(world, "OK-1"), lot(world, "OLD-3", expires_on=TODAY - dt.timedelta(days=1))
    client, _intake, plan = planned_course(world)
    data = {
        "plan_id": plan.id,
        "performed_on": TODAY.isoformat(),
        "device": "pen",
        "single_use": True,
        "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
    }
    assert check_session(world.records, world.clinician, client.id, {**data, "lot_ids": [good.id]})
    with pytest.raises(InputError, match="OLD-3"):
        check_session(world.records, world.clinician, client.id, {**data, "lot_ids": [old.id]})
    assert stock(world, good.id) == 10


def test_sessions_without_lots_still_keep_the_free_text_lot_number(world: World) -> None:
    session = session_with(world, [], lot_number="B-2231")
    assert session.lot_number == "B-2231"
    assert session.lot_ids == []


def test_an_amendment_keeps_the_lots_and_uses_no_more_stock(world: World) -> None:
    used = lot(world, "AM-1")
    original = session_with(world, [used.id])
    amended = amendments.amend_record(
        world.records,
        world.clinician,
        "session",
        original.id,
        {"changes": {"notes": "redness settled"}, "reason": "added the note"},
    )
    assert amended.lot_ids == [used.id]  # type: ignore[attr-defined]
    assert stock(world, used.id) == 9
    with pytest.raises(InputError, match="cannot be amended"):
        amendments.amend_record(
            world.records,
            world.clinician,
            "session",
            amended.id,  # type: ignore[attr-defined]
            {"changes": {"lot_ids": []}, "reason": "wrong lot"},
        )
    recall = lot_use.recall_by_lot(world.records, world.owner, used.id)
    assert [s.session_id for s in recall.sessions] == [amended.id]  # type: ignore[attr-defined]


def test_the_recall_finds_every_session_of_a_lot_with_contacts_for_the_owner(
    world: World,
) -> None:
    recalled = lot(world, "R-42")
    other = lot(world, "R-43")
    sessions = [session_with(world, [recalled.id]) for _ in range(3)]
    session_with(world, [other.id])
    another_product = lot(world, "R-42", product=cartridge(world, needle_mm=2.0))
    sessions.append(session_with(world, [another_product.id]))
    extra = new_client(world, "Bo", "Ng", email="bo@example.org", phone="+44 20 7946 0001")
    mine = record(
        world.records,
        world.clinician,
        SESSION,
        extra.id,
        {
            "performed_on": TODAY.isoformat(),
            "device": "pen",
            "single_use": True,
            "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
            "lot_ids": [recalled.id],
            "confirm_departures": True,
            "departure_reason": "no plan yet: test spot",
        },
    )
    sessions.append(mine)
    owner_view = lot_use.recall_by_number(world.records, world.owner, "R-42")
    assert {s.session_id for s in owner_view.sessions} == {s.id for s in sessions}
    assert {lot.id for lot in owner_view.lots} == {recalled.id, another_product.id}
    assert owner_view.contacts_shown
    bo = next(s for s in owner_view.sessions if s.client_id == extra.id)
    assert (bo.email, bo.phone, bo.client_name) == ("bo@example.org", "+44 20 7946 0001", "Bo Ng")
    for reader in (world.clinician, world.reader):
        view = lot_use.recall_by_number(world.records, reader, "R-42")
        assert len(view.sessions) == len(sessions)
        assert not view.contacts_shown
        assert all(s.email is None and s.phone is None for s in view.sessions)
    by_lot = lot_use.recall_by_lot(world.records, world.owner, recalled.id)
    assert len(by_lot.sessions) == 4
    assert lot_use.recall_by_number(world.records, world.owner, "NONE").sessions == []
    assert lot_use.recall_by_number(world.records, world.outsider, "R-42").sessions == []
    with pytest.raises(NotFound):
        lot_use.recall_by_lot(world.records, world.outsider, recalled.id)


def test_stock_never_goes_negative_under_concurrent_sessions(world: World) -> None:
    scarce = lot(world, "SCARCE", stock=3)
    courses = [planned_course(world) for _ in range(6)]

    def log(course: tuple[Any, Any, Any]) -> Any:
        client, _intake, plan = course
        data = {
            "plan_id": plan.id,
            "performed_on": TODAY.isoformat(),
            "device": "pen",
            "single_use": True,
            "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
            "lot_ids": [scarce.id],
        }
        return record(world.records, world.clinician, SESSION, client.id, data)

    outcomes = at_once([lambda course=course: log(course) for course in courses])
    saved = [o for o in outcomes if not isinstance(o, BaseException)]
    refusals = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(saved) == 3
    assert all(isinstance(o, InputError) and "in stock" in str(o) for o in refusals), refusals
    assert stock(world, scarce.id) == 0
    recall = lot_use.recall_by_lot(world.records, world.owner, scarce.id)
    assert sorted(s.session_id for s in recall.sessions) == sorted(s.id for s in saved)


def test_exports_name_the_lots_a_session_used(world: World) -> None:
    used = lot(world, "EXP-3")
    session = session_with(world, [used.id, used.id])
    csv_text = exports.export_sessions_csv(world.records, world.owner)
    header, row = csv_text.splitlines()[:2]
    assert dict(zip(header.split(","), row.split(","), strict=True))["lots"] == "EXP-3 x 2"
    document = exports.export_json(world.records, world.owner)
    [exported] = document["clients"][0]["sessions"]
    assert exported["lots"] == [
        {"lot_id": used.id, "lot_number": "EXP-3", "product": "1.5 mm 12-pin", "quantity": 2}
    ]
    bundle = export_fhir(world.records, world.owner, session.client_id)
    notes = [
        note["text"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "Procedure"
        for note in entry["resource"].get("note", [])
    ]
    assert "lot: EXP-3 (1.5 mm 12-pin) x 2" in notes


def test_erasing_a_client_removes_their_sessions_from_the_recall(world: World) -> None:
    used = lot(world, "ERASE-1")
    session = session_with(world, [used.id])
    clients_service.erase_client(world.records, world.owner, session.client_id)
    assert lot_use.recall_by_lot(world.records, world.owner, used.id).sessions == []
    with world.records.transaction() as db:
        assert db.scalars(select(SessionLot)).all() == []
    assert stock(world, used.id) == 9  # the unit was used, erasure or not


def test_receiving_stock_at_the_same_time_loses_no_unit(world: World) -> None:
    received = lot(world, "RCV", stock=0)
    calls = [
        lambda: products.receive_stock(world.records, world.owner, received.id, {"quantity": 5})
        for _ in range(4)
    ]
    assert not [o for o in at_once(calls) if isinstance(o, BaseException)]
    assert stock(world, received.id) == 20


def test_only_the_owner_manages_the_catalogue_and_everyone_reads_it(world: World) -> None:
    for actor in (world.clinician, world.assistant, world.reader):
        with pytest.raises(Forbidden):
            cartridge(world, actor=actor)
    made = lot(world, "OWN-1")
    for actor in (world.clinician, world.assistant, world.reader):
        with pytest.raises(Forbidden):
            products.receive_stock(world.records, actor, made.id, {"quantity": 1})
        with pytest.raises(Forbidden):
            products.recall_lot(world.records, actor, made.id, {"reason": "why not"})
        assert [x.id for x in products.list_lots(world.records, actor)] == [made.id]
        assert len(products.list_products(world.records, actor)) == 1
    assert products.list_lots(world.records, world.outsider) == []
    with pytest.raises(NotFound):
        products.get_product(world.records, world.outsider, made.product_id)


def test_a_lot_is_recalled_once_with_its_day_and_reason(world: World) -> None:
    made = lot(world, "ONCE")
    recalled = products.recall_lot(world.records, world.owner, made.id, {"reason": "notice 12"})
    assert (recalled.recalled, recalled.recalled_on, recalled.recall_reason) == (
        True,
        TODAY,
        "notice 12",
    )
    with pytest.raises(Conflict, match="already recalled"):
        products.recall_lot(world.records, world.owner, made.id, {"reason": "again"})
    usable = products.list_lots(world.records, world.owner, {"usable_on": TODAY.isoformat()})
    assert usable == []


def test_the_same_lot_number_twice_for_one_product_is_refused(world: World) -> None:
    first = lot(world, "DUP")
    with pytest.raises(InputError, match="already in the catalogue") as error:
        products.create_lot(
            world.records,
            world.owner,
            {
                "product_id": first.product_id,
                "lot_number": "DUP",
                "expires_on": LATER.isoformat(),
                "quantity_in_stock": 1,
            },
        )
    assert error.value.problems[0].field == "lot_number"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "needle_cartridge", "needle_mm": 1.0}, "needle_count"),
        ({"kind": "needle_cartridge", "needle_count": 12}, "needle_mm"),
        ({"kind": "roller"}, "needle_mm"),
        ({"kind": "serum", "needle_mm": 1.0}, "needle_mm"),
        ({"kind": "prp_kit", "needle_count": 3}, "needle_count"),
        ({"kind": "stamp", "needle_mm": 9.0}, "needle_mm"),
        ({"kind": "scalpel"}, "kind"),
    ],
)
def test_a_product_gives_the_needles_its_kind_has(
    world: World, body: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as error:
        products.create_product(
            world.records, world.owner, {"name": "X", "manufacturer": "Y", **body}
        )
    assert [p.field for p in error.value.problems] == [field]


@settings(max_examples=30, deadline=None)
@given(
    kind=st.sampled_from(products.PRODUCT_KINDS),
    needle_count=st.none() | st.integers(1, products.MAX_NEEDLE_COUNT),
    needle_mm=st.none() | st.floats(0.1, 3.0),
)
def test_the_needle_rule_accepts_exactly_the_fields_a_kind_takes(
    kind: str, needle_count: int | None, needle_mm: float | None
) -> None:
    product = ProductIn(
        kind=kind,  # type: ignore[arg-type]
        name="X",
        manufacturer="Y",
        needle_count=needle_count,
        needle_mm=needle_mm,
    )
    required = products.NEEDLE_FIELDS_REQUIRED.get(kind, ())
    given_fields = {n for n in ("needle_count", "needle_mm") if getattr(product, n) is not None}
    allowed = set(required) <= given_fields and (kind in products.NEEDLE_KINDS or not given_fields)
    try:
        products.needles_fit_the_kind(product)
    except InputError:
        assert not allowed
    else:
        assert allowed


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.integers(0, 3),
    steps=st.lists(st.one_of(st.integers(1, 3), st.integers(-3, -1)), max_size=6),
)
def test_stock_is_what_was_received_less_what_sessions_used(
    world: World, start: int, steps: list[int]
) -> None:
    """Positive steps receive units, negative ones log a session using that many: a session
    is saved exactly when enough is left, and the stock never goes below zero."""
    made = lot(world, "PROP", stock=start)  # a new product each time, so the number is free
    client = new_client(world)
    expected = start
    for step in steps:
        if step > 0:
            products.receive_stock(world.records, world.owner, made.id, {"quantity": step})
            expected += step
            continue
        data = {
            "performed_on": TODAY.isoformat(),
            "device": "pen",
            "single_use": True,
            "zones": [{"zone": "cheeks", "needle_mm": 1.0}],
            "lot_ids": [made.id] * -step,
            "confirm_departures": True,
            "departure_reason": "no plan: property test",
        }
        try:
            record(world.records, world.clinician, SESSION, client.id, data)
        except InputError:
            assert expected < -step
        else:
            assert expected >= -step
            expected += step
        assert stock(world, made.id) == expected >= 0


def test_two_recalls_at_once_record_one(world: World) -> None:
    made = lot(world, "TWICE")
    calls = [
        lambda n=n: products.recall_lot(
            world.records, world.owner, made.id, {"reason": f"notice {n}"}
        )
        for n in range(4)
    ]
    outcomes = at_once(calls)
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in outcomes if isinstance(o, BaseException))

"""Users and log-in: argon2 hashes, tokens, the log-in rate limit, deactivation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
from typing import Any

import pytest
import time_machine
from sqlalchemy import select
from tests.concurrency import at_once
from tests.world import PASSWORD, World

from microneedling.errors import InputError
from microneedling.records.models import LoginAttempt, User
from microneedling.services import users
from microneedling.services.clock import Clock
from microneedling.services.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def test_passwords_are_stored_as_argon2id_hashes(world: World) -> None:
    with world.records.transaction() as db:
        user = db.get_one(User, world.clinician.user_id)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_a_correct_password_gives_a_token_for_that_user(world: World) -> None:
    token = users.log_in(world.records, "Clinician@A.example ", PASSWORD)
    assert token.token_type == "bearer"
    assert users.actor_for_token(world.records, token.access_token) == world.clinician


def test_passwords_are_hashed_with_the_argon2_parameters_the_settings_name(world: World) -> None:
    settings = world.records.settings.model_copy(
        update={"argon2_time_cost": 3, "argon2_memory_kib": 64, "argon2_parallelism": 2}
    )
    assert users.hash_password(settings, PASSWORD).startswith("$argon2id$v=19$m=64,t=3,p=2$")


def test_a_hash_with_other_parameters_verifies_and_is_rehashed_at_the_next_log_in(
    world: World,
) -> None:
    with world.records.transaction() as db:
        old_hash = db.get_one(User, world.clinician.user_id).password_hash
    assert "$m=8,t=1,p=1$" in old_hash  # the tests' cheapest cost
    stronger = dataclasses.replace(
        world.records,
        settings=world.records.settings.model_copy(update={"argon2_memory_kib": 64}),
    )
    earlier = users.log_in(world.records, "clinician@a.example", PASSWORD).access_token
    users.log_in(stronger, "clinician@a.example", PASSWORD)
    with world.records.transaction() as db:
        user = db.get_one(User, world.clinician.user_id)
    assert "$m=64,t=1,p=1$" in user.password_hash and user.password_hash != old_hash
    assert users.actor_for_token(world.records, earlier) == world.clinician  # version kept
    assert users.log_in(stronger, "clinician@a.example", PASSWORD, NOW).access_token
    with pytest.raises(Unauthenticated):
        users.log_in(stronger, "clinician@a.example", "wrong password", NOW)


def test_a_failed_log_in_leaves_the_old_hash(world: World) -> None:
    with world.records.transaction() as db:
        old_hash = db.get_one(User, world.clinician.user_id).password_hash
    stronger = dataclasses.replace(
        world.records,
        settings=world.records.settings.model_copy(update={"argon2_time_cost": 2}),
    )
    with pytest.raises(Unauthenticated):
        users.log_in(stronger, "clinician@a.example", "wrong password", NOW)
    with world.records.transaction() as db:
        assert db.get_one(User, world.clinician.user_id).password_hash == old_hash


def test_a_wrong_password_or_unknown_email_is_refused_alike(world: World) -> None:
    for email, password in (("clinician@a.example", "wrong"), ("nobody@a.example", PASSWORD)):
        with pytest.raises(Unauthenticated, match="incorrect e-mail or password"):
            users.log_in(world.records, email, password)


def test_repeated_failures_lock_the_email_for_the_window(world: World) -> None:
    limit = world.records.settings.login_max_failures
    for _ in range(limit):
        with pytest.raises(Unauthenticated):
            users.log_in(world.records, "owner@a.example", "guess", NOW)
    with pytest.raises(TooManyAttempts) as locked:
        users.log_in(world.records, "owner@a.example", PASSWORD, NOW + dt.timedelta(seconds=1))
    window = world.records.settings.login_window_minutes * 60
    assert 0 < locked.value.retry_after_seconds <= window
    later = NOW + dt.timedelta(minutes=world.records.settings.login_window_minutes, seconds=1)
    assert users.log_in(world.records, "owner@a.example", PASSWORD, later).access_token


def test_the_lock_is_per_email(world: World) -> None:
    for _ in range(world.records.settings.login_max_failures):
        with pytest.raises(Unauthenticated):
            users.log_in(world.records, "owner@a.example", "guess", NOW)
    assert users.log_in(world.records, "clinician@a.example", PASSWORD, NOW).access_token


def test_a_success_resets_the_failure_count(world: World) -> None:
    limit = world.records.settings.login_max_failures
    for _ in range(limit - 1):
        with pytest.raises(Unauthenticated):
            users.log_in(world.records, "owner@a.example", "guess", NOW)
    users.log_in(world.records, "owner@a.example", PASSWORD, NOW + dt.timedelta(seconds=1))
    with pytest.raises(Unauthenticated):
        users.log_in(world.records, "owner@a.example", "guess", NOW + dt.timedelta(seconds=2))
    assert users.log_in(world.records, "owner@a.example", PASSWORD, NOW + dt.timedelta(seconds=3))


def test_parallel_guesses_check_no_more_passwords_than_the_limit(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = itertools.count()
    real = users._password_matches

    def counted(*args: Any) -> bool:
        next(checks)
        return real(*args)

    monkeypatch.setattr(users, "_password_matches", counted)
    guess = functools.partial(users.log_in, world.records, "owner@a.example", "guess", NOW)
    outcomes = at_once([guess] * 8)
    checked = next(checks)
    assert checked <= world.records.settings.login_max_failures
    assert sum(isinstance(o, Unauthenticated) for o in outcomes) == checked
    assert all(isinstance(o, Unauthenticated | TooManyAttempts) for o in outcomes)


def test_a_stranger_cannot_lock_the_owner_out(world: World) -> None:
    """The account's lock stops new addresses; the owner's usual address passes it."""
    owner, office, stranger = "owner@a.example", "192.0.2.10", "198.51.100.7"
    users.log_in(world.records, owner, PASSWORD, NOW, address=office)
    for n in range(world.records.settings.login_max_failures):
        with pytest.raises(Unauthenticated):
            at = NOW + dt.timedelta(seconds=1 + n)
            users.log_in(world.records, owner, "guess", at, address=stranger)
    later = NOW + dt.timedelta(minutes=1)
    with pytest.raises(TooManyAttempts):
        users.log_in(world.records, owner, PASSWORD, later, address=stranger)
    with pytest.raises(TooManyAttempts):
        users.log_in(world.records, owner, PASSWORD, later, address="203.0.113.1")
    assert users.log_in(world.records, owner, PASSWORD, later, address=office).access_token
    with pytest.raises(TooManyAttempts):
        users.log_in(world.records, owner, "guess", later, address=stranger)


def test_one_address_guessing_many_accounts_is_limited(world: World) -> None:
    settings = world.records.settings
    stranger = "198.51.100.7"
    for n in range(settings.login_max_failures_per_address):
        with pytest.raises(Unauthenticated):
            users.log_in(world.records, f"user{n}@a.example", "guess", NOW, address=stranger)
    with pytest.raises(TooManyAttempts):
        users.log_in(world.records, "clinician@a.example", PASSWORD, NOW, address=stranger)
    assert users.log_in(world.records, "clinician@a.example", PASSWORD, NOW, address="192.0.2.1")


def test_an_unknown_email_costs_one_password_check_like_a_wrong_password(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real = users._password_matches

    def recorded(settings: Any, password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return real(settings, password_hash, password)

    monkeypatch.setattr(users, "_password_matches", recorded)
    for email in ("nobody@a.example", "clinician@a.example"):
        with pytest.raises(Unauthenticated):
            users.log_in(world.records, email, "wrong password", NOW)
    assert len(checked) == 2
    assert all(h.startswith("$argon2id$") for h in checked)
    assert checked[0] != checked[1]


def test_old_log_in_attempts_are_pruned(world: World) -> None:
    settings = world.records.settings
    old_failure = NOW - dt.timedelta(minutes=settings.login_window_minutes + 1)
    old_success = NOW - dt.timedelta(days=settings.login_known_address_days + 1)
    recent_success = NOW - dt.timedelta(days=1)
    with pytest.raises(Unauthenticated):
        users.log_in(world.records, "owner@a.example", "guess", old_failure)
    users.log_in(world.records, "owner@a.example", PASSWORD, old_success)
    users.log_in(world.records, "owner@a.example", PASSWORD, recent_success)
    users.log_in(world.records, "clinician@a.example", PASSWORD, NOW)
    with world.records.transaction() as db:
        kept = sorted(db.scalars(select(LoginAttempt.at)))
    assert kept == [recent_success, NOW]


def test_an_expired_or_forged_token_is_refused(world: World) -> None:
    old = NOW - dt.timedelta(days=30)
    expired = users.log_in(world.records, "owner@a.example", PASSWORD, old).access_token
    with pytest.raises(Unauthenticated):
        users.actor_for_token(world.records, expired)
    fresh = users.log_in(world.records, "owner@a.example", PASSWORD).access_token
    with pytest.raises(Unauthenticated):
        users.actor_for_token(world.records, fresh[:-3] + "abc")


def test_a_token_is_judged_by_the_records_clock_not_the_machines(world: World) -> None:
    """A server run on a fixed clock (a benchmark, a replay) accepts the tokens it issued while
    the machine's clock is hours behind, and refuses them once its own clock passes expiry."""
    issued = world.records.clock.now()
    token = users.log_in(world.records, "owner@a.example", PASSWORD).access_token
    with time_machine.travel(issued - dt.timedelta(hours=3), tick=False):
        assert users.actor_for_token(world.records, token).role == "owner"
    ttl = dt.timedelta(minutes=world.records.settings.token_ttl_minutes)
    late = dataclasses.replace(
        world.records, clock=Clock(fixed=issued + ttl + dt.timedelta(seconds=1))
    )
    with pytest.raises(Unauthenticated):
        users.actor_for_token(late, token)


def test_a_deactivated_user_is_refused_at_once(world: World) -> None:
    token = users.log_in(world.records, "assistant@a.example", PASSWORD).access_token
    with world.records.transaction() as db:
        db.get_one(User, world.assistant.user_id).active = False
    with pytest.raises(Unauthenticated):
        users.actor_for_token(world.records, token)


def test_only_owners_add_users_and_only_to_their_own_clinic(world: World) -> None:
    data = {"email": "new@a.example", "full_name": "New", "role": "assistant", "password": "x" * 12}
    with pytest.raises(Forbidden):
        users.create_user(world.records, world.clinician, data)
    created = users.create_user(world.records, world.outsider, data)
    assert created.clinic_id == world.outsider.clinic_id


def test_user_input_errors_name_the_field(world: World) -> None:
    with pytest.raises(InputError) as error:
        users.create_user(
            world.records,
            world.owner,
            {"email": "not-an-email", "full_name": "X", "role": "boss", "password": "short"},
        )
    assert {p.field for p in error.value.problems} == {"email", "role", "password"}
    with pytest.raises(InputError, match="already registered"):
        users.create_user(
            world.records,
            world.owner,
            {"email": "owner@b.example", "full_name": "X", "role": "owner", "password": "x" * 12},
        )


def test_simultaneous_users_with_one_email_get_one_account_and_a_field_error(world: World) -> None:
    data = {
        "email": "twin@a.example",
        "full_name": "Twin",
        "role": "assistant",
        "password": "x" * 12,
    }
    outcomes = at_once([functools.partial(users.create_user, world.records, world.owner, data)] * 8)
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(errors) == 7
    for error in errors:
        assert isinstance(error, InputError)
        assert [p.field for p in error.problems] == ["email"]


def test_simultaneous_new_clinics_from_the_command_line_are_not_a_crash(world: World) -> None:
    calls = [
        functools.partial(
            users.create_user,
            world.records,
            None,
            {"email": f"c{n}@new.example", "full_name": "C", "role": "owner", "password": "x" * 12},
            clinic_name="Clinic New",
        )
        for n in range(4)
    ]
    for outcome in at_once(calls):
        assert isinstance(outcome, users.UserOut | Conflict), outcome


def test_the_command_line_acts_as_the_owner_of_a_named_clinic(world: World) -> None:
    assert users.local_owner(world.records, "Clinic B").clinic_id == world.outsider.clinic_id
    with pytest.raises(InputError, match="name the clinic"):
        users.local_owner(world.records, None)
    with pytest.raises(InputError, match="no clinic named"):
        users.local_owner(world.records, "Clinic C")


def _token(world: World, email: str) -> str:
    return users.log_in(world.records, email, PASSWORD).access_token


def _version(world: World, user_id: int | None) -> int:
    with world.records.transaction() as db:
        return db.get_one(User, user_id).version


def test_log_out_ends_every_token_of_the_user_at_once(world: World) -> None:
    first, second = _token(world, "clinician@a.example"), _token(world, "clinician@a.example")
    users.log_out(world.records, users.actor_for_token(world.records, first))
    for token in (first, second):
        with pytest.raises(Unauthenticated):
            users.actor_for_token(world.records, token)
    assert users.actor_for_token(world.records, _token(world, "clinician@a.example"))


@pytest.mark.parametrize(
    "change",
    [{"role": "read_only"}, {"active": False}, {"password": "a brand new secret"}],
    ids=["role change", "deactivation", "password reset"],
)
def test_an_owners_change_to_a_user_ends_their_tokens(world: World, change: dict[str, Any]) -> None:
    token = _token(world, "clinician@a.example")
    version = _version(world, world.clinician.user_id)
    changed = users.update_user(
        world.records, world.owner, world.clinician.user_id or 0, {"version": version, **change}
    )
    assert changed.version == version + 1
    with pytest.raises(Unauthenticated):
        users.actor_for_token(world.records, token)


def test_a_user_changes_their_own_password_with_the_current_one(world: World) -> None:
    token = _token(world, "assistant@a.example")
    with pytest.raises(InputError) as wrong:
        users.change_own_password(
            world.records,
            world.assistant,
            {"current_password": "not it", "new_password": "another good one"},
        )
    assert wrong.value.problems[0].field == "current_password"
    users.change_own_password(
        world.records,
        world.assistant,
        {"current_password": PASSWORD, "new_password": "another good one"},
    )
    with pytest.raises(Unauthenticated):
        users.actor_for_token(world.records, token)
    assert users.log_in(world.records, "assistant@a.example", "another good one")


def test_only_owners_list_and_change_users_and_one_active_owner_stays(world: World) -> None:
    with pytest.raises(Forbidden):
        users.list_users(world.records, world.clinician)
    with pytest.raises(Forbidden):
        users.update_user(world.records, world.clinician, world.reader.user_id or 0, {"version": 1})
    version = _version(world, world.owner.user_id)
    with pytest.raises(Conflict, match="one active owner"):
        users.update_user(
            world.records,
            world.owner,
            world.owner.user_id or 0,
            {"version": version, "active": False},
        )
    with pytest.raises(Conflict, match="changed meanwhile"):
        users.update_user(
            world.records, world.owner, world.reader.user_id or 0, {"version": 99, "active": False}
        )
    with pytest.raises(NotFound):
        users.update_user(world.records, world.owner, world.outsider.user_id or 0, {"version": 1})

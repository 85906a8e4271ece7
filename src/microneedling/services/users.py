"""Clinics, users, passwords and API tokens.

Passwords are hashed with argon2id. Log-in attempts are counted in the database so every worker
of a clinic group applies the same limits; tokens are signed JWTs that name the user and quote
the user's row version, and the user is looked up on every request, so log-out, a password
change, a role change or a deactivation ends every token of that user at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import Annotated, Literal

from pydantic import Field, SecretStr, StringConstraints
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microneedling.config import Settings
from microneedling.errors import InputError
from microneedling.records.audit import audit
from microneedling.records.models import Clinic, LoginAttempt, User
from microneedling.services.access import Actor, Permission, Role, require
from microneedling.services.common import (
    CONTROL,
    Input,
    Output,
    Records,
    owned,
    parse,
    violates_unique,
)
from microneedling.services.errors import Conflict, TooManyAttempts, Unauthenticated

TOKEN_ALGORITHM = "HS256"
MIN_PASSWORD_LENGTH = 10
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]


class UserIn(Input):
    email: Email
    full_name: Annotated[str, Field(min_length=1, max_length=200)]
    role: Role
    password: Annotated[SecretStr, Field(min_length=MIN_PASSWORD_LENGTH)]


class UserOut(Output):
    id: int
    clinic_id: int
    email: str
    full_name: str
    role: str
    active: bool
    version: int


class Token(Output):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


def _hasher(settings: Settings) -> object:
    return _hasher_with(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )


@functools.cache
def _hasher_with(time_cost: int, memory_kib: int, parallelism: int) -> object:
    """argon2id with the parameters the settings name (one hasher per set of them)."""
    from argon2 import PasswordHasher, Type

    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
    )


def hash_password(settings: Settings, password: str) -> str:
    from argon2 import PasswordHasher

    hasher = _hasher(settings)
    assert isinstance(hasher, PasswordHasher)
    return hasher.hash(password)


def _password_matches(settings: Settings, password_hash: str, password: str) -> bool:
    """Whatever parameters made the hash (they are written in it), it verifies."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _hasher(settings)
    assert isinstance(hasher, PasswordHasher)
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _needs_rehash(settings: Settings, password_hash: str) -> bool:
    """The hash was made with other parameters than the settings name now."""
    from argon2 import PasswordHasher

    hasher = _hasher(settings)
    assert isinstance(hasher, PasswordHasher)
    return hasher.check_needs_rehash(password_hash)


def ensure_clinic(db: Session, name: str) -> Clinic:
    """The clinic with this name, created when it does not exist yet."""
    clinic = db.scalar(select(Clinic).where(Clinic.name == name))
    if clinic is None:
        clinic = Clinic(name=name)
        db.add(clinic)
        db.flush()
        audit(
            db,
            clinic_id=clinic.id,
            actor_id=None,
            action="clinic.create",
            entity="clinic",
            entity_id=clinic.id,
            fields=["name"],
        )
    return clinic


def create_user(
    records: Records, actor: Actor | None, data: object, *, clinic_name: str | None = None
) -> UserOut:
    """Add a user to the actor's clinic, or (from the command line) to the named clinic."""
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
    user_in = parse(UserIn, data)
    if actor is None and not clinic_name:
        raise InputError.one("clinic", "a clinic name is required")
    taken = InputError.one("email", f"'{user_in.email}' is already registered")
    # Hashed before the transaction opens, so the write lock is held for milliseconds.
    password_hash = hash_password(records.settings, user_in.password.get_secret_value())
    try:
        with records.transaction() as db:
            clinic_id = actor.clinic_id if actor else ensure_clinic(db, str(clinic_name)).id
            if db.scalar(select(User.id).where(User.email == user_in.email)) is not None:
                raise taken
            user = User(
                clinic_id=clinic_id,
                email=user_in.email,
                full_name=user_in.full_name,
                role=user_in.role,
                password_hash=password_hash,
            )
            db.add(user)
            db.flush()
            audit(
                db,
                clinic_id=clinic_id,
                actor_id=actor.user_id if actor else None,
                action="user.create",
                entity="user",
                entity_id=user.id,
                fields=["email", "full_name", "role", "password"],
            )
            return UserOut.model_validate(user)
    except IntegrityError as error:
        # The same e-mail (or, from the command line, the same new clinic) was added at the
        # same moment by another request.
        if violates_unique(error, "email"):
            raise taken from None
        if violates_unique(error, "name"):
            raise Conflict(f"clinic '{clinic_name}' was created at the same time; retry") from None
        raise


def list_users(records: Records, actor: Actor) -> list[UserOut]:
    """The clinic's users: owners only (the list names every colleague and their role)."""
    require(actor, Permission.MANAGE_USERS)
    with records.transaction() as db:
        users = db.scalars(select(User).where(User.clinic_id == actor.clinic_id).order_by(User.id))
        return [UserOut.model_validate(user) for user in users]


def find_user(records: Records, actor: Actor, email: str) -> UserOut:
    """The clinic's user with this e-mail (owners only)."""
    wanted = email.strip().lower()
    for user in list_users(records, actor):
        if user.email == wanted:
            return user
    raise InputError.one("email", f"no user '{wanted}' in this clinic")


def get_me(records: Records, actor: Actor) -> UserOut:
    with records.transaction() as db:
        return UserOut.model_validate(owned(db, actor, User, actor.user_id or 0, "user"))


class UserChange(Input):
    """What an owner may change about a user, and the version it was read at."""

    version: int
    role: Role | None = None
    active: bool | None = None
    password: Annotated[SecretStr, Field(min_length=MIN_PASSWORD_LENGTH)] | None = None


class PasswordChange(Input):
    current_password: SecretStr
    new_password: Annotated[SecretStr, Field(min_length=MIN_PASSWORD_LENGTH)]


def update_user(records: Records, actor: Actor, user_id: int, data: object) -> UserOut:
    """Owners change a user's role, deactivate or reactivate them, or reset their password.

    Any change bumps the user's version, which every token quotes: the user's tokens stop
    working at once. The clinic always keeps one active owner."""
    require(actor, Permission.MANAGE_USERS)
    change = parse(UserChange, data)
    fields = sorted(change.model_fields_set - {"version"})
    password_hash = (
        hash_password(records.settings, change.password.get_secret_value())
        if change.password
        else None
    )
    with records.transaction() as db:
        user = owned(db, actor, User, user_id, "user", with_for_update=True)
        if change.version != user.version:
            raise Conflict(f"user {user_id} was changed meanwhile (now version {user.version})")
        if change.role is not None:
            user.role = change.role
        if change.active is not None:
            user.active = change.active
        if password_hash is not None:
            user.password_hash = password_hash
        user.updated_at = records.clock.now()  # a version bump even when nothing else changed
        db.flush()
        owners = db.scalar(
            select(func.count())
            .select_from(User)
            .where(User.clinic_id == actor.clinic_id, User.role == "owner", User.active.is_(True))
        )
        if not owners:
            raise Conflict("the clinic must keep one active owner")
        audit(
            db,
            clinic_id=actor.clinic_id,
            actor_id=actor.user_id,
            action="user.update",
            entity="user",
            entity_id=user.id,
            fields=fields,
        )
        return UserOut.model_validate(user)


def change_own_password(records: Records, actor: Actor, data: object) -> None:
    """A user changes their own password with the current one; their tokens stop working."""
    change = parse(PasswordChange, data)
    with records.transaction() as db:
        current = owned(db, actor, User, actor.user_id or 0, "user").password_hash
    if not _password_matches(records.settings, current, change.current_password.get_secret_value()):
        raise InputError.one("current_password", "is not your password")
    new_hash = hash_password(records.settings, change.new_password.get_secret_value())
    with records.transaction() as db:
        user = owned(db, actor, User, actor.user_id or 0, "user")
        user.password_hash = new_hash
        db.flush()
        audit(
            db,
            clinic_id=actor.clinic_id,
            actor_id=actor.user_id,
            action="user.password",
            entity="user",
            entity_id=user.id,
            fields=["password"],
        )


def log_out(records: Records, actor: Actor) -> None:
    """End every session of this user: the version their tokens quote moves on."""
    with records.transaction() as db:
        user = owned(db, actor, User, actor.user_id or 0, "user")
        user.updated_at = records.clock.now()


def email_digest(email: str) -> str:
    """Log-in attempts are counted per digest, so the table holds no e-mail address."""
    return _digest(email.strip().lower())


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def _dummy_hash(settings_hasher: object) -> str:
    """A hash no password matches, verified for unknown e-mails so they cost the same time."""
    from argon2 import PasswordHasher

    assert isinstance(settings_hasher, PasswordHasher)
    return settings_hasher.hash(secrets.token_urlsafe(32))


def log_in(
    records: Records,
    email: str,
    password: str,
    now: dt.datetime | None = None,
    *,
    address: str = "local",
) -> Token:
    """Check a password and issue a token, within the log-in limits.

    The attempt is committed as a failure *before* the limits are counted, so of any number of
    simultaneous guesses the last to count sees all the others: no more than the limit are ever
    checked. An attempt the limits refuse is taken back, so waiting out `Retry-After` works.
    """
    settings = records.settings
    now = now or records.clock.now()
    normalized = email.strip().lower()
    account, place = email_digest(normalized), _digest(address)
    with records.transaction() as db:
        _prune_attempts(db, settings, now)
        attempt = LoginAttempt(email_digest=account, address_digest=place, succeeded=False, at=now)
        db.add(attempt)
        db.flush()
        attempt_id = attempt.id
    with records.transaction() as db:
        wait = _seconds_to_wait(db, settings, account, place, now)
        # An address with a control character (NUL breaks PostgreSQL) names no user.
        lookup = not wait and not CONTROL.search(normalized)
        user = db.scalar(select(User).where(User.email == normalized)) if lookup else None
        if wait:
            db.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))
    if wait:
        _audit_failed_log_in(records, None, "login.limited")
        raise TooManyAttempts(wait)
    known = user is not None and user.active
    password_hash = user.password_hash if known and user else _dummy_hash(_hasher(settings))
    if not (_password_matches(settings, password_hash, password) and known and user):
        _audit_failed_log_in(records, user, "login.failed")
        raise Unauthenticated("incorrect e-mail or password")
    rehashed = hash_password(settings, password) if _needs_rehash(settings, password_hash) else None
    with records.transaction() as db:
        db.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(succeeded=True))
        if rehashed is not None:
            # Not a password change: the row version (and so every token) stays; a change made
            # meanwhile wins, as the old hash no longer matches.
            db.execute(
                update(User)
                .where(User.id == user.id, User.password_hash == password_hash)
                .values(password_hash=rehashed)
                .execution_options(synchronize_session=False)
            )
    return issue_token(settings, user, now)


def _audit_failed_log_in(records: Records, user: User | None, action: str) -> None:
    """A failed or limited log-in, in the account's clinic when the e-mail names a user (never
    the e-mail itself: an unknown one is recorded with no clinic and no user)."""
    with records.transaction() as db:
        audit(
            db,
            clinic_id=user.clinic_id if user else None,
            actor_id=None,
            action=action,
            entity="user",
            entity_id=user.id if user else None,
        )


def _seconds_to_wait(
    db: Session, settings: Settings, account: str, place: str, now: dt.datetime
) -> int:
    """How long this attempt must wait: the client address's own limit first, then the
    account's, which an address the account logged in from recently passes, so a stranger's
    guesses cannot lock the owner out."""
    window = dt.timedelta(minutes=settings.login_window_minutes)
    failed = select(LoginAttempt.at).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.at > now - window
    )
    by_address = list(db.scalars(failed.where(LoginAttempt.address_digest == place)))
    wait = _wait(by_address, settings.login_max_failures_per_address, window, now)
    if wait:
        return wait
    # A success forgives the failures before it only for its own address: the owner's log-in
    # does not hand a stranger a fresh set of guesses.
    last_success = db.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email_digest == account,
            LoginAttempt.address_digest == place,
            LoginAttempt.succeeded.is_(True),
        )
    )
    by_account = failed.where(LoginAttempt.email_digest == account)
    if last_success is not None:
        by_account = by_account.where(LoginAttempt.at > last_success)
    wait = _wait(list(db.scalars(by_account)), settings.login_max_failures, window, now)
    if wait and _known_address(db, settings, account, place, now):
        return 0
    return wait


def _wait(failures: list[dt.datetime], limit: int, window: dt.timedelta, now: dt.datetime) -> int:
    """Seconds until enough of these failures (the current attempt among them) leave the window
    for a new attempt to be within `limit`; 0 when this one already is."""
    if len(failures) <= limit:
        return 0
    earlier = sorted(failures)[:-1]
    wait = earlier[-limit] + window - now
    return max(1, int(wait.total_seconds()))


def _known_address(
    db: Session, settings: Settings, account: str, place: str, now: dt.datetime
) -> bool:
    since = now - dt.timedelta(days=settings.login_known_address_days)
    return (
        db.scalar(
            select(LoginAttempt.id)
            .where(
                LoginAttempt.email_digest == account,
                LoginAttempt.address_digest == place,
                LoginAttempt.succeeded.is_(True),
                LoginAttempt.at > since,
            )
            .limit(1)
        )
        is not None
    )


def _prune_attempts(db: Session, settings: Settings, now: dt.datetime) -> None:
    """Failures matter for one window, successes as long as their address stays known."""
    window = dt.timedelta(minutes=settings.login_window_minutes)
    known = dt.timedelta(days=settings.login_known_address_days)
    db.execute(
        delete(LoginAttempt).where(
            or_(
                LoginAttempt.at < now - max(window, known),
                LoginAttempt.succeeded.is_(False) & (LoginAttempt.at < now - window),
            )
        )
    )


def issue_token(settings: Settings, user: User, now: dt.datetime) -> Token:
    import jwt

    claims = {
        "sub": str(user.id),
        "ver": user.version,
        "clinic": user.clinic_id,
        "iat": int(now.timestamp()),
        "exp": int((now + dt.timedelta(minutes=settings.token_ttl_minutes)).timestamp()),
    }
    return Token(access_token=jwt.encode(claims, settings.signing_key, TOKEN_ALGORITHM))


# Runs on every API request: kept as plain SQL, the cheapest statement to run.
_TOKEN_USER = "SELECT clinic_id, role, active, version FROM users WHERE id = "


def actor_for_token(records: Records, token: str) -> Actor:
    """The actor a bearer token stands for; expired, forged or stale tokens are refused."""
    import jwt

    # Expiry is judged by the records' clock, the one that dated the token, not the machine's.
    try:
        claims = jwt.decode(
            token,
            records.settings.signing_key,
            algorithms=[TOKEN_ALGORITHM],
            options={"require": ["exp", "iat"], "verify_exp": False, "verify_iat": False},
        )
        user_id = int(claims["sub"])
        expired = int(claims["exp"]) <= records.clock.now().timestamp()
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        raise Unauthenticated("invalid or expired token") from None
    if expired:
        raise Unauthenticated("invalid or expired token")
    # Autocommit: one round trip, with no transaction to open and roll back; the statement goes
    # to the driver as written, in its own parameter style, skipping SQL compilation.
    engine = records.engine
    marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        user = connection.exec_driver_sql(_TOKEN_USER + marker, (user_id,)).one_or_none()
    if (
        user is None
        or user.version != claims.get("ver")
        or not user.active
        or user.clinic_id != claims.get("clinic")
    ):
        raise Unauthenticated("invalid or expired token")
    return Actor(clinic_id=user.clinic_id, role=user.role, user_id=user_id)


def local_owner(records: Records, clinic_name: str | None) -> Actor:
    """The command line acts as the owner of one clinic: the named one, or the only one."""
    with records.transaction() as db:
        clinics = list(db.scalars(select(Clinic).order_by(Clinic.name)))
    names = [clinic.name for clinic in clinics]
    if clinic_name is None and len(clinics) == 1:
        return Actor(clinic_id=clinics[0].id, role="owner")
    if clinic_name is None:
        message = "name the clinic" if clinics else "there is no clinic yet (see 'users create')"
        raise InputError.one("--clinic", message, names)
    for clinic in clinics:
        if clinic.name == clinic_name:
            return Actor(clinic_id=clinic.id, role="owner")
    raise InputError.one("--clinic", f"no clinic named '{clinic_name}'", names)

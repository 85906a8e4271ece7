"""What every page shares: the cookie session, CSRF tokens, form errors and one `render` that
answers a full page, or only a fragment when HTMX asks.

The session cookie holds the same signed token the API issues (HttpOnly, SameSite=Lax). Every
form carries a CSRF token: an HMAC, under the settings' signing key, of a random per-browser
seed cookie and the session, checked on every POST.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microneedling.errors import InputError
from microneedling.knowledge import load_knowledge, names
from microneedling.services.access import Actor
from microneedling.services.common import Records
from microneedling.services.errors import Unauthenticated
from microneedling.services.users import actor_for_token

SESSION_COOKIE = "mn_session"
SEED_COOKIE = "mn_seed"
CSRF_FIELD = "csrf_token"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES)


class LoginRequired(Exception):
    """A page that needs a signed-in user was asked for without one (the page answers with the
    log-in form; a web concern, not a refusal of the services)."""


class CsrfRefused(Exception):
    """A form came back without the token this browser was given (403, a web concern)."""


def zones_text(zones: list[str]) -> str:
    """Zones a finding holds back, in words: "every facial zone", "every zone" or their names."""
    kb = load_knowledge()
    if zones == [code for code, zone in kb.zones.items() if zone.facial]:
        return "every facial zone"
    if zones == list(kb.zones):
        return "every zone"
    return ", ".join(kb.zones[code].name if code in kb.zones else code for code in zones)


def term_name(code: str) -> str:
    """A knowledge-base code in words (see `knowledge.names.term_name`)."""
    return names.term_name(load_knowledge(), code)


def data_uri(content: bytes | None, content_type: str = "image/png") -> str:
    """An image inline (a signature, a photo in a document): neither the page nor its PDF
    fetches it from anywhere."""
    if content is None:
        return ""
    return f"data:{content_type};base64,{base64.b64encode(content).decode()}"


templates.env.filters["data_uri"] = data_uri
templates.env.filters["zones_text"] = zones_text
templates.env.filters["term"] = term_name
templates.env.globals["new_form_token"] = lambda: secrets.token_urlsafe(18)


def records_of(request: Request) -> Records:
    records: Records = request.app.state.records
    return records


RecordsDep = Annotated[Records, Depends(records_of)]


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _seed(request: Request) -> str:
    """This browser's CSRF seed: from its cookie, or a new one that `render` will set."""
    seed = request.cookies.get(SEED_COOKIE) or getattr(request.state, "new_seed", None)
    if seed is None:
        seed = secrets.token_urlsafe(24)
        request.state.new_seed = seed
    return str(seed)


def csrf_token(request: Request) -> str:
    key = records_of(request).settings.signing_key.encode()
    message = f"csrf|{_seed(request)}|{request.cookies.get(SESSION_COOKIE, '')}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token has been checked."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    has_seed = SEED_COOKIE in request.cookies
    if (
        not has_seed
        or not isinstance(sent, str)
        or not hmac.compare_digest(sent, csrf_token(request))
    ):
        raise CsrfRefused("the form has expired or did not come from this site; reload the page")
    return form


FormDep = Annotated[FormData, Depends(checked_form)]


async def optional_actor(request: Request) -> Actor | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return await run_in_threadpool(actor_for_token, records_of(request), token)
    except Unauthenticated:
        return None


async def page_actor(request: Request) -> Actor:
    actor = await optional_actor(request)
    if actor is None:
        raise LoginRequired("please log in")
    request.state.actor = actor
    return actor


# A page's signed-in user; none sends the browser to the log-in page (the API's `ActorDep`
# answers 401 instead).
PageActorDep = Annotated[Actor, Depends(page_actor)]


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    fragment: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page, or only `fragment` (a `_partial.html`) when HTMX asked for it."""
    name = fragment if fragment is not None and is_htmx(request) else template
    full = {
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "actor": getattr(request.state, "actor", None),
        **context,
    }
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    new_seed = getattr(request.state, "new_seed", None)
    if new_seed and SEED_COOKIE not in request.cookies:
        response.set_cookie(
            SEED_COOKIE, new_seed, httponly=True, samesite="lax", secure=_secure(request)
        )
    return response


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def redirect(request: Request, url: str) -> Response:
    """After a POST: a 303 for browsers, an `HX-Redirect` for HTMX."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def set_session(request: Request, response: Response, token: str) -> None:
    settings = records_of(request).settings
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.token_ttl_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE)


@dataclass
class FormErrors:
    """Problems keyed by the form field they belong beside; the rest go in a summary."""

    by_field: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)

    def get(self, name: str) -> str | None:
        return self.by_field.get(name)

    def add(self, name: str | None, message: str) -> None:
        if name is None:
            self.general.append(message)
        elif name in self.by_field:
            self.by_field[name] += f"; {message}"
        else:
            self.by_field[name] = message


def form_errors(
    error: InputError, fields: Mapping[str, str] | None = None, known: Iterable[str] = ()
) -> FormErrors:
    """Place each problem beside its field: `fields` maps a service path (or its start) to a
    form field; a path that is itself a form field in `known` stays as it is."""
    fields = fields or {}
    known = set(known)
    errors = FormErrors()
    for problem in error.problems:
        message = problem.message
        if problem.allowed:
            message += f" (allowed: {', '.join(problem.allowed[:12])})"
        errors.add(_field_for(problem.field, fields, known), message)
    return errors


def _field_for(path: str, fields: Mapping[str, str], known: set[str]) -> str | None:
    if path in fields:
        return fields[path]
    if path in known:
        return path
    prefixes = sorted((p for p in fields if path.startswith((f"{p}.", f"{p}["))), key=len)
    if prefixes:
        return fields[prefixes[-1]]
    return None


PLAIN_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"less than or equal to (\S+)"), r"must be \1 or less"),
    (re.compile(r"greater than or equal to (\S+)"), r"must be at least \1"),
    (re.compile(r"valid (integer|number)"), "please give a number"),
    (re.compile(r"at least 1 item"), "please give at least one"),
    (re.compile(r"^Field required"), "please answer this"),
    (re.compile(r"^Input should be"), "please choose one of the options"),
)


def in_plain_words(errors: FormErrors) -> FormErrors:
    """People see what to do, not a validator's wording or the codes it allows (the home
    check's public and the session form, which is filled in during a session)."""
    plain = FormErrors()
    for name, message in errors.by_field.items():
        plain.add(name, _plain(message))
    for message in errors.general:
        plain.add(None, _plain(message))
    return plain


def _plain(message: str) -> str:
    for pattern, words in PLAIN_WORDS:
        found = pattern.search(message)
        if found:
            return found.expand(words)
    return message.split(" (allowed:", maxsplit=1)[0]


def text(form: Mapping[str, Any], name: str) -> str | None:
    """A form value with blanks as None (an empty input means "not given")."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None

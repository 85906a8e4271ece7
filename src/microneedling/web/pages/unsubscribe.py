"""The opt-out link every message carries: a page that needs no log-in (the signed token in the
link is the proof) and asks before it turns e-mail contact off, so a mail scanner that opens
the link changes nothing. Mail programs' own "unsubscribe" button (RFC 8058) posts to the same
address. No CSRF token is asked for: the only change a post can make is to stop e-mails to the
person the link was sent to."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from microneedling.services.reminders import client_of_token, opt_out
from microneedling.web.pages.common import RecordsDep, render

router = APIRouter()


@router.get("/unsubscribe/{token}")
def confirm_page(request: Request, records: RecordsDep, token: str) -> Response:
    valid = client_of_token(records, token) is not None
    return render(
        request,
        "unsubscribe.html",
        {"token": token, "valid": valid, "done": False},
        status_code=200 if valid else 404,
    )


@router.post("/unsubscribe/{token}")
async def unsubscribe(request: Request, records: RecordsDep, token: str) -> Response:
    done = await run_in_threadpool(opt_out, records, token)
    return render(
        request,
        "unsubscribe.html",
        {"token": token, "valid": done, "done": done},
        status_code=200 if done else 404,
    )

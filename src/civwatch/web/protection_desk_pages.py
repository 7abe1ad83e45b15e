"""The desk's other pages: partner organisations, "who has seen this record", a request for
help, and locking or unlocking the desk.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from civwatch.errors import CivwatchError, NotFoundError
from civwatch.i18n import localise
from civwatch.web import protection_adapters as desk
from civwatch.web.auth import client_of
from civwatch.web.deps import WS
from civwatch.web.protection_common import (
    DeskLead,
    DeskLocker,
    DeskReader,
    DeskUnlocker,
    RecordLead,
    RecordReader,
    back_to,
    desk_page,
    done_message,
)
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)


def _partners_page(
    request: Request,
    w: Workspace,
    who: object,
    *,
    error: str | None = None,
    done: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return desk_page(
        request,
        "protection_partners.html",
        {
            "partners": desk.partners(w, who),
            "error": error,
            "done": done_message(done),
            "form": form or {},
        },
        status,
    )


@router.get("/protection/partners", response_class=HTMLResponse)
def partners_page(request: Request, w: WS, who: DeskReader, done: str | None = None) -> Response:
    """The partner organisations referrals can go to."""
    return _partners_page(request, w, who, done=done)


@router.post("/protection/partners", response_class=HTMLResponse)
def partner_add(
    request: Request,
    w: WS,
    who: DeskLead,
    name: Annotated[str, Form(max_length=300)],
    country: Annotated[str, Form(max_length=2)],
    age_recipient: Annotated[str, Form(max_length=200)],
    contact: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Add a partner (a lead), with the public key its packets are encrypted to."""
    try:
        desk.add_partner(
            w, who, name.strip(), country.strip().upper(), age_recipient.strip(), contact.strip()
        )
    except CivwatchError as exc:
        typed = {
            "name": name,
            "country": country,
            "age_recipient": age_recipient,
            "contact": contact,
        }
        return _partners_page(
            request, w, who, error=localise(exc.message), form=typed, status=exc.status_code
        )
    return back_to("/protection/partners", "partner")


@router.get("/protection/persons/{person_id}/audit", response_class=HTMLResponse)
def person_audit(request: Request, w: WS, who: RecordLead, person_id: str) -> Response:
    """Who has seen this person's record, and who changed it (a lead)."""
    person_id = desk.check_id(person_id)
    return desk_page(
        request,
        "protection_audit.html",
        {
            "history": desk.history(w, who, person_id=person_id),
            "person_id": person_id,
            "case_id": None,
        },
    )


@router.get("/protection/cases/{case_id}/audit", response_class=HTMLResponse)
def case_audit(request: Request, w: WS, who: RecordLead, case_id: str) -> Response:
    """Who has seen this case, and who changed it (a lead)."""
    case_id = desk.check_id(case_id)
    return desk_page(
        request,
        "protection_audit.html",
        {"history": desk.history(w, who, case_id=case_id), "person_id": None, "case_id": case_id},
    )


@router.get("/protection/help-requests/{request_id}", response_class=HTMLResponse)
def help_request_page(request: Request, w: WS, who: RecordReader, request_id: str) -> Response:
    """One request for help, decrypted (needs the unlocked desk); it can be registered as
    a person."""
    opened = desk.open_help_request(w, who, desk.check_id(request_id))
    return desk_page(request, "protection_help_request.html", {"request_": opened})


def _lock_page(
    request: Request,
    w: Workspace,
    *,
    error: str | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    return desk_page(
        request,
        "protection_lock.html",
        {"state": desk.desk_state(w), "error": error, "done": done_message(done)},
        status,
    )


@router.get("/protection/lock", response_class=HTMLResponse)
def lock_page(request: Request, w: WS, who: DeskLocker, done: str | None = None) -> Response:
    """Lock the desk at once (a lead or an admin)."""
    return _lock_page(request, w, done=done)


@router.post("/protection/lock", response_class=HTMLResponse)
def lock(
    request: Request,
    w: WS,
    who: DeskLocker,
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Lock the desk (the caller's password again): every protection session and token is
    revoked, the key dropped."""
    try:
        desk.lock(w, who, password, client_of(request))
    except CivwatchError as exc:
        return _lock_page(request, w, error=localise(exc.message), status=exc.status_code)
    # A lead's own session ends with the others: the answer is shown, not redirected to.
    request.state.principal = None
    return _lock_page(request, w, done="locked")


@router.get("/protection/unlock", response_class=HTMLResponse)
def unlock_page(request: Request, w: WS, who: DeskUnlocker, done: str | None = None) -> Response:
    """Unlock the desk (a lead, with the desk's passphrase unless a key file is set)."""
    return _lock_page(request, w, done=done)


@router.post("/protection/unlock", response_class=HTMLResponse)
def unlock(
    request: Request,
    w: WS,
    who: DeskUnlocker,
    passphrase: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Unlock the desk."""
    try:
        desk.unlock(w, who, passphrase or None)
    except NotFoundError:
        raise
    except CivwatchError as exc:
        return _lock_page(request, w, error=localise(exc.message), status=exc.status_code)
    return back_to("/protection/unlock", "unlocked")


@router.post("/protection/rotate-key", response_class=HTMLResponse)
def rotate_key(
    request: Request,
    w: WS,
    who: DeskLead,
    password: Annotated[str, Form(max_length=1024)] = "",
    passphrase: Annotated[str, Form(max_length=1024)] = "",
    passphrase_again: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Replace the desk's key with a new passphrase (a lead, the desk unlocked): the old
    passphrase opens nothing in the database afterwards."""
    try:
        desk.rotate_key(w, who, password, passphrase, passphrase_again, client_of(request))
    except CivwatchError as exc:
        return _lock_page(request, w, error=localise(exc.message), status=exc.status_code)
    return back_to("/protection/lock", "rotated")

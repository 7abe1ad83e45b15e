"""The protection desk's pages: the officer's dashboard, finding and adding a person, a
person's page with the forms that act on them (risk assessment, consent, opening a case).

The case page is in :mod:`civwatch.web.protection_case_pages`; partners, "who has seen this
record", requests for help and the desk's lock in :mod:`civwatch.web.protection_desk_pages`.
Everything works without JavaScript; forms are plain POSTs with the session's CSRF token.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError, NotFoundError
from civwatch.i18n import localise
from civwatch.web import protection_adapters as desk
from civwatch.web.deps import WS
from civwatch.web.protection_common import (
    DeskReader,
    DeskWriter,
    RecordReader,
    back_to,
    choices,
    desk_page,
    done_message,
)
from civwatch.web.protection_forms import consent_fields, person_fields, read_form, risk_fields
from civwatch.web.protection_idle import clock_of
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)


def _refused(exc: CivwatchError) -> str:
    """A refusal as the page shows it (a 404 is raised instead: the record is out of reach)."""
    if isinstance(exc, NotFoundError):
        raise exc
    return localise(exc.message)


@router.get("/protection", response_class=HTMLResponse)
def dashboard(
    request: Request, w: WS, who: DeskReader, done: str | None = None, names: bool = False
) -> Response:
    """The officer's dashboard: my cases, overdue check-ins and alerts, risk reviews due,
    new requests for help; the names of my cases' people only when asked (``?names=1``:
    each name shown is recorded as read)."""
    board = desk.dashboard(w, who, clock_of(request), names=names)
    return desk_page(
        request,
        "protection_dashboard.html",
        {"board": board, "done": done_message(done), "names": names},
    )


@router.post("/protection/find", response_class=HTMLResponse)
def find(
    request: Request,
    w: WS,
    who: DeskReader,
    name: Annotated[str, Form(max_length=300)] = "",
    phone: Annotated[str, Form(max_length=64)] = "",
    document: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Find a person by name, phone or document (POSTed: no value in a URL or a log)."""
    error = None
    found: list[dict[str, Any]] = []
    try:
        found = desk.find(w, who, name=name, phone=phone, document=document)
    except CivwatchError as exc:
        error = _refused(exc)
    return desk_page(
        request,
        "protection_find.html",
        {"found": found, "error": error, "asked": bool(name or phone or document)},
        422 if error else 200,
    )


def _person_form(
    request: Request,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return desk_page(
        request,
        "protection_person_new.html",
        {"form": form or {}, "error": error, "groups": choices("group")},
        status,
    )


@router.get("/protection/persons/new", response_class=HTMLResponse)
def person_new(request: Request, who: DeskWriter) -> Response:
    """The form to register a person at risk."""
    return _person_form(request)


@router.post("/protection/persons", response_class=HTMLResponse)
async def person_add(request: Request, w: WS, who: DeskWriter) -> Response:
    """Register a person at risk; then their page."""
    form = await read_form(request)
    try:
        person_id = await run_in_threadpool(desk.add_person, w, who, person_fields(form))
    except CivwatchError as exc:
        return _person_form(request, form=form.typed(), error=_refused(exc), status=exc.status_code)
    return back_to(f"/protection/persons/{person_id}", "person")


def person_view(
    request: Request,
    w: Workspace,
    who: Principal,
    person_id: str,
    *,
    error: str | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    """A person's page (raises "not found" when out of the caller's reach)."""
    person = desk.show_person(w, who, person_id)
    return desk_page(
        request,
        "protection_person.html",
        {
            "person": person,
            "error": error,
            "done": done_message(done),
            "threats": choices("threat"),
            "purposes": choices("purpose"),
            "case_kinds": choices("case-kind"),
            "partners": desk.partners(w, who),
            "ratings": range(1, 6),
        },
        status,
    )


async def _again(
    request: Request, w: Workspace, who: Principal, person_id: str, exc: CivwatchError
) -> Response:
    """The person's page again, with the refusal of a form sent from it."""
    error = _refused(exc)
    return await run_in_threadpool(
        partial(person_view, request, w, who, person_id, error=error, status=exc.status_code)
    )


@router.get("/protection/persons/{person_id}", response_class=HTMLResponse)
def person_page(
    request: Request, w: WS, who: RecordReader, person_id: str, done: str | None = None
) -> Response:
    """A person at risk: who they are, their risk, consents and cases."""
    return person_view(request, w, who, desk.check_id(person_id), done=done)


@router.post("/protection/persons/{person_id}/risk", response_class=HTMLResponse)
async def risk_add(request: Request, w: WS, who: DeskWriter, person_id: str) -> Response:
    """Record a risk assessment (a new one: the history is never overwritten)."""
    person_id = desk.check_id(person_id)
    form = await read_form(request)
    try:
        await run_in_threadpool(desk.add_risk, w, who, person_id, risk_fields(form))
    except CivwatchError as exc:
        return await _again(request, w, who, person_id, exc)
    return back_to(f"/protection/persons/{person_id}", "risk")


@router.post("/protection/persons/{person_id}/consent", response_class=HTMLResponse)
async def consent_add(request: Request, w: WS, who: DeskWriter, person_id: str) -> Response:
    """Record a consent given (or revoked) for one purpose."""
    person_id = desk.check_id(person_id)
    form = await read_form(request)
    try:
        await run_in_threadpool(desk.record_consent, w, who, person_id, consent_fields(form))
    except CivwatchError as exc:
        return await _again(request, w, who, person_id, exc)
    return back_to(f"/protection/persons/{person_id}", "consent")


@router.post("/protection/persons/{person_id}/cases", response_class=HTMLResponse)
def case_open(
    request: Request,
    w: WS,
    who: DeskWriter,
    person_id: str,
    kind: Annotated[str, Form(max_length=40)],
) -> Response:
    """Open a case for the person (needs their consent to case handling)."""
    person_id = desk.check_id(person_id)
    try:
        case_id = desk.open_case(w, who, person_id, kind)
    except CivwatchError as exc:
        return person_view(request, w, who, person_id, error=_refused(exc), status=exc.status_code)
    return back_to(f"/protection/cases/{case_id}", "case")

"""Pages that change a person's record as a whole: change every field, register the
person a request for help is about (the same long form, empty), see possible duplicates
(a lead), delete a person for good (a lead, with a reason and the password again).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.errors import CivwatchError, NotFoundError
from civwatch.i18n import _, localise
from civwatch.web import protection_adapters as desk
from civwatch.web.auth import client_of
from civwatch.web.deps import WS
from civwatch.web.protection_common import (
    NEED_LABELS,
    DeskLead,
    DeskWriter,
    RecordLead,
    RecordWriter,
    back_to,
    choices,
    desk_page,
)
from civwatch.web.protection_forms import Form, form_values, person_fields, read_form

router = APIRouter(include_in_schema=False)


def _refusal(exc: CivwatchError) -> str:
    """A refusal shown on the form (a record out of reach is "not found" instead)."""
    if isinstance(exc, NotFoundError):
        raise exc
    return localise(exc.message)


def _long_form(
    request: Request,
    *,
    heading: str,
    action: str,
    submit: str,
    values: dict[str, Any],
    back: str | None = None,
    request_: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return desk_page(
        request,
        "protection_person_edit.html",
        {
            "heading": heading,
            "action": action,
            "submit": submit,
            "form": form_values(values),
            "groups": choices("group"),
            "needs": [(code, _(text)) for code, text in NEED_LABELS.items()],
            "back": back,
            "request_": request_,
            "error": error,
        },
        status,
    )


def _edit_form(
    request: Request,
    person_id: str,
    values: dict[str, Any],
    error: str | None = None,
    status: int = 200,
) -> Response:
    return _long_form(
        request,
        heading=_("Change the person's record"),
        action=f"/protection/persons/{person_id}/edit",
        submit=_("Save the changes"),
        values=values,
        back=f"/protection/persons/{person_id}",
        error=error,
        status=status,
    )


@router.get("/protection/persons/{person_id}/edit", response_class=HTMLResponse)
def person_edit_page(request: Request, w: WS, who: RecordWriter, person_id: str) -> Response:
    """Every field of a person, to change (what is shown is recorded as read)."""
    person_id = desk.check_id(person_id)
    return _edit_form(request, person_id, desk.person_document(w, who, person_id))


@router.post("/protection/persons/{person_id}/edit", response_class=HTMLResponse)
async def person_edit(request: Request, w: WS, who: DeskWriter, person_id: str) -> Response:
    """Save a person's record: every field of the form replaces the one stored (a field
    left empty is removed)."""
    person_id = desk.check_id(person_id)
    form = await read_form(request)
    fields = person_fields(form)
    try:
        await run_in_threadpool(desk.update_person, w, who, person_id, fields)
    except CivwatchError as exc:
        return _edit_form(request, person_id, fields, _refusal(exc), exc.status_code)
    return back_to(f"/protection/persons/{person_id}", "edited")


def _convert_form(
    request: Request,
    opened: dict[str, Any],
    values: dict[str, Any],
    error: str | None = None,
    status: int = 200,
) -> Response:
    return _long_form(
        request,
        heading=_("Register the person of request %(reference)s", reference=opened["reference"]),
        action=f"/protection/help-requests/{opened['id']}/person",
        submit=_("Register the person"),
        values=values,
        back=f"/protection/help-requests/{opened['id']}",
        request_=opened,
        error=error,
        status=status,
    )


@router.get("/protection/help-requests/{request_id}/person", response_class=HTMLResponse)
def help_request_person_page(
    request: Request, w: WS, who: RecordWriter, request_id: str
) -> Response:
    """The request beside an empty person form: the officer writes what the work needs
    (nothing of the request is copied into the record by itself)."""
    opened = desk.open_help_request(w, who, desk.check_id(request_id))
    if opened.get("person_id"):
        return back_to(f"/protection/persons/{opened['person_id']}", "help")
    return _convert_form(request, opened, {})


@router.post("/protection/help-requests/{request_id}/person", response_class=HTMLResponse)
async def help_request_convert(
    request: Request, w: WS, who: DeskWriter, request_id: str
) -> Response:
    """Register the person a request for help is about, as the officer typed them; then
    their page."""
    request_id = desk.check_id(request_id)
    form = await read_form(request)
    fields = person_fields(form)
    try:
        person_id = await run_in_threadpool(desk.convert_help_request, w, who, request_id, fields)
    except CivwatchError as exc:
        error = _refusal(exc)
        opened = await run_in_threadpool(desk.open_help_request, w, who, request_id)
        return _convert_form(request, opened, fields, error, exc.status_code)
    return back_to(f"/protection/persons/{person_id}", "help")


@router.get("/protection/persons/{person_id}/duplicates", response_class=HTMLResponse)
def duplicates_page(request: Request, w: WS, who: RecordLead, person_id: str) -> Response:
    """Other records that may be this person registered twice (a lead): ids and what
    matched, never the other record's details."""
    person_id = desk.check_id(person_id)
    return desk_page(
        request,
        "protection_duplicates.html",
        {"candidates": desk.duplicates(w, who, person_id), "person_id": person_id},
    )


def _delete_page(
    request: Request,
    w: WS,
    who: Any,
    person_id: str,
    *,
    reason: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    names = desk.show_name(w, who, person_id)
    return desk_page(
        request,
        "protection_person_delete.html",
        {
            "person_id": person_id,
            "name": names or _("Person %(id)s", id=person_id),
            "reason": reason,
            "error": error,
        },
        status,
    )


@router.get("/protection/persons/{person_id}/delete", response_class=HTMLResponse)
def person_delete_page(request: Request, w: WS, who: RecordLead, person_id: str) -> Response:
    """Delete a person for good (a lead): what it destroys, a reason, the password."""
    return _delete_page(request, w, who, desk.check_id(person_id))


@router.post("/protection/persons/{person_id}/delete", response_class=HTMLResponse)
async def person_delete(request: Request, w: WS, who: DeskLead, person_id: str) -> Response:
    """Delete the person (crypto-shredding): their key destroyed; then the dashboard."""
    person_id = desk.check_id(person_id)
    form: Form = await read_form(request)
    reason = form.one("reason")
    try:
        await run_in_threadpool(
            desk.delete_person, w, who, person_id, reason, form.one("password"), client_of(request)
        )
    except CivwatchError as exc:
        error, status = _refusal(exc), exc.status_code
        return await run_in_threadpool(
            partial(
                _delete_page, request, w, who, person_id, reason=reason, error=error, status=status
            )
        )
    return back_to("/protection", "deleted")

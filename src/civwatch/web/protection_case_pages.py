"""A protection case's page (timeline, team, tasks, route, check-ins, referrals, consent)
and the forms that act on it: move it to another state, add to its team, record a check-in,
refer the person to a partner (with a fresh password), add a task or a checkpoint.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.errors import CivwatchError, NotFoundError
from civwatch.i18n import localise
from civwatch.web import protection_adapters as desk
from civwatch.web.auth import client_of
from civwatch.web.deps import WS
from civwatch.web.protection_common import (
    DeskWriter,
    RecordReader,
    back_to,
    choices,
    desk_page,
    done_message,
)
from civwatch.web.protection_forms import read_form
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)

#: The fields of a person a referral may carry (each needs the person's consent).
REFERRAL_FIELDS = (
    "names",
    "birth",
    "contacts",
    "location",
    "documents",
    "needs",
    "dependants",
    "languages",
)


def case_view(
    request: Request,
    w: Workspace,
    who: Any,
    case_id: str,
    *,
    error: str | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    """A case's page (raises "not found" when out of the caller's reach)."""
    case = desk.show_case(w, who, case_id)
    return desk_page(
        request,
        "protection_case.html",
        {
            "case": case,
            "error": error,
            "done": done_message(done),
            "moves": [(s, desk.state_label(s)) for s in case.get("moves", [])],
            "partners": desk.partners(w, who),
            "member_roles": choices("member-role"),
            "task_kinds": choices("task-kind"),
            "referral_fields": REFERRAL_FIELDS,
        },
        status,
    )


def _act(request: Request, w: Workspace, who: Any, case_id: str, done: str, call: Any) -> Response:
    """Run one write on the case; its page again with the refusal, or a redirect to it."""
    try:
        call()
    except NotFoundError:
        raise
    except CivwatchError as exc:
        return case_view(
            request, w, who, case_id, error=localise(exc.message), status=exc.status_code
        )
    return back_to(f"/protection/cases/{case_id}", done)


@router.get("/protection/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request, w: WS, who: RecordReader, case_id: str, done: str | None = None
) -> Response:
    """A case: its state and timeline, team, tasks, route, check-ins and referrals."""
    return case_view(request, w, who, desk.check_id(case_id), done=done)


@router.post("/protection/cases/{case_id}/transition", response_class=HTMLResponse)
def case_transition(
    request: Request,
    w: WS,
    who: DeskWriter,
    case_id: str,
    to_state: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Move the case to another state (the allowed moves only)."""
    case_id = desk.check_id(case_id)
    return _act(
        request,
        w,
        who,
        case_id,
        "transition",
        lambda: desk.transition(w, who, case_id, to_state, reason),
    )


@router.post("/protection/cases/{case_id}/assign", response_class=HTMLResponse)
def case_assign(
    request: Request,
    w: WS,
    who: DeskWriter,
    case_id: str,
    username: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=16)] = "member",
) -> Response:
    """Add an officer to the case's team (or change their role in it)."""
    case_id = desk.check_id(case_id)
    return _act(
        request,
        w,
        who,
        case_id,
        "assign",
        lambda: desk.assign(w, who, case_id, username.strip(), role),
    )


@router.post("/protection/cases/{case_id}/checkins", response_class=HTMLResponse)
def case_checkin(
    request: Request,
    w: WS,
    who: DeskWriter,
    case_id: str,
    place: Annotated[str, Form(max_length=500)],
    checkpoint_id: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record that the person reported being safe (at a checkpoint of the route)."""
    case_id = desk.check_id(case_id)
    return _act(
        request,
        w,
        who,
        case_id,
        "checkin",
        lambda: desk.checkin(
            w, who, case_id, place.strip(), checkpoint_id or None, note.strip() or None
        ),
    )


@router.post("/protection/cases/{case_id}/referrals", response_class=HTMLResponse)
async def case_refer(request: Request, w: WS, who: DeskWriter, case_id: str) -> Response:
    """Refer the person to a partner: only the consented fields, encrypted to the partner;
    the officer's password is asked again."""
    case_id = desk.check_id(case_id)
    form = await read_form(request)
    partner_id, fields, password = form.one("partner_id"), form.many("fields"), form.one("password")
    return await run_in_threadpool(
        _act,
        request,
        w,
        who,
        case_id,
        "referral",
        lambda: desk.refer(w, who, case_id, partner_id, fields, password, client_of(request)),
    )


@router.post("/protection/cases/{case_id}/tasks", response_class=HTMLResponse)
def case_task(
    request: Request,
    w: WS,
    who: DeskWriter,
    case_id: str,
    kind: Annotated[str, Form(max_length=32)],
    title: Annotated[str, Form(max_length=500)],
    due: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Add a task to the case (its owner: the officer adding it)."""
    case_id = desk.check_id(case_id)
    return _act(
        request,
        w,
        who,
        case_id,
        "task",
        lambda: desk.add_task(w, who, case_id, kind, title.strip(), due or None),
    )


@router.post("/protection/cases/{case_id}/checkpoints", response_class=HTMLResponse)
def case_checkpoint(
    request: Request,
    w: WS,
    who: DeskWriter,
    case_id: str,
    place: Annotated[str, Form(max_length=500)],
    expected_at: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Add a checkpoint to the case's route, with the time the person is expected there."""
    case_id = desk.check_id(case_id)
    return _act(
        request,
        w,
        who,
        case_id,
        "checkpoint",
        lambda: desk.add_checkpoint(w, who, case_id, place.strip(), expected_at or None),
    )

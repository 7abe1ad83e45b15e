"""Emergency access (an officer outside a person's team asks, saying why; a protection
lead approves for a few hours, refuses or ends it) and acknowledging a check-in alert.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from civwatch.errors import CivwatchError, NotFoundError
from civwatch.i18n import localise
from civwatch.web import protection_adapters as desk
from civwatch.web.deps import WS
from civwatch.web.protection_common import (
    DeskLead,
    DeskReader,
    DeskWriter,
    back_to,
    desk_page,
    done_message,
)
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)


def _access_page(
    request: Request,
    w: Workspace,
    who: Any,
    *,
    done: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return desk_page(
        request,
        "protection_access.html",
        {
            "requests": desk.access_requests(w, who),
            "done": done_message(done),
            "error": error,
            "form": form or {"person_id": "", "reason": ""},
        },
        status,
    )


@router.get("/protection/access", response_class=HTMLResponse)
def access_page(request: Request, w: WS, who: DeskReader, done: str | None = None) -> Response:
    """Your requests for emergency access (pending, approved until when...) and, for a
    protection lead, those to decide."""
    return _access_page(request, w, who, done=done)


@router.post("/protection/access", response_class=HTMLResponse)
def access_ask(
    request: Request,
    w: WS,
    who: DeskWriter,
    person_id: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Ask a protection lead to read a person outside your cases, saying why."""
    try:
        desk.request_access(w, who, desk.check_id(person_id.strip()), reason)
    except NotFoundError:
        raise
    except CivwatchError as exc:
        typed = {"person_id": person_id, "reason": reason}
        return _access_page(
            request, w, who, error=localise(exc.message), form=typed, status=exc.status_code
        )
    return back_to("/protection/access", "access-asked")


def _decide(request: Request, w: Workspace, who: Any, done: str, call: Any) -> Response:
    try:
        call()
    except NotFoundError:
        raise
    except CivwatchError as exc:
        return _access_page(request, w, who, error=localise(exc.message), status=exc.status_code)
    return back_to("/protection/access", done)


@router.post("/protection/access/{grant_id}/approve", response_class=HTMLResponse)
def access_approve(
    request: Request,
    w: WS,
    who: DeskLead,
    grant_id: str,
    hours: Annotated[int, Form(ge=1, le=72)] = 8,
) -> Response:
    """Approve a request for emergency access for some hours (a lead, not the asker)."""
    grant_id = desk.check_id(grant_id)
    return _decide(
        request, w, who, "access-approved", lambda: desk.approve_access(w, who, grant_id, hours)
    )


@router.post("/protection/access/{grant_id}/revoke", response_class=HTMLResponse)
def access_revoke(request: Request, w: WS, who: DeskLead, grant_id: str) -> Response:
    """Refuse a request for emergency access, or end one in force (a lead)."""
    grant_id = desk.check_id(grant_id)
    return _decide(request, w, who, "access-ended", lambda: desk.end_access(w, who, grant_id))


@router.post("/protection/alerts/{alert_id}/acknowledge", response_class=HTMLResponse)
def alert_acknowledge(
    request: Request,
    w: WS,
    who: DeskWriter,
    alert_id: str,
    case_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Acknowledge a check-in alert (it leaves the dashboard); back to the case page it
    was sent from, or the dashboard."""
    desk.acknowledge_alert(w, who, desk.check_id(alert_id))
    if case_id:
        return back_to(f"/protection/cases/{desk.check_id(case_id)}", "acknowledged")
    return back_to("/protection", "acknowledged")

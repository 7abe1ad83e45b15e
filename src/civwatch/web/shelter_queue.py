"""The coordinators' queue (``/shelters/reports``, team side): reports from the public
waiting for a decision, each with its shelter's internal fields (who holds the key and how
to reach them: the coordinator may call to check), confirmed or dismissed with a reason.

Only these pages show the internal fields; the leak test checks that no public page, API
answer, bundle, PDF or log carries them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError
from civwatch.i18n import localise
from civwatch.i18n.formatting import format_age, format_datetime
from civwatch.shelters import vocabulary
from civwatch.shelters.registry import get_shelter
from civwatch.shelters.reports import MAX_REASON, confirm_report, dismiss_report, pending_reports
from civwatch.shelters.status import shown_status
from civwatch.web.auth import require
from civwatch.web.deps import WS
from civwatch.web.pages import render
from civwatch.web.shelter_pages import ShelterId
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)
Coordinator = Annotated[Principal, Depends(require(Permission.SHELTERS_COORDINATE))]


def queue(ws: Workspace) -> list[dict[str, Any]]:
    """The pending reports, oldest first, each with its shelter as coordinators see it."""
    now = datetime.now(UTC)
    rows = []
    with ws.sessions() as session:
        for report in pending_reports(session, limit=100):
            shelter = get_shelter(session, report.shelter_id)
            status = shown_status(session, report.shelter_id, now)
            rows.append(
                {
                    "report": report,
                    "status_label": vocabulary.label(report.status),
                    "channel_label": vocabulary.channel_label(report.channel),
                    "seen": [
                        (vocabulary.label(code), seen)
                        for code, seen in report.accessibility.items()
                    ],
                    "received": format_datetime(report.received_at, kyiv=True),
                    "waiting": format_age(report.received_at, now=now),
                    "shelter": shelter,
                    "shown": status.sentence(now),
                }
            )
    return rows


def _page(request: Request, w: WS, *, error: str | None = None, status: int = 200) -> Response:
    rows = queue(w)
    return render(
        request,
        "shelters_queue.html",
        {"rows": rows, "error": error, "max_reason": MAX_REASON},
        status,
    )


@router.get("/shelters/reports", response_class=HTMLResponse)
async def reports_page(request: Request, w: WS, _c: Coordinator) -> Response:
    """Reports from the public waiting for a coordinator, oldest first."""
    return await run_in_threadpool(_page, request, w)


async def _decided(request: Request, w: WS, act: Any, *args: Any) -> Response:
    try:
        await run_in_threadpool(act, w, *args)
    except CivwatchError as exc:
        error, status = localise(exc.message), exc.status_code
        return await run_in_threadpool(lambda: _page(request, w, error=error, status=status))
    return RedirectResponse("/shelters/reports", status_code=303)


@router.post("/shelters/reports/{report_id}/confirm", response_class=HTMLResponse)
async def report_confirm_form(
    request: Request, w: WS, who: Coordinator, report_id: ShelterId
) -> Response:
    """Confirm a report: it now counts for its shelter's shown status."""
    return await _decided(request, w, confirm_report, who, report_id)


@router.post("/shelters/reports/{report_id}/dismiss", response_class=HTMLResponse)
async def report_dismiss_form(
    request: Request,
    w: WS,
    who: Coordinator,
    report_id: ShelterId,
    reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
) -> Response:
    """Dismiss a report with the reason given: it never counts."""
    return await _decided(request, w, dismiss_report, who, report_id, reason)

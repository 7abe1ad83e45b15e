"""The situation report for the team: a page of the app (``GET /sitrep``) with the
navigation, a form for the days it covers, the report itself (the same words as the PDF)
and buttons that download it as a PDF or as one self-contained HTML file
(``?format=pdf``, ``?format=html``). Publishers only: it is what goes to the press.

The report is built by :mod:`civwatch.publish.sitrep` from published incidents only; this
module reads the form, chooses the format and answers. A wrong date or period comes back as
the page with the form and the reason, never as a bare error.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError, RejectedInputError
from civwatch.i18n import _, localise
from civwatch.publish import sitrep
from civwatch.web.auth import require
from civwatch.web.deps import WS
from civwatch.web.pages import render
from civwatch.web.public_view import form_date

router = APIRouter(include_in_schema=False)

Publisher = Annotated[Principal, Depends(require(Permission.PUBLISH))]
#: What ``?format=`` may ask for: the app's page, or a file to download.
FORMATS = ("page", "html", "pdf")


def _period(from_: str, to: str) -> tuple[date, date]:
    return sitrep.period(
        form_date(from_, _("“from” must be a date such as 2024-03-01.")),
        form_date(to, _("“to” must be a date such as 2024-03-01.")),
    )


@router.get("/sitrep")
def situation_report(
    request: Request,
    w: WS,
    _publisher: Publisher,
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: Annotated[str, Query(max_length=10)] = "",
    format: Annotated[str, Query(max_length=8)] = "page",
) -> Response:
    """The report (default: last week) as a page of the app, or as a PDF or one HTML file."""
    asked = {"from": from_, "to": to}
    try:
        if format not in FORMATS:
            raise RejectedInputError(_("The format must be page, html or pdf."))
        start, end = _period(from_, to)
        report = sitrep.build_report(w, start, end)
    except CivwatchError as exc:
        context = {"error": localise(exc.message), "asked": asked, "report": None}
        return render(request, "sitrep_page.html", context, exc.status_code)
    if format == "page":
        chosen = {"from": start.isoformat(), "to": end.isoformat()}
        context = {"asked": chosen, "report": report, "body": sitrep.render_body(report)}
        return render(request, "sitrep_page.html", context)
    html = sitrep.render_html(report, sitrep.web_alternates(start, end, format))
    name = sitrep.file_name(start, end, format)
    if format == "pdf":
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(sitrep.render_pdf(html), media_type="application/pdf", headers=headers)
    headers = {
        "Content-Disposition": f'inline; filename="{name}"',
        "Content-Security-Policy": sitrep.REPORT_CSP,
    }
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)

"""Summaries of published incidents: the public dashboard of casualty totals and charts,
the Atom and JSON feeds (no account needed), and the situation report for publishers.

Totals and feeds read incidents through :mod:`civwatch.publish.public` (an allow-list of
published, verified incidents); feeds are kept in memory until something public changes
(:mod:`civwatch.web.answer_cache`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError, RejectedInputError
from civwatch.i18n import _
from civwatch.publish import charts, feeds, sitrep
from civwatch.publish.public import iter_public_incidents
from civwatch.web.answer_cache import cached_answer
from civwatch.web.auth import require
from civwatch.web.deps import WS
from civwatch.web.public_view import (
    Anyone,
    PageFilters,
    absolute_base,
    failure_page,
    filter_choices,
    form_date,
    link_base,
    public_page,
)
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)

Publisher = Annotated[Principal, Depends(require(Permission.PUBLISH))]


@router.get("/public/dashboard", response_class=HTMLResponse)
def public_dashboard(request: Request, w: WS, _: Anyone, f: PageFilters) -> Response:
    """Casualty totals and charts (by month, oblast and type), ranges shown as ranges."""
    try:
        incidents = list(iter_public_incidents(w, f.public()))
    except CivwatchError as exc:
        return failure_page(request, w, exc)
    board = charts.dashboard(incidents)
    return public_page(
        request,
        w,
        "public_dashboard.html",
        {**board, "filters": f.values, "choices": filter_choices(w)},
    )


def _feed_incidents(w: Workspace) -> list[dict[str, Any]]:
    return list(iter_public_incidents(w))


@router.get("/public/feed.atom")
def public_feed_atom(request: Request, w: WS, _: Anyone) -> Response:
    """Atom feed of the incidents published or corrected last (kept until something public
    changes; ETag and 304)."""

    def make() -> bytes:
        incidents = _feed_incidents(w)
        return feeds.atom_feed(
            incidents,
            base_url=absolute_base(w),
            link_base=link_base(w),
            organisation=w.settings.organisation_name,
        )

    return cached_answer(request, w, make, "application/atom+xml; charset=utf-8", public=True)


@router.get("/public/feed.json")
def public_feed_json(request: Request, w: WS, _: Anyone) -> Response:
    """JSON Feed 1.1 of the incidents published or corrected last (kept until something
    public changes; ETag and 304)."""

    def make() -> bytes:
        incidents = _feed_incidents(w)
        return feeds.json_feed(
            incidents, base_url=absolute_base(w), organisation=w.settings.organisation_name
        )

    return cached_answer(request, w, make, "application/feed+json; charset=utf-8", public=True)


@router.get("/sitrep")
def situation_report(
    request: Request,
    w: WS,
    _publisher: Publisher,
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: Annotated[str, Query(max_length=10)] = "",
    format: Annotated[str, Query(max_length=8)] = "html",
) -> Response:
    """A situation report (default: last week) as HTML or PDF, for publishers."""
    try:
        start, end = sitrep.period(
            form_date(from_, _("“from” must be a date such as 2024-03-01.")),
            form_date(to, _("“to” must be a date such as 2024-03-01.")),
        )
        if format not in ("html", "pdf"):
            raise RejectedInputError(_("The format must be html or pdf."))
        report = sitrep.build_report(w, start, end)
        html = sitrep.render_html(report, sitrep.web_alternates(start, end, format))
    except CivwatchError as exc:
        return failure_page(request, w, exc)
    name = sitrep.file_name(start, end, format)
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    if format == "pdf":
        return Response(sitrep.render_pdf(html), media_type="application/pdf", headers=headers)
    headers["Content-Security-Policy"] = sitrep.REPORT_CSP
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)

"""Summaries of published incidents: the public dashboard of casualty totals and charts,
the Atom and JSON feeds (no account needed). The team's situation report is
:mod:`civwatch.web.sitrep_pages`.

Totals and feeds read incidents through :mod:`civwatch.publish.public` (an allow-list of
published, verified incidents); feeds are kept in memory until something public changes
(:mod:`civwatch.web.answer_cache`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError
from civwatch.publish import charts, feeds
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

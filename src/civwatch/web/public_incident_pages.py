"""The public page of one published incident (no account needed): its facts, casualty
ranges with their sources, corrections and public history, its share image, and its
published media (redacted copies a second person approved, never an original).

The pages over many incidents are in :mod:`civwatch.web.public_pages`; what they share in
:mod:`civwatch.web.public_view`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response, StreamingResponse

from civwatch.campaigns.public import live_campaigns_for_incident
from civwatch.errors import CivwatchError, NotFoundError
from civwatch.i18n import _, current_language
from civwatch.i18n.formatting import format_date, in_ukraine
from civwatch.intake.testimony_quotes import open_data_quotes, public_quotes
from civwatch.publish import feeds
from civwatch.publish.public import public_incident
from civwatch.publish.sharecard import share_card
from civwatch.web.answer_cache import etag_matches, revalidated
from civwatch.web.deps import WS, RowId
from civwatch.web.labels import publication_event
from civwatch.web.media import MEDIA_CSP, download_type
from civwatch.web.public_view import (
    Anyone,
    absolute_base,
    as_moment,
    failure_page,
    present,
    public_page,
)
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)


def _history(incident: Mapping[str, Any]) -> list[dict[str, Any]]:
    kyiv = in_ukraine(incident)
    out = []
    for h in incident.get("history") or ():
        at = as_moment(h["at"])
        out.append(
            {
                "kind": h.get("kind"),
                "kind_text": publication_event(h.get("kind")),
                "at_iso": at.isoformat(),
                "at_text": format_date(at, kyiv=kyiv),
                "note": h.get("note") or "",
            }
        )
    return out


def _published_media(ws: Workspace, incident_id: int) -> list[dict[str, Any]]:
    """The approved, redacted media of a published incident (never an original)."""
    from civwatch.publish.redaction import published_media

    with ws.sessions() as session:
        return [
            {
                "sha256": m["derivative_sha256"],
                "media_type": m["media_type"],
                "graphic": bool(m["graphic"]),
                "width": m.get("width"),
                "height": m.get("height"),
            }
            for m in published_media(session, incident_id)
        ]


@router.get("/public/incidents/{incident_id}", response_class=HTMLResponse)
def public_incident_page(request: Request, w: WS, _anyone: Anyone, incident_id: RowId) -> Response:
    """One published incident: facts, casualty ranges with sources, corrections, media."""
    try:
        incident = public_incident(w, incident_id)
    except CivwatchError as exc:
        return failure_page(request, w, exc)
    shown = present(incident)
    history = _history(incident)
    page_url = f"{absolute_base(w)}/public/incidents/{incident_id}"
    summary = feeds.entry_text(incident).split("\n\n")
    media = [
        {
            "url": f"/public/incidents/{incident_id}/media/{n}",
            "kind": "video" if m["media_type"].startswith("video/") else "photo",
            "graphic": m["graphic"],
            "width": m["width"],
            "height": m["height"],
            "alt": _("Photo %(n)s of %(title)s (faces blurred)", n=n + 1, title=shown["title"]),
        }
        for n, m in enumerate(_published_media(w, incident_id))
    ]
    return public_page(
        request,
        w,
        "public_incident.html",
        {
            "i": shown,
            "history": history,
            "corrections": [h for h in history if h["kind"] == "corrected"],
            "summary": " ".join(summary[:3])[:300],
            "page_url": page_url,
            "card_url": f"{page_url}/card.png"
            + (
                ""
                if current_language() == w.settings.default_language
                else f"?lang={current_language()}"
            ),
            "media": media,
            "quotes": public_quotes(w, incident_id),
            "campaigns": live_campaigns_for_incident(w, incident_id),
            "section": "/public",
        },
    )


@router.get("/public/witness-quotes.json")
def public_witness_quotes(w: WS, _anyone: Anyone) -> Response:
    """Open data: every witness quote published now, each with its incident and "a
    witness" as its only attribution (a withdrawn consent takes a quote out at once)."""
    body = json.dumps(
        {"attribution": "a witness", "quotes": open_data_quotes(w)}, ensure_ascii=False
    )
    return Response(
        body,
        media_type="application/json; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/public/incidents/{incident_id}/card.png")
def public_share_card(request: Request, w: WS, _: Anyone, incident_id: RowId) -> Response:
    """The share image of a published incident (PNG, 1200 x 630)."""
    try:
        incident = public_incident(w, incident_id)
    except CivwatchError as exc:
        return failure_page(request, w, exc)
    png = share_card(w.data_dir, incident, w.settings.organisation_name)
    etag = '"' + hashlib.sha256(png).hexdigest()[:32] + '"'
    return revalidated(request, png, etag, "image/png", **{"Content-Security-Policy": MEDIA_CSP})


@router.get("/public/incidents/{incident_id}/media/{index}")
def public_media_file(
    request: Request, w: WS, _reader: Anyone, incident_id: RowId, index: int
) -> Response:
    """A published (redacted, approved) photo or video of a published incident."""
    try:
        public_incident(w, incident_id)
        found = _published_media(w, incident_id)
        if not 0 <= index < len(found):
            raise NotFoundError(
                _(
                    "Incident %(incident_id)s has no published media number %(index)s.",
                    incident_id=incident_id,
                    index=index,
                )
            )
    except CivwatchError as exc:
        return failure_page(request, w, exc)
    chosen = found[index]
    sha = chosen["sha256"]
    # Asked again each time (no-cache), so a withdrawal reaches browsers and proxies at once;
    # the copy is immutable, so its hash is its ETag.
    cache_headers = {"ETag": f'"{sha[:32]}"', "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), cache_headers["ETag"]):
        return Response(status_code=304, headers=cache_headers)

    def chunks() -> Any:
        with w.vault.open(sha) as f:
            while block := f.read(256 * 1024):
                yield block

    return StreamingResponse(
        chunks(),
        media_type=download_type(chosen["media_type"]),
        headers={
            **cache_headers,
            "Content-Length": str(w.vault.size(sha)),
            "Content-Security-Policy": MEDIA_CSP,
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )

"""Server-rendered page of one evidence item: preview, metadata, location, copies,
custody proof, verification forms and redaction for publication."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.accounts import audit
from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError, NotFoundError, RejectedInputError
from civwatch.evidence.clusters import item_cluster
from civwatch.evidence.copy_words import copies_in_words
from civwatch.evidence.proofs import item_entries
from civwatch.evidence.service import find_item, item_json
from civwatch.i18n import N_, _, gettext
from civwatch.incidents.item_links import item_incidents
from civwatch.incidents.service import link_evidence
from civwatch.incidents.suggestions import suggest_incidents
from civwatch.incidents.titles import incidents_titled
from civwatch.incidents.verification import (
    RECORD_FIELDS,
    add_record,
    item_verification,
    review_item,
    set_item_status,
)
from civwatch.incidents.vocabulary import (
    LEVELS,
    LINK_ROLES,
    OUTCOMES,
    RECORD_KINDS,
    RELIABILITIES,
)
from civwatch.intake.capture_records import captures_of_item
from civwatch.media.preview import PREVIEW_SIDE, THUMBNAIL_SIDE, cached_preview, previewable
from civwatch.publish import redaction
from civwatch.vault import readable_path
from civwatch.web import face_boxes, map_routes
from civwatch.web.auth import client_of, require
from civwatch.web.deps import WS, RowId
from civwatch.web.pages import render
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)
router.add_api_route("/evidence/{sha256}/faces", face_boxes.item_faces, methods=["GET"])

Reader = Annotated[Principal, Depends(require(Permission.EVIDENCE_READ))]
Writer = Annotated[Principal, Depends(require(Permission.INCIDENTS_WRITE))]
Reviewer = Annotated[Principal, Depends(require(Permission.REVIEW))]
Publisher = Annotated[Principal, Depends(require(Permission.PUBLISH))]

#: Messages shown after a form succeeded (the page is reached by a redirect).
DONE = {
    "linked": N_("The item was linked to the incident."),
    "record": N_("Verification record added."),
    "status": N_("Verification status changed."),
    "review": N_("Review decision recorded."),
    "redaction": N_(
        "A draft redacted copy was made. Check it below; a publisher other than "
        "you must approve it before the public sees it."
    ),
    "redaction-approved": N_(
        "You approved the redacted copy: it is what the public will see of this item."
    ),
}
#: Fields of the form that are numbers, times (UTC when no offset is given) and lists.
NUMBERS = {"lat", "lon", "precision_m"}
TIMES = {"first_seen", "claimed_time", "metadata_time", "window_start", "window_end"}
MAX_FORM_FIELD = 10_000
PREVIEW_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
MAX_REGIONS_TEXT = 20_000
#: How many incidents the "link to an incident" form lists besides the suggested ones.
LINK_CHOICES = 12


def _fields(form: Any, kind: str) -> dict[str, Any]:
    """The record's fields from the form: numbers parsed, times made UTC, references split."""
    content: dict[str, Any] = {}
    for name in RECORD_FIELDS[kind]:
        raw = form.get(name)
        if not isinstance(raw, str) or not raw.strip():
            continue
        if len(raw) > MAX_FORM_FIELD:
            raise RejectedInputError(
                _("%(name)s is too long.", name=name.replace("_", " ").capitalize())
            )
        value: Any = raw.strip()
        if name in NUMBERS:
            try:
                value = float(value.replace(",", "."))
            except ValueError:
                raise RejectedInputError(
                    _(
                        "%(name)s must be a number, got %(raw)s.",
                        name=name.replace("_", " ").capitalize(),
                        raw=repr(raw),
                    )
                ) from None
        elif name in TIMES and len(value) <= 19 and "+" not in value and "Z" not in value:
            value = value + ("" if len(value) > 16 else ":00") + "+00:00"  # datetime-local
        elif name == "references":
            value = [line.strip() for line in value.splitlines() if line.strip()]
        content[name] = value
    return content


def _view(
    request: Request,
    w: Workspace,
    who: Principal,
    sha256: str,
    *,
    error: str | None = None,
    status: int = 200,
    done: str | None = None,
    entered: dict[str, str] | None = None,
    incident_q: str = "",
) -> Response:
    item = find_item(w, sha256)
    doc = item_json(item)
    cluster = item_cluster(w, item)
    meta = dict(doc["metadata"])
    exiftool = meta.pop("exiftool", None) or {}
    c2pa = meta.pop("c2pa", None)
    verification = item_verification(w, item.sha256)
    records = {r["id"]: r for r in verification["records"]}
    settings = w.settings
    lat, lon = meta.get("gps_lat"), meta.get("gps_lon")
    linked = item_incidents(w, item.sha256)
    captures = captures_of_item(w, item.sha256)
    can_write = allows(who.roles, Permission.INCIDENTS_WRITE)
    return render(
        request,
        "item.html",
        {
            "item": doc,
            "metadata": meta,
            "exiftool_json": json.dumps(exiftool, indent=1, ensure_ascii=False, sort_keys=True),
            "c2pa_json": None if c2pa is None else json.dumps(c2pa, indent=1, ensure_ascii=False),
            "location": None if lat is None or lon is None else {"lat": lat, "lon": lon},
            **map_routes.background(settings),  # the EXIF location's map
            "cluster": cluster,
            "copies": copies_in_words(cluster, item.sha256),
            "verification": verification,
            "current": [records[i] for i in verification["current_records"]],
            "superseded": [r for r in verification["records"] if r["superseded"]],
            "entries": item_entries(w, item.sha256),
            "incidents": linked,
            "captures": captures,
            **(_link_choices(w, item.sha256, linked, incident_q) if can_write else {}),
            "previewable": previewable(item.media_type),
            "can_download": allows(who.roles, Permission.EVIDENCE_DOWNLOAD),
            "can_write": can_write,
            "can_review": allows(who.roles, Permission.REVIEW),
            "can_publish": allows(who.roles, Permission.PUBLISH),
            "redactions": redaction.list_redactions(w, item.sha256),
            "redactable": item.media_type.startswith(("image/", "video/")),
            "entered": entered,
            "record_kinds": RECORD_KINDS,
            "reliabilities": RELIABILITIES,
            "levels": LEVELS,
            "outcomes": OUTCOMES,
            "error": error,
            "done": gettext(DONE[done]) if done in DONE else None,
        },
        status,
    )


def _link_choices(
    w: Workspace, sha256: str, linked: list[dict[str, Any]], incident_q: str
) -> dict[str, Any]:
    """What the "link to an incident" form offers: the incidents suggested for the item
    first (scored, with reasons), then those whose title matches the search (the newest
    without one); incidents the item is already linked to are left out."""
    suggested = [] if incident_q else suggest_incidents(w, sha256, limit=5)["suggestions"]
    taken = {lk["incident"]["id"] for lk in linked} | {s["incident"]["id"] for s in suggested}
    return {
        "incident_q": incident_q,
        "link_suggested": suggested,
        "link_found": incidents_titled(w, incident_q, limit=LINK_CHOICES, exclude=taken),
        "link_roles": LINK_ROLES,
    }


@router.get("/evidence/{sha256}", response_class=HTMLResponse)
def item_page(
    request: Request,
    w: WS,
    who: Reader,
    sha256: str,
    done: Annotated[str | None, Query(max_length=20)] = None,
    incident_q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    return _view(request, w, who, sha256, done=done, incident_q=incident_q.strip())


@router.post("/evidence/{sha256}/incidents", response_class=HTMLResponse)
async def item_link_incident(request: Request, w: WS, who: Writer, sha256: str) -> Response:
    """Link the item to the incident chosen in the picker, with a role and a note."""

    def call(form: Any) -> dict[str, Any]:
        chosen = _text(form, "incident_id") or ""
        if not chosen.strip().isdigit():
            raise RejectedInputError(_("Choose the incident to link this item to."))
        link_evidence(
            w,
            int(chosen),
            sha256,
            role=_text(form, "role") or "corroborating",
            note=_text(form, "note") or "",
            actor=who.username,
        )
        return {"sha256": sha256}

    found = await run_in_threadpool(find_item, w, sha256)
    return await _act(request, w, who, found.sha256, "incident-link", "linked", call, "incidents")


def _picture(request: Request, w: Workspace, sha256: str, side: int) -> Response:
    """A downscaled image of the item without metadata (never the original bytes).

    A browser must ask again before each use (``no-cache``); the ETag makes that cheap
    (304), and the question goes through sign-in first, so a person using the browser
    after the investigator signed out is never shown the picture from its cache."""
    item = find_item(w, sha256)
    if not previewable(item.media_type):
        raise RejectedInputError(
            _(
                "There is no preview of %(type)s files; download the original instead.",
                type=item.media_type,
            )
        )
    tag = f'"{item.sha256[:32]}-{side}"'
    headers = {
        "Content-Security-Policy": PREVIEW_CSP,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",
        "ETag": tag,
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    data, kind = cached_preview(
        w.data_dir / "cache" / "previews",
        item.sha256,
        item.media_type,
        lambda: readable_path(w.vault, item.sha256),
        settings=w.settings,
        side=side,
    )
    name = "preview.jpg" if kind == "image/jpeg" else "preview.png"
    return Response(
        data,
        media_type=kind,
        headers={**headers, "Content-Disposition": f'inline; filename="{name}"'},
    )


@router.get("/evidence/{sha256}/preview")
def item_preview(request: Request, w: WS, _reader: Reader, sha256: str) -> Response:
    """A downscaled image without metadata (never the original bytes)."""
    return _picture(request, w, sha256, PREVIEW_SIDE)


@router.get("/evidence/{sha256}/thumbnail")
def item_thumbnail(request: Request, w: WS, _reader: Reader, sha256: str) -> Response:
    """A thumbnail for lists and pickers, made from the preview."""
    return _picture(request, w, sha256, THUMBNAIL_SIDE)


async def _act(
    request: Request,
    w: Workspace,
    who: Principal,
    sha256: str,
    action: str,
    done: str,
    call: Callable[[Any], dict[str, Any]],
    anchor: str = "verification",
) -> Response:
    """Run a form's service call; on success audit it and go back to the page (303), on
    a refusal show the page again with the message (and what the user entered)."""
    form = await request.form()
    try:
        result = await run_in_threadpool(call, form)
    except CivwatchError as exc:
        await run_in_threadpool(
            audit.record_now,
            w,
            action,
            actor=who.username,
            target=f"evidence:{sha256}",
            outcome="failed",
            client=client_of(request),
            detail={"error": exc.message[:500]},
        )
        entered = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        return await run_in_threadpool(
            partial(
                _view,
                request,
                w,
                who,
                sha256,
                error=exc.message,
                status=exc.status_code,
                entered=entered,
            )
        )
    sha = str(result.get("sha256") or sha256)
    await run_in_threadpool(
        audit.record_now,
        w,
        action,
        actor=who.username,
        target=f"evidence:{sha}",
        client=client_of(request),
    )
    return RedirectResponse(f"/evidence/{quote(sha)}?done={done}#{anchor}", status_code=303)


def _text(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) and value.strip() else None


@router.post("/evidence/{sha256}/records", response_class=HTMLResponse)
async def item_add_record(request: Request, w: WS, who: Writer, sha256: str) -> Response:
    """Add a verification record (source, geolocation, chronolocation or content)."""

    def call(form: Any) -> dict[str, Any]:
        kind = _text(form, "kind") or ""
        if kind not in RECORD_FIELDS:
            raise RejectedInputError(
                _("Choose a record kind: %(kinds)s.", kinds=", ".join(RECORD_KINDS))
            )
        supersedes = _text(form, "supersedes")
        return add_record(
            w,
            sha256,
            kind,
            _fields(form, kind),
            actor=who.username,
            supersedes=int(supersedes) if supersedes and supersedes.isdigit() else None,
        )

    found = await run_in_threadpool(find_item, w, sha256)
    return await _act(request, w, who, found.sha256, "verification-record", "record", call)


@router.post("/evidence/{sha256}/status", response_class=HTMLResponse)
async def item_set_status(request: Request, w: WS, who: Writer, sha256: str) -> Response:
    """Start verification, propose an outcome for review, or reopen."""

    def call(form: Any) -> dict[str, Any]:
        return set_item_status(
            w,
            sha256,
            _text(form, "status") or "",
            actor=who.username,
            reason=_text(form, "reason"),
        )

    found = await run_in_threadpool(find_item, w, sha256)
    return await _act(request, w, who, found.sha256, "item-status", "status", call)


@router.post("/evidence/{sha256}/review", response_class=HTMLResponse)
async def item_review(request: Request, w: WS, who: Reviewer, sha256: str) -> Response:
    """A second verifier approves the proposed outcome or rejects it (with a reason)."""

    def call(form: Any) -> dict[str, Any]:
        return review_item(
            w,
            sha256,
            _text(form, "decision") or "",
            actor=who.username,
            reason=_text(form, "reason"),
        )

    found = await run_in_threadpool(find_item, w, sha256)
    return await _act(request, w, who, found.sha256, "item-review", "review", call)


def parse_region_lines(text: str) -> list[dict[str, float]]:
    """Manual blur regions typed one per line as ``x,y,w,h`` (pixels of the picture as
    shown); blank lines are skipped. Bounds are checked by the redaction service."""
    if len(text) > MAX_REGIONS_TEXT:
        raise RejectedInputError(_("The list of regions is too long."))
    regions = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        parts = [p for p in line.replace(";", ",").replace(" ", ",").split(",") if p]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            values = []
        if len(values) != 4:
            raise RejectedInputError(
                _(
                    "Region line %(number)s (“%(line)s”) must be four numbers x,y,w,h in "
                    "pixels, such as 120,80,200,150.",
                    number=number,
                    line=line[:40],
                )
            )
        regions.append(dict(zip(("x", "y", "w", "h"), values, strict=True)))
    return regions


@router.post("/evidence/{sha256}/redactions", response_class=HTMLResponse)
async def item_redact(request: Request, w: WS, who: Writer, sha256: str) -> Response:
    """Make a draft redacted copy: faces blurred (unless unticked), regions blurred by
    hand, metadata removed. Slow (face detection): the form waits for it."""

    def call(form: Any) -> dict[str, Any]:
        made = redaction.create_redaction(
            w,
            sha256,
            parse_region_lines(_text(form, "regions") or ""),
            blur_faces=form.get("blur_faces") is not None,
            graphic=form.get("graphic") is not None,
            # the face finder's boxes the reviewer removed on the preview (the script)
            removed_faces=parse_region_lines(_text(form, "removed_faces") or ""),
            actor=who.username,
        )
        return {"sha256": made["original_sha256"], "redaction": made["id"]}

    found = await run_in_threadpool(find_item, w, sha256)
    return await _act(
        request, w, who, found.sha256, "redaction-create", "redaction", call, "redaction"
    )


@router.post("/evidence/{sha256}/redactions/{redaction_id}/approve", response_class=HTMLResponse)
async def item_redaction_approve(
    request: Request, w: WS, who: Publisher, sha256: str, redaction_id: RowId
) -> Response:
    """A publisher who did not make the draft approves it (the service refuses its maker)."""
    found = await run_in_threadpool(find_item, w, sha256)

    def call(form: Any) -> dict[str, Any]:
        if redaction.get_redaction(w, redaction_id)["original_sha256"] != found.sha256:
            raise NotFoundError(
                _(
                    "Item %(sha)s has no redaction %(id)s.",
                    sha=found.sha256[:12],
                    id=redaction_id,
                )
            )
        done = redaction.approve_redaction(
            w, redaction_id, actor=who.username, note=_text(form, "note")
        )
        return {"sha256": done["original_sha256"]}

    return await _act(
        request, w, who, found.sha256, "redaction-approve", "redaction-approved", call, "redaction"
    )

"""Server-rendered page of one incident, for the team: its content, evidence, history,
review and publication, and the forms that act on it.

Every form posts to a route here that calls one service function of
:mod:`civwatch.incidents` (or of :mod:`civwatch.publish` for publication) with the signed-in
user as the actor, then redirects back (303) with a short confirmation, or shows the page
again with the service's message and the values the user entered. The lists, map, timeline
and review queue are in :mod:`civwatch.web.incident_lists`; the incident form's parsing in
:mod:`civwatch.web.incident_forms`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError, RejectedInputError
from civwatch.evidence.search import EvidenceFilter, search_items
from civwatch.i18n import N_, _, gettext
from civwatch.incidents import internal_fields, queue, service, suggestions, workflow
from civwatch.intake.testimony import incident_testimonies
from civwatch.media.preview import previewable
from civwatch.publish import publication, redaction
from civwatch.web.auth import client_of
from civwatch.web.deps import WS, RowId
from civwatch.web.incident_changes import YOUR_PART, change_rows, reader_part
from civwatch.web.incident_context import (
    Publisher,
    Reader,
    Reviewer,
    Writer,
    incident_context,
)
from civwatch.web.incident_forms import (
    audit_write,
    changed_fields,
    doc_from_form,
    entered,
    field,
    form_of,
    revision_of,
)
from civwatch.web.pages import render
from civwatch.web.testimony_pages import purpose_label
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)

#: What a redirect after a successful form says (keys only travel in the URL: no user text).
#: How many items the evidence picker offers, and most items linked with one submission.
PICKER_SIZE = 12
MAX_PICKED = 50
DONE = {
    "created": N_("The incident was recorded."),
    "updated": N_("The changes were recorded as a new revision."),
    "proposed": N_(
        "Your change waits for a second verifier's review: until it is approved, the "
        "incident keeps the content that was approved before."
    ),
    "change-approved": N_("You approved the change: it is now the incident's content."),
    "change-waiting": N_(
        "You approved the change. The incident is public: it changes in public "
        "when a publisher publishes the change as a correction."
    ),
    "change-rejected": N_(
        "You rejected the change: the incident keeps the content that was approved before."
    ),
    "linked": N_("The evidence item was linked."),
    "linked-many": N_("The ticked evidence items were linked."),
    "unlinked": N_("The evidence item was unlinked; the link stays in the history."),
    "status": N_("The verification status changed."),
    "approved": N_("You approved the proposed outcome."),
    "rejected": N_("You rejected the proposed outcome; the incident is back under verification."),
    "published": N_("The incident is now public."),
    "unpublished": N_(
        "The incident was withdrawn from the public site; the reason is in its public history."
    ),
    "precision": N_("The public location precision changed."),
    "corrected": N_("The correction notice is on the public page."),
    "confirmed": N_("The suggestion was confirmed: the item is linked."),
    "dismissed": N_("The suggestion was dismissed: it will not be offered again."),
}
#: Why the reader may not review an incident, by their part in it (whole sentences).
OWN_PART = {
    "submitter": N_(
        "You submitted this incident for review and cannot review it: a second verifier must."
    ),
    "created": N_(
        "You recorded this incident and cannot approve or reject it: a second verifier must."
    ),
    "revision": N_(
        "You wrote a revision of this incident and cannot approve or reject it: a second "
        "verifier must."
    ),
    "records": N_(
        "You wrote verification records of evidence linked to this incident and cannot "
        "approve or reject it: a second verifier must."
    ),
    "proposer": N_(
        "You proposed the change to this incident and cannot approve or reject it: a second "
        "verifier must."
    ),
}


# --- one incident ------------------------------------------------------------------------------


def _incident_page(
    request: Request,
    ws: Workspace,
    who: Principal,
    incident_id: RowId,
    *,
    done: str = "",
    error: str | None = None,
    error_form: str = "",
    form: dict[str, Any] | None = None,
    status: int = 200,
    evidence_q: str = "",
) -> Response:
    incident = service.get_incident(ws, incident_id)
    common = incident_context(ws, who)
    submitter = next(
        (h["actor"] for h in reversed(incident["history"]) if h["act"] == "submit"), None
    )
    authors = workflow.get_incident_authors(ws, incident_id)
    change = incident["change"]
    part = None if change is None else reader_part(change, authors, who.username)
    suggested: list[dict[str, Any]] = []
    picker: dict[str, Any] = {}
    if common["can_write"]:
        suggested = queue.suggested_items(ws, incident_id)
        picker = _evidence_choices(ws, incident, evidence_q)
    if error_form == "edit" and form is not None:
        # What the editor typed, now against the current revision: sending it again after
        # reading the error is a deliberate choice to overwrite.
        edit_form = {**form, "revision": incident["revision"]}
    else:
        edit_form = form_of(incident)
    return render(
        request,
        "incident.html",
        {
            **common,
            "incident": incident,
            "publishing": _publishing(ws, incident),
            "submitter": submitter,
            "may_decide": common["can_review"]
            and incident["status"] == "in_review"
            and submitter != who.username
            and who.username not in authors,
            "own_part": gettext(OWN_PART[authors[who.username]])
            if authors.get(who.username) in OWN_PART
            else None,
            "change": change,
            "change_rows": []
            if change is None
            else change_rows(change, common["term_labels"], common["labels"], common["range_text"]),
            "may_decide_change": common["can_review"]
            and change is not None
            and change["state"] == "pending"
            and part is None,
            "change_part": None if part is None else gettext(YOUR_PART[part]),
            "suggested": suggested,
            **picker,
            "internal_access": internal_fields.internal_access(ws, incident_id, who.username),
            "testimonies": incident_testimonies(ws, who, incident_id),
            "testimony_purpose": purpose_label,
            "previewable": previewable,
            "done": gettext(DONE[done]) if done in DONE else None,
            "error": error,
            "error_form": error_form,
            "form": edit_form,
            "entered": form if form is not None and error_form != "edit" else {},
        },
        status=status,
    )


def _evidence_choices(ws: Workspace, incident: dict[str, Any], text: str) -> dict[str, Any]:
    """The evidence picker's choices: the items matching the search (the newest without
    one), leaving out those already linked."""
    linked = {e["sha256"] for e in incident["evidence"]}
    try:
        found = search_items(ws, EvidenceFilter(text=text or None), limit=PICKER_SIZE + len(linked))
    except CivwatchError as exc:
        return {"evidence_q": text, "pick": [], "pick_error": exc.message}
    pick = [i for i in found["items"] if i["sha256"] not in linked][:PICKER_SIZE]
    return {"evidence_q": text, "pick": pick, "pick_error": None}


def _publishing(ws: Workspace, incident: dict[str, Any]) -> dict[str, Any]:
    """What the Publication section shows: the public history, and for each linked photo
    or video whether the public sees it (an approved redaction) or not."""
    with ws.sessions() as session:
        hidden = set(publication.unredacted_media(session, incident["id"]))
    media = []
    for e in incident["evidence"]:
        if not e["media_type"].startswith(("image/", "video/")):
            continue
        made = redaction.list_redactions(ws, e["sha256"])
        media.append(
            {
                **e,
                "shown": e["sha256"] not in hidden,
                "approved": next((r for r in made if r["status"] == "approved"), None),
                "drafts": [r for r in made if r["status"] == "draft"],
            }
        )
    return {
        "history": publication.get_public_history(ws, incident["id"]),
        "media": media,
        "hidden": [m for m in media if not m["shown"]],
    }


@router.get("/incidents/{incident_id}/internal", response_class=HTMLResponse)
def incident_internal_page(request: Request, w: WS, who: Writer, incident_id: RowId) -> Response:
    """The witnesses and internal notes, for the people who work on the incident and its
    reviewers while it waits for review: each opening (and refusal) is audited."""
    internal = internal_fields.internal_fields(
        w, incident_id, actor=who.username, client=client_of(request)
    )
    return render(
        request,
        "incident_internal.html",
        {"incident": service.get_incident(w, incident_id), "internal": internal},
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(
    request: Request,
    w: WS,
    who: Reader,
    incident_id: RowId,
    done: Annotated[str, Query(max_length=32)] = "",
    evidence_q: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    return _incident_page(request, w, who, incident_id, done=done, evidence_q=evidence_q.strip())


async def _act(
    request: Request,
    ws: Workspace,
    who: Principal,
    incident_id: RowId,
    form_name: str,
    action: str,
    done: str | Callable[[Any], str],
    call: Any,
    *args: Any,
    **kwargs: Any,
) -> Response:
    """Run one service call for a form; redirect with ``done`` (a key of :data:`DONE`, or a
    function of the call's result giving one) or show the page with the error."""
    form = await request.form()
    try:
        result = await run_in_threadpool(call, *args, **kwargs)
    except CivwatchError as exc:
        message, code = exc.message, exc.status_code
        await run_in_threadpool(
            audit_write, request, ws, who, action, f"incident {incident_id}", message
        )
        return await run_in_threadpool(
            lambda: _incident_page(
                request,
                ws,
                who,
                incident_id,
                error=message,
                error_form=form_name,
                form=entered(form),
                status=code,
            )
        )
    await run_in_threadpool(audit_write, request, ws, who, action, f"incident {incident_id}")
    key = done(result) if callable(done) else done
    return RedirectResponse(f"/incidents/{incident_id}?done={key}", status_code=303)


@router.post("/incidents/{incident_id}/edit", response_class=HTMLResponse)
async def incident_edit(request: Request, w: WS, who: Writer, incident_id: RowId) -> Response:
    form = await request.form()

    def update() -> dict[str, Any]:
        current = service.get_incident(w, incident_id)
        changes = changed_fields(current, doc_from_form(form))
        return service.update_incident(
            w, incident_id, changes, actor=who.username, expected_revision=revision_of(form)
        )

    def done(shown: dict[str, Any]) -> str:
        return "proposed" if shown["change"] is not None else "updated"

    return await _act(request, w, who, incident_id, "edit", "incident-update", done, update)


@router.post("/incidents/{incident_id}/evidence", response_class=HTMLResponse)
async def incident_link(request: Request, w: WS, who: Writer, incident_id: RowId) -> Response:
    """Link the items ticked in the picker (and the one whose SHA-256 was typed, if any)."""
    form = await request.form()
    ticked = [v.strip().lower() for v in form.getlist("pick") if isinstance(v, str) and v.strip()]
    typed = field(form, "sha256").lower()
    chosen = list(dict.fromkeys([*ticked, *([typed] if typed else [])]))[:MAX_PICKED]

    def link_all() -> dict[str, Any]:
        if not chosen:
            raise RejectedInputError(_("Tick the items to link, or type the SHA-256 of one."))
        shown: dict[str, Any] = {}
        for sha in chosen:
            shown = service.link_evidence(
                w,
                incident_id,
                sha,
                role=field(form, "role") or "corroborating",
                note=field(form, "note"),
                actor=who.username,
            )
        return shown

    done = "linked" if len(chosen) == 1 else "linked-many"
    return await _act(request, w, who, incident_id, "link", "incident-link", done, link_all)


@router.post("/incidents/{incident_id}/evidence/unlink", response_class=HTMLResponse)
async def incident_unlink(request: Request, w: WS, who: Writer, incident_id: RowId) -> Response:
    form = await request.form()
    return await _act(
        request,
        w,
        who,
        incident_id,
        "unlink:" + field(form, "sha256"),
        "incident-unlink",
        "unlinked",
        service.unlink_evidence,
        w,
        incident_id,
        field(form, "sha256").lower(),
        reason=field(form, "reason"),
        actor=who.username,
    )


@router.post("/incidents/{incident_id}/status", response_class=HTMLResponse)
async def incident_status(request: Request, w: WS, who: Writer, incident_id: RowId) -> Response:
    form = await request.form()
    return await _act(
        request,
        w,
        who,
        incident_id,
        "status",
        "incident-status",
        "status",
        workflow.set_incident_status,
        w,
        incident_id,
        field(form, "target"),
        actor=who.username,
        reason=field(form, "reason") or None,
    )


@router.post("/incidents/{incident_id}/review", response_class=HTMLResponse)
async def incident_review(request: Request, w: WS, who: Reviewer, incident_id: RowId) -> Response:
    form = await request.form()
    decision = field(form, "decision")
    current = await run_in_threadpool(service.get_incident, w, incident_id)
    on_change = current["status"] != "in_review" and current["change"] is not None

    def done(shown: dict[str, Any]) -> str:
        if not on_change:
            return "approved" if decision == "approve" else "rejected"
        if decision != "approve":
            return "change-rejected"
        return "change-waiting" if shown["change"] is not None else "change-approved"

    return await _act(
        request,
        w,
        who,
        incident_id,
        "change-review" if on_change else "review",
        "incident-review",
        done,
        workflow.review_incident,
        w,
        incident_id,
        decision,
        actor=who.username,
        reason=field(form, "reason") or None,
    )


def _refuse(message: str) -> None:
    raise RejectedInputError(message)


@router.post("/incidents/{incident_id}/visibility", response_class=HTMLResponse)
async def incident_visibility(
    request: Request, w: WS, who: Publisher, incident_id: RowId
) -> Response:
    """Publish (``visibility=public``, optional ``reason`` as the public note) or withdraw
    (``visibility=internal``, ``reason`` required and shown in the public history)."""
    form = await request.form()
    if field(form, "visibility") == "internal":
        return await _act(
            request,
            w,
            who,
            incident_id,
            "withdraw",
            "incident-withdraw",
            "unpublished",
            publication.withdraw_incident,
            w,
            incident_id,
            reason=field(form, "reason"),
            actor=who.username,
        )
    if field(form, "visibility") != "public":
        return await _act(
            request,
            w,
            who,
            incident_id,
            "publish",
            "incident-publish",
            "published",
            _refuse,
            _("Choose to publish (visibility public) or to withdraw (visibility internal)."),
        )
    return await _act(
        request,
        w,
        who,
        incident_id,
        "publish",
        "incident-publish",
        "published",
        publication.publish_incident,
        w,
        incident_id,
        actor=who.username,
        note=field(form, "reason") or None,
    )


@router.post("/incidents/{incident_id}/location-precision", response_class=HTMLResponse)
async def incident_precision(
    request: Request, w: WS, who: Publisher, incident_id: RowId
) -> Response:
    """How precisely the public sees the place (exact, settlement, raion, oblast)."""
    form = await request.form()
    return await _act(
        request,
        w,
        who,
        incident_id,
        "precision",
        "incident-location-precision",
        "precision",
        publication.set_location_precision,
        w,
        incident_id,
        field(form, "precision"),
        actor=who.username,
        reason=field(form, "reason") or None,
    )


@router.post("/incidents/{incident_id}/corrections", response_class=HTMLResponse)
async def incident_correction(
    request: Request, w: WS, who: Publisher, incident_id: RowId
) -> Response:
    """A public correction notice on a published incident (it stays public)."""
    form = await request.form()
    return await _act(
        request,
        w,
        who,
        incident_id,
        "correction",
        "incident-correct",
        "corrected",
        publication.correct_incident,
        w,
        incident_id,
        field(form, "note"),
        actor=who.username,
    )


@router.post("/incidents/{incident_id}/suggestions", response_class=HTMLResponse)
async def incident_suggestion(request: Request, w: WS, who: Writer, incident_id: RowId) -> Response:
    form = await request.form()
    decision = field(form, "decision")
    return await _act(
        request,
        w,
        who,
        incident_id,
        "suggestion:" + field(form, "sha256"),
        "suggestion-decide",
        "confirmed" if decision == "confirmed" else "dismissed",
        suggestions.decide,
        w,
        field(form, "sha256").lower(),
        incident_id,
        decision,
        actor=who.username,
        role=field(form, "role") or "corroborating",
        reason=field(form, "reason") or None,
    )

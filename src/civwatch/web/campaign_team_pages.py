"""The team's campaign pages (signed in): the list, a new draft, a campaign with its
counts by country, its targets (imported from a CSV file: a bad file is refused with each
bad row's number on the page), editing the draft, publishing and closing (a publisher),
and the delivery PDF and its record.

Each route names one permission of the table (the permission walk reads it): drafting is
``campaigns.write``, making a campaign live or closing it ``publish``. Every form is a POST
with the session's CSRF token; a refusal shows the page again with the domain's message in
the reader's language. Nothing here shows a supporter: counts only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.campaigns import actions, delivery, service
from civwatch.campaigns.targets import MAX_BYTES
from civwatch.errors import CivwatchError, NotFoundError, RejectedInputError
from civwatch.i18n import N_, _, current_language, gettext, localise
from civwatch.web.auth import audit_action, require
from civwatch.web.campaign_view import country_name, present_campaign
from civwatch.web.deps import WS, RowId
from civwatch.web.limits import limited_upload
from civwatch.web.pages import render
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)

Writer = Annotated[Principal, Depends(require(Permission.CAMPAIGNS_WRITE))]
Publisher = Annotated[Principal, Depends(require(Permission.PUBLISH))]

#: What a page says after a form did its work (``?done=CODE``: a code, never a value).
DONE = {
    "create": N_("The draft is saved."),
    "update": N_("The draft is saved."),
    "targets": N_("The targets are imported."),
    "publish": N_("The campaign is live."),
    "close": N_("The campaign is closed."),
}


def _values_of(campaign: dict[str, Any]) -> dict[str, Any]:
    """The draft's fields as the form shows them."""
    return {
        "id": campaign.get("id"),
        "title": campaign.get("title") or "",
        "kind": campaign.get("kind") or "petition",
        "summary": campaign.get("summary") or "",
        "ask": campaign.get("ask") or "",
        "goal": campaign.get("goal") or "",
        "ends": str(campaign.get("ends") or "")[:10],
        "incidents": ", ".join(str(i) for i in campaign.get("incidents") or ()),
        "letter_subject": campaign.get("letter_subject") or "",
        "letter_template": campaign.get("letter_template") or "",
    }


def _goal(text: str) -> int | None:
    text = text.strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if not text.isdigit():
        raise RejectedInputError(_("The goal is a whole number, such as 10000."))
    return int(text)


def _ends(text: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        raise RejectedInputError(
            _("The end is a date such as %(example)s.", example="2026-12-31")
        ) from None
    return day.replace(hour=23, minute=59, tzinfo=UTC)


def _incidents(text: str) -> list[int]:
    parts = [p.strip().lstrip("#") for p in text.replace(";", ",").split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise RejectedInputError(_("Incidents are given by their numbers, separated by commas."))
    return [int(p) for p in parts]


class DraftForm:
    """The draft's form fields."""

    def __init__(
        self,
        title: Annotated[str, Form(max_length=600)] = "",
        kind: Annotated[str, Form(max_length=16)] = "petition",
        summary: Annotated[str, Form(max_length=4000)] = "",
        ask: Annotated[str, Form(max_length=20000)] = "",
        goal: Annotated[str, Form(max_length=20)] = "",
        ends: Annotated[str, Form(max_length=10)] = "",
        incidents: Annotated[str, Form(max_length=800)] = "",
        letter_subject: Annotated[str, Form(max_length=600)] = "",
        letter_template: Annotated[str, Form(max_length=20000)] = "",
    ) -> None:
        self.values: dict[str, Any] = {
            "title": title,
            "kind": kind,
            "summary": summary,
            "ask": ask,
            "goal": goal,
            "ends": ends,
            "incidents": incidents,
            "letter_subject": letter_subject,
            "letter_template": letter_template,
        }

    def changes(self) -> dict[str, Any]:
        """What the service takes (text fields, goal, end, incidents)."""
        v = self.values
        return {
            "title": v["title"].strip(),
            "summary": v["summary"].strip(),
            "ask": v["ask"].strip(),
            "letter_subject": v["letter_subject"].strip(),
            "letter_template": v["letter_template"].strip(),
            "goal": _goal(v["goal"]),
            "ends_at": _ends(v["ends"]),
            "incidents": _incidents(v["incidents"]),
        }


Draft = Annotated[DraftForm, Depends()]


@router.get("/team/campaigns", response_class=HTMLResponse)
def team_campaigns(request: Request, w: WS, who: Writer) -> Response:
    """Every campaign, drafts first by recency, with its state and count."""
    listed = service.list_campaigns(w, actor=who.username)
    return render(
        request, "campaign_team_list.html", {"campaigns": [present_campaign(c) for c in listed]}
    )


def _new_form(
    request: Request, values: dict[str, Any], error: str | None = None, status: int = 200
) -> Response:
    return render(request, "campaign_team_new.html", {"values": values, "error": error}, status)


@router.get("/team/campaigns/new", response_class=HTMLResponse)
def new_campaign_page(request: Request, w: WS, who: Writer) -> Response:
    """The form of a new draft."""
    return _new_form(request, {"kind": "petition"})


@router.post("/team/campaigns", response_class=HTMLResponse)
def create_campaign(request: Request, w: WS, who: Writer, form: Draft) -> Response:
    """Save a new draft; its page."""
    try:
        doc = service.create_campaign(
            w, actor=who.username, kind=form.values["kind"], **form.changes()
        )
    except CivwatchError as exc:
        return _new_form(request, form.values, localise(exc.message), exc.status_code)
    audit_action(request, w, who, "campaign-create", f"campaign:{doc['id']}")
    return RedirectResponse(f"/team/campaigns/{doc['id']}?done=create", status_code=303)


def _campaign_view(
    request: Request,
    w: Workspace,
    who: Principal,
    campaign_id: int,
    *,
    done: str | None = None,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    campaign = service.get_campaign(w, campaign_id, actor=who.username)
    language = current_language()
    targets = [
        {**t, "country_name": country_name(str(t["country"]), language)}
        for t in campaign.get("targets") or ()
    ]
    by_country = [
        {"name": country_name(code, language), "count": n}
        for code, n in _counts(w, campaign["id"]).items()
    ]
    return render(
        request,
        "campaign_team.html",
        {
            "c": present_campaign(campaign),
            "values": values or _values_of(campaign),
            "targets": targets,
            "by_country": by_country,
            "deliveries": [],
            "done": gettext(DONE[done]) if done in DONE else None,
            "error": error,
        },
        status,
    )


def _counts(w: Workspace, campaign_id: int) -> dict[str, int]:
    """Confirmed actions by country, the largest first (the route checked the caller's
    permission; the domain reads its rows in this session)."""
    with w.sessions() as session:
        return actions.count_by_country(session, campaign_id)


@router.get("/team/campaigns/{campaign_id}", response_class=HTMLResponse)
def team_campaign(
    request: Request, w: WS, who: Writer, campaign_id: RowId, done: str | None = None
) -> Response:
    """One campaign: publication, counts by country, delivery, targets, the draft's form."""
    return _campaign_view(request, w, who, campaign_id, done=done)


def _run_act(
    request: Request, w: Workspace, who: Principal, campaign_id: int, done: str, act: Any
) -> Response:
    try:
        act()
    except NotFoundError:
        raise
    except CivwatchError as exc:
        return _campaign_view(
            request, w, who, campaign_id, error=localise(exc.message), status=exc.status_code
        )
    audit_action(request, w, who, f"campaign-{done}", f"campaign:{campaign_id}")
    return RedirectResponse(f"/team/campaigns/{campaign_id}?done={done}", status_code=303)


@router.post("/team/campaigns/{campaign_id}", response_class=HTMLResponse)
def update_campaign(
    request: Request, w: WS, who: Writer, campaign_id: RowId, form: Draft
) -> Response:
    """Save the draft's changes."""
    try:
        service.update_campaign(w, campaign_id, actor=who.username, changes=form.changes())
    except NotFoundError:
        raise
    except CivwatchError as exc:
        return _campaign_view(
            request,
            w,
            who,
            campaign_id,
            error=localise(exc.message),
            values={**form.values, "id": campaign_id},
            status=exc.status_code,
        )
    audit_action(request, w, who, "campaign-update", f"campaign:{campaign_id}")
    return RedirectResponse(f"/team/campaigns/{campaign_id}?done=update", status_code=303)


@router.post("/team/campaigns/{campaign_id}/targets", response_class=HTMLResponse)
@limited_upload(MAX_BYTES)
def import_targets(
    request: Request,
    w: WS,
    who: Writer,
    campaign_id: RowId,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Replace the targets with a CSV file's (name, country, email); a bad file is refused
    whole, with each bad row's number on the page."""
    data = file.file.read(MAX_BYTES + 1)
    try:
        service.import_targets(w, campaign_id, data, actor=who.username)
    except NotFoundError:
        raise
    except CivwatchError as exc:
        return _campaign_view(
            request, w, who, campaign_id, error=localise(exc.message), status=exc.status_code
        )
    audit_action(request, w, who, "campaign-targets", f"campaign:{campaign_id}")
    return RedirectResponse(f"/team/campaigns/{campaign_id}?done=targets", status_code=303)


@router.post("/team/campaigns/{campaign_id}/publish", response_class=HTMLResponse)
def publish_campaign(request: Request, w: WS, who: Publisher, campaign_id: RowId) -> Response:
    """Make a draft live (a publisher)."""
    return _run_act(
        request,
        w,
        who,
        campaign_id,
        "publish",
        lambda: service.publish_campaign(w, campaign_id, actor=who.username),
    )


@router.post("/team/campaigns/{campaign_id}/close", response_class=HTMLResponse)
def close_campaign(request: Request, w: WS, who: Publisher, campaign_id: RowId) -> Response:
    """Close a live campaign (a publisher)."""
    return _run_act(
        request,
        w,
        who,
        campaign_id,
        "close",
        lambda: service.close_campaign(w, campaign_id, actor=who.username),
    )


@router.post("/team/campaigns/{campaign_id}/deliver")
def deliver_campaign(request: Request, w: WS, who: Writer, campaign_id: RowId) -> Response:
    """The delivery PDF in the reader's language (the ask, the count by country, names only
    where supporters agreed), recorded as delivered when it is made."""
    try:
        pdf, record = delivery.deliver(
            w, campaign_id, actor=who.username, language=current_language()
        )
    except NotFoundError:
        raise
    except CivwatchError as exc:
        return _campaign_view(
            request, w, who, campaign_id, error=localise(exc.message), status=exc.status_code
        )
    audit_action(request, w, who, "campaign-deliver", f"campaign:{campaign_id}")
    name = f"campaign-{campaign_id}-delivery-{record['language']}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

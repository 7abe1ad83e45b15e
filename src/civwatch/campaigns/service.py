"""What the team does with campaigns: draft one, change its text, incidents and targets,
make it live (a publisher), close it, and list or show them.

Every function opens its own session and returns plain JSON-ready dicts; the web pages,
the API and the command line call the same functions. Acts are recorded in the custody
log (``campaigns/acts.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.campaigns import acts, fields
from civwatch.campaigns.models import Campaign, CampaignAction, CampaignTarget
from civwatch.campaigns.targets import parse_targets
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import ConflictError, NotFoundError, RejectedInputError
from civwatch.i18n import N_, _, gettext
from civwatch.workspace import Workspace

KINDS = ("petition", "letter")
STATES = ("draft", "live", "closed")
#: Languages a campaign may be offered in (those the catalogues ship).
LANGUAGES = ("uk", "en")
MAX_TITLE = 300
MAX_TEXT = 20000
#: What each code is called, for people (translated where shown).
KIND_LABELS = {"petition": N_("petition"), "letter": N_("letter")}
STATE_LABELS = {"draft": N_("draft"), "live": N_("running"), "closed": N_("ended")}
#: The text fields' names in messages.
TEXT_LABELS = {
    "title": N_("The title"),
    "summary": N_("The summary"),
    "ask": N_("The ask"),
    "letter_subject": N_("The letter's subject"),
    "letter_template": N_("The letter"),
}
#: Text fields :func:`update_campaign` changes (with their limits).
TEXT_FIELDS = {
    "title": MAX_TITLE,
    "summary": MAX_TEXT,
    "ask": MAX_TEXT,
    "letter_subject": MAX_TITLE,
    "letter_template": MAX_TEXT,
}


def campaign_row(session: Session, campaign_id: int, *, for_update: bool = False) -> Campaign:
    """The campaign, or NotFoundError."""
    query = select(Campaign).where(Campaign.id == campaign_id)
    if for_update:
        query = query.with_for_update()
    campaign = session.scalars(query).first()
    if campaign is None:
        raise NotFoundError(_("No campaign %(id)s.", id=campaign_id))
    return campaign


def targets_of(session: Session, campaign_id: int) -> list[CampaignTarget]:
    """The campaign's targets, in the order of the file they came from."""
    query = (
        select(CampaignTarget)
        .where(CampaignTarget.campaign_id == campaign_id)
        .order_by(CampaignTarget.position, CampaignTarget.id)
    )
    return list(session.scalars(query))


def target_json(target: CampaignTarget) -> dict[str, Any]:
    """A target: id, name, country, e-mail (the team's view)."""
    return {"id": target.id, "name": target.name, "country": target.country, "email": target.email}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _doc(campaign: Campaign) -> dict[str, Any]:
    return {
        "title": campaign.title,
        "summary": campaign.summary,
        "ask": campaign.ask,
        "kind": campaign.kind,
        "letter_subject": campaign.letter_subject,
        "letter_template": campaign.letter_template,
        "languages": list(campaign.languages),
        "goal": campaign.goal,
    }


def campaign_json(session: Session, campaign: Campaign) -> dict[str, Any]:
    """The team's view of a campaign: everything but supporters (counts only)."""
    pending = session.scalar(
        select(func.count())
        .select_from(CampaignAction)
        .where(CampaignAction.campaign_id == campaign.id, CampaignAction.state == "pending")
    )
    return {
        "id": campaign.id,
        **_doc(campaign),
        "state": campaign.state,
        "starts": _iso(campaign.starts_at),
        "ends": _iso(campaign.ends_at),
        "incidents": list(campaign.incidents),
        "retention_days": campaign.retention_days,
        "count": campaign.confirmed,
        "pending": int(pending or 0),
        "targets": [target_json(t) for t in targets_of(session, campaign.id)],
        "created_at": _iso(campaign.created_at),
        "published_at": _iso(campaign.published_at),
        "closed_at": _iso(campaign.closed_at),
        "purged_at": _iso(campaign.purged_at),
    }


def _check_incidents(ws: Workspace, ids: Sequence[object]) -> list[int]:
    """The ids, each a verified and published incident; refused otherwise."""
    from civwatch.publish.public import public_incident

    found: list[int] = []
    for value in ids:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise RejectedInputError(_("An incident is named by its number."))
        try:
            public_incident(ws, value)
        except NotFoundError:
            raise RejectedInputError(
                _(
                    "Incident %(id)s is not verified and published: a campaign links only "
                    "published incidents.",
                    id=value,
                )
            ) from None
        if value not in found:
            found.append(value)
    return found


def _languages(values: Sequence[object]) -> list[str]:
    chosen = [v for v in LANGUAGES if v in values]
    if len(chosen) != len(set(values)) or not chosen:
        raise RejectedInputError(
            _("A campaign's languages are chosen from: %(known)s.", known=", ".join(LANGUAGES))
        )
    return chosen


def _goal(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100_000_000:
        raise RejectedInputError(_("The goal must be a whole number from 1."))
    return value


def create_campaign(
    ws: Workspace,
    *,
    actor: str | None,
    title: str,
    kind: str,
    summary: str = "",
    ask: str = "",
    letter_subject: str = "",
    letter_template: str = "",
    goal: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    languages: Sequence[str] = LANGUAGES,
    incidents: Sequence[int] = (),
    retention_days: int = 180,
) -> dict[str, Any]:
    """A new draft campaign (campaigns.write); returns :func:`campaign_json`."""
    if kind not in KINDS:
        raise RejectedInputError(_("A campaign is a petition or a letter."))
    values = {
        name: fields.text(
            value, gettext(TEXT_LABELS[name]), limit=TEXT_FIELDS[name], required=name == "title"
        )
        for name, value in (
            ("title", title),
            ("summary", summary),
            ("ask", ask),
            ("letter_subject", letter_subject),
            ("letter_template", letter_template),
        )
    }
    _check_dates(starts_at, ends_at)
    if not 1 <= retention_days <= 3650:
        raise RejectedInputError(_("The retention period is from 1 to 3650 days."))
    chosen = _languages(list(languages))
    linked = _check_incidents(ws, list(incidents))
    with ws.sessions() as session, session.begin():
        user = require(session, actor, Permission.CAMPAIGNS_WRITE)
        campaign = Campaign(
            kind=kind,
            state="draft",
            goal=_goal(goal),
            starts_at=starts_at,
            ends_at=ends_at,
            languages=chosen,
            incidents=linked,
            retention_days=retention_days,
            confirmed=0,
            created_by=user.id,
            created_at=utcnow(),
            **values,
        )
        session.add(campaign)
        session.flush()
        ws.custody.lock(session)
        entries.append(
            ws.custody,
            session,
            acts.CAMPAIGN_CREATE,
            user.username,
            utcnow(),
            campaign=campaign.id,
            kind=kind,
            doc_sha256=entries.digest(_doc(campaign)),
        )
        return campaign_json(session, campaign)


def _check_dates(starts_at: datetime | None, ends_at: datetime | None) -> None:
    for value in (starts_at, ends_at):
        if value is not None and value.tzinfo is None:
            raise RejectedInputError(_("A campaign's dates must say their time zone."))
    if starts_at and ends_at and ends_at <= starts_at:
        raise RejectedInputError(_("A campaign must end after it starts."))


def update_campaign(
    ws: Workspace, campaign_id: int, *, actor: str | None, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change a draft campaign (campaigns.write): any of the text fields, ``goal``,
    ``starts_at``, ``ends_at``, ``languages``, ``incidents``, ``retention_days``. A live
    campaign's text stays as published (its goal and end may still change)."""
    known = {
        *TEXT_FIELDS,
        "goal",
        "starts_at",
        "ends_at",
        "languages",
        "incidents",
        "retention_days",
    }
    unknown = set(changes) - known
    if unknown:
        raise RejectedInputError(_("Unknown fields: %(names)s.", names=", ".join(sorted(unknown))))
    linked = _check_incidents(ws, list(changes["incidents"])) if "incidents" in changes else None
    with ws.sessions() as session, session.begin():
        require(session, actor, Permission.CAMPAIGNS_WRITE)
        campaign = campaign_row(session, campaign_id, for_update=True)
        if campaign.state == "closed" or (
            campaign.state == "live" and set(changes) - {"goal", "ends_at"}
        ):
            raise ConflictError(_("A live campaign keeps its text; a closed one does not change."))
        for name, limit in TEXT_FIELDS.items():
            if name in changes:
                setattr(
                    campaign,
                    name,
                    fields.text(
                        changes[name],
                        gettext(TEXT_LABELS[name]),
                        limit=limit,
                        required=name == "title",
                    ),
                )
        if "goal" in changes:
            campaign.goal = _goal(changes["goal"])
        if "starts_at" in changes:
            campaign.starts_at = changes["starts_at"]
        if "ends_at" in changes:
            campaign.ends_at = changes["ends_at"]
        _check_dates(campaign.starts_at, campaign.ends_at)
        if "languages" in changes:
            campaign.languages = _languages(list(changes["languages"]))
        if linked is not None:
            campaign.incidents = linked
        if "retention_days" in changes:
            days = changes["retention_days"]
            if not isinstance(days, int) or not 1 <= days <= 3650:
                raise RejectedInputError(_("The retention period is from 1 to 3650 days."))
            campaign.retention_days = days
        session.flush()
        return campaign_json(session, campaign)


def import_targets(
    ws: Workspace, campaign_id: int, data: bytes, *, actor: str | None
) -> dict[str, Any]:
    """Replace a draft or live campaign's targets with those of a CSV file (name, country,
    email); refused, with the bad rows' numbers, unless every row is good. Returns
    ``{"campaign": id, "targets": n}``."""
    import hashlib

    rows = parse_targets(data)
    with ws.sessions() as session, session.begin():
        user = require(session, actor, Permission.CAMPAIGNS_WRITE)
        campaign = campaign_row(session, campaign_id, for_update=True)
        if campaign.state == "closed":
            raise ConflictError(_("Campaign %(id)s is closed.", id=campaign_id))
        session.execute(delete(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id))
        for position, row in enumerate(rows):
            session.add(
                CampaignTarget(
                    campaign_id=campaign.id,
                    name=row.name,
                    country=row.country,
                    email=row.email,
                    position=position,
                )
            )
        ws.custody.lock(session)
        entries.append(
            ws.custody,
            session,
            acts.CAMPAIGN_TARGETS,
            user.username,
            utcnow(),
            campaign=campaign.id,
            sha256=hashlib.sha256(data).hexdigest(),
            targets=len(rows),
        )
    return {"campaign": campaign_id, "targets": len(rows)}


def publish_campaign(ws: Workspace, campaign_id: int, *, actor: str | None) -> dict[str, Any]:
    """Make a draft campaign live (a publisher: the PUBLISH permission). A letter needs
    targets and a letter template; every linked incident must still be published."""
    with ws.sessions() as session:
        require(session, actor, Permission.PUBLISH)
        linked = list(campaign_row(session, campaign_id).incidents)
    _check_incidents(ws, linked)
    with ws.sessions() as session, session.begin():
        user = require(session, actor, Permission.PUBLISH)
        campaign = campaign_row(session, campaign_id, for_update=True)
        if campaign.state != "draft":
            raise ConflictError(_("Only a draft campaign can be made live."))
        targets = targets_of(session, campaign.id)
        if campaign.kind == "letter" and not targets:
            raise RejectedInputError(_("A letter campaign needs targets: import them first."))
        if campaign.kind == "letter" and not campaign.letter_template.strip():
            raise RejectedInputError(_("A letter campaign needs the letter's text."))
        now = utcnow()
        campaign.state = "live"
        campaign.published_at = now
        campaign.published_by = user.id
        ws.custody.lock(session)
        entries.append(
            ws.custody,
            session,
            acts.CAMPAIGN_PUBLISH,
            user.username,
            now,
            campaign=campaign.id,
            doc_sha256=entries.digest(_doc(campaign)),
            incidents=list(campaign.incidents),
            targets=len(targets),
        )
        session.flush()
        return campaign_json(session, campaign)


def close_campaign(ws: Workspace, campaign_id: int, *, actor: str | None) -> dict[str, Any]:
    """Close a live campaign (a publisher): it takes no more actions; its count stays."""
    with ws.sessions() as session, session.begin():
        user = require(session, actor, Permission.PUBLISH)
        campaign = campaign_row(session, campaign_id, for_update=True)
        if campaign.state != "live":
            raise ConflictError(_("Only a live campaign can be closed."))
        now = utcnow()
        campaign.state = "closed"
        campaign.closed_at = now
        campaign.closed_by = user.id
        ws.custody.lock(session)
        entries.append(
            ws.custody,
            session,
            acts.CAMPAIGN_CLOSE,
            user.username,
            now,
            campaign=campaign.id,
            count=campaign.confirmed,
        )
        session.flush()
        return campaign_json(session, campaign)


def list_campaigns(
    ws: Workspace, *, actor: str | None, state: str | None = None
) -> list[dict[str, Any]]:
    """The team's list (campaigns.write): id, title, kind, state, count, goal, newest first."""
    if state is not None and state not in STATES:
        raise RejectedInputError(_("A campaign is draft, live or closed."))
    with ws.sessions() as session:
        require(session, actor, Permission.CAMPAIGNS_WRITE, Permission.PUBLISH)
        query = select(Campaign).order_by(Campaign.id.desc())
        if state is not None:
            query = query.where(Campaign.state == state)
        return [
            {
                "id": c.id,
                "title": c.title,
                "kind": c.kind,
                "state": c.state,
                "count": c.confirmed,
                "goal": c.goal,
                "starts": _iso(c.starts_at),
                "ends": _iso(c.ends_at),
            }
            for c in session.scalars(query)
        ]


def get_campaign(ws: Workspace, campaign_id: int, *, actor: str | None) -> dict[str, Any]:
    """The team's view of one campaign (campaigns.write or publish): :func:`campaign_json`."""
    with ws.sessions() as session:
        require(session, actor, Permission.CAMPAIGNS_WRITE, Permission.PUBLISH)
        return campaign_json(session, campaign_row(session, campaign_id))

"""What the public sees of a campaign: its text, the linked incidents' public cards, the
confirmed count and progress, never a supporter. A draft does not exist in public."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from civwatch.campaigns.models import Campaign
from civwatch.campaigns.service import targets_of
from civwatch.errors import NotFoundError
from civwatch.i18n import _
from civwatch.workspace import Workspace

#: Fields of a campaign that leave: adding one is a publication decision.
PUBLIC_FIELDS = (
    "id",
    "title",
    "summary",
    "ask",
    "kind",
    "state",
    "count",
    "goal",
    "progress",
    "starts",
    "ends",
    "languages",
    "incidents",
    "letter",
    "targets",
    "target_countries",
)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _cards(ws: Workspace, ids: list[int]) -> list[dict[str, Any]]:
    """The public cards of the incidents still published (a withdrawn one is left out)."""
    from civwatch.publish.public import public_incident

    cards: list[dict[str, Any]] = []
    for incident_id in ids:
        try:
            cards.append(public_incident(ws, incident_id))
        except NotFoundError:
            continue
    return cards


#: At most this many live campaigns are listed (newest first).
LIVE_LIMIT = 200


def _public_doc(campaign: Campaign, targets: list[Any]) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "title": campaign.title,
        "summary": campaign.summary,
        "ask": campaign.ask,
        "kind": campaign.kind,
        "state": campaign.state,
        "count": campaign.confirmed,
        "goal": campaign.goal,
        "progress": None
        if not campaign.goal
        else min(1.0, round(campaign.confirmed / campaign.goal, 4)),
        "starts": _iso(campaign.starts_at),
        "ends": _iso(campaign.ends_at),
        "languages": list(campaign.languages),
        "letter": {"subject": campaign.letter_subject, "template": campaign.letter_template}
        if campaign.kind == "letter"
        else None,
        "targets": [{"id": t.id, "name": t.name, "country": t.country} for t in targets],
        "target_countries": sorted({t.country for t in targets}),
    }


def live_campaigns(ws: Workspace) -> list[dict[str, Any]]:
    """The live campaigns, newest first (at most ``LIVE_LIMIT``), each as
    :func:`public_view` gives it but without the incidents' cards (``"incidents"`` is the
    number of incidents linked). One query for the campaigns, one per campaign for its
    targets' names and countries."""
    with ws.sessions() as session:
        rows = session.scalars(
            select(Campaign)
            .where(Campaign.state == "live")
            .order_by(Campaign.id.desc())
            .limit(LIVE_LIMIT)
        ).all()
        found = []
        for campaign in rows:
            doc = _public_doc(campaign, list(targets_of(session, campaign.id)))
            doc["incidents"] = len(campaign.incidents or [])
            found.append({name: doc[name] for name in PUBLIC_FIELDS})
        return found


def public_view(ws: Workspace, campaign_id: int, lang: str = "en") -> dict[str, Any]:
    """A live or closed campaign as the public sees it::

        {"id", "title", "summary", "ask", "kind" (petition|letter), "state" (live|closed),
         "count" (confirmed, each e-mail once), "goal" (or None), "progress" (0..1, or None
         without a goal), "starts", "ends" (ISO or None), "languages", "incidents" (public
         cards from publish/public.py), "letter" ({"subject", "template"} or None),
         "targets" ([{"id", "name", "country"}], no e-mail), "target_countries"}

    ``lang`` is the language the page is in (the texts are the campaign's own). A draft
    (or a missing campaign) is NotFoundError."""
    del lang
    with ws.sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.state == "draft":
            raise NotFoundError(_("No campaign %(id)s.", id=campaign_id))
        view = _public_doc(campaign, list(targets_of(session, campaign.id)))
        linked = list(campaign.incidents)
    view["incidents"] = _cards(ws, linked)
    return {name: view[name] for name in PUBLIC_FIELDS}


def public_count(ws: Workspace, campaign_id: int) -> int:
    """The confirmed count of a live or closed campaign (NotFoundError for a draft)."""
    with ws.sessions() as session:
        row = session.execute(
            select(Campaign.state, Campaign.confirmed).where(Campaign.id == campaign_id)
        ).first()
    if row is None or row.state == "draft":
        raise NotFoundError(_("No campaign %(id)s.", id=campaign_id))
    return int(row.confirmed)


def live_campaigns_for_incident(ws: Workspace, incident_id: int) -> list[dict[str, Any]]:
    """The live campaigns that link a published incident: ``[{"id", "title", "kind"}]``
    (for the "act" link on the incident's public page), newest first."""
    with ws.sessions() as session:
        rows = session.scalars(
            select(Campaign).where(Campaign.state == "live").order_by(Campaign.id.desc())
        ).all()
        return [
            {"id": c.id, "title": c.title, "kind": c.kind}
            for c in rows
            if incident_id in (c.incidents or [])
        ]

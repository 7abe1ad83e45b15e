"""Supporters' data kept no longer than needed: purged (keys shredded) when the retention
period after a campaign closed (or ended) has passed, by the daily job or ``civwatch
campaign purge``; and a campaign's supporters purged at once on request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.campaigns import acts
from civwatch.campaigns.actions import shred
from civwatch.campaigns.models import Campaign, CampaignAction
from civwatch.campaigns.service import campaign_row
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.workspace import Workspace


def _purge_one(ws: Workspace, campaign_id: int, actor: str | None, reason: str) -> int:
    with ws.sessions() as session, session.begin():
        campaign = campaign_row(session, campaign_id, for_update=True)
        found = list(
            session.scalars(
                select(CampaignAction).where(
                    CampaignAction.campaign_id == campaign.id,
                    CampaignAction.wrapped_key.is_not(None),
                )
            )
        )
        shredded = shred(session, found)
        now = utcnow()
        if reason == "retention":
            campaign.purged_at = now
        ws.custody.lock(session)
        entries.append(
            ws.custody,
            session,
            acts.CAMPAIGN_PURGE,
            actor,
            now,
            campaign=campaign.id,
            actions=shredded,
            reason=reason,
        )
        return shredded


def purge_expired(ws: Workspace) -> dict[str, Any]:
    """Purge every campaign whose retention period has passed (closed, or ended, longer
    ago than its ``retention_days``), and the actions never confirmed in time:
    ``{"campaigns": [ids], "actions": n, "unconfirmed": n}``."""
    now = utcnow()
    done: list[int] = []
    total = 0
    with ws.sessions() as session:
        candidates = session.scalars(
            select(Campaign).where(Campaign.purged_at.is_(None), Campaign.state != "draft")
        ).all()
        due = [
            c.id
            for c in candidates
            if (end := c.closed_at or c.ends_at) is not None
            and end + timedelta(days=c.retention_days) <= now
        ]
    for campaign_id in due:
        total += _purge_one(ws, campaign_id, None, "retention")
        done.append(campaign_id)
    return {"campaigns": done, "actions": total, "unconfirmed": purge_unconfirmed(ws)}


def purge_unconfirmed(ws: Workspace) -> int:
    """Shred the actions never confirmed while their link was valid (they can no longer
    be): nobody confirmed them, so nothing of them is kept. Returns how many."""
    cutoff = utcnow() - timedelta(hours=ws.settings.campaign_confirm_hours)
    total = 0
    with ws.sessions() as session, session.begin():
        stale = list(
            session.scalars(
                select(CampaignAction).where(
                    CampaignAction.state == "pending",
                    CampaignAction.wrapped_key.is_not(None),
                    CampaignAction.created_at < cutoff,
                )
            )
        )
        by_campaign: dict[int, list[CampaignAction]] = {}
        for action in stale:
            by_campaign.setdefault(action.campaign_id, []).append(action)
        if by_campaign:
            ws.custody.lock(session)
        now = utcnow()
        for campaign_id, found in sorted(by_campaign.items()):
            shredded = shred(session, found)
            total += shredded
            entries.append(
                ws.custody,
                session,
                acts.CAMPAIGN_PURGE,
                None,
                now,
                campaign=campaign_id,
                actions=shredded,
                reason="unconfirmed",
            )
    return total


def purge_campaign(ws: Workspace, campaign_id: int, *, actor: str | None) -> dict[str, Any]:
    """Purge a campaign's supporters now (campaigns.write): ``{"campaign", "actions"}``.
    The count stays; no name, address or letter can be read afterwards."""
    with ws.sessions() as session:
        user = require(session, actor, Permission.CAMPAIGNS_WRITE)
        username = user.username
    return {"campaign": campaign_id, "actions": _purge_one(ws, campaign_id, username, "request")}


def forget_supporter(
    ws: Workspace, campaign_id: int, email: str, *, actor: str | None
) -> dict[str, Any]:
    """A supporter's request to be deleted, handled by the team (campaigns.write): every
    action of that e-mail in the campaign is shredded (found by its blind index, the
    address is not stored). Returns ``{"campaign", "actions"}``."""
    from civwatch.campaigns import fields, keys

    index = keys.email_index(ws.settings, fields.email(email))
    with ws.sessions() as session:
        user = require(session, actor, Permission.CAMPAIGNS_WRITE)
        username = user.username
    with ws.sessions() as session, session.begin():
        campaign = campaign_row(session, campaign_id)
        found = list(
            session.scalars(
                select(CampaignAction).where(
                    CampaignAction.campaign_id == campaign.id,
                    CampaignAction.email_index == index,
                )
            )
        )
        shredded = shred(session, found)
        ws.custody.lock(session)
        entries.append(
            ws.custody,
            session,
            acts.CAMPAIGN_PURGE,
            username,
            utcnow(),
            campaign=campaign.id,
            actions=shredded,
            reason="request",
        )
    return {"campaign": campaign_id, "actions": shredded}

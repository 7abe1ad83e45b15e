"""What supporters do: sign a petition, send a letter, confirm by the link mailed to them,
and delete what they gave.

A new action is pending: its fields are sealed with its own key, and a confirmation mail
is queued (``campaigns/outbox.py`` sends it). Following the link confirms it: it counts
once per e-mail (a second confirmed action with the same e-mail is a duplicate and does
not count), and a confirmed letter is queued for its targets. Nothing here is kept in
clear but the country and the consents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.orm import Session

from civwatch.campaigns import fields, keys
from civwatch.campaigns.models import Campaign, CampaignAction, CampaignMail
from civwatch.campaigns.service import campaign_row, targets_of
from civwatch.db import utcnow
from civwatch.errors import ConflictError, NotFoundError, RejectedInputError
from civwatch.i18n import _
from civwatch.workspace import Workspace

#: Keys a signature may hold (anything else is refused).
SIGNATURE_KEYS = frozenset(
    {"name", "email", "country", "comment", "consent_contact", "consent_named"}
)
#: Keys a letter may hold.
LETTER_KEYS = SIGNATURE_KEYS | {"subject", "letter", "to"}
#: Outcomes of :func:`confirm`.
CONFIRMED, ALREADY, DUPLICATE = "confirmed", "already-confirmed", "duplicate"


@dataclass(frozen=True)
class Submitted:
    """A new pending action: its id and the campaign's (the caller says "check your mail")."""

    action_id: int
    campaign_id: int

    def json(self) -> dict[str, Any]:
        return {"campaign": self.campaign_id, "status": "pending"}


def _live(session: Session, campaign_id: int, kind: str) -> Campaign:
    """The campaign if it takes actions of ``kind`` now (NotFoundError for a draft)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.state == "draft":
        raise NotFoundError(_("No campaign %(id)s.", id=campaign_id))
    now = utcnow()
    if (
        campaign.state != "live"
        or (campaign.ends_at is not None and campaign.ends_at <= now)
        or (campaign.starts_at is not None and campaign.starts_at > now)
    ):
        raise ConflictError(_("This campaign is not taking part now."))
    wanted = "signature" if campaign.kind == "petition" else "letter"
    if kind != wanted:
        raise RejectedInputError(
            _("This campaign takes letters.")
            if wanted == "letter"
            else _("This campaign takes signatures.")
        )
    return campaign


def _supporter(data: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    unknown = set(data) - allowed
    if unknown:
        raise RejectedInputError(_("Unknown fields: %(names)s.", names=", ".join(sorted(unknown))))
    return {
        "name": fields.text(data.get("name"), _("The name"), limit=fields.MAX_NAME),
        "email": fields.email(data.get("email")),
        "country": fields.country(data.get("country")),
        "comment": fields.text(
            data.get("comment"), _("The comment"), limit=fields.MAX_COMMENT, required=False
        ),
        "consent_contact": fields.flag(data.get("consent_contact"), _("Consent to be contacted")),
        "consent_named": fields.flag(data.get("consent_named"), _("Consent to be named")),
    }


def _store(
    ws: Workspace,
    campaign_id: int,
    kind: str,
    supporter: dict[str, Any],
    sealed_fields: dict[str, Any],
    language: str,
    target_ids: list[int] | None = None,
) -> Submitted:
    with ws.sessions() as session, session.begin():
        campaign = _live(session, campaign_id, kind)
        if target_ids is not None and kind == "letter":
            target_ids = _letter_targets(session, campaign, supporter["country"], target_ids)
        action = CampaignAction(
            campaign_id=campaign.id,
            kind=kind,
            state="pending",
            country=supporter["country"],
            consent_named=supporter["consent_named"],
            consent_contact=supporter["consent_contact"],
            language=language if language in ("uk", "en") else "en",
            email_index=keys.email_index(ws.settings, supporter["email"]),
            target_ids=target_ids or [],
            created_at=utcnow(),
        )
        session.add(action)
        session.flush()
        action.wrapped_key, action.sealed = keys.seal_action(ws.settings, action.id, sealed_fields)
        session.add(CampaignMail(action_id=action.id, kind="confirm", next_attempt_at=utcnow()))
        return Submitted(action.id, campaign.id)


def submit_signature(
    ws: Workspace, campaign_id: int, data: dict[str, Any], *, language: str = "en"
) -> Submitted:
    """Sign a live petition: ``data`` holds name, email, country (ISO alpha-2), optional
    comment, consent_contact and consent_named (false unless given). The action is pending
    and a confirmation mail queued; nothing counts until the link is followed."""
    supporter = _supporter(data, SIGNATURE_KEYS)
    sealed = {
        "name": supporter["name"],
        "email": supporter["email"],
        "comment": supporter["comment"],
    }
    return _store(ws, campaign_id, "signature", supporter, sealed, language)


def _letter_targets(
    session: Session, campaign: Campaign, country: str, wanted: list[int]
) -> list[int]:
    targets = targets_of(session, campaign.id)
    if wanted:
        known = {t.id for t in targets}
        if not set(wanted) <= known:
            raise RejectedInputError(_("The letter names a target this campaign does not have."))
        return sorted(set(wanted))
    mine = [t.id for t in targets if t.country == country]
    return mine or [t.id for t in targets]


def submit_letter(
    ws: Workspace, campaign_id: int, data: dict[str, Any], *, language: str = "en"
) -> Submitted:
    """Send a letter of a live letter campaign: the supporter's fields as for a signature,
    plus ``subject`` and ``letter`` (the template as they edited it; the campaign's when
    absent) and ``to`` (target ids; absent: the targets of their country, or all targets
    when none is of their country). Sent to the targets only once confirmed."""
    supporter = _supporter(data, LETTER_KEYS)
    to = data.get("to") or []
    if not isinstance(to, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in to
    ):
        raise RejectedInputError(_("The letter's targets are a list of target numbers."))
    with ws.sessions() as session:
        campaign = _live(session, campaign_id, "letter")
        subject_default, letter_default = campaign.letter_subject, campaign.letter_template
    subject = fields.text(
        data.get("subject") or subject_default, _("The subject"), limit=fields.MAX_NAME
    )
    letter = fields.text(
        data.get("letter") or letter_default, _("The letter"), limit=fields.MAX_LETTER
    )
    sealed = {
        "name": supporter["name"],
        "email": supporter["email"],
        "comment": supporter["comment"],
        "subject": subject,
        "letter": letter,
    }
    return _store(ws, campaign_id, "letter", supporter, sealed, language, list(to))


def confirm(ws: Workspace, token: str) -> dict[str, Any]:
    """Follow a confirmation link: ``{"campaign": id, "outcome": "confirmed" |
    "already-confirmed" | "duplicate", "count": n}``. Counted once per e-mail; a
    confirmed letter is queued for its targets. A forged or expired token is refused
    (RejectedInputError); a deleted action is NotFoundError."""
    action_id = keys.read_token(
        ws.settings, keys.CONFIRM, token, max_age_s=ws.settings.campaign_confirm_hours * 3600
    )
    with ws.sessions() as session, session.begin():
        action = session.scalars(
            select(CampaignAction).where(CampaignAction.id == action_id).with_for_update()
        ).first()
        if action is None or action.wrapped_key is None:
            raise NotFoundError(_("This action was deleted."))
        campaign = campaign_row(session, action.campaign_id)
        if action.state != "pending":
            outcome = ALREADY if action.state == "confirmed" else DUPLICATE
            return {"campaign": campaign.id, "outcome": outcome, "count": campaign.confirmed}
        if campaign.state != "live":
            raise ConflictError(_("This campaign is not taking part now."))
        now = utcnow()
        try:
            with session.begin_nested():
                action.counted_key = action.email_index
                action.state = "confirmed"
                action.confirmed_at = now
                session.flush()
        except SqlIntegrityError:
            action.counted_key = None
            action.state = "duplicate"
            action.confirmed_at = now
            session.flush()
            return {"campaign": campaign.id, "outcome": DUPLICATE, "count": campaign.confirmed}
        session.execute(
            update(Campaign)
            .where(Campaign.id == campaign.id)
            .values(confirmed=Campaign.confirmed + 1)
        )
        if action.kind == "letter":
            for target_id in action.target_ids:
                session.add(
                    CampaignMail(
                        action_id=action.id, kind="letter", target_id=target_id, next_attempt_at=now
                    )
                )
        session.flush()
        count = session.scalar(select(Campaign.confirmed).where(Campaign.id == campaign.id))
        return {"campaign": campaign.id, "outcome": CONFIRMED, "count": int(count or 0)}


def delete_by_token(ws: Workspace, token: str) -> dict[str, Any]:
    """Follow the deletion link of a confirmation mail: the action's key is destroyed and
    its sealed fields removed (a confirmed action leaves the count, which no longer names
    anyone). Returns ``{"campaign": id, "deleted": true}``."""
    action_id = keys.read_token(ws.settings, keys.DELETE, token, max_age_s=None)
    with ws.sessions() as session, session.begin():
        action = session.get(CampaignAction, action_id)
        if action is None:
            raise NotFoundError(_("This action was deleted."))
        shred(session, [action])
        return {"campaign": action.campaign_id, "deleted": True}


def shred(session: Session, found: list[CampaignAction]) -> int:
    """Destroy the actions' keys and sealed fields and their unsent mail; their country
    and state stay for the counts. Returns how many were shredded."""
    from sqlalchemy import delete

    ids = [a.id for a in found if a.wrapped_key is not None]
    for action in found:
        action.wrapped_key = None
        action.sealed = None
        action.email_index = None
        action.counted_key = None
        action.consent_named = False
        action.consent_contact = False
        if action.state == "pending":
            action.state = "deleted"
    if ids:
        session.execute(
            delete(CampaignMail).where(
                CampaignMail.action_id.in_(ids), CampaignMail.state == "queued"
            )
        )
    session.flush()
    return len(ids)


def count_by_country(session: Session, campaign_id: int) -> dict[str, int]:
    """Confirmed, counted actions by country (ISO alpha-2), the largest first."""
    from sqlalchemy import func

    rows = session.execute(
        select(CampaignAction.country, func.count())
        .where(
            CampaignAction.campaign_id == campaign_id,
            CampaignAction.state == "confirmed",
        )
        .group_by(CampaignAction.country)
    ).all()
    return dict(sorted(((c, int(n)) for c, n in rows), key=lambda cn: (-cn[1], cn[0])))


__all__ = [
    "ALREADY",
    "CONFIRMED",
    "DUPLICATE",
    "Submitted",
    "confirm",
    "count_by_country",
    "delete_by_token",
    "shred",
    "submit_letter",
    "submit_signature",
]

"""Consent of a person at risk, per purpose, revocable.

Consent is recorded as it is given or withdrawn (a withdrawal is a new row with
``given`` false; nothing is updated): for handling a case, a referral to a named partner,
a relief grant, contact through a given channel, storing sensitive categories. An act that
needs a consent calls :func:`require_consent`; without it the act is refused, unless a
protection lead recorded an override with a reason (sealed with the person's key) after
the last consent decision for that purpose.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import usernames_by_id
from civwatch.db import utcnow
from civwatch.errors import ConsentMissingError, RejectedInputError
from civwatch.i18n import N_, _
from civwatch.protection import audit
from civwatch.protection.access import authorise, require_person
from civwatch.protection.crypto_fields import person_key, seal_value
from civwatch.protection.desk import desk_key
from civwatch.protection.ids import new_id
from civwatch.protection.models import ProtectionConsent, ProtectionOverride, ProtectionPartner
from civwatch.workspace import Workspace

Purpose = Literal["case-handling", "referral", "relief-grant", "contact", "sensitive-storage"]
How = Literal["verbal", "written", "electronic"]
PURPOSES: tuple[str, ...] = get_args(Purpose)
HOWS: tuple[str, ...] = get_args(How)

#: Each purpose as it reads inside a sentence ("consent to handling a case", "given for
#: handling a case"); pages' lists and forms show the titles of vocabulary.PURPOSES.
PURPOSE_LABELS = {
    "case-handling": N_("handling a case"),
    "referral": N_("a referral to a partner"),
    "relief-grant": N_("a relief grant"),
    "contact": N_("contact through a channel"),
    "sensitive-storage": N_("storing sensitive categories"),
}


def _check(purpose: str, partner_id: str | None, channel: str | None) -> None:
    if purpose not in PURPOSES:
        raise RejectedInputError(
            _(
                "Unknown purpose %(purpose)s; consent is given for: %(purposes)s.",
                purpose=repr(purpose),
                purposes=", ".join(PURPOSES),
            )
        )
    if purpose == "referral" and not partner_id:
        raise RejectedInputError(_("Consent to a referral names the partner it is for."))
    if purpose == "contact" and not channel:
        raise RejectedInputError(_("Consent to contact names the channel it is for."))


def _last_decision(
    session: Session, person_id: str, purpose: str, partner_id: str | None, channel: str | None
) -> ProtectionConsent | None:
    query = select(ProtectionConsent).where(
        ProtectionConsent.person_id == person_id, ProtectionConsent.purpose == purpose
    )
    if partner_id is not None:
        query = query.where(ProtectionConsent.partner_id == partner_id)
    if channel is not None:
        query = query.where(ProtectionConsent.channel == channel)
    return session.scalars(query.order_by(ProtectionConsent.at.desc()).limit(1)).first()


def record_consent(
    ws: Workspace,
    principal: Principal,
    person_id: str,
    purpose: str,
    *,
    how: str,
    given: bool = True,
    partner_id: str | None = None,
    channel: str | None = None,
) -> str:
    """Record that the person gave (or, ``given`` false, withdrew) consent for
    ``purpose``, and how; returns the record's id."""
    _check(purpose, partner_id, channel)
    if how not in HOWS:
        raise RejectedInputError(_("Say how consent was given: %(hows)s.", hows=", ".join(HOWS)))
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_WRITE)
        require_person(session, principal, person_id)
        consent_id = new_id("con")
        session.add(
            ProtectionConsent(
                id=consent_id,
                person_id=person_id,
                purpose=purpose,
                partner_id=partner_id,
                channel=channel,
                given=given,
                how=how,
                at=utcnow(),
                recorded_by=principal.user_id,
            )
        )
        session.flush()
        audit.record_change(
            session,
            principal,
            "consent-give" if given else "consent-withdraw",
            person_id=person_id,
            fields=[f"consent:{purpose}"],
        )
    return consent_id


def consent_in_force(
    session: Session,
    person_id: str,
    purpose: str,
    partner_id: str | None = None,
    channel: str | None = None,
) -> bool:
    """Whether the person's last decision on ``purpose`` (for this partner or channel)
    gave consent."""
    last = _last_decision(session, person_id, purpose, partner_id, channel)
    return last is not None and last.given


def _overridden(
    session: Session, person_id: str, purpose: str, partner_id: str | None, channel: str | None
) -> bool:
    """Whether a lead overrode the consent for ``purpose`` to this very partner or
    channel (an override for another partner opens nothing here) since the last decision."""
    query = select(ProtectionOverride).where(
        ProtectionOverride.person_id == person_id, ProtectionOverride.purpose == purpose
    )
    if purpose == "referral":
        query = query.where(ProtectionOverride.partner_id == partner_id)
    if purpose == "contact":
        query = query.where(ProtectionOverride.channel == channel)
    override = session.scalars(query.order_by(ProtectionOverride.at.desc()).limit(1)).first()
    if override is None:
        return False
    last = _last_decision(session, person_id, purpose, partner_id, channel)
    return last is None or last.at <= override.at


def require_consent(
    session: Session,
    person_id: str,
    purpose: str,
    partner_id: str | None = None,
    channel: str | None = None,
) -> None:
    """Refuse (ConsentMissingError) an act for ``purpose`` unless the person's consent
    is in force, or a lead overrode it since the last decision."""
    _check(purpose, partner_id, channel)
    if consent_in_force(session, person_id, purpose, partner_id, channel):
        return
    if _overridden(session, person_id, purpose, partner_id, channel):
        return
    raise ConsentMissingError(
        _(
            "This needs the person's consent to %(purpose)s, which is not recorded (or was "
            "withdrawn). Record it, or a protection lead records an override with a reason.",
            purpose=_(PURPOSE_LABELS[purpose]),
        )
    )


def override_consent(
    ws: Workspace,
    principal: Principal,
    person_id: str,
    purpose: str,
    reason: str,
    *,
    partner_id: str | None = None,
    channel: str | None = None,
) -> str:
    """A protection lead decides to act for ``purpose`` without the person's consent,
    saying why (sealed with the person's key); recorded. As narrow as a consent: a
    referral's override names its partner, contact's its channel, and holds for them
    only. Returns the override's id."""
    _check(purpose, partner_id, channel)
    if not reason or not reason.strip():
        raise RejectedInputError(_("Say why the person's consent is overridden."))
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_LEAD)
        require_person(session, principal, person_id)
        if partner_id is not None and session.get(ProtectionPartner, partner_id) is None:
            raise RejectedInputError(
                _(
                    "No partner %(id)s on the desk: an override names a partner of the registry.",
                    id=repr(partner_id),
                )
            )
        data_key = person_key(session, desk_key(ws, session), person_id)
        override_id = new_id("ovr")
        session.add(
            ProtectionOverride(
                id=override_id,
                person_id=person_id,
                purpose=purpose,
                partner_id=partner_id if purpose == "referral" else None,
                channel=channel if purpose == "contact" else None,
                reason=seal_value(data_key, reason.strip(), record=override_id, field="reason"),
                by=principal.user_id,
                at=utcnow(),
            )
        )
        session.flush()
        audit.record_change(
            session,
            principal,
            "consent-override",
            person_id=person_id,
            fields=[f"consent:{purpose}"],
        )
    return override_id


def consents(ws: Workspace, principal: Principal, person_id: str) -> list[dict[str, Any]]:
    """The person's consent decisions, newest first (for their team and leads)."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_READ)
        require_person(session, principal, person_id)
        rows = list(
            session.scalars(
                select(ProtectionConsent)
                .where(ProtectionConsent.person_id == person_id)
                .order_by(ProtectionConsent.at.desc())
            )
        )
        names = usernames_by_id(session, {r.recorded_by for r in rows})
        audit.record_read(session, principal, person_id=person_id, case_id=None, fields=["consent"])
        return [
            {
                "id": r.id,
                "purpose": r.purpose,
                "partner_id": r.partner_id,
                "channel": r.channel,
                "given": r.given,
                "how": r.how,
                "at": r.at.isoformat(),
                "recorded_by": names.get(r.recorded_by),
            }
            for r in rows
        ]

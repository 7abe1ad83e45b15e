"""The registry of partner organisations referrals go to, each with its public age
recipient (only the partner holds the matching identity, so only it opens a packet).

Protection leads add and deactivate partners; every officer of the desk lists them. A
partner is an organisation: its name and contact are kept in plain text, and name no
person at risk.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.crypto.age_packets import check_recipient
from civwatch.db import utcnow
from civwatch.errors import RecordNotFoundError, RejectedInputError
from civwatch.i18n import _
from civwatch.protection import access, audit
from civwatch.protection.ids import new_id
from civwatch.protection.models import ProtectionPartner
from civwatch.workspace import Workspace

MAX_NAME = 255
MAX_CONTACT = 2000


def partner_missing(partner_id: str) -> RecordNotFoundError:
    """The answer for a partner that does not exist."""
    return RecordNotFoundError(_("No partner organisation %(id)s.", id=repr(partner_id)))


def partner_json(row: ProtectionPartner) -> dict[str, Any]:
    """A partner as the desk sees it."""
    return {
        "id": row.id,
        "name": row.name,
        "country": row.country,
        "age_recipient": row.age_recipient,
        "contact": row.contact,
        "active": row.active,
        "added_at": row.added_at.isoformat(),
    }


def add_partner(
    ws: Workspace,
    principal: Principal,
    name: str,
    age_recipient: str,
    *,
    country: str | None = None,
    contact: str | None = None,
) -> str:
    """Add a partner organisation (a protection lead) with its age recipient, checked
    before it is stored. Returns its id."""
    shown = name.strip()
    if not shown or len(shown) > MAX_NAME:
        raise RejectedInputError(
            _("Give the partner's name (at most %(limit)s characters).", limit=MAX_NAME)
        )
    recipient = check_recipient(age_recipient.strip())
    code = (country or "").strip().upper() or None
    if code is not None and (len(code) != 2 or not code.isalpha()):
        raise RejectedInputError(_("A country is given by its two-letter code, such as PL or DE."))
    if contact is not None and len(contact) > MAX_CONTACT:
        raise RejectedInputError(_("A contact is at most %(limit)s characters.", limit=MAX_CONTACT))
    partner_id = new_id("prt")
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_LEAD)
        session.add(
            ProtectionPartner(
                id=partner_id,
                name=shown,
                country=code,
                age_recipient=recipient,
                contact=(contact or "").strip() or None,
                active=True,
                added_at=utcnow(),
                added_by=principal.user_id,
            )
        )
        audit.record_change(session, principal, "partner-add", fields=("partner",))
    return partner_id


def list_partners(
    ws: Workspace, principal: Principal, *, active_only: bool = True
) -> list[dict[str, Any]]:
    """The partner organisations, by name (active ones only unless asked)."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_READ)
        query = select(ProtectionPartner).order_by(ProtectionPartner.name, ProtectionPartner.id)
        if active_only:
            query = query.where(ProtectionPartner.active.is_(True))
        return [partner_json(row) for row in session.scalars(query)]


def deactivate_partner(ws: Workspace, principal: Principal, partner_id: str) -> None:
    """Stop referring to a partner (a protection lead); past referrals stay."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_LEAD)
        row = session.get(ProtectionPartner, partner_id)
        if row is None:
            raise partner_missing(partner_id)
        row.active = False
        audit.record_change(session, principal, "partner-deactivate", fields=("partner",))

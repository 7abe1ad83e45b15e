"""Referrals of a case to a partner organisation.

A referral sends the partner only the fields of the person that the officer chose and the
person agreed to share, as one JSON document encrypted in the age format to the partner's
recipient (:mod:`civwatch.crypto.age_packets`): only the partner opens it, not the desk.
It needs the person's consent to referral to *that* partner (or a protection lead's
recorded override) and the officer's password given again. A referral is then sent,
accepted, declined or closed, or revoked by the desk; each change is recorded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy.orm import Session

from civwatch.accounts.credentials import confirm_password
from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.crypto import age_packets
from civwatch.db import utcnow
from civwatch.errors import ConflictError, RecordNotFoundError, RejectedInputError
from civwatch.i18n import _
from civwatch.protection import access, audit, consent
from civwatch.protection.ids import new_id
from civwatch.protection.keys import person_key_for, person_values
from civwatch.protection.models import ProtectionPartner, ProtectionReferral
from civwatch.protection.partners import partner_missing
from civwatch.protection.person_input import PERSON_FIELDS
from civwatch.protection.vocabulary import label
from civwatch.workspace import Workspace

#: The person's fields a referral may carry (the officers' notes never leave the desk).
SHAREABLE: Final = tuple(f for f in PERSON_FIELDS if f != "notes")
#: The moves of a referral's state (a revocation is :func:`revoke_referral`).
MOVES: Final[dict[str, frozenset[str]]] = {
    "sent": frozenset({"accepted", "declined", "closed"}),
    "accepted": frozenset({"closed"}),
    "declined": frozenset({"closed"}),
    "closed": frozenset(),
    "revoked": frozenset(),
}
#: The packet's layout version (a partner's tools read it).
PACKET_VERSION = 1


def referral_missing(referral_id: str) -> RecordNotFoundError:
    """The one answer for a referral that does not exist or is out of reach."""
    return RecordNotFoundError(_("No referral %(id)s.", id=repr(referral_id)))


def _refused(here: str, there: str) -> ConflictError:
    return ConflictError(
        _(
            "A referral cannot go from %(from_state)s to %(to_state)s.",
            from_state=label("referral-state", here),
            to_state=label("referral-state", there),
        )
    )


def _chosen(fields: Sequence[str]) -> list[str]:
    chosen = sorted({f.strip() for f in fields if f.strip()})
    if not chosen:
        raise RejectedInputError(_("Choose the fields the person agreed to share."))
    unknown = [f for f in chosen if f not in SHAREABLE]
    if unknown:
        raise RejectedInputError(
            _(
                "%(fields)s cannot be shared; the fields a referral may carry are: %(known)s.",
                fields=", ".join(unknown),
                known=", ".join(SHAREABLE),
            )
        )
    return chosen


def refer(
    ws: Workspace,
    principal: Principal,
    case_id: str,
    partner_id: str,
    fields: Sequence[str],
    password: str,
    *,
    client: str | None = None,
) -> str:
    """Refer a case to a partner: the person's ``fields`` (only those), age-encrypted to
    the partner. Needs the officer's password again and the person's consent to referral
    to this partner. Returns the referral's id."""
    chosen = _chosen(fields)
    confirm_password(ws, principal.username, password, action="protection-referral", client=client)
    referral_id = new_id("ref")
    now = utcnow()
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_WRITE)
        case = access.require_case(session, principal, case_id)
        partner = session.get(ProtectionPartner, partner_id)
        if partner is None or not partner.active:
            raise partner_missing(partner_id)
        consent.require_consent(session, case.person_id, "referral", partner_id=partner_id)
        key = person_key_for(ws, session, case.person_id)
        document = {
            "civwatch_referral": PACKET_VERSION,
            "referral": referral_id,
            "case": {"id": case_id, "kind": case.kind},
            "sent_at": now.isoformat(),
            "fields": chosen,
            "person": person_values(session, key, case.person_id, chosen),
        }
        plain = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
        packet = age_packets.encrypt(plain, [partner.age_recipient])
        session.add(
            ProtectionReferral(
                id=referral_id,
                case_id=case_id,
                partner_id=partner_id,
                fields=chosen,
                packet=packet,
                packet_sha256=hashlib.sha256(packet).hexdigest(),
                state="sent",
                sent_at=now,
                sent_by=principal.user_id,
            )
        )
        audit.record_change(
            session,
            principal,
            "referral-send",
            person_id=case.person_id,
            case_id=case_id,
            fields=chosen,
        )
    return referral_id


def _reach(
    session: Session, principal: Principal, referral_id: str
) -> tuple[ProtectionReferral, str]:
    referral = session.get(ProtectionReferral, referral_id)
    if referral is None:
        raise referral_missing(referral_id)
    try:
        case = access.require_case(session, principal, referral.case_id)
    except RecordNotFoundError:
        raise referral_missing(referral_id) from None
    return referral, case.person_id


def referral_packet(ws: Workspace, principal: Principal, referral_id: str) -> dict[str, Any]:
    """A referral's packet (age ciphertext only the partner opens) and its SHA-256, to
    hand to the partner; a revoked referral has none any more."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_READ)
        referral, _person = _reach(session, principal, referral_id)
        if referral.packet is None:
            raise ConflictError(
                _("Referral %(id)s was revoked: its packet is no longer given out.", id=referral_id)
            )
        return {
            "id": referral.id,
            "partner_id": referral.partner_id,
            "packet": referral.packet,
            "packet_sha256": referral.packet_sha256,
        }


def set_referral_state(
    ws: Workspace, principal: Principal, referral_id: str, state: str
) -> dict[str, str]:
    """Record what became of a referral (accepted, declined, closed)."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_WRITE)
        referral, person_id = _reach(session, principal, referral_id)
        here = referral.state
        if state not in MOVES.get(here, frozenset()):
            raise _refused(here, state)
        referral.state = state
        referral.changed_at = utcnow()
        referral.changed_by = principal.user_id
        audit.record_change(
            session,
            principal,
            "referral-" + state,
            person_id=person_id,
            case_id=referral.case_id,
            fields=("referrals",),
        )
    return {"id": referral_id, "from_state": here, "state": state}


def revoke_referral(ws: Workspace, principal: Principal, referral_id: str) -> dict[str, str]:
    """Revoke a referral not yet closed: it is recorded as revoked, and its packet is no
    longer kept or given out (only its SHA-256 stays, to recognise it)."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_WRITE)
        referral, person_id = _reach(session, principal, referral_id)
        here = referral.state
        if here in {"closed", "revoked"}:
            raise _refused(here, "revoked")
        referral.state = "revoked"
        referral.packet = None
        referral.changed_at = utcnow()
        referral.changed_by = principal.user_id
        audit.record_change(
            session,
            principal,
            "referral-revoke",
            person_id=person_id,
            case_id=referral.case_id,
            fields=("referrals",),
        )
    return {"id": referral_id, "from_state": here, "state": "revoked"}

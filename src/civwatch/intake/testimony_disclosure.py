"""Decisions to disclose a witness's identity to one named court or prosecutor.

A witness's identity never leaves in an evidence package unless a recorded decision says
it goes to *that* recipient. The decision follows the protection desk's rule for what
reaches a record beyond its team (an emergency access: one asks, another lead approves):

- it is **proposed** by someone of the testimony's team who holds a desk role
  (``protection.write``: a protection officer or lead), with a second factor (the same
  gate as reading the identity), naming the recipient and saying why; the witness must
  have consented to sharing the testimony with that very recipient;
- it is **approved** by a protection lead who is not the proposer (two persons), the
  consent still standing;
- it may be **revoked** at any time by the team or a lead; withdrawing the consent stops it
  too: both are checked again when each package is built.

Every step is a custody entry of act ``testimony-disclosure`` (the reason by its SHA-256
only) and a change in the protection audit log (ids only). A package for the recipient
then carries, for each testimony with an approved decision, the identity decrypted in a
sealed part (``data/sealed/witness-identity/...``), and the exporter's opening of it is
recorded as a read, as every read of an identity is.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import usernames_by_id
from civwatch.crypto.envelope import canonical_json
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import (
    ConflictError,
    PermissionDeniedError,
    RecordNotFoundError,
    RejectedInputError,
)
from civwatch.i18n import _
from civwatch.intake.testimony import (
    IDENTITY_FIELDS,
    _consent_for,
    _consents,
    _readable,
    _row_id,
    _short,
    _team_only,
    identity_gate,
    open_identity,
)
from civwatch.intake.testimony_acts import TESTIMONY_DISCLOSURE
from civwatch.intake.testimony_models import Testimony, TestimonyDisclosure, TestimonyWitness
from civwatch.protection import audit as desk_audit
from civwatch.protection.access import authorise
from civwatch.workspace import Workspace

#: Where a package keeps the identities it discloses: the sealed part.
SEALED_FOLDER = "data/sealed/witness-identity"
MAX_REASON = 2000
SEALED_NOTICE = (
    "SEALED - WITNESS IDENTITY. Disclosed to the recipient named here alone, by the recorded "
    "decision below, for the proceedings it names. Do not copy it into any other file, "
    "filing or publication; keep it apart from the rest of the package."
)
#: The same notice in Ukrainian, beside the English one in every sealed document (a package
#: is read by clerks of either language; a stored document is not localised per reader).
SEALED_NOTICE_UK = (
    "ЗАПЕЧАТАНО - ОСОБА СВІДКА. Розкрито лише названому тут адресатові, за записаним нижче "
    "рішенням, для провадження, яке в ньому названо. Не переносьте цих даних у жоден інший "
    "файл, процесуальний документ чи публікацію; зберігайте їх окремо від решти пакета."
)


def _reason(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RejectedInputError(_("Say why the witness's identity must go to this recipient."))
    text = value.replace("\x00", " ").strip()
    if len(text) > MAX_REASON:
        raise RejectedInputError(_("The reason is at most %(limit)s characters.", limit=MAX_REASON))
    return text


def _recipient(value: Any) -> str:
    name = _short(value, "recipient")
    if name is None:
        raise RejectedInputError(_("Name the court or prosecutor the identity would go to."))
    return name


def _share_consented(session: Session, testimony_id: int, recipient: str) -> bool:
    return _consent_for(_consents(session, testimony_id), "share", recipient)


def _no_consent() -> ConflictError:
    return ConflictError(
        _(
            "The witness has not consented to sharing this testimony with that recipient "
            "(or withdrew it): record the consent first."
        )
    )


def _append(
    ws: Workspace,
    session: Session,
    principal: Principal,
    row: TestimonyDisclosure,
    what: str,
    at: datetime,
) -> int:
    ws.custody.lock(session)
    return entries.append(
        ws.custody,
        session,
        TESTIMONY_DISCLOSURE,
        principal.username,
        at,
        testimony=row.testimony_id,
        disclosure=row.id,
        what=what,
        recipient=row.recipient,
        reason_sha256=hashlib.sha256(row.reason.encode()).hexdigest(),
    )


def _desk_change(session: Session, principal: Principal, testimony: Testimony, what: str) -> None:
    witness = session.get(TestimonyWitness, testimony.witness_id)
    assert witness is not None
    kept = [f for f in IDENTITY_FIELDS if getattr(witness, f) is not None]
    desk_audit.record_witness_change(session, principal, what, witness.id, kept)


def propose_disclosure(
    ws: Workspace, principal: Principal, testimony_id: int, recipient: str, reason: str
) -> int:
    """Propose that the witness's identity goes to ``recipient`` (a court or prosecutor the
    witness consented to share the testimony with); a protection lead other than the
    proposer must approve it. Returns the decision's id."""
    name, why = _recipient(recipient), _reason(reason)
    with ws.sessions() as session, session.begin():
        # A desk role (every holder of protection.write also holds testimony.write); the
        # testimony's team is checked next, by the identity's gate.
        authorise(session, principal, Permission.PROTECTION_WRITE)
        testimony = _readable(session, principal, testimony_id)
        identity_gate(session, principal, testimony)
        witness = session.get(TestimonyWitness, testimony.witness_id)
        assert witness is not None
        if witness.deleted_at is not None or not any(
            getattr(witness, f) is not None for f in IDENTITY_FIELDS
        ):
            raise ConflictError(_("No identity is kept for this witness: there is none to give."))
        if not _share_consented(session, testimony.id, name):
            raise _no_consent()
        row = TestimonyDisclosure(
            testimony_id=testimony.id,
            recipient=name,
            reason=why,
            decided_by=principal.user_id,
            decided_at=utcnow(),
            custody_leaf=0,
        )
        session.add(row)
        session.flush()
        row.custody_leaf = _append(ws, session, principal, row, "propose", row.decided_at)
        _desk_change(session, principal, testimony, "witness-disclose-propose")
        return row.id


def _decision(session: Session, testimony: Testimony, disclosure_id: int) -> TestimonyDisclosure:
    row = session.get(TestimonyDisclosure, disclosure_id) if _row_id(disclosure_id) else None
    if row is None or row.testimony_id != testimony.id:
        raise RecordNotFoundError(_("No decision %(id)s on this testimony.", id=disclosure_id))
    return row


def approve_disclosure(
    ws: Workspace, principal: Principal, testimony_id: int, disclosure_id: int
) -> None:
    """A protection lead, not the one who proposed it, approves the decision (the consent
    must still stand)."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_LEAD)
        testimony = _readable(session, principal, testimony_id)
        identity_gate(session, principal, testimony)
        row = _decision(session, testimony, disclosure_id)
        if row.decided_by == principal.user_id:
            raise PermissionDeniedError(
                _("Another protection lead must approve a disclosure you proposed.")
            )
        if row.approved_at is not None or row.revoked_at is not None:
            raise ConflictError(_("This decision has been approved or revoked already."))
        if not _share_consented(session, testimony.id, row.recipient):
            raise _no_consent()
        row.approved_by = principal.user_id
        row.approved_at = utcnow()
        row.approve_leaf = _append(ws, session, principal, row, "approve", row.approved_at)
        _desk_change(session, principal, testimony, "witness-disclose-approve")


def revoke_disclosure(
    ws: Workspace, principal: Principal, testimony_id: int, disclosure_id: int
) -> None:
    """End the decision: no later package carries the identity (the team or a lead)."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.TESTIMONY_WRITE)
        testimony = _readable(session, principal, testimony_id)
        _team_only(session, principal, testimony)
        row = _decision(session, testimony, disclosure_id)
        if row.revoked_at is not None:
            raise ConflictError(_("This decision was revoked already."))
        row.revoked_by = principal.user_id
        row.revoked_at = utcnow()
        row.revoke_leaf = _append(ws, session, principal, row, "revoke", row.revoked_at)
        _desk_change(session, principal, testimony, "witness-disclose-revoke")


def disclosures_of(session: Session, testimony_id: int) -> list[dict[str, Any]]:
    """The decisions of a testimony as its team's page shows them."""
    rows = list(
        session.scalars(
            select(TestimonyDisclosure)
            .where(TestimonyDisclosure.testimony_id == testimony_id)
            .order_by(TestimonyDisclosure.id)
        )
    )
    ids = {u for r in rows for u in (r.decided_by, r.approved_by, r.revoked_by) if u}
    names = usernames_by_id(session, ids)
    consents = _consents(session, testimony_id)
    return [
        {
            "id": r.id,
            "recipient": r.recipient,
            "reason": r.reason,
            "decided_by": names.get(r.decided_by),
            "decided_at": r.decided_at.isoformat(),
            "approved_by": names.get(r.approved_by) if r.approved_by else None,
            "approved_at": r.approved_at.isoformat() if r.approved_at else None,
            "revoked_by": names.get(r.revoked_by) if r.revoked_by else None,
            "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
            "in_force": r.approved_at is not None
            and r.revoked_at is None
            and _consent_for(consents, "share", r.recipient),
        }
        for r in rows
    ]


def decisions(ws: Workspace, principal: Principal, testimony_id: int) -> list[dict[str, Any]]:
    """The disclosure decisions of a testimony (its team only)."""
    with ws.sessions() as session:
        authorise(session, principal, Permission.TESTIMONY_READ)
        testimony = _readable(session, principal, testimony_id)
        _team_only(session, principal, testimony)
        return disclosures_of(session, testimony.id)


def _in_force(session: Session, testimony_id: int, recipient: str) -> TestimonyDisclosure | None:
    wanted = recipient.casefold()
    for row in session.scalars(
        select(TestimonyDisclosure)
        .where(
            TestimonyDisclosure.testimony_id == testimony_id,
            TestimonyDisclosure.approved_at.is_not(None),
            TestimonyDisclosure.revoked_at.is_(None),
        )
        .order_by(TestimonyDisclosure.id.desc())
    ):
        if row.recipient.casefold() == wanted:
            return row
    return None


def sealed_identities(
    ws: Workspace, principal: Principal, testimony_ids: list[int], recipient: str | None
) -> dict[str, bytes]:
    """The sealed part of a package for ``recipient``: for each of ``testimony_ids`` (those
    the package carries) with an approved, unrevoked decision naming that recipient and the
    witness's share consent to it still standing, the identity opened through
    :func:`~.testimony.open_identity` (the exporter's gate, the read recorded). A package
    that must carry an identity and cannot open it is refused, never built without it."""
    if not recipient or not testimony_ids:
        return {}
    docs: dict[str, bytes] = {}
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.TESTIMONY_READ)
        names: dict[int, str] = {}
        for testimony_id in sorted(set(testimony_ids)):
            testimony = session.get(Testimony, testimony_id)
            if testimony is None:
                continue
            row = _in_force(session, testimony_id, recipient)
            if row is None or not _share_consented(session, testimony_id, recipient):
                continue
            try:
                identity = open_identity(ws, session, principal, testimony)
            except (RecordNotFoundError, PermissionDeniedError) as err:
                raise PermissionDeniedError(
                    _(
                        "A package for %(recipient)s must carry the identity of the witness of "
                        "testimony %(id)s (a disclosure was decided): only the testimony's team, "
                        "signed in with a second factor, can build it.",
                        recipient=row.recipient,
                        id=testimony.id,
                    )
                ) from err
            if identity.get("shredded") or len(identity) <= 2:
                continue
            names.update(usernames_by_id(session, {row.decided_by, row.approved_by or 0}))
            doc = {
                "SEALED": SEALED_NOTICE,
                "ЗАПЕЧАТАНО": SEALED_NOTICE_UK,
                "recipient": row.recipient,
                "testimony": testimony.id,
                "witness": identity["witness"],
                "decision": {
                    "id": row.id,
                    "decided_by": names.get(row.decided_by),
                    "decided_at": row.decided_at.isoformat(),
                    "approved_by": names.get(row.approved_by or 0),
                    "approved_at": row.approved_at.isoformat() if row.approved_at else None,
                    "reason": row.reason,
                    "custody_leaves": [row.custody_leaf, row.approve_leaf],
                },
                "identity": {k: v for k, v in identity.items() if k not in ("witness", "shredded")},
                # A random value: the SHA-256 the custody log lists cannot be guessed
                # back from a name and a phone number.
                "nonce": secrets.token_hex(16),
            }
            path = f"{SEALED_FOLDER}/{identity['witness']}-{testimony.id}.json"
            docs[path] = canonical_json(doc)
    return docs

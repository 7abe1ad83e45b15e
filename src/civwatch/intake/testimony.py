"""Field testimony: what a person saw or lived, taken down without ever exposing them.

A testimony holds the statement, when and where it was taken, by whom, in which language,
the incidents it concerns and its attachments (evidence items). The witness appears
everywhere under a random pseudonymous code (``W-7K3Q9P``); their identity (name,
contacts, date of birth, where they live) is sealed field by field with a data key of
their own, which the protection desk holds wrapped by its key
(:mod:`civwatch.protection.held_keys`: re-wrapped when the desk's key is rotated,
destroyed to crypto-shred the witness).

Who may read what:

- the permission table first (``testimony.read`` / ``testimony.write``);
- a testimony with a risk flag (occupied territory, a minor, fear of reprisal) is read only
  by its team: its interviewer, the members they added, and protection leads; anyone else
  is told "not found", exactly as for an id that does not exist;
- the witness's identity is read only by the team, with the desk unlocked, and every read
  is recorded in the protection audit log (ids and field names only).

Consent is given per purpose (:data:`~.testimony_acts.PURPOSES`), on a date, and may be
withdrawn; each grant and withdrawal is a custody entry. What leaves in an evidence
package is decided by :func:`package_documents`: only with a ``share`` consent naming the
package's recipient, never the identity.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import active_user_id, has_second_factor, usernames_by_id
from civwatch.crypto.envelope import canonical_json, seal_json, unseal_json
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import (
    ConflictError,
    PermissionDeniedError,
    RecordNotFoundError,
    RejectedInputError,
)
from civwatch.evidence.service import item_by_sha256
from civwatch.i18n import _
from civwatch.incidents.view import incident_row
from civwatch.intake.testimony_acts import (
    FLAGS,
    PURPOSES,
    TESTIMONY_CONSENT,
    TESTIMONY_FLAGS,
    TESTIMONY_RECORD,
    WITNESS_SHRED,
)
from civwatch.intake.testimony_models import (
    Testimony,
    TestimonyAttachment,
    TestimonyConsent,
    TestimonyIncident,
    TestimonyMember,
    TestimonyWitness,
)
from civwatch.protection import audit as desk_audit
from civwatch.protection.access import authorise, is_lead
from civwatch.protection.held_keys import held_key, new_held_key, shred_held_key
from civwatch.workspace import Workspace

#: The witness's identity: each a column sealed with their data key.
IDENTITY_FIELDS = ("name", "contacts", "birth_date", "residence")
MAX_STATEMENT = 100_000
MAX_SHORT = 300
MAX_CONTACTS = 5
MAX_LINKS = 50
#: Letters of a witness's code: no I, L, O, U (read aloud or copied by hand without doubt).
CODE_LETTERS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class WitnessInput:
    """Who gave the testimony: every field optional (a witness may stay unnamed)."""

    name: str | None = None
    contacts: list[str] = field(default_factory=list)
    birth_date: str | None = None
    residence: str | None = None

    def values(self) -> dict[str, Any]:
        """The identity fields given, cleaned and checked."""
        found: dict[str, Any] = {}
        for name in ("name", "birth_date", "residence"):
            value = _short(getattr(self, name), name)
            if value is not None:
                found[name] = value
        if isinstance(self.contacts, str) or not isinstance(self.contacts, list):
            raise RejectedInputError(_("The witness's contacts are a list."))
        contacts = [c for c in (_short(c, "contacts") for c in self.contacts) if c is not None]
        if len(contacts) > MAX_CONTACTS:
            raise RejectedInputError(
                _("A witness has at most %(limit)s contacts.", limit=MAX_CONTACTS)
            )
        if contacts:
            found["contacts"] = contacts
        if "birth_date" in found and not re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", found["birth_date"]):
            raise RejectedInputError(
                _("The date of birth is a year (1984) or a date (1984-03-09).")
            )
        return found


@dataclass
class TestimonyInput:
    """A testimony as the interviewer takes it down."""

    statement: str
    taken_at: datetime
    language: str
    witness: WitnessInput = field(default_factory=WitnessInput)
    taken_place: str | None = None
    incidents: list[int] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def _short(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RejectedInputError(_("The field %(field)s is text.", field=what))
    cleaned = " ".join(value.replace("\x00", " ").split())
    if len(cleaned) > MAX_SHORT:
        raise RejectedInputError(
            _("The field %(field)s is at most %(limit)s characters.", field=what, limit=MAX_SHORT)
        )
    return cleaned or None


def check_flags(flags: list[str]) -> list[str]:
    """The risk flags given, each known, in the order of :data:`FLAGS`."""
    if isinstance(flags, str) or not all(isinstance(f, str) for f in flags):
        raise RejectedInputError(_("Risk flags are a list of codes."))
    unknown = sorted(set(flags) - set(FLAGS))
    if unknown:
        raise RejectedInputError(
            _(
                "Unknown risk flag: %(flags)s (known: %(known)s).",
                flags=", ".join(unknown)[:80],
                known=", ".join(FLAGS),
            )
        )
    return [f for f in FLAGS if f in flags]


def _statement(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise RejectedInputError(_("Write down the statement: it is empty."))
    if "\x00" in text:
        raise RejectedInputError(_("The statement holds a NUL character, which cannot be kept."))
    if len(text) > MAX_STATEMENT:
        raise RejectedInputError(
            _("The statement is at most %(limit)s characters.", limit=MAX_STATEMENT)
        )
    return text.strip()


def _taken_at(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise RejectedInputError(_("Say when the testimony was taken (date and time)."))
    when = value if value.tzinfo else value.replace(tzinfo=UTC)
    if when > utcnow() + timedelta(days=1):
        raise RejectedInputError(_("The testimony cannot have been taken in the future."))
    try:
        return when.astimezone(UTC)
    except OverflowError as err:  # the year 1 east of Greenwich
        raise RejectedInputError(_("Say when the testimony was taken (date and time).")) from err


def new_code(session: Session) -> str:
    """A pseudonymous code not yet used: ``W-`` and six random letters and digits."""
    while True:
        code = "W-" + "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
        if session.scalar(select(TestimonyWitness.id).where(TestimonyWitness.code == code)) is None:
            return code


def _missing(testimony_id: int) -> RecordNotFoundError:
    return RecordNotFoundError(_("No testimony %(id)s.", id=testimony_id))


def _on_team(session: Session, principal: Principal, testimony: Testimony) -> bool:
    if testimony.interviewer_id == principal.user_id or is_lead(session, principal):
        return True
    member = session.get(TestimonyMember, (testimony.id, principal.user_id))
    return member is not None


def _readable(session: Session, principal: Principal, testimony_id: int) -> Testimony:
    """The testimony if ``principal`` may read it: any reader when it has no risk flag,
    its team when it has one; otherwise "not found"."""
    testimony = session.get(Testimony, testimony_id) if _row_id(testimony_id) else None
    if testimony is None:
        raise _missing(testimony_id)
    if testimony.flags and not _on_team(session, principal, testimony):
        raise _missing(testimony_id)
    return testimony


def _row_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value < 2**31


def _team_only(session: Session, principal: Principal, testimony: Testimony) -> None:
    if not _on_team(session, principal, testimony):
        raise _missing(testimony.id)


def record_testimony(ws: Workspace, principal: Principal, data: TestimonyInput) -> dict[str, Any]:
    """Take down a testimony: the witness gets a new code and their identity is sealed
    under a data key the desk holds (the desk must be unlocked when an identity is given).
    Returns ``{"id", "witness"}`` (the code)."""
    statement = _statement(data.statement)
    taken_at = _taken_at(data.taken_at)
    language = data.language if isinstance(data.language, str) else ""
    if not _LANGUAGE.fullmatch(language):
        raise RejectedInputError(_("The language is a code of 2 or 3 letters (uk, en, crh)."))
    place = _short(data.taken_place, "taken_place")
    flags = check_flags(data.flags)
    identity = data.witness.values()
    incidents = sorted(set(data.incidents))
    attachments = sorted({a.lower() for a in data.attachments if isinstance(a, str)})
    if len(incidents) > MAX_LINKS or len(attachments) > MAX_LINKS:
        raise RejectedInputError(
            _("A testimony names at most %(limit)s incidents and files.", limit=MAX_LINKS)
        )
    if len(attachments) != len(data.attachments) or not all(
        _SHA256.fullmatch(a) for a in attachments
    ):
        raise RejectedInputError(_("Attachments are named by their full SHA-256."))
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.TESTIMONY_WRITE)
        for incident_id in incidents:
            incident_row(session, incident_id)
        for sha in attachments:
            item_by_sha256(session, sha)
        witness_id = f"{desk_audit.WITNESS_PREFIX}{secrets.token_urlsafe(16)}"
        witness = TestimonyWitness(
            id=witness_id, code=new_code(session), created_by=principal.user_id
        )
        if identity:
            key = new_held_key(ws, session, witness_id)
            for name, value in identity.items():
                setattr(witness, name, seal_json(key, value, record=witness_id, field=name))
        session.add(witness)
        session.flush()
        ws.custody.lock(session)
        testimony = Testimony(
            witness_id=witness_id,
            statement=statement,
            language=language,
            taken_at=taken_at,
            taken_place=place,
            interviewer_id=principal.user_id,
            flags=flags,
            custody_leaf=0,
        )
        session.add(testimony)
        session.flush()
        session.add_all(
            TestimonyIncident(testimony_id=testimony.id, incident_id=i) for i in incidents
        )
        session.add_all(
            TestimonyAttachment(testimony_id=testimony.id, sha256=s) for s in attachments
        )
        testimony.custody_leaf = entries.append(
            ws.custody,
            session,
            TESTIMONY_RECORD,
            principal.username,
            testimony.created_at or utcnow(),
            testimony=testimony.id,
            witness=witness.code,
            statement_sha256=statement_sha256(statement),
            taken_at=taken_at.isoformat(),
            language=language,
            incidents=incidents,
            attachments=attachments,
            flags=flags,
        )
        if identity:
            desk_audit.record_witness_change(
                session, principal, "witness-add", witness_id, sorted(identity)
            )
        return {"id": testimony.id, "witness": witness.code}


def statement_sha256(statement: str) -> str:
    """The SHA-256 of the statement's UTF-8: what its custody entry records."""
    return hashlib.sha256(statement.encode()).hexdigest()


def _consents(session: Session, testimony_id: int) -> list[TestimonyConsent]:
    return list(
        session.scalars(
            select(TestimonyConsent)
            .where(TestimonyConsent.testimony_id == testimony_id)
            .order_by(TestimonyConsent.id)
        )
    )


def _view(session: Session, testimony: Testimony, *, team: bool) -> dict[str, Any]:
    witness = session.get(TestimonyWitness, testimony.witness_id)
    assert witness is not None
    consents = _consents(session, testimony.id)
    members = list(
        session.scalars(
            select(TestimonyMember.user_id).where(TestimonyMember.testimony_id == testimony.id)
        )
    )
    ids = {testimony.interviewer_id, *members, *(c.recorded_by for c in consents)}
    names = usernames_by_id(session, ids)
    return {
        "id": testimony.id,
        "witness": witness.code,
        "statement": testimony.statement,
        "language": testimony.language,
        "taken_at": testimony.taken_at.isoformat(),
        "taken_place": testimony.taken_place,
        "interviewer": names.get(testimony.interviewer_id),
        "flags": list(testimony.flags or []),
        "incidents": sorted(
            session.scalars(
                select(TestimonyIncident.incident_id).where(
                    TestimonyIncident.testimony_id == testimony.id
                )
            )
        ),
        "attachments": sorted(
            session.scalars(
                select(TestimonyAttachment.sha256).where(
                    TestimonyAttachment.testimony_id == testimony.id
                )
            )
        ),
        "consents": [
            {
                "id": c.id,
                "purpose": c.purpose,
                "recipient": c.recipient,
                "given_on": c.given_on.isoformat(),
                "recorded_by": names.get(c.recorded_by),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in consents
        ],
        "team": sorted(names[m] for m in members if m in names),
        "on_team": team,
        "identity_kept": witness.name is not None
        or witness.contacts is not None
        or witness.birth_date is not None
        or witness.residence is not None,
        "identity_shredded": witness.deleted_at is not None,
        "custody_leaf": testimony.custody_leaf,
    }


def testimony_view(ws: Workspace, principal: Principal, testimony_id: int) -> dict[str, Any]:
    """A testimony as its readers see it: the witness by code only."""
    with ws.sessions() as session:
        authorise(session, principal, Permission.TESTIMONY_READ)
        testimony = _readable(session, principal, testimony_id)
        return _view(session, testimony, team=_on_team(session, principal, testimony))


def testimonies(
    ws: Workspace, principal: Principal, *, incident_id: int | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """The testimonies the caller may read (of one incident, when given), newest first."""
    with ws.sessions() as session:
        authorise(session, principal, Permission.TESTIMONY_READ)
        query = select(Testimony).order_by(Testimony.taken_at.desc(), Testimony.id.desc())
        if incident_id is not None:
            incident_row(session, incident_id)
            query = query.join(
                TestimonyIncident, TestimonyIncident.testimony_id == Testimony.id
            ).where(TestimonyIncident.incident_id == incident_id)
        found = []
        for testimony in session.scalars(query):
            team = _on_team(session, principal, testimony)
            if testimony.flags and not team:
                continue
            found.append(_view(session, testimony, team=team))
            if len(found) >= limit:
                break
        return found


def incident_testimonies(
    ws: Workspace, principal: Principal, incident_id: int
) -> list[dict[str, Any]] | None:
    """The testimonies describing an incident as its internal page lists them (the witness's
    code, the day taken, the language, the consents in force), those the caller may read:
    a flagged one (a minor, occupied territory, fear of reprisal) for its team alone. None
    for a caller whose roles may not read testimony (the page shows no list at all)."""
    if not allows(principal.roles, Permission.TESTIMONY_READ):
        return None
    return [
        {
            "id": v["id"],
            "witness": v["witness"],
            "taken_on": v["taken_at"][:10],
            "language": v["language"],
            "flags": v["flags"],
            "consents": [
                {"purpose": c["purpose"], "recipient": c["recipient"]}
                for c in v["consents"]
                if c["withdrawn_at"] is None
            ],
        }
        for v in testimonies(ws, principal, incident_id=incident_id)
    ]


def identity_gate(session: Session, principal: Principal, testimony: Testimony) -> None:
    """The gate every opening of a witness's identity passes, the protection desk's own for
    a person's record: the testimony's team (need to know; else "not found") and a second
    factor (the reader signs in with one, as the desk's roles must). The web adds the
    desk's idle lock (``web/protection_idle.desk_gate``); the desk must be unlocked to
    unwrap the key, and the caller records the read."""
    _team_only(session, principal, testimony)
    if not has_second_factor(session, principal.user_id):
        raise PermissionDeniedError(
            _(
                "Reading a witness's identity needs a second factor, as the protection desk "
                "does: set one up on your account page and sign in with it."
            )
        )


def open_identity(
    ws: Workspace, session: Session, principal: Principal, testimony: Testimony
) -> dict[str, Any]:
    """The witness's identity (after :func:`identity_gate`), the read recorded in the
    protection audit log in the caller's transaction: ``{"witness", "shredded", ...}``."""
    identity_gate(session, principal, testimony)
    witness = session.get(TestimonyWitness, testimony.witness_id)
    assert witness is not None
    sealed = {f: getattr(witness, f) for f in IDENTITY_FIELDS if getattr(witness, f)}
    if witness.deleted_at is not None or not sealed:
        return {"witness": witness.code, "shredded": witness.deleted_at is not None}
    key = held_key(ws, session, witness.id)
    opened = {f: unseal_json(key, value, record=witness.id, field=f) for f, value in sealed.items()}
    desk_audit.record_witness_read(session, principal, witness.id, sorted(opened))
    return {"witness": witness.code, "shredded": False, **opened}


def witness_identity(ws: Workspace, principal: Principal, testimony_id: int) -> dict[str, Any]:
    """The witness's identity, opened for the testimony's team only, with a second factor
    and the desk unlocked; the read is recorded in the protection audit log in the same
    transaction."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.TESTIMONY_READ)
        testimony = _readable(session, principal, testimony_id)
        return open_identity(ws, session, principal, testimony)


def identity_history(
    ws: Workspace, principal: Principal, testimony_id: int
) -> list[dict[str, Any]]:
    """Who read or changed the witness's identity (the team only)."""
    with ws.sessions() as session:
        authorise(session, principal, Permission.TESTIMONY_READ)
        testimony = _readable(session, principal, testimony_id)
        _team_only(session, principal, testimony)
        return desk_audit.history(session, person_id=testimony.witness_id)


def _recipient(purpose: str, recipient: str | None) -> str | None:
    name = _short(recipient, "recipient")
    if purpose == "share" and name is None:
        raise RejectedInputError(
            _("Sharing is consented to with a named recipient (a court, a prosecutor).")
        )
    return name if purpose == "share" else None


def give_consent(
    ws: Workspace,
    principal: Principal,
    testimony_id: int,
    purpose: str,
    *,
    given_on: date,
    recipient: str | None = None,
) -> int:
    """Record the witness's consent for ``purpose`` (given on ``given_on``); its id."""
    if purpose not in PURPOSES:
        raise RejectedInputError(
            _("Consent is for one of: %(purposes)s.", purposes=", ".join(PURPOSES))
        )
    if not isinstance(given_on, date) or given_on > (utcnow() + timedelta(days=1)).date():
        raise RejectedInputError(_("Say on which day the consent was given (not in the future)."))
    name = _recipient(purpose, recipient)
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.TESTIMONY_WRITE)
        testimony = _readable(session, principal, testimony_id)
        _team_only(session, principal, testimony)
        ws.custody.lock(session)
        consent = TestimonyConsent(
            testimony_id=testimony.id,
            purpose=purpose,
            recipient=name,
            given_on=given_on,
            recorded_by=principal.user_id,
            recorded_at=utcnow(),
            custody_leaf=0,
        )
        session.add(consent)
        session.flush()
        consent.custody_leaf = entries.append(
            ws.custody,
            session,
            TESTIMONY_CONSENT,
            principal.username,
            consent.recorded_at,
            testimony=testimony.id,
            consent=consent.id,
            what="give",
            purpose=purpose,
            recipient=name,
            given_on=given_on.isoformat(),
        )
        return consent.id


def withdraw_consent(
    ws: Workspace, principal: Principal, testimony_id: int, consent_id: int
) -> None:
    """The witness withdraws a consent: from now on it allows nothing."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.TESTIMONY_WRITE)
        testimony = _readable(session, principal, testimony_id)
        _team_only(session, principal, testimony)
        consent = session.get(TestimonyConsent, consent_id) if _row_id(consent_id) else None
        if consent is None or consent.testimony_id != testimony.id:
            raise RecordNotFoundError(_("No consent %(id)s on this testimony.", id=consent_id))
        if consent.withdrawn_at is not None:
            raise ConflictError(_("This consent was withdrawn already."))
        ws.custody.lock(session)
        consent.withdrawn_at = utcnow()
        consent.withdrawn_by = principal.user_id
        consent.withdraw_leaf = entries.append(
            ws.custody,
            session,
            TESTIMONY_CONSENT,
            principal.username,
            consent.withdrawn_at,
            testimony=testimony.id,
            consent=consent.id,
            what="withdraw",
            purpose=consent.purpose,
            recipient=consent.recipient,
            given_on=consent.given_on.isoformat(),
        )


def set_flags(ws: Workspace, principal: Principal, testimony_id: int, flags: list[str]) -> None:
    """Replace the testimony's risk flags (its team)."""
    chosen = check_flags(flags)
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.TESTIMONY_WRITE)
        testimony = _readable(session, principal, testimony_id)
        _team_only(session, principal, testimony)
        ws.custody.lock(session)
        testimony.flags = chosen
        entries.append(
            ws.custody,
            session,
            TESTIMONY_FLAGS,
            principal.username,
            utcnow(),
            testimony=testimony.id,
            flags=chosen,
        )


def add_member(ws: Workspace, principal: Principal, testimony_id: int, username: str) -> None:
    """Put ``username`` on the testimony's team (its interviewer or a protection lead)."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.TESTIMONY_WRITE)
        testimony = _readable(session, principal, testimony_id)
        if testimony.interviewer_id != principal.user_id and not is_lead(session, principal):
            raise _missing(testimony_id)
        user_id = active_user_id(session, username)
        if session.get(TestimonyMember, (testimony.id, user_id)) is None:
            session.add(
                TestimonyMember(
                    testimony_id=testimony.id, user_id=user_id, added_by=principal.user_id
                )
            )


def shred_witness(ws: Workspace, principal: Principal, testimony_id: int) -> None:
    """Destroy the witness's identity (crypto-shredding): their data key is destroyed and
    the sealed values overwritten; the testimony keeps the witness's code."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.TESTIMONY_WRITE)
        testimony = _readable(session, principal, testimony_id)
        _team_only(session, principal, testimony)
        witness = session.get(TestimonyWitness, testimony.witness_id)
        assert witness is not None
        if witness.deleted_at is not None:
            raise ConflictError(_("This witness's identity was destroyed already."))
        kept = [f for f in IDENTITY_FIELDS if getattr(witness, f) is not None]
        if kept:
            shred_held_key(session, witness.id)
        for name in IDENTITY_FIELDS:
            setattr(witness, name, None)
        witness.deleted_at = utcnow()
        ws.custody.lock(session)
        entries.append(
            ws.custody, session, WITNESS_SHRED, principal.username, utcnow(), witness=witness.code
        )
        desk_audit.record_witness_change(session, principal, "witness-delete", witness.id, kept)


def _consent_for(consents: list[TestimonyConsent], purpose: str, recipient: str | None) -> bool:
    wanted = (recipient or "").casefold()
    return any(
        c.withdrawn_at is None
        and c.purpose == purpose
        and (purpose != "share" or (c.recipient or "").casefold() == wanted)
        for c in consents
    )


def package_documents(
    session: Session, principal: Principal, incident_id: int, recipient: str | None
) -> dict[str, bytes]:
    """The testimony documents an evidence package of the incident for ``recipient`` may
    carry (file under the bag -> bytes): each testimony of the incident that the exporter
    may read, holding an unwithdrawn ``share`` consent naming that recipient, and no
    ``minor`` flag. The witness appears by code only; with any risk flag the place the
    testimony was taken is left out and its time is cut to the day."""
    if not recipient:
        return {}
    docs: dict[str, bytes] = {}
    query = (
        select(Testimony)
        .join(TestimonyIncident, TestimonyIncident.testimony_id == Testimony.id)
        .where(TestimonyIncident.incident_id == incident_id)
        .order_by(Testimony.id)
    )
    for testimony in session.scalars(query):
        flags = list(testimony.flags or [])
        if "minor" in flags:
            continue
        if flags and not _on_team(session, principal, testimony):
            continue
        if not _consent_for(_consents(session, testimony.id), "share", recipient):
            continue
        view = _view(session, testimony, team=False)
        doc = {
            "testimony": testimony.id,
            "witness": view["witness"],
            "statement": view["statement"],
            "statement_sha256": statement_sha256(testimony.statement),
            "language": view["language"],
            "taken_at": testimony.taken_at.date().isoformat() if flags else view["taken_at"],
            "taken_place": None if flags else view["taken_place"],
            "interviewer": view["interviewer"],
            "incidents": view["incidents"],
            "attachments": view["attachments"],
            "consent": [
                {k: c[k] for k in ("purpose", "recipient", "given_on")}
                for c in view["consents"]
                if c["withdrawn_at"] is None
                and c["purpose"] == "share"
                and (c["recipient"] or "").casefold() == recipient.casefold()
            ],
            "custody_leaf": testimony.custody_leaf,
        }
        docs[f"data/testimony/{view['witness']}-{testimony.id}.json"] = canonical_json(doc)
    return docs

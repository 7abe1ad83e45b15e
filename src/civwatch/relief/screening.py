"""The sanctions list the operator imports, and the screening of a grant's person
against it (the pure matching is :mod:`civwatch.relief.sanctions`).

The list is public-list data and is kept in plain text in its own table. The person's
names and date of birth are opened through the protection desk (need to know, the read
recorded there) and never leave this function but as the list entries they may be: the
candidates are returned to the screener, and the audit log holds their count only.
A candidate at or above :data:`~civwatch.relief.sanctions.POSSIBLE_MATCH` blocks the grant
until someone other than its requester clears it with a reason
(:func:`civwatch.relief.grants.vet`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from civwatch.accounts import audit
from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import username_of
from civwatch.custody.bindings import as_time
from civwatch.db import read_snapshot
from civwatch.errors import ConflictError, RejectedInputError
from civwatch.i18n import _
from civwatch.protection.access import authorise
from civwatch.protection.case_facts import person_identities
from civwatch.relief.grants import _audit, _grant, current_list_version, grant_json
from civwatch.relief.models import ReliefSanctionsEntry, ReliefSanctionsVersion, ReliefVetting
from civwatch.relief.sanctions import (
    POSSIBLE_MATCH,
    BirthDate,
    SanctionsEntry,
    SanctionsList,
    ScreenedPerson,
    read_sanctions_csv,
    screen,
)
from civwatch.relief.vocabulary import REQUESTED, state_label
from civwatch.workspace import Workspace

#: The largest list file read (bytes).
MAX_LIST_BYTES = 64 * 1024 * 1024


def import_sanctions_list(ws: Workspace, principal: Principal, data: bytes) -> dict[str, Any]:
    """Replace the stored sanctions list with the CSV ``data`` (the operator: it is the
    organisation's reference data, and the fund's own finance people do not choose whom
    their payees are screened against): a new version, with the time, who, how many
    entries and the file's SHA-256. A malformed file changes nothing."""
    if len(data) > MAX_LIST_BYTES:
        raise RejectedInputError(
            _("The sanctions list is larger than %(n)s MiB.", n=MAX_LIST_BYTES // (1024 * 1024))
        )
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.REFERENCE_MANAGE)
        parsed = read_sanctions_csv(data)
        digest = hashlib.sha256(data).hexdigest()
        version = ReliefSanctionsVersion(
            sha256=digest, entries=len(parsed), imported_by=principal.user_id
        )
        session.add(version)
        session.flush()
        session.execute(delete(ReliefSanctionsEntry))
        session.add_all(
            ReliefSanctionsEntry(
                version_id=version.id,
                ref=p.entry.id[:200],
                names=list(p.entry.names),
                births=[[b.year, b.month, b.day] for b in p.entry.dates_of_birth],
                source=p.entry.source[:200],
                imported_by=principal.user_id,
            )
            for p in parsed.entries
        )
        audit.record(
            session,
            "relief.sanctions-import",
            actor=principal.username,
            target="relief-sanctions",
            detail={"entries": len(parsed), "version": version.id, "sha256": digest},
        )
        return {"entries": len(parsed), "version": version.id, "sha256": digest}


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def sanctions_versions(ws: Workspace, principal: Principal) -> list[dict[str, Any]]:
    """Every import of the sanctions list, oldest first: version, when, who, entries,
    the file's SHA-256 (None for a list imported before versions were kept)."""
    v = ReliefSanctionsVersion
    with ws.sessions() as session:
        read_snapshot(session)
        authorise(session, principal, Permission.RELIEF_VET)
        rows = session.execute(
            select(v.id, v.imported_at, username_of(v.imported_by), v.entries, v.sha256).order_by(
                v.id
            )
        ).all()
    return [
        {
            "version": version,
            "at": _iso(as_time(at)),
            "by": by,
            "entries": entries,
            "sha256": digest,
        }
        for version, at, by, entries, digest in rows
    ]


#: The stored list prepared for screening, kept between screenings in this process: its
#: version, file hash, entry count and last entry id tell a list from the next.
_PREPARED: dict[str, tuple[tuple[object, ...], SanctionsList]] = {}


def _stored_list(session: Any, version: int) -> SanctionsList:
    """The list in force, prepared (kept per database for the version, its file's hash
    and its entries: a version number alone could come back after a database restore)."""
    signature = (
        version,
        session.scalar(
            select(ReliefSanctionsVersion.sha256).where(ReliefSanctionsVersion.id == version)
        ),
        *session.execute(
            select(func.count(), func.max(ReliefSanctionsEntry.id)).select_from(
                ReliefSanctionsEntry
            )
        ).one(),
    )
    cache_key = str(session.get_bind().url)
    cached = _PREPARED.get(cache_key)
    if cached is not None and cached[0] == signature:
        return cached[1]
    prepared = SanctionsList(
        SanctionsEntry(
            id=row.ref,
            names=tuple(row.names),
            dates_of_birth=tuple(BirthDate(*b) for b in row.births),
            source=row.source,
        )
        for row in session.scalars(select(ReliefSanctionsEntry).order_by(ReliefSanctionsEntry.id))
    )
    _PREPARED[cache_key] = (signature, prepared)
    return prepared


def screen_grant(ws: Workspace, principal: Principal, grant_id: str) -> dict[str, Any]:
    """Screen grant ``grant_id``'s person against the stored list, and record the check:
    ``blocked`` when a candidate reaches the blocking score, ``passed`` otherwise. The
    caller vets grants and may read the person. Returns the grant with ``candidates``
    (list entry, name that agreed, score, reasons) for the screener's eyes only."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.RELIEF_VET)
        grant = _grant(session, grant_id)
        if grant.state != REQUESTED:
            raise ConflictError(
                _(
                    "Grant %(id)s is %(state)s: its vetting is over.",
                    id=grant.id,
                    state=state_label(grant.state),
                )
            )
        version = current_list_version(session)
        if version is None:
            raise ConflictError(
                _("No sanctions list is imported: import one first (relief sanctions import).")
            )
        sanctions = _stored_list(session, version)
        who = person_identities(ws, session, principal, [grant.person_id])[grant.person_id]
        if not who.names:
            raise ConflictError(_("The case's person has no name to screen."))
        person = ScreenedPerson(who.names[0], who.names[1:], who.date_of_birth)
        candidates = screen(person, sanctions, POSSIBLE_MATCH)
        outcome = "blocked" if candidates else "passed"
        session.add(
            ReliefVetting(
                grant_id=grant.id,
                kind="sanctions",
                outcome=outcome,
                by_id=principal.user_id,
                list_version=version,
            )
        )
        _audit(
            session,
            principal,
            "relief.grant-vet",
            grant,
            check="sanctions",
            outcome=outcome,
            candidates=len(candidates),
            list_version=version,
        )
        session.flush()
        doc = grant_json(session, grant)
        doc["screening"] = outcome
        doc["list_version"] = version
        doc["candidates"] = [
            {
                "entry": c.entry.id,
                "source": c.entry.source,
                "names": list(c.entry.names),
                "matched_name": c.matched_name,
                "score": c.score,
                "reasons": list(c.reasons),
            }
            for c in candidates
        ]
        return doc

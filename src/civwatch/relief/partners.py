"""The people the fund helped as keyed hashes for partner funds, and a partner's file
compared with ours (the hashing is :mod:`civwatch.relief.partner_hashes`).

The identities are opened through the protection desk by a protection lead (the desk's
partner registry is theirs; every person read is recorded there) and leave only as HMACs
under the coalition's key, read from the file the ``relief_coalition_key_file`` setting
names: without it nothing is exported or compared. Neither the key, nor a name, nor a
hash is written to a log: the audit log holds counts and the key's fingerprint.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts import audit
from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import ConfigurationError
from civwatch.i18n import _
from civwatch.protection.access import authorise
from civwatch.protection.case_facts import person_identities
from civwatch.relief.models import ReliefGrant
from civwatch.relief.partner_hashes import (
    CoalitionKey,
    PartnerIdentity,
    export_hashes,
    find_matches,
    identity_hashes,
    read_hash_file,
)
from civwatch.relief.vocabulary import APPROVED, PAID, RELEASED
from civwatch.workspace import Workspace

#: Grants whose person counts as helped.
_HELPED = (APPROVED, RELEASED, PAID)
_HEX_KEY = re.compile(rb"[0-9a-fA-F]{64,}")


def coalition_key(ws: Workspace) -> CoalitionKey:
    """The coalition's key from the file the settings name; refused without one."""
    path: Path | None = ws.settings.relief_coalition_key_file
    if path is None:
        raise ConfigurationError(
            _(
                "No coalition key: set CIVWATCH_RELIEF_COALITION_KEY_FILE to the file holding "
                "the key the partner funds share."
            )
        )
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ConfigurationError(
            _("The coalition key file %(file)s cannot be read.", file=str(path))
        ) from err
    text = raw.strip()
    return CoalitionKey(bytes.fromhex(text.decode()) if _HEX_KEY.fullmatch(text) else raw)


def _helped(ws: Workspace, session: Session, principal: Principal) -> list[PartnerIdentity]:
    """Each grant that helped someone, as the identity of its person (record: its id)."""
    rows = session.execute(
        select(ReliefGrant.id, ReliefGrant.person_id, ReliefGrant.purpose)
        .where(ReliefGrant.state.in_(_HELPED))
        .order_by(ReliefGrant.id)
    ).all()
    people = person_identities(
        ws, session, principal, [person for _g, person, _p in rows], documents=True
    )
    identities = []
    for grant_id, person_id, purpose in rows:
        who = people[person_id]
        identities.append(
            PartnerIdentity(
                record=grant_id,
                purpose=purpose,
                name=who.names[0] if who.names else None,
                date_of_birth=who.date_of_birth,
                document_number=who.documents[0] if who.documents else None,
            )
        )
    return identities


def export_partner_hashes(ws: Workspace, principal: Principal) -> bytes:
    """The hash file of every person the fund helped, one record per grant (its id) with
    the grant's purpose (a protection lead)."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_LEAD)
        key = coalition_key(ws)
        data = export_hashes(_helped(ws, session, principal), key)
        audit.record(
            session,
            "relief.partners-export",
            actor=principal.username,
            target="relief-partners",
            detail={"hashes": data.count(b"\n") - 1, "key": key.fingerprint()},
        )
        return data


def compare_partner_hashes(ws: Workspace, principal: Principal, data: bytes) -> dict[str, Any]:
    """A partner's hash file compared with our people helped: each match is one of our
    grants and one of their records for the same purpose, with the facets that agree; no
    name (a protection lead). A file made under another key is refused."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_LEAD)
        key = coalition_key(ws)
        theirs = read_hash_file(data, key)
        ours = [h for i in _helped(ws, session, principal) for h in identity_hashes(i, key)]
        matches = find_matches(ours, theirs)
        audit.record(
            session,
            "relief.partners-compare",
            actor=principal.username,
            target="relief-partners",
            detail={"their_hashes": len(theirs.hashes), "matches": len(matches)},
        )
    return {
        "organisation": theirs.organisation,
        "matches": [
            {
                "grant": m.our_record,
                "their_record": m.their_record,
                "purpose": m.purpose,
                "facets": list(m.facets),
            }
            for m in matches
        ],
    }

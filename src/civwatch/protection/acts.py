"""The acts of the protection audit log (``custody/entries.py``): who read or changed which
person or case, which fields, and what was done to the desk.

They are written to the protection audit log (a custody log of its own, never the evidence
log) and hold ids, field names and the kind of change only: never a name, a value or free
text. The schemas below say so (ids of the desk's kinds, field names of lower-case words);
:mod:`civwatch.protection.audit` refuses anything else before it is written. None of them
goes into evidence packages.
"""

from __future__ import annotations

from civwatch.custody.entries import Act, Actor, Schema, nullable, one_of, register

#: A word naming a field, a kind of change or what was searched: lower-case ASCII letters,
#: digits and ``_ . : -`` (``names``, ``search:phone``, ``case-transition``).
WORD_PATTERN = r"^[a-z][a-z0-9_.:-]{0,63}$"
#: An id of the desk: its kind's prefix and a random url-safe token (``per_Xq3...``).
ID_PATTERN = r"^[a-z]{2,5}_[A-Za-z0-9_-]{8,64}$"

_WORD: Schema = {"type": "string", "pattern": WORD_PATTERN}
_ID: Schema = {"type": "string", "pattern": ID_PATTERN}
_RECORD: dict[str, Schema] = {"person": nullable(_ID), "case": nullable(_ID)}
_FIELDS: Schema = {"type": "array", "items": _WORD, "uniqueItems": True}
#: What can happen to an emergency access grant.
ACCESS_STEPS = ("request", "approve", "expire", "revoke")

PROTECTION_READ = register(
    Act(
        "protection-read",
        "A protection officer or lead read fields of a person at risk or of a case (ids and "
        "field names only).",
        {**_RECORD, "fields": _FIELDS},
    )
)
PROTECTION_CHANGE = register(
    Act(
        "protection-change",
        "A record of the protection desk added or changed (`what`: e.g. person-add, "
        "risk-add, case-transition), with the fields changed (ids and field names only).",
        {"what": _WORD, **_RECORD, "fields": _FIELDS},
        actor=Actor.PERSON_OR_NONE,
    )
)
PROTECTION_ACCESS = register(
    Act(
        "protection-access",
        "Emergency access to a person outside the officer's team: requested, approved, "
        "expired or revoked (the grant's id).",
        {"what": one_of(ACCESS_STEPS), "person": _ID, "grant": _ID},
        actor=Actor.PERSON_OR_NONE,
    )
)
PERSON_DELETE = register(
    Act(
        "person-delete",
        "A person at risk deleted by crypto-shredding: their data key destroyed.",
        {"person": _ID},
    )
)
DESK_INIT = register(
    Act(
        "desk-init",
        "The protection desk set up (its key made).",
        {},
        actor=Actor.PERSON_OR_NONE,
    )
)
DESK_LOCK = register(
    Act(
        "desk-lock",
        "The protection desk locked: its key dropped, its sessions and tokens ended.",
        {},
        actor=Actor.PERSON_OR_NONE,
    )
)
DESK_UNLOCK = register(
    Act(
        "desk-unlock",
        "The protection desk unlocked by a protection lead.",
        {},
        actor=Actor.PERSON_OR_NONE,
    )
)
DESK_KEY_ROTATE = register(
    Act(
        "desk-key-rotate",
        "The protection desk's key replaced by a protection lead: every data key re-wrapped "
        "and the blind indexes made again with the new key; the old one opens nothing.",
        {},
        actor=Actor.PERSON_OR_NONE,
    )
)

#: The acts on the desk itself, by name.
DESK_ACTS = {act.name: act for act in (DESK_INIT, DESK_LOCK, DESK_UNLOCK, DESK_KEY_ROTATE)}
#: The protection domain's acts (all in the protection audit log).
ACTS = (
    PROTECTION_READ,
    PROTECTION_CHANGE,
    PROTECTION_ACCESS,
    PERSON_DELETE,
    DESK_INIT,
    DESK_LOCK,
    DESK_UNLOCK,
    DESK_KEY_ROTATE,
)

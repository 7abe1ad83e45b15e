"""The custody acts of the incidents domain: what its entries hold (``custody/entries.py``).

Every act here has kept its first layout (version 1): its entries always named the actor
``actor`` and the time ``at``.
"""

from __future__ import annotations

from civwatch.custody.entries import (
    COUNT,
    LEAF,
    NAME,
    NUMBER,
    ROW_ID,
    SHA256,
    TEXT,
    Act,
    Schema,
    nullable,
    one_of,
    register,
)
from civwatch.incidents.vocabulary import (
    INCIDENT_STATUSES,
    ITEM_STATUSES,
    KINDS,
    LINK_ROLES,
    OUTCOMES,
    RECORD_KINDS,
    VISIBILITIES,
)

#: A revision number of an incident.
REVISION: Schema = {"type": "integer", "minimum": 1}
REASON: Schema = nullable(TEXT)
_INCIDENT: dict[str, Schema] = {"incident": ROW_ID}
_REVISION: dict[str, Schema] = {**_INCIDENT, "revision": REVISION, "doc_sha256": SHA256}


# --- revisions and changes to concluded incidents ----------------------------------------------

INCIDENT_CREATE = register(
    Act(
        "incident-create",
        "An incident created: its first revision, by the SHA-256 of its document.",
        _REVISION,
        packaged=True,
    )
)
INCIDENT_UPDATE = register(
    Act(
        "incident-update",
        "A new revision of an incident that is not concluded.",
        _REVISION,
        packaged=True,
    )
)
CHANGE_PROPOSE = register(
    Act(
        "incident-change-propose",
        "A change to a concluded incident proposed: its revision, and the revision it was "
        "written against.",
        {**_REVISION, "base_revision": REVISION},
        packaged=True,
    )
)
CHANGE_DECISIONS = {
    decision: register(
        Act(
            f"incident-change-{decision}",
            description,
            {**_REVISION, "reason": REASON},
            packaged=True,
        )
    )
    for decision, description in {
        "approve": "A proposed change to a concluded incident approved by a second verifier.",
        "reject": "A proposed change to a concluded incident rejected by a second verifier.",
    }.items()
}
CHANGE_APPLY = register(
    Act(
        "incident-change-apply",
        "A change made the incident's current revision: on approval, or (public incidents) "
        "with a correction or a withdrawal.",
        {
            **_REVISION,
            "on": one_of(("approval", "correction", "withdrawal")),
            "reason": REASON,
            "from": REVISION,
        },
        packaged=True,
    )
)

# --- status and visibility ---------------------------------------------------------------------

_INCIDENT_STEP: dict[str, Schema] = {
    **_INCIDENT,
    "revision": REVISION,
    "from": one_of(INCIDENT_STATUSES),
    "to": one_of(INCIDENT_STATUSES),
    "proposed": nullable(one_of(OUTCOMES)),
    "reason": REASON,
    "visibility": one_of(VISIBILITIES),
}
INCIDENT_STEPS = {
    step: register(
        Act(
            f"incident-{step}",
            description,
            _INCIDENT_STEP if step != "unpublish" else {**_INCIDENT_STEP, "item": SHA256},
            optional=("visibility",) if step != "unpublish" else ("visibility", "item"),
            packaged=True,
        )
    )
    for step, description in {
        "start": "An incident's verification started.",
        "submit": "An incident submitted for review with a proposed outcome.",
        "approve": "A proposed outcome approved by a second verifier.",
        "reject": "A proposed outcome rejected by a second verifier.",
        "reopen": "A concluded incident reopened (a public one is withdrawn: visibility internal).",
        "publish": "An incident published (visibility public).",
        "unpublish": "An incident taken off the public site (visibility internal); an "
        "automatic withdrawal names the item whose reopening caused it.",
    }.items()
}

# --- evidence, verification, suggestions ------------------------------------------------------

EVIDENCE_LINK = register(
    Act(
        "evidence-link",
        "An evidence item linked to an incident in a role (or its link changed).",
        {
            **_INCIDENT,
            "sha256": SHA256,
            "role": one_of(LINK_ROLES),
            "note": nullable(TEXT),
            "supersedes_leaf": nullable(LEAF),
        },
        packaged=True,
    )
)
EVIDENCE_UNLINK = register(
    Act(
        "evidence-unlink",
        "An evidence item unlinked from an incident.",
        {**_INCIDENT, "sha256": SHA256, "reason": REASON, "supersedes_leaf": LEAF},
        packaged=True,
    )
)
_ITEM_STEP: dict[str, Schema] = {
    "sha256": SHA256,
    "from": one_of(ITEM_STATUSES),
    "to": one_of(ITEM_STATUSES),
    "proposed": nullable(one_of(OUTCOMES)),
    "reason": REASON,
}
ITEM_STEPS = {
    step: register(Act(f"item-{step}", description, _ITEM_STEP, packaged=True))
    for step, description in {
        "start": "An item's verification started.",
        "submit": "An item submitted for review with a proposed outcome.",
        "approve": "An item's proposed outcome approved by a second verifier.",
        "reject": "An item's proposed outcome rejected by a second verifier.",
        "reopen": "A concluded item reopened.",
    }.items()
}
VERIFICATION_RECORD = register(
    Act(
        "verification-record",
        "A verification record written about an item (source, geolocation, chronolocation "
        "or content), by the SHA-256 of its content; it may correct an earlier one.",
        {
            "sha256": SHA256,
            "kind": one_of(RECORD_KINDS),
            "content_sha256": SHA256,
            "supersedes_leaf": nullable(LEAF),
        },
        packaged=True,
    )
)
SUGGESTION_DECISIONS = {
    decision: register(
        Act(
            f"suggestion-{decision}",
            description,
            {"sha256": SHA256, **_INCIDENT, "score": NUMBER, "reason": REASON},
            packaged=True,
        )
    )
    for decision, description in {
        "confirm": "An incident suggested for an item confirmed (with its score).",
        "dismiss": "An incident suggested for an item dismissed (with its score).",
    }.items()
}

# --- internal notes and witnesses -------------------------------------------------------------

INTERNAL_NOTES = register(
    Act(
        "incident-internal-notes",
        "An incident's internal notes changed, by the SHA-256 of the notes.",
        {**_INCIDENT, "notes_sha256": SHA256},
        packaged=True,
    )
)
WITNESS_ADD = register(
    Act(
        "incident-witness-add",
        "A witness added to an incident, by the SHA-256 of their record (never their name).",
        {**_INCIDENT, "witness": ROW_ID, "record_sha256": SHA256},
        packaged=True,
    )
)
WITNESS_REMOVE = register(
    Act(
        "incident-witness-remove",
        "A witness removed from an incident: the entry that added them.",
        {**_INCIDENT, "witness": ROW_ID, "added_leaf": LEAF},
        packaged=True,
    )
)

# --- vocabularies and protected places --------------------------------------------------------

VOCABULARY_ADD = register(
    Act(
        "vocabulary-add",
        "A term added to a vocabulary.",
        {"kind": one_of(KINDS), "code": NAME, "label": NAME},
    )
)
PLACES_IMPORT = register(
    Act(
        "places-import",
        "Protected places imported from a file: its SHA-256 and how many places were "
        "imported, already present and rejected.",
        {
            "source": NAME,
            "file_sha256": SHA256,
            "imported": COUNT,
            "already_present": COUNT,
            "rejected": COUNT,
        },
    )
)

#: The incidents domain's acts.
ACTS = (
    INCIDENT_CREATE,
    INCIDENT_UPDATE,
    CHANGE_PROPOSE,
    *CHANGE_DECISIONS.values(),
    CHANGE_APPLY,
    *INCIDENT_STEPS.values(),
    EVIDENCE_LINK,
    EVIDENCE_UNLINK,
    *ITEM_STEPS.values(),
    VERIFICATION_RECORD,
    *SUGGESTION_DECISIONS.values(),
    INTERNAL_NOTES,
    WITNESS_ADD,
    WITNESS_REMOVE,
    VOCABULARY_ADD,
    PLACES_IMPORT,
)

"""The custody acts of publishing: precision, corrections, redactions and evidence packages
(``custody/entries.py``). Every act here has kept its first layout (version 1)."""

from __future__ import annotations

from civwatch.custody.entries import (
    BOOL,
    COUNT,
    LEAF,
    NAME,
    ROW_ID,
    SHA256,
    TEXT,
    Act,
    Schema,
    nullable,
    one_of,
    register,
)

_REVISION: Schema = {"type": "integer", "minimum": 1}
_BOX: Schema = {
    "type": "object",
    "properties": {"x": COUNT, "y": COUNT, "w": COUNT, "h": COUNT, "t": {"type": "number"}},
    "required": ["x", "y", "w", "h"],
    "additionalProperties": False,
}
_BOXES: Schema = {"type": "array", "items": _BOX}

INCIDENT_PRECISION = register(
    Act(
        "incident-precision",
        "The precision an incident's location is shown at publicly changed.",
        {
            "incident": ROW_ID,
            "revision": _REVISION,
            "from": NAME,
            "to": NAME,
            "reason": nullable(TEXT),
        },
        packaged=True,
    )
)
INCIDENT_CORRECTION = register(
    Act(
        "incident-correction",
        "A public correction of a published incident, with its note to readers.",
        {"incident": ROW_ID, "revision": _REVISION, "note": TEXT},
        packaged=True,
    )
)
REDACTION_CREATE = register(
    Act(
        "redaction-create",
        "A redacted copy of an item made (a draft): the copy's SHA-256, what was done to it "
        "(metadata removed, faces and regions blurred), the face boxes the reviewer removed, "
        "whether it is graphic.",
        {
            "redaction": ROW_ID,
            "sha256": SHA256,
            "derivative_sha256": SHA256,
            "media_type": NAME,
            "size": {"type": "integer", "minimum": 1},
            "actions": {"type": "array", "items": TEXT},
            "faces_found": COUNT,
            "face_boxes": _BOXES,
            "removed_faces": _BOXES,
            "regions": _BOXES,
            "blur_faces": BOOL,
            "graphic": BOOL,
        },
        # entries written before the reviewer could remove face boxes do not hold it
        optional=("removed_faces",),
        packaged=True,
    )
)
REDACTION_APPROVE = register(
    Act(
        "redaction-approve",
        "A redacted copy approved by a second person: it becomes its item's published "
        "form (earlier approved copies are superseded).",
        {
            "redaction": ROW_ID,
            "sha256": SHA256,
            "derivative_sha256": SHA256,
            "supersedes": {"type": "array", "items": ROW_ID},
            "graphic": BOOL,
            "note": nullable(TEXT),
        },
        packaged=True,
    )
)
EXPORT = register(
    Act(
        "export",
        "An evidence package of an incident exported: its items, the entries it carries, "
        "its composed documents, the recipient, which media it holds, and its BagIt payload "
        "(Oxum and the SHA-256 of its manifest).",
        {
            "incident": ROW_ID,
            "items": {"type": "array", "items": SHA256},
            "entries": {"type": "array", "items": LEAF},
            "recipient": nullable(TEXT),
            "media": one_of(("none", "redacted", "originals")),
            "payload_oxum": {"type": "string", "pattern": "^[0-9]+\\.[0-9]+$"},
            "payload_manifest_sha256": SHA256,
            "documents": {"type": "object", "additionalProperties": SHA256},
        },
        packaged=True,
    )
)

#: The publishing domain's acts.
ACTS = (INCIDENT_PRECISION, INCIDENT_CORRECTION, REDACTION_CREATE, REDACTION_APPROVE, EXPORT)

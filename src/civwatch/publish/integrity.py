"""What ``civwatch verify`` checks of publishing: corrections, redactions (made and
approved, and each one's status replayed from the log), and each incident's public
location precision against the latest ``incident-precision`` entry.

Publication and withdrawal are incident transitions, checked with the incidents domain.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from sqlalchemy import select

from civwatch.custody.bindings import AnySelect, Binding, Declarations, Entry, LogState, fields
from civwatch.incidents.models import Incident
from civwatch.publish.models import Correction, Redaction
from civwatch.publish.publication import DEFAULT_PRECISION

_WHO_WHEN = (("actor", "actor"), ("at", "at", "time"))


def _corrections() -> AnySelect:
    c = Correction
    return select(
        c.id.label("id"),
        c.custody_leaf.label("leaf"),
        c.incident_id.label("incident"),
        c.revision.label("revision"),
        c.note.label("note"),
        c.actor.label("actor"),
        c.at.label("at"),
    )


def _redactions(leaf: Any) -> AnySelect:
    r = Redaction
    return select(
        r.id.label("id"),
        leaf.label("leaf"),
        r.original_sha256.label("original_sha256"),
        r.derivative_sha256.label("derivative_sha256"),
        r.media_type.label("media_type"),
        r.size.label("size"),
        r.actions.label("actions"),
        r.faces_found.label("faces_found"),
        r.face_boxes.label("face_boxes"),
        r.regions.label("regions"),
        r.blur_faces.label("blur_faces"),
        r.graphic.label("graphic"),
        r.created_by.label("created_by"),
        r.created_at.label("created_at"),
        r.decided_by.label("decided_by"),
        r.decided_at.label("decided_at"),
        r.decision_note.label("decision_note"),
    )


def _status_changes(entry: Entry) -> Iterable[tuple[Hashable, Any]]:
    """The statuses a redaction entry sets: a draft when made; approved, and the
    redactions it supersedes superseded, when approved."""
    if entry.get("act") == "redaction-create":
        return [(entry.get("redaction"), "draft")]
    superseded = entry.get("supersedes") or []
    return [(entry.get("redaction"), "approved"), *((s, "superseded") for s in superseded)]


def declarations() -> Declarations:
    """The publishing domain's bindings and logged states.

    ``export`` (an evidence package, ``publish/package.py``) has no row yet; a table of
    exports with a ``custody_leaf`` column becomes one more :class:`Binding` here.
    """
    return Declarations(
        bindings=[
            Binding(
                table="incident_correction",
                stage="corrections",
                acts=("incident-correction",),
                query=_corrections,
                fields=fields("incident", ("revision", "revision", "number"), "note", *_WHO_WHEN),
            ),
            Binding(
                table="media_redaction",
                stage="redactions",
                acts=("redaction-create",),
                query=lambda: _redactions(Redaction.custody_leaf),
                fields=fields(
                    ("redaction", "id", "number"),
                    ("sha256", "original_sha256"),
                    "derivative_sha256",
                    "media_type",
                    ("size", "size", "number"),
                    ("actions", "actions", "json"),
                    ("faces_found", "faces_found", "number"),
                    ("face_boxes", "face_boxes", "json"),
                    ("regions", "regions", "json"),
                    ("blur_faces", "blur_faces", "bool"),
                    ("graphic", "graphic", "bool"),
                    ("actor", "created_by"),
                    ("at", "created_at", "time"),
                ),
            ),
            Binding(
                table="media_redaction",
                stage="redaction approvals",
                acts=("redaction-approve",),
                query=lambda: _redactions(Redaction.decision_leaf),
                optional_leaf=True,
                fields=fields(
                    ("redaction", "id", "number"),
                    ("sha256", "original_sha256"),
                    "derivative_sha256",
                    ("graphic", "graphic", "bool"),
                    ("note", "decision_note"),
                    ("actor", "decided_by"),
                    ("at", "decided_at", "time"),
                ),
            ),
        ],
        states=[
            LogState(
                table="media_redaction",
                what="status",
                acts=("redaction-create", "redaction-approve"),
                changes=_status_changes,
                query=lambda: select(Redaction.id.label("id"), Redaction.status.label("status")),
                row_value=lambda row: (row["id"], row["status"]),
            ),
            LogState(
                table="incident",
                what="public location precision",
                acts=("incident-precision",),
                changes=lambda e: [(e.get("incident"), e.get("to"))],
                query=lambda: select(
                    Incident.id.label("id"),
                    Incident.public_location_precision.label("precision"),
                ),
                row_value=lambda row: (row["id"], row["precision"]),
                default=DEFAULT_PRECISION,
            ),
        ],
        rowless_acts={"export"},
    )

"""What ``civwatch verify`` checks of publishing: corrections, redactions (made and
approved, and each one's status replayed from the log), evidence package exports, and
each incident's public location precision against the latest ``incident-precision`` entry.

Publication and withdrawal are incident transitions, checked with the incidents domain.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from sqlalchemy import exists, select

from civwatch.custody.bindings import (
    AnySelect,
    Binding,
    Declarations,
    Entry,
    LogState,
    Row,
    fields,
)
from civwatch.custody.models import CustodyTreeHead
from civwatch.geo.coarsening import DEFAULT_PRECISION
from civwatch.incidents.records import precision_query
from civwatch.publish.models import Correction, PackageExport, Redaction

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
        r.removed_faces.label("removed_faces"),
        r.regions.label("regions"),
        r.blur_faces.label("blur_faces"),
        r.graphic.label("graphic"),
        r.created_by.label("created_by"),
        r.created_at.label("created_at"),
        r.decided_by.label("decided_by"),
        r.decided_at.label("decided_at"),
        r.decision_note.label("decision_note"),
    )


def _exports() -> AnySelect:
    e = PackageExport
    return select(
        e.id.label("id"),
        e.custody_leaf.label("leaf"),
        e.incident_id.label("incident_id"),
        e.actor.label("actor"),
        e.at.label("at"),
        e.recipient.label("recipient"),
        e.media.label("media"),
        e.items.label("items"),
        e.entries.label("entries"),
        e.documents.label("documents"),
        e.payload_oxum.label("payload_oxum"),
        e.payload_manifest_sha256.label("payload_manifest_sha256"),
        e.tree_size.label("tree_size"),
        exists().where(CustodyTreeHead.tree_size == e.tree_size).label("head_signed"),
    )


def _export_head(row: Row, entry: Entry) -> Iterable[str]:
    """The entry is of layout 1, and the head the package carries is the one signed right
    after the export entry was appended (under the same lock: it covers exactly the log up
    to that entry), kept in the database's table of heads."""
    if entry.get("v") != 1:
        yield f"The entry is of layout {entry.get('v')!r}, not 1"
    size, leaf = row["tree_size"], row["leaf"]
    if size != leaf + 1 or not isinstance(size, int) or isinstance(size, bool):
        yield (
            f"tree_size ({size!r}) is not {leaf + 1}, the size of the head signed right after "
            "the export entry, which the package carries"
        )
    elif row["head_signed"] not in (1, True):
        yield f"No signed tree head of size {size} is in the database (deleted?)"


def _status_changes(entry: Entry) -> Iterable[tuple[Hashable, Any]]:
    """The statuses a redaction entry sets: a draft when made; approved, and the
    redactions it supersedes superseded, when approved."""
    if entry.get("act") == "redaction-create":
        return [(entry.get("redaction"), "draft")]
    superseded = entry.get("supersedes") or []
    return [(entry.get("redaction"), "approved"), *((s, "superseded") for s in superseded)]


def blobs() -> tuple[str, AnySelect]:
    """The blobs this domain names: its table, and a query of their SHA-256 (``sha256``)."""
    return "media_redaction", select(Redaction.derivative_sha256.label("sha256"))


def declarations() -> Declarations:
    """The publishing domain's bindings and logged states.

    An ``export`` entry (an evidence package, ``publish/package.py``) records its
    ``package_export`` row; the row's ``tree_size`` (the head handed out in the package,
    signed right after the entry) must name the signed head that ends at the entry.
    """
    return Declarations(
        bindings=[
            Binding(
                table="package_export",
                stage="package exports",
                acts=("export",),
                query=_exports,
                fields=fields(
                    *_WHO_WHEN,
                    ("incident", "incident_id", "number"),
                    ("items", "items", "json"),
                    ("entries", "entries", "json"),
                    ("documents", "documents", "json"),
                    "recipient",
                    "media",
                    "payload_oxum",
                    "payload_manifest_sha256",
                ),
                check=_export_head,
            ),
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
                    ("removed_faces", "removed_faces", "json"),
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
                query=precision_query,
                row_value=lambda row: (row["id"], row["precision"]),
                default=DEFAULT_PRECISION,
            ),
        ],
    )

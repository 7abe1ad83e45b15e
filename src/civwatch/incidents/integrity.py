"""What ``civwatch verify`` checks of the incidents domain.

Every revision, change decision, transition, evidence link, verification record,
suggestion decision, vocabulary term and witness against the custody entry that recorded
it; the internal notes against the latest logged digest; item and incident states against
the state replayed from their transitions; each revision's state and each incident's
current revision against those replayed from its revisions and change decisions; each
incident's content against the document of its current revision; protected places against
the counts their imports logged. This module binds rows to their entries and declares
every check; the checks of states against their histories are in
:mod:`civwatch.incidents.integrity_states`.

A change to a concluded incident (``incidents/changes.py``) is a revision recorded by an
``incident-change-propose`` entry, then decisions (``incident-change-approve``, ``-reject``,
``-apply``) each recorded by its entry. ``incident.revision`` moves only by a create, an
update or an applied change; the incident row must equal the document of the revision
whose number it holds. ``Incident.public_changed_at`` is a cache stamp (when public
answers last changed), not a record, and is not checked.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from civwatch.custody.bindings import (
    AnySelect,
    Binding,
    Declarations,
    Entry,
    LogState,
    Row,
    RowCheck,
    as_json,
    canonical_digest,
    digest_matches,
    fields,
)
from civwatch.evidence.records import with_item_sha256
from civwatch.incidents.integrity_states import (
    DECIDED,
    incident_changes,
    incident_content,
    incident_states,
    item_states,
)
from civwatch.incidents.models import (
    EvidenceLink,
    Incident,
    IncidentChangeDecision,
    IncidentRevision,
    IncidentTransition,
    ItemTransition,
    ProtectedPlace,
    SuggestionDecision,
    VerificationRecord,
    VocabularyTerm,
    Witness,
)

INCIDENT_ACTS = ("start", "submit", "approve", "reject", "reopen", "publish", "unpublish")
ITEM_ACTS = ("start", "submit", "approve", "reject", "reopen")
#: Logged digest of empty internal notes (what an incident without a notes entry holds).
EMPTY_NOTES = canonical_digest({"notes": ""})
_WHO_WHEN = (("actor", "actor"), ("at", "at", "time"))


def _revisions() -> AnySelect:
    r = IncidentRevision
    return select(
        r.id.label("id"),
        r.custody_leaf.label("leaf"),
        r.incident_id.label("incident"),
        r.revision.label("revision"),
        r.doc.label("doc"),
        r.doc_sha256.label("doc_sha256"),
        r.base_revision.label("base_revision"),
        r.actor.label("actor"),
        r.at.label("at"),
    )


def _change_decisions() -> AnySelect:
    d = IncidentChangeDecision
    r = IncidentRevision
    return select(
        d.id.label("id"),
        d.custody_leaf.label("leaf"),
        d.incident_id.label("incident"),
        d.act.label("act"),
        d.reason.label("reason"),
        d.actor.label("actor"),
        d.at.label("at"),
        r.revision.label("revision"),
        r.doc_sha256.label("doc_sha256"),
        r.incident_id.label("revision incident"),
    ).outerjoin(r, r.id == d.revision_id)


def _decided_revision(row: Row, entry: Entry) -> Iterable[str]:
    if row["revision incident"] != row["incident"]:
        yield (
            f"The decision is on a revision of incident {row['revision incident']!r}, not "
            f"of incident {row['incident']!r} that it names"
        )


def _revision_doc(row: Row, entry: Entry) -> Iterable[str]:
    if not digest_matches(as_json(row["doc"]), row["doc_sha256"]):
        yield "The revision's document no longer hashes to its recorded SHA-256 (rewritten)"


def _transitions(model: type[IncidentTransition] | type[ItemTransition]) -> AnySelect:
    query = select(
        model.id.label("id"),
        model.custody_leaf.label("leaf"),
        model.act.label("act"),
        model.from_status.label("from_status"),
        model.to_status.label("to_status"),
        model.proposed_status.label("proposed_status"),
        model.reason.label("reason"),
        model.actor.label("actor"),
        model.at.label("at"),
    )
    if model is IncidentTransition:
        return query.add_columns(IncidentTransition.incident_id.label("incident"))
    return with_item_sha256(query, ItemTransition.item_id)


_TRANSITION_FIELDS = fields(
    ("from", "from_status"),
    ("to", "to_status"),
    ("proposed", "proposed_status"),
    "reason",
    *_WHO_WHEN,
)


def _visibility(row: Row, entry: Entry) -> Iterable[str]:
    wanted = {"publish": "public", "unpublish": "internal"}.get(row["act"])
    if wanted is not None and entry.get("visibility") != wanted:
        yield f"The entry of this {row['act']} sets visibility {entry.get('visibility')!r}"


def _links() -> AnySelect:
    previous = aliased(EvidenceLink)
    query = select(
        EvidenceLink.id.label("id"),
        EvidenceLink.custody_leaf.label("leaf"),
        EvidenceLink.incident_id.label("incident"),
        EvidenceLink.role.label("role"),
        EvidenceLink.note.label("note"),
        EvidenceLink.linked.label("linked"),
        EvidenceLink.actor.label("actor"),
        EvidenceLink.at.label("at"),
        previous.custody_leaf.label("superseded entry"),
        previous.role.label("superseded role"),
    )
    return with_item_sha256(query, EvidenceLink.item_id).outerjoin(
        previous, previous.id == EvidenceLink.supersedes_id
    )


def _link_values(row: Row, entry: Entry) -> Iterable[str]:
    if row["linked"] in (1, True):
        logged = {"role": entry.get("role"), "note": entry.get("note")}
    else:  # an unlink keeps the role it removes and its reason as the note
        logged = {"role": row["superseded role"], "note": entry.get("reason")}
    for column, value in logged.items():
        if row[column] != value:
            yield f"{column} in the database ({row[column]!r}) differs from the entry's ({value!r})"


def _records() -> AnySelect:
    previous = aliased(VerificationRecord)
    r = VerificationRecord
    query = select(
        r.id.label("id"),
        r.custody_leaf.label("leaf"),
        r.kind.label("kind"),
        r.content.label("content"),
        r.content_sha256.label("content_sha256"),
        r.author.label("author"),
        r.at.label("at"),
        previous.custody_leaf.label("superseded entry"),
    )
    return with_item_sha256(query, r.item_id).outerjoin(
        previous, previous.id == r.supersedes_id
    )


def _record_content(row: Row, entry: Entry) -> Iterable[str]:
    if not digest_matches(as_json(row["content"]), row["content_sha256"]):
        yield "The record's content no longer hashes to its recorded SHA-256 (rewritten)"


def _decisions() -> AnySelect:
    d = SuggestionDecision
    query = select(
        d.id.label("id"),
        d.custody_leaf.label("leaf"),
        d.incident_id.label("incident"),
        d.decision.label("decision"),
        d.score.label("score"),
        d.reason.label("reason"),
        d.actor.label("actor"),
        d.at.label("at"),
    )
    return with_item_sha256(query, d.item_id)


def _terms() -> AnySelect:
    t = VocabularyTerm
    return select(
        t.id.label("id"),
        t.custody_leaf.label("leaf"),
        t.kind.label("kind"),
        t.code.label("code"),
        t.label.label("label"),
        t.added_by.label("added_by"),
        t.added_at.label("added_at"),
    )


def _witnesses() -> AnySelect:
    w = Witness
    return select(
        w.id.label("id"),
        w.custody_leaf.label("leaf"),
        w.incident_id.label("incident"),
        w.name.label("name"),
        w.contact.label("contact"),
        w.note.label("note"),
        w.lat.label("lat"),
        w.lon.label("lon"),
        w.added_by.label("added_by"),
        w.added_at.label("added_at"),
    )


def _witness_record(row: Row, entry: Entry) -> Iterable[str]:
    if entry.get("witness") != row["id"]:
        yield f"The entry records witness {entry.get('witness')!r}, not this row"
    record = {k: row[k] for k in ("name", "contact", "note", "lat", "lon")}
    if not digest_matches(record, entry.get("record_sha256")):
        yield "The witness's name, contact, note or place differs from what was recorded"


def _notes_value(row: Row) -> tuple[Hashable, Any]:
    notes = row["notes"]
    if notes == "":
        return row["id"], EMPTY_NOTES
    if not isinstance(notes, str):
        raise TypeError(f"the notes are {type(notes).__name__}, not text")
    return row["id"], canonical_digest({"notes": notes})


def _place_counts() -> AnySelect:
    return select(
        ProtectedPlace.source.label("id"), func.count(ProtectedPlace.id).label("count")
    ).group_by(ProtectedPlace.source)




def declarations() -> Declarations:
    """The incidents domain's bindings, logged states and checks."""
    return Declarations(
        bindings=[
            Binding(
                table="incident_revision",
                stage="incident revisions",
                acts=("incident-create", "incident-update", "incident-change-propose"),
                query=_revisions,
                fields=fields(
                    "incident",
                    ("revision", "revision", "number"),
                    ("base_revision", "base_revision", "number"),
                    "doc_sha256",
                    *_WHO_WHEN,
                ),
                check=_revision_doc,
            ),
            Binding(
                table="incident_change_decision",
                stage="change decisions",
                acts=tuple(f"incident-change-{act}" for act in DECIDED),
                query=_change_decisions,
                act_of=lambda row: f"incident-change-{row['act']}",
                fields=fields(
                    "incident",
                    ("revision", "revision", "number"),
                    "doc_sha256",
                    "reason",
                    *_WHO_WHEN,
                ),
                check=_decided_revision,
            ),
            Binding(
                table="incident_transition",
                stage="incident transitions",
                acts=tuple(f"incident-{act}" for act in INCIDENT_ACTS),
                query=lambda: _transitions(IncidentTransition),
                act_of=lambda row: f"incident-{row['act']}",
                fields=(*fields("incident"), *_TRANSITION_FIELDS),
                check=_visibility,
            ),
            Binding(
                table="item_transition",
                stage="item transitions",
                acts=tuple(f"item-{act}" for act in ITEM_ACTS),
                query=lambda: _transitions(ItemTransition),
                act_of=lambda row: f"item-{row['act']}",
                fields=(*fields("sha256"), *_TRANSITION_FIELDS),
            ),
            Binding(
                table="incident_evidence",
                stage="evidence links",
                acts=("evidence-link", "evidence-unlink"),
                query=_links,
                act_of=lambda row: (
                    "evidence-link" if row["linked"] in (1, True) else "evidence-unlink"
                ),
                fields=fields(
                    "incident", "sha256", ("supersedes_leaf", "superseded entry"), *_WHO_WHEN
                ),
                check=_link_values,
            ),
            Binding(
                table="verification_record",
                stage="verification records",
                acts=("verification-record",),
                query=_records,
                fields=fields(
                    "sha256",
                    "kind",
                    "content_sha256",
                    ("supersedes_leaf", "superseded entry"),
                    ("actor", "author"),
                    ("at", "at", "time"),
                ),
                check=_record_content,
            ),
            Binding(
                table="incident_suggestion_decision",
                stage="suggestion decisions",
                acts=("suggestion-confirm", "suggestion-dismiss"),
                query=_decisions,
                act_of=lambda row: (
                    "suggestion-confirm" if row["decision"] == "confirmed" else "suggestion-dismiss"
                ),
                fields=fields(
                    "sha256", "incident", ("score", "score", "number"), "reason", *_WHO_WHEN
                ),
            ),
            Binding(
                table="vocabulary_term",
                stage="vocabulary terms",
                acts=("vocabulary-add",),
                query=_terms,
                fields=fields(
                    "kind", "code", "label", ("actor", "added_by"), ("at", "added_at", "time")
                ),
            ),
            Binding(
                table="incident_witness",
                stage="witnesses",
                acts=("incident-witness-add",),
                query=_witnesses,
                fields=fields("incident", ("actor", "added_by"), ("at", "added_at", "time")),
                check=_witness_record,
                released_by=(("incident-witness-remove", "added_leaf"),),
            ),
        ],
        states=[
            LogState(
                table="incident",
                what="internal notes digest",
                acts=("incident-internal-notes",),
                changes=lambda e: [(e.get("incident"), e.get("notes_sha256"))],
                query=lambda: select(
                    Incident.id.label("id"), Incident.internal_notes.label("notes")
                ),
                row_value=_notes_value,
                default=EMPTY_NOTES,
            ),
            LogState(
                table="protected_place",
                what="number of imported places",
                acts=("places-import",),
                changes=lambda e: [(e.get("source"), e.get("imported"))],
                query=_place_counts,
                row_value=lambda row: (row["id"], row["count"]),
                default=0,
                fold=lambda before, new: (before or 0) + (new or 0),
            ),
        ],
        checks=[
            RowCheck("item states", item_states),
            RowCheck("incident states", incident_states),
            RowCheck("incident changes", incident_changes),
            RowCheck("incident content", incident_content),
        ],
    )

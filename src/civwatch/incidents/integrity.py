"""What ``civwatch verify`` checks of the incidents domain.

Every revision, change decision, transition, evidence link, verification record,
suggestion decision, vocabulary term and witness against the custody entry that recorded
it; the internal notes against the latest logged digest; item and incident states against
the state replayed from their transitions; each revision's state and each incident's
current revision against those replayed from its revisions and change decisions; each
incident's content against the document of its current revision; protected places against
the counts their imports logged.

A change to a concluded incident (``incidents/changes.py``) is a revision recorded by an
``incident-change-propose`` entry, then decisions (``incident-change-approve``, ``-reject``,
``-apply``) each recorded by its entry. ``incident.revision`` moves only by a create, an
update or an applied change; the incident row must equal the document of the revision
whose number it holds. ``Incident.public_changed_at`` is a cache stamp (when public
answers last changed), not a record, and is not checked.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from civwatch.custody.bindings import (
    AnySelect,
    Binding,
    Declarations,
    Entry,
    LogState,
    Problem,
    Progress,
    Row,
    RowCheck,
    as_json,
    as_time,
    canonical_digest,
    digest_matches,
    fields,
)
from civwatch.custody.row_stream import merge_by, rows_of
from civwatch.evidence.records import with_item_sha256
from civwatch.incidents import casualties
from civwatch.incidents.models import (
    EvidenceLink,
    Incident,
    IncidentChangeDecision,
    IncidentObject,
    IncidentRevision,
    IncidentTransition,
    IncidentWeapon,
    ItemTransition,
    ItemVerification,
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


# --- states replayed from transitions ---------------------------------------------------------


@dataclass
class _Replayed:
    status: str
    proposed: str | None = None
    visibility: str = "internal"
    submitted_by: str | None = None


def _replay(
    table: str, initial: str, key: str, history: list[Row], problems: list[Problem]
) -> _Replayed:
    """The state the transitions lead to, in log order; a broken chain is named."""
    state = _Replayed(initial)
    for t in sorted(history, key=lambda r: r["leaf"] if isinstance(r["leaf"], int) else -1):
        if t["from_status"] != state.status:
            problems.append(
                Problem(
                    table,
                    str(t["id"]),
                    f"This {t['act']} starts from {t['from_status']!r}, but the replayed "
                    f"history of {key} was {state.status!r} then.",
                    t["leaf"] if isinstance(t["leaf"], int) else None,
                )
            )
        state.status = t["to_status"]
        state.proposed = t["proposed_status"] if t["to_status"] == "in_review" else None
        if t["act"] == "publish":
            state.visibility = "public"
        elif t["act"] in ("unpublish", "reopen"):
            state.visibility = "internal"
        if t["act"] == "submit":
            state.submitted_by = t["actor"]
    return state


def _history(model: type[IncidentTransition] | type[ItemTransition], group: Any) -> AnySelect:
    return select(
        group.label("group"),
        model.id.label("id"),
        model.custody_leaf.label("leaf"),
        model.act.label("act"),
        model.from_status.label("from_status"),
        model.to_status.label("to_status"),
        model.proposed_status.label("proposed_status"),
        model.actor.label("actor"),
    ).order_by(group, model.custody_leaf)


def _difference(table: str, row: Row, column: str, stored: Any, replayed: Any) -> Problem:
    return Problem(
        table,
        str(row["id"]),
        f"{column} is {stored!r} in the database, but its recorded transitions lead to "
        f"{replayed!r}.",
    )


def _item_states(session: Session, progress: Progress | None) -> Iterator[Problem]:
    states = rows_of(
        session,
        select(
            ItemVerification.item_id.label("group"),
            ItemVerification.item_id.label("id"),
            ItemVerification.status.label("status"),
            ItemVerification.proposed_status.label("proposed_status"),
            ItemVerification.submitted_by.label("submitted_by"),
        ).order_by(ItemVerification.item_id),
    )
    history = rows_of(session, _history(ItemTransition, ItemTransition.item_id))
    problems: list[Problem] = []
    for item, rows, steps in merge_by("group", states, history):
        replayed = _replay("item_transition", "unverified", f"item {item}", steps, problems)
        if not rows:
            problems.append(
                Problem(
                    "item_verification",
                    str(item),
                    "Item transitions are recorded for this item, but its state row is "
                    "missing (deleted?).",
                )
            )
        for row in rows:
            for column, stored, expected in (
                ("status", row["status"], replayed.status),
                ("proposed_status", row["proposed_status"], replayed.proposed),
                ("submitted_by", row["submitted_by"], replayed.submitted_by),
            ):
                if stored != expected:
                    problems.append(_difference("item_verification", row, column, stored, expected))
        yield from problems
        problems.clear()


def _incident_states(session: Session, progress: Progress | None) -> Iterator[Problem]:
    states = rows_of(
        session,
        select(
            Incident.id.label("group"),
            Incident.id.label("id"),
            Incident.status.label("status"),
            Incident.proposed_status.label("proposed_status"),
            Incident.visibility.label("visibility"),
        ).order_by(Incident.id),
    )
    history = rows_of(session, _history(IncidentTransition, IncidentTransition.incident_id))
    problems: list[Problem] = []
    for incident, rows, steps in merge_by("group", states, history):
        replayed = _replay(
            "incident_transition", "reported", f"incident {incident}", steps, problems
        )
        if not rows:
            problems.append(
                Problem(
                    "incident",
                    str(incident),
                    "Transitions are recorded for this incident, but its row is missing.",
                )
            )
        for row in rows:
            for column, stored, expected in (
                ("status", row["status"], replayed.status),
                ("proposed_status", row["proposed_status"], replayed.proposed),
                ("visibility", row["visibility"], replayed.visibility),
            ):
                if stored != expected:
                    problems.append(_difference("incident", row, column, stored, expected))
        yield from problems
        problems.clear()


# --- revision states and current revisions replayed from proposals and decisions -------------

#: The state of a revision each decision leaves it in.
_DECIDED = {"approve": "approved", "reject": "rejected", "apply": "applied"}


def _leaf_order(row: Row) -> int:
    leaf = row["leaf"]
    return leaf if isinstance(leaf, int) and not isinstance(leaf, bool) else -1


def _replay_changes(
    incident: Any, rows: list[Row], revisions: list[Row], decisions: list[Row]
) -> Iterator[Problem]:
    """Each revision's state and the incident's current revision, replayed in log order:
    a create or update applies its revision (and makes it current); a proposal is
    pending; a decision approves, rejects or applies it (an applied one becomes current).
    The rows replayed are bound to their entries by the bindings above."""
    by_id = {r["id"]: r for r in revisions}
    state: dict[Any, tuple[str, Any]] = {}
    current: tuple[Any, Any] | None = None
    steps = [(r, False) for r in revisions] + [(d, True) for d in decisions]
    for row, decision in sorted(steps, key=lambda step: _leaf_order(step[0])):
        if not decision:
            applied = row["base_revision"] is None
            state[row["id"]] = ("applied" if applied else "pending", row["leaf"])
            if applied:
                current = (row["revision"], row["leaf"])
            continue
        revision = by_id.get(row["revision_id"])
        new = _DECIDED.get(row["act"])
        if revision is None or new is None:
            continue  # a decision on another incident's revision, or of no known act: named
        state[revision["id"]] = (new, row["leaf"])
        if new == "applied":
            current = (revision["revision"], row["leaf"])
    for r in revisions:
        expected, leaf = state[r["id"]]
        if r["state"] != expected:
            yield Problem(
                "incident_revision",
                str(r["id"]),
                f"state is {r['state']!r} in the database, but its recorded proposal and "
                f"decisions lead to {expected!r}.",
                leaf if isinstance(leaf, int) else None,
            )
    if not rows and revisions:
        yield Problem(
            "incident",
            str(incident),
            "Revisions are recorded for this incident, but its row is missing (deleted?).",
        )
    for row in rows:
        if current is not None and row["revision"] != current[0]:
            yield Problem(
                "incident",
                str(row["id"]),
                f"revision is {row['revision']!r} in the database, but its recorded "
                f"revisions and applied changes lead to {current[0]!r}.",
                current[1] if isinstance(current[1], int) else None,
            )


def _incident_changes(session: Session, progress: Progress | None) -> Iterator[Problem]:
    incidents = rows_of(
        session,
        select(
            Incident.id.label("group"), Incident.id.label("id"), Incident.revision.label("revision")
        ).order_by(Incident.id),
    )
    r = IncidentRevision
    revisions = rows_of(
        session,
        select(
            r.incident_id.label("group"),
            r.id.label("id"),
            r.revision.label("revision"),
            r.state.label("state"),
            r.base_revision.label("base_revision"),
            r.custody_leaf.label("leaf"),
        ).order_by(r.incident_id),
    )
    d = IncidentChangeDecision
    decisions = rows_of(
        session,
        select(
            d.incident_id.label("group"),
            d.id.label("id"),
            d.revision_id.label("revision_id"),
            d.act.label("act"),
            d.custody_leaf.label("leaf"),
        ).order_by(d.incident_id),
    )
    for done, (incident, rows, revs, decs) in enumerate(
        merge_by("group", incidents, revisions, decisions), 1
    ):
        yield from _replay_changes(incident, rows, revs, decs)
        if progress is not None and done % 10_000 == 0:
            progress("incident changes", done, done)


# --- an incident's content against its current revision --------------------------------------

_CONTENT = (
    "title",
    "narrative",
    "time_precision",
    "lat",
    "lon",
    "radius_m",
    "settlement",
    "raion",
    "oblast",
    "incident_type",
    "perpetrator",
    "perpetrator_confidence",
)
_TOTALS = ("killed_min", "killed_max", "injured_min", "injured_max")


def _terms_of(model: type[IncidentWeapon] | type[IncidentObject]) -> Any:
    return (
        select(func.aggregate_strings(model.term, "\n"))
        .where(model.incident_id == Incident.id)
        .scalar_subquery()
    )


def _incident_content_query() -> AnySelect:
    current = aliased(IncidentRevision)
    first = aliased(IncidentRevision)
    i = Incident
    return (
        select(
            i.id.label("id"),
            *(getattr(i, name).label(name) for name in _CONTENT),
            i.start_at.label("start"),
            i.end_at.label("end"),
            i.casualties.label("casualties"),
            i.ihl_concerns.label("ihl_concerns"),
            *(getattr(i, name).label(name) for name in _TOTALS),
            i.revision.label("revision"),
            i.created_by.label("created_by"),
            _terms_of(IncidentWeapon).label("weapons"),
            _terms_of(IncidentObject).label("objects"),
            current.doc.label("doc"),
            current.custody_leaf.label("leaf"),
            first.actor.label("creator"),
        )
        .outerjoin(current, and_(current.incident_id == i.id, current.revision == i.revision))
        .outerjoin(first, and_(first.incident_id == i.id, first.revision == 1))
        .order_by(i.id)
    )


def _content_differences(row: Row) -> Iterator[str]:
    doc = as_json(row["doc"])
    if not isinstance(doc, dict):
        yield f"It has no readable revision {row['revision']!r} (its current revision)"
        return
    for name in _CONTENT:
        if row[name] != doc.get(name):
            yield f"{name} differs from its current revision {row['revision']}"
    for name in ("start", "end"):
        if as_time(row[name]) != as_time(doc.get(name)):
            yield f"{name} differs from its current revision {row['revision']}"
    for name in ("weapons", "objects"):
        stored = sorted(row[name].split("\n")) if row[name] else []
        if stored != doc.get(name):
            yield f"{name} differ from its current revision {row['revision']}"
    for name in ("casualties", "ihl_concerns"):
        if as_json(row[name]) != doc.get(name):
            yield f"{name} differ from its current revision {row['revision']}"
    try:
        totals = casualties.totals(doc.get("casualties") or {})
    except (KeyError, TypeError, ValueError):
        totals = {}
    for name in _TOTALS:
        if row[name] != totals.get(name):
            yield f"{name} ({row[name]!r}) is not the total of its casualty figures"
    if row["created_by"] != row["creator"]:
        yield (
            f"created_by ({row['created_by']!r}) is not who recorded revision 1 "
            f"({row['creator']!r})"
        )


def _incident_content(session: Session, progress: Progress | None) -> Iterator[Problem]:
    for done, row in enumerate(rows_of(session, _incident_content_query()), 1):
        leaf = row["leaf"] if isinstance(row["leaf"], int) else None
        try:
            messages = list(_content_differences(row))
        except (TypeError, ValueError, AttributeError) as err:
            messages = [f"The row holds a malformed value and cannot be checked ({err})"]
        for message in messages:
            yield Problem("incident", str(row["id"]), f"{message}.", leaf)
        if progress is not None and done % 10_000 == 0:
            progress("incident content", done, done)


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
                acts=tuple(f"incident-change-{act}" for act in _DECIDED),
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
            RowCheck("item states", _item_states),
            RowCheck("incident states", _incident_states),
            RowCheck("incident changes", _incident_changes),
            RowCheck("incident content", _incident_content),
        ],
    )

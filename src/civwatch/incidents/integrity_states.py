"""What ``civwatch verify`` checks of incident and item states against their histories.

The status, proposed status and visibility of every item and incident against the state
replayed from its transitions; each revision's state and each incident's current revision
against those replayed from its revisions and change decisions; each incident's content
against the document of its current revision. The rows replayed are bound to their custody
entries by :mod:`civwatch.incidents.integrity`, which declares these checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from civwatch.custody.bindings import (
    AnySelect,
    Problem,
    Progress,
    Row,
    as_json,
    as_time,
)
from civwatch.custody.row_stream import merge_by, rows_of
from civwatch.incidents import casualties
from civwatch.incidents.models import (
    Incident,
    IncidentChangeDecision,
    IncidentObject,
    IncidentRevision,
    IncidentTransition,
    IncidentWeapon,
    ItemTransition,
    ItemVerification,
)

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


def item_states(session: Session, progress: Progress | None) -> Iterator[Problem]:
    """Each item's verification state against the state its transitions lead to."""
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


def incident_states(session: Session, progress: Progress | None) -> Iterator[Problem]:
    """Each incident's status and visibility against the state its transitions lead to."""
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
DECIDED = {"approve": "approved", "reject": "rejected", "apply": "applied"}


def _leaf_order(row: Row) -> int:
    leaf = row["leaf"]
    return leaf if isinstance(leaf, int) and not isinstance(leaf, bool) else -1


def _replay_changes(
    incident: Any, rows: list[Row], revisions: list[Row], decisions: list[Row]
) -> Iterator[Problem]:
    """Each revision's state and the incident's current revision, replayed in log order:
    a create or update applies its revision (and makes it current); a proposal is
    pending; a decision approves, rejects or applies it (an applied one becomes current).
    The rows replayed are bound to their entries by :mod:`civwatch.incidents.integrity`."""
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
        new = DECIDED.get(row["act"])
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


def incident_changes(session: Session, progress: Progress | None) -> Iterator[Problem]:
    """Each revision's state and each incident's current revision against those its
    revisions and change decisions lead to."""
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


def incident_content(session: Session, progress: Progress | None) -> Iterator[Problem]:
    """Each incident's content against the document of its current revision."""
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

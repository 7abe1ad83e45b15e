"""What ``civwatch verify`` checks of the protection desk against its audit log (the
protection audit log, not the evidence custody log): each ``protection_audit_event`` row
against the entry at its leaf - its act (or kind of change), who, when, which person,
case and fields - and every entry of the log has its row. An edited row, a deleted one and
one added from outside are named."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from civwatch.accounts.service import username_of
from civwatch.custody.bindings import AnySelect, Binding, Declarations, Entry, Row, as_json, fields
from civwatch.i18n import _
from civwatch.protection.acts import ACTS, PROTECTION_ACCESS, PROTECTION_CHANGE
from civwatch.protection.audit import access_act
from civwatch.protection.models import ProtectionAuditEvent


def _events() -> AnySelect:
    event = ProtectionAuditEvent
    return select(
        event.leaf_idx.label("id"),
        event.leaf_idx.label("leaf"),
        event.act.label("act"),
        username_of(event.actor_id).label("actor"),
        event.actor_id.label("actor_id"),
        event.person_id.label("person_id"),
        event.case_id.label("case_id"),
        event.fields.label("fields"),
        event.at.label("at"),
    )


def _row_act(entry: Entry) -> object:
    """The ``act`` a row of this entry holds: the kind of change for a change, the step
    for emergency access, the act itself otherwise."""
    act = entry.get("act")
    if act == PROTECTION_CHANGE.name:
        return entry.get("what")
    if act == PROTECTION_ACCESS.name:
        what = entry.get("what")
        return access_act(what) if isinstance(what, str) else None
    return act


def _check(row: Row, entry: Entry) -> Iterator[str]:
    """What :func:`~civwatch.custody.bindings.fields` cannot say: the row's act, and its
    fields (an entry without any, e.g. a desk act, has none)."""
    wanted = _row_act(entry)
    if row.get("act") != wanted:
        yield _(
            "act in the database (%(stored)s) differs from the entry (%(logged)s)",
            stored=repr(row.get("act")),
            logged=repr(wanted),
        )
    stored_fields = as_json(row.get("fields"))
    logged_fields = entry.get("fields", [])
    if stored_fields != logged_fields:
        yield _(
            "fields in the database (%(stored)s) differ from the entry (%(logged)s)",
            stored=repr(stored_fields),
            logged=repr(logged_fields),
        )
    if row.get("actor_id") is not None and row.get("actor") is None:
        yield _("the row names a user who does not exist")


def declarations() -> Declarations:
    """The protection audit log's binding: every entry has its row, every row its entry."""
    return Declarations(
        bindings=[
            Binding(
                table="protection_audit_event",
                stage="protection audit",
                acts=tuple(act.name for act in ACTS),
                query=_events,
                fields=fields(
                    "actor",
                    ("person", "person_id"),
                    ("case", "case_id"),
                    ("at", "at", "time"),
                ),
                check=_check,
            )
        ]
    )

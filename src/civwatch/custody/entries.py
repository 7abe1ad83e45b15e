"""Custody entries: one layout for every act, the registry of acts, and their JSON Schemas.

Every entry civwatch appends to the custody log is a JSON object of this layout (written
as RFC 8785 canonical JSON)::

    {"v": 2, "act": "ingest", "actor": "olena", "at": "2026-03-09T10:15:00.123456+00:00",
     "sha256": "...", ...}

* ``v``: the layout version of that act (each act counts its own);
* ``act``: what was done;
* ``actor``: who did it - a username, or the name a collector gave on the command line;
  null when civwatch did it by itself (metadata extraction, perceptual hashing), and for
  acts done on the data folder's own machine, which say ``"local": true``;
* ``at``: when, ISO 8601 in UTC with microseconds;
* then the act's *subject* fields: what it was done to and how.

Engine level: this module knows no domain. Each domain declares its acts in its own
``acts.py`` (an :class:`Act` each, registered with :func:`register`) and writes them with
:func:`build` or :func:`append`; the builder refuses a field the act does not declare.
Readers look acts up here: :func:`registered` (e.g. whether an evidence package may carry
an entry's content), :func:`schema` (its JSON Schema, per layout version).

The log is append-only: entries written in an older layout of an act stay as they are.
An act keeps each older layout (:class:`Layout`) with the schema its entries have, and
:func:`current` gives a reader such an entry under today's field names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import rfc8785
from sqlalchemy.orm import Session

from civwatch.custody.log import CustodyLog
from civwatch.errors import EntryLayoutError
from civwatch.i18n import _

#: A JSON Schema (draft 2020-12), as a mapping.
Schema = dict[str, Any]
#: The fields every entry of today's layout holds, before its subject fields.
ENVELOPE = ("v", "act", "actor", "at")
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class Actor(StrEnum):
    """Who the ``actor`` of an act may be."""

    #: Always someone: a username, or the name given on the command line.
    PERSON = "person"
    #: Someone, or null: the first admin, or an act on the data folder's own machine.
    PERSON_OR_NONE = "person-or-none"
    #: Always null: civwatch did it by itself.
    CIVWATCH = "civwatch"


_ACTOR_SCHEMAS: dict[Actor, Schema] = {
    Actor.PERSON: {"type": "string", "minLength": 1},
    Actor.PERSON_OR_NONE: {"type": ["string", "null"], "minLength": 1},
    Actor.CIVWATCH: {"type": "null"},
}
_AT_SCHEMA: Schema = {"type": "string", "format": "date-time"}


@dataclass(frozen=True)
class Layout:
    """An older layout of an act, as the entries written in it hold it.

    ``properties`` are the JSON Schemas of every field but ``v`` and ``act``; ``renamed``
    maps a field of this layout to its name today (e.g. ``collected_by`` to ``actor``).
    """

    version: int
    properties: Mapping[str, Schema]
    required: tuple[str, ...]
    renamed: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Act:
    """A kind of custody entry: its name, what it records, and its fields today.

    ``subject`` holds the JSON Schemas of the fields beyond the envelope (``v``, ``act``,
    ``actor``, ``at``); each is required unless named in ``optional``. ``packaged``: an
    evidence package may carry the entry's content (otherwise only its leaf hash and
    proof). ``older``: the layouts entries of this act were written in before ``version``.
    """

    name: str
    description: str
    subject: Mapping[str, Schema]
    version: int = 1
    actor: Actor = Actor.PERSON
    optional: tuple[str, ...] = ()
    packaged: bool = False
    older: tuple[Layout, ...] = ()

    def __post_init__(self) -> None:
        clash = set(ENVELOPE) & set(self.subject)
        if clash:
            raise ValueError(f"act {self.name}: {sorted(clash)} are envelope fields")
        if not set(self.optional) <= set(self.subject):
            raise ValueError(f"act {self.name}: an optional field is not a subject field")
        if any(layout.version >= self.version for layout in self.older):
            raise ValueError(f"act {self.name}: an older layout is not older than today's")

    @property
    def fields(self) -> frozenset[str]:
        """Every field an entry of today's layout may hold."""
        return frozenset(ENVELOPE) | frozenset(self.subject)

    @property
    def required(self) -> frozenset[str]:
        """The subject fields an entry of today's layout must hold."""
        return frozenset(self.subject) - frozenset(self.optional)

    @property
    def versions(self) -> tuple[int, ...]:
        """Every layout version of this act, oldest first."""
        return (*sorted(layout.version for layout in self.older), self.version)


_ACTS: dict[str, Act] = {}
#: (act, older version) -> (renamed fields, envelope fields the layout lacks).
_UPGRADES: dict[tuple[str, int], tuple[Mapping[str, str], tuple[str, ...]]] = {}


def register(act: Act) -> Act:
    """Add ``act`` to the registry (once; a second, different act of that name is refused)
    and return it, so that a domain's ``acts.py`` reads ``INGEST = register(Act(...))``."""
    known = _ACTS.get(act.name)
    if known is not None and known != act:
        raise ValueError(f"two different acts are named {act.name!r}")
    _ACTS[act.name] = act
    for layout in act.older:
        lacking = tuple(name for name in ENVELOPE[2:] if name not in layout.properties)
        renamed = {old: new for old, new in layout.renamed.items() if old != new}
        lacking = tuple(name for name in lacking if name not in renamed.values())
        if renamed or lacking:
            _UPGRADES[(act.name, layout.version)] = (renamed, lacking)
    return act


def registered(name: str) -> Act | None:
    """The act of that name, if a domain declared it."""
    return _ACTS.get(name)


def all_acts() -> list[Act]:
    """Every registered act, by name."""
    return [_ACTS[name] for name in sorted(_ACTS)]


# --- writing ----------------------------------------------------------------------------


def timestamp(at: datetime) -> str:
    """The ``at`` of an entry: ISO 8601 in UTC with microseconds (an aware time only)."""
    if at.tzinfo is None:
        raise EntryLayoutError(_("A custody entry's time must say its time zone."))
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def build(act: Act, actor: str | None, at: datetime, **subject: Any) -> dict[str, Any]:
    """The entry of ``act`` in today's layout. Refuses an act nobody registered, a field
    the act does not declare, a required field left out, and an actor the act does not
    allow."""
    if _ACTS.get(act.name) is not act:
        raise EntryLayoutError(
            _("The custody act %(name)s is not registered.", name=repr(act.name))
        )
    unknown = set(subject) - set(act.subject)
    missing = act.required - set(subject)
    if unknown or missing:
        raise EntryLayoutError(
            _(
                "A %(name)s custody entry does not fit its layout: unknown fields "
                "%(unknown)s, missing fields %(missing)s.",
                name=act.name,
                unknown=sorted(unknown),
                missing=sorted(missing),
            )
        )
    if (actor is None) != (act.actor is Actor.CIVWATCH) and act.actor is not Actor.PERSON_OR_NONE:
        who = "no actor" if act.actor is Actor.CIVWATCH else "an actor"
        raise EntryLayoutError(
            _("A %(name)s custody entry must name %(who)s.", name=act.name, who=who)
        )
    return {"v": act.version, "act": act.name, "actor": actor, "at": timestamp(at), **subject}


def append(
    log: CustodyLog, session: Session, act: Act, actor: str | None, at: datetime, **subject: Any
) -> int:
    """Append one entry of ``act`` (see :func:`build`) in the caller's transaction and
    return its leaf index."""
    (leaf,) = log.append(session, [build(act, actor, at, **subject)])
    return leaf


def digest(doc: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON (RFC 8785) of ``doc``: how an entry records a
    document it does not hold."""
    return hashlib.sha256(rfc8785.dumps(dict(doc))).hexdigest()


# --- reading ----------------------------------------------------------------------------


def current(entry: dict[str, Any]) -> dict[str, Any]:
    """``entry`` under today's field names: an entry of an older layout whose fields were
    renamed comes back as a renamed copy (``collected_by`` as ``actor``), and one whose
    layout had no ``actor`` gets ``actor`` null. Any other entry comes back as it is."""
    act, version = entry.get("act"), entry.get("v")
    if type(act) is not str or type(version) is not int:
        return entry
    upgrade = _UPGRADES.get((act, version))
    if upgrade is None:
        return entry
    renamed, lacking = upgrade
    out = {renamed.get(key, key): value for key, value in entry.items()}
    for name in lacking:
        out.setdefault(name, None)
    return out


def renamed_fields() -> dict[str, dict[int, dict[str, str]]]:
    """Per act and older layout version, the fields renamed since (old name -> today's):
    what :func:`current` applies. The standalone package verifier carries a copy."""
    out: dict[str, dict[int, dict[str, str]]] = {}
    for act in all_acts():
        for layout in act.older:
            if layout.renamed:
                out.setdefault(act.name, {})[layout.version] = dict(layout.renamed)
    return out


# --- schemas ----------------------------------------------------------------------------


def schema(act: Act, version: int | None = None) -> Schema:
    """The JSON Schema of ``act``'s entries in layout ``version`` (default: today's)."""
    version = act.version if version is None else version
    if version == act.version:
        properties: dict[str, Schema] = {
            "actor": dict(_ACTOR_SCHEMAS[act.actor]),
            "at": dict(_AT_SCHEMA),
            **{name: dict(value) for name, value in act.subject.items()},
        }
        required = ["actor", "at", *sorted(act.required)]
    else:
        layout = next((lay for lay in act.older if lay.version == version), None)
        if layout is None:
            raise KeyError(f"act {act.name} has no layout {version}")
        properties = {name: dict(value) for name, value in layout.properties.items()}
        required = sorted(layout.required)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": f"civwatch custody entry {act.name}, layout {version}",
        "description": act.description,
        "type": "object",
        "properties": {
            "v": {"const": version},
            "act": {"const": act.name},
            **properties,
        },
        "required": ["v", "act", *required],
        "additionalProperties": False,
    }


def schema_document(acts: Iterable[Act] | None = None) -> Schema:
    """One JSON Schema for every entry of the registered acts, in every layout: each
    layout is under ``$defs`` as ``<act>.v<version>``, and an entry is valid when it is
    valid against the layout its ``act`` and ``v`` name."""
    chosen = all_acts() if acts is None else sorted(acts, key=lambda a: a.name)
    defs: dict[str, Schema] = {}
    for act in chosen:
        for version in act.versions:
            body = schema(act, version)
            body.pop("$schema")
            defs[f"{act.name}.v{version}"] = body
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": "civwatch custody log entries",
        "description": "Every layout of every act civwatch writes to its custody log "
        "(docs/custody-log.md, section 8).",
        "type": "object",
        "required": ["act", "v"],
        "oneOf": [{"$ref": f"#/$defs/{name}"} for name in defs],
        "$defs": defs,
    }


# --- field schemas the domains' acts share ----------------------------------------------


def nullable(value: Schema) -> Schema:
    """``value``, or null."""
    return {"anyOf": [value, {"type": "null"}]}


def one_of(values: Sequence[str]) -> Schema:
    """One of these strings."""
    return {"enum": list(values)}


SHA256: Schema = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
TEXT: Schema = {"type": "string"}
NAME: Schema = {"type": "string", "minLength": 1}
TIME: Schema = {"type": "string", "format": "date-time"}
#: A row's number in its table.
ROW_ID: Schema = {"type": "integer", "minimum": 1}
#: The index of a custody entry.
LEAF: Schema = {"type": "integer", "minimum": 0}
COUNT: Schema = {"type": "integer", "minimum": 0}
NUMBER: Schema = {"type": "number"}
BOOL: Schema = {"type": "boolean"}
TRUE: Schema = {"const": True}

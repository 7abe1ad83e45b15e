"""Reading the shelter registry: one shelter, the shelters of some hromadas, the hromadas
known, and a shelter as the public may see it (never its internal fields)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from civwatch.db import utcnow
from civwatch.errors import RecordNotFoundError, RejectedInputError
from civwatch.i18n import _
from civwatch.shelters.models import Shelter, ShelterRegistryState, ShelterSource

if TYPE_CHECKING:
    from civwatch.accounts.principal import Principal
    from civwatch.workspace import Workspace

#: Fields only coordinators see: who holds the key and how to reach them. No public output
#: (page, API answer, offline bundle, PDF, log) carries them.
INTERNAL_FIELDS: Final = frozenset({"key_holder", "key_holder_contact"})
#: The mark a session carries once its transaction changed the registry or its reports: at
#: its commit, the nearest-shelter indexes this process holds catch up
#: (:mod:`civwatch.shelters.nearest`).
CHANGED_KEY: Final = "civwatch.shelters.changed"


@dataclass(frozen=True)
class ShelterView:
    """A shelter as the registry holds it (internal fields included: hand the public
    :func:`public_shelter` of it)."""

    id: str
    name: str
    name_en: str | None
    address: str | None
    lat: float
    lon: float
    type: str
    capacity: int | None
    underground: bool | None
    level: str | None
    step_free: bool | None
    ramp: bool | None
    lift: bool | None
    accessible_toilet: bool | None
    #: Facility code -> True/False (absent: unknown).
    facilities: dict[str, bool]
    opening_kind: str | None
    opening_hours: str | None
    responsible_body: str | None
    katottg: str | None
    hromada: str | None
    registry_status: str | None
    gone_from_source_at: datetime | None
    created_at: datetime
    updated_at: datetime
    #: "kind:source id" of each source record.
    sources: tuple[str, ...]
    key_holder: str | None
    key_holder_contact: str | None

    @property
    def pets(self) -> bool | None:
        """Whether pets are allowed (None: unknown)."""
        return self.facilities.get("pets")


def new_id(prefix: str) -> str:
    """A new random id with ``prefix`` ("sh_", "shr_", "shi_")."""
    return prefix + secrets.token_urlsafe(18)


def view_of(row: Shelter, sources: Sequence[str] = ()) -> ShelterView:
    """The view of a shelter row."""
    values = {f.name: getattr(row, f.name) for f in fields(ShelterView) if f.name != "sources"}
    values["facilities"] = {str(k): bool(v) for k, v in (row.facilities or {}).items()}
    return ShelterView(**values, sources=tuple(sources))


def _sources(session: Session, ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(ShelterSource.shelter_id, ShelterSource.kind, ShelterSource.source_id)
            .where(ShelterSource.shelter_id.in_(ids[start : start + 500]))
            .order_by(ShelterSource.kind, ShelterSource.source_id)
        )
        for shelter_id, kind, source_id in rows:
            found.setdefault(shelter_id, []).append(f"{kind}:{source_id}")
    return found


def get_shelter(session: Session, shelter_id: str) -> ShelterView:
    """The shelter ``shelter_id``; a clear error if there is none."""
    row = session.get(Shelter, shelter_id)
    if row is None:
        raise RecordNotFoundError(_("There is no shelter %(id)s.", id=shelter_id))
    return view_of(row, _sources(session, [shelter_id]).get(shelter_id, []))


def public_shelter(view: ShelterView) -> dict[str, Any]:
    """``view`` as the public may see it: every field but the internal ones."""
    shown = asdict(view)
    for name in INTERNAL_FIELDS:
        shown.pop(name, None)
    for name in ("gone_from_source_at", "created_at", "updated_at"):
        value = shown[name]
        shown[name] = None if value is None else value.isoformat()
    shown["sources"] = list(view.sources)
    return shown


def shelters_in(session: Session, katottg_codes: Sequence[str]) -> list[ShelterView]:
    """The shelters still listed by their source in the hromadas ``katottg_codes``, by
    hromada then name."""
    codes = sorted({c.strip() for c in katottg_codes if c.strip()})
    if not codes:
        return []
    rows = list(
        session.scalars(
            select(Shelter)
            .where(Shelter.katottg.in_(codes), Shelter.gone_from_source_at.is_(None))
            .order_by(Shelter.katottg, Shelter.name, Shelter.id)
        )
    )
    sources = _sources(session, [r.id for r in rows])
    return [view_of(r, sources.get(r.id, [])) for r in rows]


def hromadas(session: Session) -> list[tuple[str, str]]:
    """Every hromada with a shelter: (KATOTTG code, name), by name (the code stands for a
    name no source gave)."""
    rows = session.execute(
        select(Shelter.katottg, Shelter.hromada)
        .where(Shelter.katottg.is_not(None), Shelter.gone_from_source_at.is_(None))
        .distinct()
    )
    names: dict[str, str] = {}
    for code, name in rows:
        if code is not None and (code not in names or (name and names[code] == code)):
            names[code] = name or code
    return sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))


def registry_versions(session: Session) -> tuple[int, int]:
    """Numbers that grow at every change of the registry's shelters, and of its confirmed
    reports."""
    row = session.execute(
        select(ShelterRegistryState.version, ShelterRegistryState.reports_version).where(
            ShelterRegistryState.id == 1
        )
    ).first()
    return (0, 0) if row is None else (int(row[0]), int(row[1]))


def _bump(session: Session, shelters: int, reports: int) -> None:
    done = session.execute(
        update(ShelterRegistryState)
        .where(ShelterRegistryState.id == 1)
        .values(
            version=ShelterRegistryState.version + shelters,
            reports_version=ShelterRegistryState.reports_version + reports,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) == 0:
        session.add(ShelterRegistryState(id=1, version=shelters, reports_version=reports))
        session.flush()
    session.info[CHANGED_KEY] = True


def registry_changed(session: Session) -> None:
    """Note, in the caller's transaction, that the registry's shelters changed: this
    process's nearest-shelter indexes are rebuilt as it commits, other processes' when
    their watcher (or next query) sees the new version."""
    _bump(session, 1, 0)


def reports_changed(session: Session) -> None:
    """Note, in the caller's transaction, that a report was confirmed: the confirmed
    reports are read again as for :func:`registry_changed`."""
    _bump(session, 0, 1)


#: The fields a coordinator may edit, and the kind of value each takes.
EDITABLE: Final[dict[str, type]] = {
    "name": str,
    "name_en": str,
    "address": str,
    "capacity": int,
    "underground": bool,
    "level": str,
    "step_free": bool,
    "ramp": bool,
    "lift": bool,
    "accessible_toilet": bool,
    "opening_kind": str,
    "opening_hours": str,
    "responsible_body": str,
    "key_holder": str,
    "key_holder_contact": str,
    "katottg": str,
    "hromada": str,
}


def check_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` to a shelter checked: known fields, values of their kind (None: unknown),
    texts trimmed; a clear error otherwise."""
    from civwatch.shelters.vocabulary import OPENING_KINDS, check_code

    checked: dict[str, Any] = {}
    for name, value in changes.items():
        kind = EDITABLE.get(name)
        if kind is None:
            raise RejectedInputError(
                _(
                    "%(field)s cannot be edited; editable fields: %(fields)s.",
                    field=repr(name),
                    fields=", ".join(EDITABLE),
                )
            )
        if value is None:
            if name == "name":
                value = ""
            checked[name] = value
            continue
        if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise RejectedInputError(_("Give %(field)s as a whole number.", field=name))
        if kind is bool and not isinstance(value, bool):
            raise RejectedInputError(_("Say yes or no for %(feature)s.", feature=repr(name)))
        if kind is str:
            if not isinstance(value, str):
                raise RejectedInputError(_("Give %(field)s as text.", field=name))
            value = " ".join(value.replace("\x00", "").split())[:1000] or None
            if name == "opening_kind" and value is not None:
                value = check_code(OPENING_KINDS, value)
            if name == "name" and value is None:
                value = ""
        checked[name] = value
    return checked


def update_shelter(
    ws: Workspace, actor: Principal, shelter_id: str, changes: Mapping[str, Any]
) -> ShelterView:
    """Edit a shelter (a coordinator or an admin); returns it as it now is. A later import
    of its source sets again the fields the source gives."""
    from civwatch.accounts import audit
    from civwatch.accounts.permissions import Permission
    from civwatch.accounts.service import authorise

    checked = check_changes(changes)
    with ws.sessions() as session, session.begin():
        authorise(session, actor, Permission.SHELTERS_COORDINATE)
        row = session.get(Shelter, shelter_id, with_for_update=True)
        if row is None:
            raise RecordNotFoundError(_("There is no shelter %(id)s.", id=shelter_id))
        for name, value in checked.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        registry_changed(session)
        audit.record(
            session,
            "shelters.edit",
            actor=actor.username,
            target=shelter_id,
            detail={"fields": sorted(checked)},
        )
    with ws.sessions() as session:
        return get_shelter(session, shelter_id)

"""Casualty totals and time series over any filter of incidents.

Figures are ranges, so totals are ranges too: the sum of the minima and the sum of the
maxima. Incidents without a figure add nothing to it and are counted apart, so a reader
sees how many incidents the totals rest on. Incidents found false or misattributed are left
out unless asked for by status. Days and weeks (Monday to Sunday) are UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.orm import Session

from civwatch.errors import RejectedInputError
from civwatch.geo import validation
from civwatch.geo.regions import UKRAINE_ADMIN1
from civwatch.i18n import _
from civwatch.incidents.models import Incident, IncidentObject
from civwatch.incidents.terms import extra_terms
from civwatch.incidents.vocabulary import INCIDENT_STATUSES, VISIBILITIES, choose, resolve, slug
from civwatch.workspace import Workspace

Period = Literal["day", "week"]
AnySelect = Select[*tuple[Any, ...]]


def resolve_oblast(value: str) -> str:
    """The stored English name of a Ukrainian oblast from any usual spelling, else as given."""
    wanted = slug(value)
    for english, ukrainian in UKRAINE_ADMIN1.values():
        short = english.removesuffix(" Oblast").removesuffix(" City")
        if wanted in (slug(english), slug(short)) or value.strip().casefold() in (
            ukrainian.casefold(),
        ):
            return english
    return value.strip()


@dataclass(frozen=True)
class IncidentFilter:
    """Which incidents an aggregation or list covers (None: no restriction)."""

    statuses: tuple[str, ...] | None = None
    visibility: str | None = None
    oblast: str | None = None
    incident_type: str | None = None
    object_: str | None = None
    start_from: datetime | None = None
    start_to: datetime | None = None
    include_false: bool = False

    @classmethod
    def build(
        cls,
        session: Session,
        *,
        statuses: Sequence[str] | None = None,
        visibility: str | None = None,
        oblast: str | None = None,
        incident_type: str | None = None,
        object_: str | None = None,
        start_from: datetime | None = None,
        start_to: datetime | None = None,
        include_false: bool = False,
    ) -> IncidentFilter:
        """A checked filter: unknown terms and inverted time ranges are clear errors."""
        checked_statuses = (
            tuple(sorted({choose(s, INCIDENT_STATUSES, _("status")) for s in statuses}))
            if statuses
            else None
        )
        if start_from is not None:
            start_from = validation.aware(start_from, _("The start of the period")).astimezone(UTC)
        if start_to is not None:
            start_to = validation.aware(start_to, _("The end of the period")).astimezone(UTC)
        if start_from is not None and start_to is not None and start_to < start_from:
            raise RejectedInputError(_("The period ends before it starts."))
        return cls(
            statuses=checked_statuses,
            visibility=None
            if visibility is None
            else choose(visibility, VISIBILITIES, _("visibility")),
            oblast=None if oblast is None else resolve_oblast(oblast),
            incident_type=None
            if incident_type is None
            else resolve("incident_type", incident_type, extra_terms(session, "incident_type")),
            object_=None
            if object_ is None
            else resolve("object", object_, extra_terms(session, "object")),
            start_from=start_from,
            start_to=start_to,
            include_false=include_false,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "statuses": list(self.statuses) if self.statuses else None,
            "visibility": self.visibility,
            "oblast": self.oblast,
            "incident_type": self.incident_type,
            "object": self.object_,
            "from": None if self.start_from is None else self.start_from.isoformat(),
            "to": None if self.start_to is None else self.start_to.isoformat(),
        }


def filtered(query: AnySelect, flt: IncidentFilter) -> AnySelect:
    """``query`` (over ``Incident``) restricted to the filter."""
    if flt.statuses:
        query = query.where(Incident.status.in_(flt.statuses))
    elif not flt.include_false:
        query = query.where(Incident.status != "false_or_misattributed")
    if flt.visibility:
        query = query.where(Incident.visibility == flt.visibility)
    if flt.oblast:
        query = query.where(Incident.oblast == flt.oblast)
    if flt.incident_type:
        query = query.where(Incident.incident_type == flt.incident_type)
    if flt.object_:
        query = query.where(
            Incident.id.in_(
                select(IncidentObject.incident_id).where(IncidentObject.term == flt.object_)
            )
        )
    if flt.start_from is not None:
        query = query.where(Incident.start_at >= flt.start_from)
    if flt.start_to is not None:
        query = query.where(Incident.start_at < flt.start_to)
    return query


def _figures(row: Sequence[Any], at: int) -> dict[str, Any]:
    return {
        "incidents_with_figure": int(row[at] or 0),
        "min": int(row[at + 1] or 0),
        "max": int(row[at + 2] or 0),
    }


_SUMS = (
    func.count(Incident.id),
    func.count(Incident.killed_min),
    func.sum(Incident.killed_min),
    func.sum(Incident.killed_max),
    func.count(Incident.injured_min),
    func.sum(Incident.injured_min),
    func.sum(Incident.injured_max),
)


def totals_in_session(session: Session, flt: IncidentFilter) -> dict[str, Any]:
    row = session.execute(filtered(select(*_SUMS), flt)).one()
    return {
        "filter": flt.as_json(),
        "incidents": int(row[0] or 0),
        "killed": _figures(row, 1),
        "injured": _figures(row, 4),
    }


def casualty_totals(ws: Workspace, **filters: Any) -> dict[str, Any]:
    """Incidents counted and casualties summed (ranges) over a filter (see IncidentFilter)."""
    with ws.sessions() as session:
        return totals_in_session(session, IncidentFilter.build(session, **filters))


def _bucket(session: Session, period: Period) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        if period == "day":
            return func.strftime("%Y-%m-%d", Incident.start_at)
        return func.date(Incident.start_at, "weekday 0", "-6 days")
    utc = func.timezone("UTC", Incident.start_at)
    if period == "day":
        return func.to_char(utc, literal_column("'YYYY-MM-DD'"))
    return func.to_char(func.date_trunc("week", utc), literal_column("'YYYY-MM-DD'"))


def time_series(ws: Workspace, period: str = "day", **filters: Any) -> dict[str, Any]:
    """Per day or per ISO week (starting Monday, UTC): incidents and casualty ranges."""
    chosen: Period = "week" if choose(period, ("day", "week"), _("period")) == "week" else "day"
    with ws.sessions() as session:
        flt = IncidentFilter.build(session, **filters)
        bucket = _bucket(session, chosen).label("period")
        rows = session.execute(
            filtered(select(bucket, *_SUMS), flt).group_by(bucket).order_by(bucket)
        ).all()
        return {
            "filter": flt.as_json(),
            "period": chosen,
            "series": [
                {
                    "period": str(r[0]),
                    "incidents": int(r[1] or 0),
                    "killed": _figures(r[1:], 1),
                    "injured": _figures(r[1:], 4),
                }
                for r in rows
            ],
        }

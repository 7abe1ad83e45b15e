"""The incident form of the team's pages: reading it into one incident input, filling it
from an incident, giving back what the user typed after an error, and auditing what it
sent.

A form field that does not read as what it should (a date, a number, a casualty range) is
refused with a whole sentence, or passed on as typed for the incident input
(:func:`civwatch.incidents.input.incident_fields`, shared with the API and the command
line) to refuse in the same words everywhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from starlette.datastructures import FormData

from civwatch.accounts import audit
from civwatch.accounts.principal import Principal
from civwatch.errors import RejectedInputError
from civwatch.i18n import N_, _
from civwatch.i18n.formatting import in_ukraine
from civwatch.incidents import casualties
from civwatch.incidents.input import incident_fields
from civwatch.web.auth import client_of
from civwatch.workspace import Workspace

#: Fields of the form that hold several values (checkboxes).
MANY = ("weapons", "objects", "ihl_concerns")
KYIV_ZONE = "Europe/Kyiv"
#: Zones the form's times may be entered in: the place's local time, or UTC. Times are
#: stored in UTC whatever the zone they were entered in.
TIME_ZONES = {KYIV_ZONE: N_("Kyiv time (Europe/Kyiv)"), "UTC": N_("UTC")}


# --- small parsers -----------------------------------------------------------------------------


def day(value: str, what: str) -> datetime | None:
    """A YYYY-MM-DD date from a form as midnight UTC (None when empty); ``what`` names the
    field in the refusal."""
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    except ValueError:
        raise RejectedInputError(
            _("%(what)s “%(value)s” is not a date such as 2022-03-09.", what=what, value=value)
        ) from None


def _moment(value: str, zone: tzinfo = UTC) -> datetime | str | None:
    """A date and time from a form; without an offset it is read in ``zone`` (the one the
    form's time zone field names) and made UTC. What does not read as one is passed on as
    typed, for the incident input to refuse."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)


def time_zone_of(form: FormData) -> tzinfo:
    """The zone the form's times were entered in: one of :data:`TIME_ZONES`; UTC when the
    field is missing (clients that post UTC, as the form did before it had the field)."""
    name = field(form, "time_zone") or "UTC"
    if name not in TIME_ZONES:
        raise RejectedInputError(
            _("Choose the time zone of the times: %(zones)s.", zones=", ".join(TIME_ZONES))
        )
    return UTC if name == "UTC" else ZoneInfo(name)


def place_zone(incident: dict[str, Any] | None) -> str:
    """The zone an incident's times are entered in on the form: Kyiv time for a place in
    Ukraine (and for a new incident, whose place is not known yet), UTC elsewhere."""
    return KYIV_ZONE if incident is None or in_ukraine(incident) else "UTC"


def utc_beside(value: str, zone_name: str) -> str:
    """The UTC time of a form's local time, to show beside the field ('' when empty or not
    a time)."""
    zone: tzinfo = ZoneInfo(zone_name) if zone_name in TIME_ZONES and zone_name != "UTC" else UTC
    moment = _moment(value or "", zone)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if isinstance(moment, datetime) else ""


def _number(value: str) -> float | str | None:
    """A number from a form (a decimal comma is a point); what does not read as one is
    passed on as typed, for the incident input to refuse."""
    if not value:
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return value


def _figure(text: str, source: str, kind: str) -> dict[str, Any] | None:
    text = text.strip()
    if not text:
        if source.strip():
            raise RejectedInputError(
                _("A source for the killed needs a number or range too.")
                if kind == "killed"
                else _("A source for the injured needs a number or range too.")
            )
        return None
    try:
        low, high = casualties.range_bounds(text)  # the incident input checks the numbers
    except RejectedInputError as exc:
        raise RejectedInputError(
            _("Killed: %(problem)s", problem=exc.message)
            if kind == "killed"
            else _("Injured: %(problem)s", problem=exc.message)
        ) from None
    return {"min": low, "max": high, "source": source.strip() or None}


def _form_time(iso: str | None, zone_name: str = "UTC") -> str:
    """An ISO time as a datetime-local value in the zone named."""
    if not iso:
        return ""
    zone: tzinfo = UTC if zone_name == "UTC" else ZoneInfo(zone_name)
    return datetime.fromisoformat(iso).astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")


# --- the form ----------------------------------------------------------------------------------


def field(form: FormData, name: str) -> str:
    """One text field of a form, stripped ('' when absent or a file)."""
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def doc_from_form(form: FormData) -> dict[str, Any]:
    """An incident document from the incident form, checked as one incident input (the
    API's and the command line's); the service checks the terms and the place."""

    def text(name: str) -> str:
        return field(form, name)

    def many(name: str) -> list[str]:
        return [v for v in form.getlist(name) if isinstance(v, str) and v.strip()]

    zone = time_zone_of(form)
    figures = {}
    for kind in ("killed", "injured"):
        figure = _figure(text(kind), text(f"{kind}_source"), kind)
        if figure is not None:
            figures[kind] = figure
    given = {
        "title": text("title"),
        "narrative": text("narrative"),
        "start": _moment(text("start"), zone),
        "end": _moment(text("end"), zone),
        "time_precision": text("time_precision") or "exact",
        "lat": _number(text("lat")),
        "lon": _number(text("lon")),
        "radius_m": _number(text("radius_m")) or 0.0,
        "settlement": text("settlement") or None,
        "oblast": text("oblast") or None,
        "incident_type": text("incident_type"),
        "weapons": many("weapons"),
        "objects": many("objects"),
        "casualties": figures,
        "perpetrator": text("perpetrator") or None,
        "perpetrator_confidence": text("perpetrator_confidence") or None,
        "ihl_concerns": many("ihl_concerns"),
    }
    return incident_fields(given, new=True)


def revision_of(form: FormData) -> int | None:
    """The revision the edit form was filled from (absent from older pages: no check)."""
    raw = form.get("revision")
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return int(raw)
    except ValueError:
        raise RejectedInputError(
            _("“%(value)s” is not a revision number.", value=raw[:20])
        ) from None


def entered(form: FormData) -> dict[str, Any]:
    """What the user typed, to put back into the form after an error."""
    out: dict[str, Any] = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        out[key] = values if key in MANY else values[0]
    out.pop("csrf_token", None)
    return out


def form_of(incident: dict[str, Any]) -> dict[str, Any]:
    """The incident form filled with an incident's current values."""
    figures = incident.get("casualties") or {}
    zone = place_zone(incident)
    return {
        "title": incident["title"],
        "narrative": incident["narrative"],
        "time_zone": zone,
        "start": _form_time(incident["start"], zone),
        "end": _form_time(incident["end"], zone),
        "time_precision": incident["time_precision"],
        "lat": str(incident["lat"]),
        "lon": str(incident["lon"]),
        "radius_m": f"{incident['radius_m']:g}",
        "settlement": incident["settlement"] or "",
        "oblast": incident["oblast"] or "",
        "incident_type": incident["incident_type"],
        "weapons": incident["weapons"],
        "objects": incident["objects"],
        "killed": casualties.PeopleRange(figures["killed"]["min"], figures["killed"]["max"]).text()
        if "killed" in figures
        else "",
        "killed_source": (figures.get("killed") or {}).get("source") or "",
        "injured": casualties.PeopleRange(
            figures["injured"]["min"], figures["injured"]["max"]
        ).text()
        if "injured" in figures
        else "",
        "injured_source": (figures.get("injured") or {}).get("source") or "",
        "perpetrator": incident["perpetrator"] or "",
        "perpetrator_confidence": incident["perpetrator_confidence"] or "",
        "ihl_concerns": incident["ihl_concerns"],
        "revision": incident["revision"],
    }


def changed_fields(current: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``doc`` (the edit form's document) that differ from the incident's
    current content."""
    changes: dict[str, Any] = {}
    for key, value in doc.items():
        old = current.get(key)
        if key in ("start", "end"):
            if value is None or value == datetime.fromisoformat(str(old)):
                continue
        elif key in ("settlement", "oblast") and value is None:
            continue  # left empty: derived from the place again if it moves
        elif key in ("lat", "lon", "radius_m"):
            if value is not None and old is not None and float(value) == float(old):
                continue
        elif key in MANY:
            if sorted(value) == sorted(old or []):
                continue
        elif key == "casualties":
            merged = {}
            for kind, figure in value.items():  # keep breakdowns by group the form lacks
                groups = (old or {}).get(kind, {}).get("groups")
                merged[kind] = {**figure, **({"groups": groups} if groups else {})}
            value = merged
            if casualties.normalise(value) == old:
                continue
        elif value == old or (value in (None, "") and old in (None, "")):
            continue
        changes[key] = value
    return changes


def audit_write(
    request: Request,
    ws: Workspace,
    who: Principal,
    action: str,
    target: str,
    error: str | None = None,
) -> None:
    """Record a write sent by a form (or a refused attempt, with the message the user saw)."""
    audit.record_now(
        ws,
        action,
        actor=who.username,
        target=target,
        client=client_of(request),
        outcome="ok" if error is None else "failed",
        detail=None if error is None else {"error": error[:500]},
    )

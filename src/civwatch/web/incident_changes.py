"""What the incident page and the review queue show of a change to a concluded incident:
each changed field with its approved and its proposed value in words, and whether the
person reading may decide on it (see :mod:`civwatch.incidents.changes`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

#: Names of the incident's fields as the pages show them.
FIELD_LABELS = {
    "title": "Title",
    "narrative": "Narrative",
    "start": "Start",
    "end": "End",
    "time_precision": "Time precision",
    "lat": "Latitude",
    "lon": "Longitude",
    "radius_m": "Precision radius",
    "settlement": "Settlement",
    "raion": "Raion",
    "oblast": "Oblast",
    "incident_type": "Type",
    "weapons": "Weapons",
    "objects": "Affected objects",
    "casualties": "Casualties",
    "perpetrator": "Perpetrator",
    "perpetrator_confidence": "Perpetrator confidence",
    "ihl_concerns": "IHL concerns",
}
#: Why the reader may not decide, by their part in the incident (whole sentences).
YOUR_PART = {
    "proposer": "You proposed this change: another verifier must approve or reject it.",
    "created": "You recorded this incident: another verifier must approve or reject the change.",
    "revision": "You wrote a revision of this incident: another verifier must approve or "
    "reject the change.",
    "records": "You wrote verification records of evidence linked to this incident: another "
    "verifier must approve or reject the change.",
}
KIND_LIST_FIELDS = {"weapons": "weapon", "objects": "object", "ihl_concerns": "ihl_concern"}
NOT_RECORDED = "not recorded"


def _casualties_text(value: Mapping[str, Any], range_text: Callable[[Any], str]) -> str:
    lines = []
    for kind in ("killed", "injured"):
        figure = value.get(kind)
        if not figure:
            continue
        source = figure.get("source")
        line = f"{range_text(figure)} {kind}"
        if source:
            line = f"{line} (source: {source})"
        groups = figure.get("groups") or {}
        if groups:
            parts = ", ".join(
                f"{range_text(g)} {name.replace('_', ' ')}" for name, g in sorted(groups.items())
            )
            line = f"{line}; of whom {parts}"
        lines.append(line)
    return "; ".join(lines) or NOT_RECORDED


def value_text(
    field: str,
    value: Any,
    term_labels: Mapping[str, Mapping[str, str]],
    labels: Mapping[str, str],
    range_text: Callable[[Any], str],
) -> str:
    """A field's value in words, as the facts of the incident page show it."""
    if value is None or value == "" or value == [] or value == {}:
        return NOT_RECORDED
    if field in ("start", "end"):
        moment = datetime.fromisoformat(str(value)).astimezone(UTC)
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    if field in ("lat", "lon"):
        return f"{float(value):.5f}"
    if field == "radius_m":
        return f"{float(value):g} m"
    if field == "time_precision":
        return labels.get(str(value), str(value))
    if field == "incident_type":
        return term_labels.get("incident_type", {}).get(str(value), str(value))
    if field in KIND_LIST_FIELDS:
        known = term_labels.get(KIND_LIST_FIELDS[field], {})
        return ", ".join(known.get(v, v) for v in value)
    if field == "casualties":
        return _casualties_text(value, range_text)
    return str(value)


def change_rows(
    change: Mapping[str, Any],
    term_labels: Mapping[str, Mapping[str, str]],
    labels: Mapping[str, str],
    range_text: Callable[[Any], str],
) -> list[dict[str, str]]:
    """The change's diff for a table: field label, approved value, proposed value."""
    return [
        {
            "field": d["field"],
            "label": FIELD_LABELS.get(d["field"], d["field"]),
            "before": value_text(d["field"], d["before"], term_labels, labels, range_text),
            "after": value_text(d["field"], d["after"], term_labels, labels, range_text),
        }
        for d in change["diff"]
    ]


def reader_part(change: Mapping[str, Any], authors: Mapping[str, str], username: str) -> str | None:
    """The reader's part in the incident that bars them from deciding on ``change``."""
    if change["proposed_by"] == username:
        return "proposer"
    return authors.get(username)

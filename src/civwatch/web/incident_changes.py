"""What the incident page and the review queue show of a change to a concluded incident:
each changed field with its approved and its proposed value in words, and whether the
person reading may decide on it (see :mod:`civwatch.incidents.changes`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from civwatch.geo.place_names import place_name
from civwatch.i18n import N_, _, current_language, gettext
from civwatch.i18n.formatting import format_datetime, format_number
from civwatch.incidents.vocabulary import term_label

#: Names of the incident's fields as the pages show them.
FIELD_LABELS = {
    "title": N_("Title"),
    "narrative": N_("Narrative"),
    "start": N_("Start"),
    "end": N_("End"),
    "time_precision": N_("Time precision"),
    "lat": N_("Latitude"),
    "lon": N_("Longitude"),
    "radius_m": N_("Precision radius"),
    "settlement": N_("Settlement"),
    "raion": N_("Raion"),
    "oblast": N_("Oblast"),
    "incident_type": N_("Type"),
    "weapons": N_("Weapons"),
    "objects": N_("Affected objects"),
    "casualties": N_("Casualties"),
    "perpetrator": N_("Perpetrator"),
    "perpetrator_confidence": N_("Perpetrator confidence"),
    "ihl_concerns": N_("IHL concerns"),
}
#: Why the reader may not decide, by their part in the incident (whole sentences).
YOUR_PART = {
    "proposer": N_("You proposed this change: another verifier must approve or reject it."),
    "created": N_(
        "You recorded this incident: another verifier must approve or reject the change."
    ),
    "revision": N_(
        "You wrote a revision of this incident: another verifier must approve or reject the change."
    ),
    "records": N_(
        "You wrote verification records of evidence linked to this incident: another "
        "verifier must approve or reject the change."
    ),
}
KIND_LIST_FIELDS = {"weapons": "weapon", "objects": "object", "ihl_concerns": "ihl_concern"}
NOT_RECORDED = N_("not recorded")


def _casualties_text(value: Mapping[str, Any], range_text: Callable[[Any], str]) -> str:
    lines = []
    for kind in ("killed", "injured"):
        figure = value.get(kind)
        if not figure:
            continue
        source = figure.get("source")
        line: str = (
            _("%(range)s killed", range=range_text(figure))
            if kind == "killed"
            else _("%(range)s injured", range=range_text(figure))
        )
        if source:
            line = _("%(figure)s (source: %(source)s)", figure=line, source=source)
        groups = figure.get("groups") or {}
        if groups:
            parts = ", ".join(
                _(
                    "%(range)s %(group)s",
                    group=term_label("casualty_group", name),
                    range=range_text(g),
                )
                for name, g in sorted(groups.items())
            )
            line = _("%(figure)s; of whom %(groups)s", figure=line, groups=parts)
        lines.append(line)
    return "; ".join(lines) or gettext(NOT_RECORDED)


def value_text(
    field: str,
    value: Any,
    term_labels: Mapping[str, Mapping[str, str]],
    labels: Mapping[str, str],
    range_text: Callable[[Any], str],
) -> str:
    """A field's value in words, as the facts of the incident page show it."""
    if value is None or value == "" or value == [] or value == {}:
        return gettext(NOT_RECORDED)
    if field in ("start", "end"):
        return format_datetime(value)
    if field in ("lat", "lon"):
        return f"{float(value):.5f}"
    if field == "radius_m":
        return _("%(metres)s m", metres=format_number(float(value)))
    if field in ("settlement", "raion", "oblast"):
        return place_name(str(value), current_language())
    if field == "time_precision":
        return labels.get(str(value), str(value))
    if field == "incident_type":
        return term_labels.get("incident_type", {}).get(str(value), str(value))
    if field == "perpetrator_confidence":
        return term_label("confidence", str(value))
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
            "label": gettext(FIELD_LABELS[d["field"]])
            if d["field"] in FIELD_LABELS
            else d["field"],
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

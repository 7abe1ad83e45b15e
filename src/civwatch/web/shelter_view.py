"""Shelters as the public pages and the printable list show them, in the reader's language.

Only what :func:`civwatch.shelters.registry.public_shelter` gives and what
:func:`civwatch.shelters.nearest.nearest` finds is presented here: the internal fields (who
holds the key and how to reach them) never reach a public template, because no function
here reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from civwatch.i18n import N_, _, gettext
from civwatch.i18n.formatting import format_number
from civwatch.shelters import vocabulary
from civwatch.shelters.nearest import Nearby
from civwatch.shelters.status import ShownStatus

#: Compass points of a walking direction (the arrow shown beside the words).
ARROWS = {"N": "↑", "NE": "↗", "E": "→", "SE": "↘", "S": "↓", "SW": "↙", "W": "←", "NW": "↖"}
#: A yes/no/unknown fact: unknown is never shown as no.
FACT = {True: N_("yes"), False: N_("no"), None: N_("not known")}


def distance_text(metres: float) -> str:
    """ "350 m" under a kilometre, "1.2 km" above, in the reader's language."""
    if metres < 1000:
        return _("%(metres)s m", metres=format_number(int(round(metres, -1))))
    return _("%(km)s km", km=format_number(round(metres / 1000, 1)))


def fact_text(value: bool | None) -> str:
    """Yes, no or not known."""
    return gettext(FACT[value])


def status_view(status: ShownStatus, now: datetime) -> dict[str, Any]:
    """A shown status: its code (for the colour), its sentence and whether it is closed."""
    return {
        "code": status.code,
        "sentence": status.sentence(now),
        "closed": status.code in vocabulary.CLOSED_STATUSES,
        "at": status.at.isoformat() if status.at else None,
    }


def nearby_view(found: Nearby, now: datetime) -> dict[str, Any]:
    """One result of a nearest search as its line on the page."""
    return {
        "id": found.id,
        "name": found.name,
        "address": found.address,
        "lat": found.lat,
        "lon": found.lon,
        "type": vocabulary.label(found.type),
        "distance_m": found.distance_m,
        "distance": distance_text(found.distance_m),
        "direction": vocabulary.label(found.compass),
        "arrow": ARROWS.get(found.compass, ""),
        "status": status_view(found.status, now),
        "capacity": format_number(found.capacity) if found.capacity is not None else None,
        "step_free": fact_text(found.step_free),
        "pets": fact_text(found.pets),
    }


def shelter_view(public: Mapping[str, Any], status: ShownStatus, now: datetime) -> dict[str, Any]:
    """A shelter's public record (``public_shelter``) with its texts for the detail page."""
    facilities = public.get("facilities") or {}
    return {
        **public,
        "type_label": vocabulary.label(str(public.get("type") or "other")),
        "status": status_view(status, now),
        "capacity_text": (
            format_number(public["capacity"]) if public.get("capacity") is not None else None
        ),
        "access_facts": [
            (vocabulary.label(code), fact_text(public.get(code.replace("-", "_"))))
            for code in vocabulary.ACCESSIBILITY
        ],
        "facility_facts": [
            (vocabulary.label(code), fact_text(facilities.get(code)))
            for code in vocabulary.FACILITIES
        ],
        "opening": vocabulary.label(public["opening_kind"]) if public.get("opening_kind") else None,
    }

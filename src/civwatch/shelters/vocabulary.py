"""The shelter registry's fixed vocabularies: codes stored on rows and in the API, and
their labels.

Codes never change (the API, the command line, the offline bundle and stored rows use
them) and are unique across the vocabularies, so :func:`label` needs only the code.
Labels are English, marked with ``N_``, and shown in the reader's language.
"""

from __future__ import annotations

from typing import Final

from civwatch.errors import RejectedInputError
from civwatch.i18n import N_, _, gettext

#: Kinds of shelter (the categories of Ukraine's civil-protection code, then the places
#: people also hide in).
_TYPES: Final[dict[str, str]] = {
    "shelter": N_("Civil-defence shelter"),
    "simple": N_("Simple shelter"),
    "dual-purpose": N_("Dual-purpose structure"),
    "anti-radiation": N_("Anti-radiation shelter"),
    "basement": N_("Basement"),
    "parking": N_("Underground parking"),
    "metro": N_("Metro station"),
    "underpass": N_("Underpass"),
    "other": N_("Other shelter"),
}

#: What a report from the public can say about a shelter's state.
_STATUSES: Final[dict[str, str]] = {
    "open": N_("open"),
    "closed": N_("closed"),
    "locked": N_("locked"),
    "flooded": N_("flooded"),
    "full": N_("full"),
    "unusable": N_("unusable"),
    "unknown": N_("unknown"),
}

#: Accessibility features (each known as yes, no or unknown).
_ACCESSIBILITY: Final[dict[str, str]] = {
    "step-free": N_("Step-free entrance"),
    "ramp": N_("Ramp"),
    "lift": N_("Lift"),
    "accessible-toilet": N_("Accessible toilet"),
}

#: Facilities (each known as yes, no or unknown).
_FACILITIES: Final[dict[str, str]] = {
    "water": N_("Drinking water"),
    "toilet": N_("Toilet"),
    "power": N_("Power"),
    "heating": N_("Heating"),
    "internet": N_("Internet"),
    "first-aid": N_("First aid"),
    "pets": N_("Pets allowed"),
}

#: How a shelter opens.
_OPENING: Final[dict[str, str]] = {
    "always": N_("Always open"),
    "on-alert": N_("Opens on an air-raid alert"),
    "hours": N_("Open at set hours"),
}

#: The eight compass points a walking direction is given in.
_COMPASS: Final[dict[str, str]] = {
    "N": N_("north"),
    "NE": N_("north-east"),
    "E": N_("east"),
    "SE": N_("south-east"),
    "S": N_("south"),
    "SW": N_("south-west"),
    "W": N_("west"),
    "NW": N_("north-west"),
}

#: The channels a report comes through (their weights: civwatch.shelters.status).
_CHANNELS: Final[dict[str, str]] = {
    # TRANSLATORS: the channel of a shelter report: a coordinator's own, made on site
    "coordinator": N_("Coordinator on site"),
    # TRANSLATORS: the channel of a shelter report: staff took it in a call to the hotline
    "phone": N_("Hotline call"),
    # TRANSLATORS: the channel of a shelter report: the public report form on the website
    "web": N_("Website form"),
    # TRANSLATORS: the channel of a shelter report: the civwatch command line
    "cli": N_("Command line"),
    # TRANSLATORS: the channel of a shelter report: another application through the API
    "api": N_("Another app (API)"),
}

SHELTER_TYPES: Final[tuple[str, ...]] = tuple(_TYPES)
REPORT_CHANNELS: Final[tuple[str, ...]] = tuple(_CHANNELS)
#: Statuses a report may give ("unknown" is only ever shown, never reported).
REPORT_STATUSES: Final[tuple[str, ...]] = tuple(c for c in _STATUSES if c != "unknown")
ACCESSIBILITY: Final[tuple[str, ...]] = tuple(_ACCESSIBILITY)
FACILITIES: Final[tuple[str, ...]] = tuple(_FACILITIES)
OPENING_KINDS: Final[tuple[str, ...]] = tuple(_OPENING)
COMPASS_POINTS: Final[tuple[str, ...]] = tuple(_COMPASS)
#: Statuses that keep a shelter out of "nearest working".
CLOSED_STATUSES: Final[frozenset[str]] = frozenset({"closed", "locked", "unusable"})

_LABELS: Final[dict[str, str]] = {
    **_TYPES,
    **_STATUSES,
    **_ACCESSIBILITY,
    **_FACILITIES,
    **_OPENING,
    **_COMPASS,
}


def label(code: str) -> str:
    """The label of ``code`` (any of the vocabularies above) in the language in force; an
    unknown code is shown as it is."""
    text = _LABELS.get(code)
    return code if text is None else gettext(text)


def channel_label(code: str) -> str:
    """The label of a report channel (``web``, ``phone``...) in the language in force; an
    unknown code is shown as it is."""
    text = _CHANNELS.get(code)
    return code if text is None else gettext(text)


def check_code(codes: tuple[str, ...], code: str) -> str:
    """``code`` if it is one of ``codes`` (case, spaces and underscores forgiven), else a
    clear error listing them."""
    given = code.strip().replace(" ", "-").replace("_", "-")
    for known in codes:
        if given.casefold() == known.casefold():
            return known
    raise RejectedInputError(
        _(
            "%(code)s is not a known code here; use one of: %(known)s.",
            code=repr(code),
            known=", ".join(codes),
        )
    )

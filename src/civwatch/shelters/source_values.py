"""Values read from a shelter source: texts, yes/no, numbers, points checked against
Ukraine's box, types from their Ukrainian names, and the record or refusal a reader yields."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.shelters.vocabulary import FACILITIES, OPENING_KINDS, SHELTER_TYPES

#: Ukraine's bounding box (south, west, north, east), a little wide: a point outside it is
#: a mistake of the source (swapped coordinates, a zero), not a shelter.
UKRAINE_BOUNDS: Final = (44.0, 22.0, 52.6, 40.5)
#: The kinds of shelter in the Ukrainian open data (and their English codes), by name.
UA_TYPES: Final[dict[str, str]] = {
    "сховище": "shelter",
    "протирадіаційне укриття": "anti-radiation",
    "пру": "anti-radiation",
    "найпростіше укриття": "simple",
    "споруда подвійного призначення": "dual-purpose",
    "підвал": "basement",
    "підвальне приміщення": "basement",
    "підземний паркінг": "parking",
    "станція метро": "metro",
    "метрополітен": "metro",
    "підземний перехід": "underpass",
    "інше": "other",
}

_TRUE = frozenset({"yes", "true", "1", "так", "y", "t", "+"})
_FALSE = frozenset({"no", "false", "0", "ні", "n", "f", "-"})


@dataclass
class SourceRecord:
    """One shelter read from a source, before it meets the registry."""

    line: int
    source_id: str
    values: dict[str, Any]


class RowRefused(RejectedInputError):
    """A row that cannot be imported, with the reason (the import skips it and reports it;
    it never leaves the import)."""


def clean_text(value: Any, limit: int = 300) -> str | None:
    """``value`` as one line of text without NUL, cut at ``limit``; None if empty."""
    if value is None:
        return None
    text = " ".join(str(value).replace("\x00", "").split())
    return text[:limit] or None


def yes_no(value: Any) -> bool | None:
    """yes/no, true/false, 1/0, так/ні as a boolean; anything else unknown (None)."""
    if isinstance(value, bool):
        return value
    text = clean_text(value)
    if text is None:
        return None
    folded = text.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    return None


def whole_number(value: Any) -> int | None:
    """A count (capacity) from text; unknown (None) if it is no number or negative."""
    text = clean_text(value)
    if text is None:
        return None
    try:
        number = int(float(text.replace(" ", "").replace(",", ".")))
    except ValueError:
        return None
    return number if number >= 0 else None


def coordinate(value: Any) -> float | None:
    """A finite number from text (a decimal comma read); None otherwise."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def checked_point(lat: Any, lon: Any) -> tuple[float, float]:
    """The checked point, or the reason it is refused."""
    y, x = coordinate(lat), coordinate(lon)
    if y is None or x is None:
        raise RowRefused(_("no coordinates"))
    south, west, north, east = UKRAINE_BOUNDS
    if not (south <= y <= north and west <= x <= east):
        raise RowRefused(_("coordinates %(lat)s, %(lon)s are outside Ukraine", lat=y, lon=x))
    return y, x


def shelter_type(value: Any) -> str:
    """A type code from a code or a Ukrainian type name; "other" if unknown."""
    text = clean_text(value)
    if text is None:
        return "other"
    folded = text.casefold().replace("_", "-")
    if folded in SHELTER_TYPES:
        return folded
    return UA_TYPES.get(folded, "other")


def opening_kind(value: Any, hours: str | None) -> str | None:
    """An opening code, given or told from the opening hours ("24/7": always)."""
    text = (clean_text(value) or "").casefold().replace("_", "-")
    if text in OPENING_KINDS:
        return text
    if hours:
        return "always" if hours.replace(" ", "") == "24/7" else "hours"
    return None


def known_facilities(pick: Callable[[str], Any]) -> dict[str, bool]:
    """The facilities known yes or no, each read with ``pick(code)``."""
    known: dict[str, bool] = {}
    for code in FACILITIES:
        value = yes_no(pick(code))
        if value is not None:
            known[code] = value
    return known

"""Casualty figures as ranges, with a breakdown by group and a source for each figure.

A figure is a range ``min``-``max`` of whole people (``max`` is ``min`` when exact).
Totals over many incidents add ranges: the sum of the minima and the sum of the maxima.
The stored form of an incident's figures::

    {"killed": {"min": 3, "max": 5, "source": "Regional administration",
                "groups": {"children": {"min": 1, "max": 1, "source": "..."}}},
     "injured": {...}}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.incidents.vocabulary import CASUALTY_GROUPS, CASUALTY_KINDS, choose

#: Largest count accepted for one figure (a typo guard, not a statement about the world).
MAX_PEOPLE = 100_000
_RANGE = re.compile(r"^\s*(-?\d+)\s*(?:(?:-|–|\.\.)\s*(-?\d+)\s*)?$")
_FIGURE = re.compile(r"^\s*([A-Za-z_ -]+?)(?:\.([A-Za-z_ -]+?))?\s*=\s*([^@]+?)\s*(?:@(.*))?$")


@dataclass(frozen=True, slots=True)
class PeopleRange:
    """At least ``low`` and at most ``high`` people."""

    low: int
    high: int

    def __post_init__(self) -> None:
        for value in (self.low, self.high):
            if isinstance(value, bool) or not isinstance(value, int):
                raise RejectedInputError(
                    _("A casualty count must be a whole number, got %(value)s.", value=repr(value))
                )
            if value < 0:
                raise RejectedInputError(
                    _("A casualty count cannot be negative, got %(value)s.", value=value)
                )
            if value > MAX_PEOPLE:
                raise RejectedInputError(
                    _(
                        "A casualty count above %(most)s looks like a typo.",
                        most=MAX_PEOPLE,
                    )
                )
        if self.low > self.high:
            raise RejectedInputError(
                _(
                    "The range %(low)s-%(high)s is inverted: the minimum must not exceed the "
                    "maximum.",
                    low=self.low,
                    high=self.high,
                )
            )

    def __add__(self, other: PeopleRange) -> PeopleRange:
        return PeopleRange(self.low + other.low, self.high + other.high)

    def text(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


def range_bounds(text: str) -> tuple[int, int]:
    """ "3" -> (3, 3), "3-5" -> (3, 5), as written: the numbers are not checked (see
    :class:`PeopleRange`)."""
    match = _RANGE.match(text) if isinstance(text, str) else None
    if match is None:
        raise RejectedInputError(
            _("%(text)s is not a number of people or a range such as 3 or 3-5.", text=repr(text))
        )
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) is not None else low
    return low, high


def parse_range(text: str) -> PeopleRange:
    """ "3" -> 3-3, "3-5" -> 3-5; negative or inverted ranges are clear errors."""
    return PeopleRange(*range_bounds(text))


def sum_ranges(ranges: Iterable[PeopleRange]) -> PeopleRange:
    total = PeopleRange(0, 0)
    for r in ranges:
        total = total + r
    return total


def _figure(value: Mapping[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise RejectedInputError(
            _("%(where)s must be an object with min, max and source.", where=where)
        )
    low = value.get("min")
    high = value.get("max", low)
    if low is None:
        raise RejectedInputError(_("%(where)s needs at least a minimum.", where=where))
    r = PeopleRange(low, high)
    source = value.get("source")
    if source is not None and (not isinstance(source, str) or len(source) > 500):
        raise RejectedInputError(
            _("The source of %(where)s must be text of at most 500 characters.", where=where)
        )
    return {"min": r.low, "max": r.high, "source": (source or None) and source.strip()}


def normalise(figures: Mapping[str, Any] | None) -> dict[str, Any]:
    """Checked, canonical casualty figures (unknown kinds or groups are clear errors)."""
    result: dict[str, Any] = {}
    for kind, value in (figures or {}).items():
        kind_code = choose(kind, CASUALTY_KINDS, _("casualty kind"))
        doc = _figure(value, kind_code)
        groups_in = value.get("groups") or {}
        if not isinstance(groups_in, Mapping):
            raise RejectedInputError(
                _("The groups of %(kind_code)s must be an object.", kind_code=kind_code)
            )
        groups: dict[str, Any] = {}
        for group, gvalue in groups_in.items():
            code = choose(group, CASUALTY_GROUPS, _("casualty group"))
            gdoc = _figure(gvalue, f"{kind_code}.{code}")
            if gdoc["min"] > doc["max"]:
                raise RejectedInputError(
                    _(
                        "%(kind_code)s.%(code)s is at least %(group_min)s, more than the "
                        "at most %(total_max)s %(kind_code)s in total.",
                        kind_code=kind_code,
                        code=code,
                        group_min=gdoc["min"],
                        total_max=doc["max"],
                    )
                )
            groups[code] = gdoc
        if groups:
            doc["groups"] = dict(sorted(groups.items()))
        result[kind_code] = doc
    return dict(sorted(result.items()))


def parse_figures(specs: Iterable[str]) -> dict[str, Any]:
    """Figures from command-line specs ``KIND[.GROUP]=MIN[-MAX][@SOURCE]``, e.g.
    ``killed=3-5@Regional administration`` or ``killed.children=1``."""
    raw: dict[str, dict[str, Any]] = {}
    for spec in specs:
        match = _FIGURE.match(spec)
        if match is None:
            raise RejectedInputError(
                _(
                    "%(spec)s is not a casualty figure; write "
                    "KIND[.GROUP]=MIN[-MAX][@SOURCE], e.g. killed=3-5@Regional "
                    "administration or injured.children=2.",
                    spec=repr(spec),
                )
            )
        kind = choose(match.group(1), CASUALTY_KINDS, _("casualty kind"))
        r = parse_range(match.group(3))
        source = (match.group(4) or "").strip() or None
        figure = {"min": r.low, "max": r.high, "source": source}
        entry = raw.setdefault(kind, {})
        if match.group(2):
            group = choose(match.group(2), CASUALTY_GROUPS, _("casualty group"))
            entry.setdefault("groups", {})[group] = figure
        else:
            if "min" in entry:
                raise RejectedInputError(_("The %(kind)s total is given twice.", kind=kind))
            entry.update(figure)
    for kind, entry in raw.items():
        if "min" not in entry:
            raise RejectedInputError(
                _(
                    "A breakdown of %(kind)s needs the %(kind)s total too (e.g. %(kind)s=3-5).",
                    kind=kind,
                )
            )
    return normalise(raw)


def totals(figures: Mapping[str, Any]) -> dict[str, int | None]:
    """The columns kept for aggregation: killed_min, killed_max, injured_min, injured_max."""
    out: dict[str, int | None] = {}
    for kind in CASUALTY_KINDS:
        doc = figures.get(kind)
        out[f"{kind}_min"] = None if doc is None else int(doc["min"])
        out[f"{kind}_max"] = None if doc is None else int(doc["max"])
    return out

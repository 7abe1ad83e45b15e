"""Place-name keys: case and accent folding, transliteration, a loose phonetic key.

A name is matched through keys made the same way on both sides:

* ``fold``: lower case, accents and apostrophes/soft signs dropped, punctuation to spaces
  ("L'viv" -> "lviv", "Харків" -> "харкiв" with the Cyrillic kept).
* ``latin_variants``: Cyrillic written in Latin by the Ukrainian national system (KMU 2010)
  and by two Russian systems (ICAO Doc 9303 and the 1997 passport rules, close to
  BGN/PCGN), each folded; Latin names are just folded.
* ``loose``: a folded Latin key with the differences between those systems (and Polish or
  German spellings) smoothed out: kh/h/x/g, y/i/j, ts/c, ia/ya/a, doubled letters, spaces.
"""

from __future__ import annotations

import re
import unicodedata

import translitua

_DROP = str.maketrans("", "", "'’ʼʹʺ`´‘ьъЬЪ\u02bb\u02bf\u02be")
_SEPARATORS = re.compile(r"[\s\-‐‑–—_.,;:/()\"«»„“”]+")
_COMBINING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
_UNDECOMPOSED = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ı": "i", "ħ": "h", "æ": "ae"})
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_UKRAINIAN_ONLY = set("іїєґІЇЄҐ")
_RUSSIAN_ONLY = set("ыэъёЫЭЪЁ")
_NOT_LATIN = re.compile(r"[^a-z]")
_LOOSE_STEPS: tuple[tuple[str, str], ...] = (
    ("shch", "s"),
    ("szcz", "s"),
    ("tsch", "c"),
    ("sch", "s"),
    ("kh", "h"),
    ("zh", "z"),
    ("ts", "c"),
    ("tz", "c"),
    ("cz", "c"),
    ("ch", "c"),
    ("sh", "s"),
    ("sz", "s"),
    ("w", "v"),
    ("x", "h"),
    ("g", "h"),
    ("q", "k"),
    ("j", "i"),
    ("y", "i"),
    ("ia", "a"),
    ("iu", "u"),
    ("ie", "e"),
    ("io", "o"),
    ("ii", "i"),
)
_DOUBLED = re.compile(r"(.)\1+")


def fold(name: str) -> str:
    """Lower case without accents, apostrophes or soft signs; separators become one space."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    stripped = _COMBINING.sub("", decomposed).translate(_DROP).translate(_UNDECOMPOSED)
    return _SEPARATORS.sub(" ", stripped).strip()


def is_cyrillic(name: str) -> bool:
    return _CYRILLIC.search(name) is not None


def is_indexable(name: str) -> bool:
    """Whether an alternate name is worth indexing: Latin or Cyrillic, not an airport code."""
    if len(name) < 3 or (name.isupper() and len(name) <= 4 and name.isascii()):
        return False
    for ch in name:
        if ch.isalpha() and not (
            ch.isascii() or "\u00c0" <= ch <= "\u024f" or "\u0400" <= ch <= "\u04ff"
        ):
            return False
    return True


def latin_variants(name: str) -> list[str]:
    """Folded Latin spellings of ``name``: itself if Latin, its transliterations if Cyrillic."""
    if not is_cyrillic(name):
        folded = fold(name)
        return [folded] if folded else []
    letters = set(name)
    tables: list[type[translitua.TransliterationTable]] = []
    if not letters & _RUSSIAN_ONLY:
        tables.append(translitua.UkrainianKMU)
    if not letters & _UKRAINIAN_ONLY:
        tables.extend((translitua.RussianICAO, translitua.RussianInternationalPassport1997))
    variants: list[str] = []
    for table in tables:
        folded = fold(str(translitua.translit(name, table)))
        if folded and folded not in variants:
            variants.append(folded)
    return variants


def loose(folded_latin: str) -> str:
    """Phonetic key of a folded Latin name ("kharkiv" -> "harkiv", "kyiv" == "kiiv" -> "kiv")."""
    key = _NOT_LATIN.sub("", folded_latin)
    for old, new in _LOOSE_STEPS:
        key = key.replace(old, new)
    return _DOUBLED.sub(r"\1", key)


def query_keys(name: str) -> tuple[list[str], list[str]]:
    """(keys to match exactly or by prefix, loose keys) for a name typed by a user."""
    folded = fold(name)
    exact = [folded] if folded else []
    latin = latin_variants(name)
    for variant in latin:
        if variant not in exact:
            exact.append(variant)
    loose_keys: list[str] = []
    for variant in latin:
        key = loose(variant)
        if key and key not in loose_keys:
            loose_keys.append(key)
    return exact, loose_keys

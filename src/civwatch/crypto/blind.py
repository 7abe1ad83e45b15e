"""Blind indexes: find a person by name, phone or document number without decrypting the
registry, and without storing anything a reader of the database could reverse.

Each value is normalised, then stored only as ``HMAC-SHA256(key, kind + "\\0" + token)``
(hex, the first 32 characters) under a key derived from the desk's key
(``DeskKey.subkey("blind-index")``): without the key, a token cannot be checked against a
list of names or phone numbers.

Names give several tokens each, so that the spellings one person is found under meet:

- ``name``: every word of the name, case-folded, apostrophes removed; a Cyrillic word also
  in the official Ukrainian transliteration (KMU 2010: "Олександр" -> "oleksandr") and in
  a Russian-style one ("Александр" -> "aleksandr", "Наталья" -> "natalya").
- ``phonetic``: :func:`phonetic_key` of every Latin spelling, under which "Oleksandr",
  "Aleksandr", "Alexandr" and "Olexandr" meet, as do "Shevchenko" and "Schevchenko".

A phonetic match is a candidate, not an identity: it is for a lead to look at.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

import phonenumbers
import translitua

from civwatch.errors import InvalidPhoneError, RejectedInputError
from civwatch.i18n import _

#: Hex characters kept of each HMAC (128 bits).
TOKEN_CHARS = 32
#: The kinds of token stored.
NAME, PHONETIC, PHONE, DOCUMENT = "name", "phonetic", "phone", "document"

#: Apostrophes and the characters typed for them: removed inside names (Мар'яна = Марʼяна).
APOSTROPHES = "'’ʼ`‘′´ʹ"
_APOSTROPHES = str.maketrans("", "", APOSTROPHES)
#: Runs of letters (Unicode), which are the words of a name; anything else separates them.
_WORD = re.compile(r"[^\W\d_]+")

#: Latin letters that look like Cyrillic ones, for a word typed with both scripts mixed
#: ("Oлена" with a Latin O, "Olеksandr" with a Cyrillic е): the look-alikes are folded
#: into the script most of the word's letters are in.
_LATIN_LOOKALIKES = "AaBEeKkMHOoPpCcTXxIiy"
_CYRILLIC_LOOKALIKES = "АаВЕеКкМНОоРрСсТХхІіу"
_LATIN_TO_CYRILLIC = str.maketrans(_LATIN_LOOKALIKES, _CYRILLIC_LOOKALIKES)
_CYRILLIC_TO_LATIN = str.maketrans(_CYRILLIC_LOOKALIKES, _LATIN_LOOKALIKES)

#: Russian-style transliteration (as in Russian passports before 2013 and in common use),
#: covering the Ukrainian letters too: the spelling a name often has in foreign papers.
_RUSSIAN_STYLE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e",
    "є": "ye", "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ў": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
#: Letters of Russian (and Belarusian) that the Ukrainian national transliteration has no
#: rule for: given their nearest Ukrainian letter first.
_TO_UKRAINIAN = str.maketrans({"ё": "е", "ы": "и", "э": "е", "ъ": "", "ў": "у"})

#: Phonetic codes: multi-letter spellings first (longest match wins), then single letters.
#: Vowels become a class (a/o, e/y/j, i, u) kept only as the first letter, so that
#: Oleksandr/Aleksandr and Yuliia/Julia meet while Ivan and Yulia do not.
_PHONETIC_SPELLINGS = {
    "shch": "X", "tsch": "Q",
    "sch": "X", "tch": "Q",
    "zh": "J", "sz": "X", "cz": "Q", "ch": "Q", "sh": "X", "kh": "H", "gh": "H",
    "ts": "C", "tz": "C", "ph": "F", "th": "T", "ck": "K",
    "a": "a", "o": "a", "e": "e", "y": "e", "j": "e", "i": "i", "u": "u",
    "b": "B", "v": "V", "w": "V", "g": "H", "h": "H", "d": "D", "z": "Z", "k": "K",
    "q": "K", "l": "L", "m": "M", "n": "N", "p": "P", "r": "R", "s": "S", "t": "T",
    "f": "F", "x": "KS",
}  # fmt: skip
#: Latin letters with a mark that stands for a sound of its own (Czech, Polish, Croatian
#: spellings of Ukrainian names): written out before the marks are dropped.
_MARKED_LATIN = str.maketrans({"č": "ch", "š": "sh", "ž": "zh", "ł": "l", "ß": "ss"})
_LONGEST_SPELLING = max(len(s) for s in _PHONETIC_SPELLINGS)
_VOWEL_CLASSES = frozenset("aeiu")
_SOFTENING = frozenset("eiy")

#: Cyrillic capitals that look like Latin ones, as read on Ukrainian documents and typed
#: in either script: folded to Latin in document numbers.
_DOCUMENT_LOOKALIKES = str.maketrans("АВЕКМНОРСТХІУ", "ABEKMHOPCTXIY")


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff" or "\u0500" <= char <= "\u052f"


def _words(text: str) -> list[str]:
    """The words of ``text``: apostrophes removed, NFKC, stray combining marks (stress
    accents) dropped, split at anything that is not a letter."""
    text = unicodedata.normalize("NFKC", text.translate(_APOSTROPHES))
    text = "".join(c for c in text if not unicodedata.category(c).startswith("M"))
    return _WORD.findall(text)


def _one_script(word: str) -> str:
    """``word`` with the letters that look alike in Latin and Cyrillic written in the
    script most of its letters are in (a tie goes to Cyrillic)."""
    cyrillic = sum(1 for c in word if _is_cyrillic(c))
    latin = sum(1 for c in word if c.isascii())
    if not cyrillic or not latin:
        return word
    if cyrillic >= latin:
        return word.translate(_LATIN_TO_CYRILLIC)
    return word.translate(_CYRILLIC_TO_LATIN)


def _ukrainian_latin(word: str) -> str:
    latin = str(translitua.translit(word.translate(_TO_UKRAINIAN), translitua.UkrainianKMU))
    return "".join(c for c in latin.casefold() if "a" <= c <= "z")


def _russian_latin(word: str) -> str:
    return "".join(_RUSSIAN_STYLE.get(c, "") for c in word)


def name_tokens(full_name: str) -> set[str]:
    """The words of a name as they are looked up: NFKC, case-folded, apostrophes removed,
    split at hyphens, spaces and anything else that is not a letter; a Cyrillic word is
    given with its Ukrainian (KMU 2010) and Russian-style transliterations too. Single
    letters (initials) are left out: they would match too many people."""
    tokens: set[str] = set()
    for word in _words(full_name):
        word = _one_script(word)
        cyrillic = any(_is_cyrillic(c) for c in word)
        word = word.casefold()
        if len(word) < 2:
            continue
        tokens.add(word)
        if cyrillic:
            # a transliteration may be shorter than its word (letters of another script
            # typed in it are dropped): an initial is never indexed, whatever it came from
            spelt = (_ukrainian_latin(word), _russian_latin(word))
            tokens.update(t.casefold() for t in spelt if t and len(t) >= 2)
    return tokens


def phonetic_key(latin_token: str) -> str:
    """A key under which spellings of the same name in Latin letters meet.

    The first sound keeps its class (a vowel class a/o, e/y/j, i or u, or a consonant),
    then consonants only, spellings of one sound folded (sh/sch/shch, ch/tch/cz,
    kh/h/g/gh, ts/tz/soft c, x = ks, w = v, ph = f, č = ch) and repeats collapsed:
    "Shevchenko", "Schevchenko" and "Shevtchenko" all give ``XVQNK``; "Oleksandr",
    "Aleksandr", "Alexandr" give ``aLKSNDR``. Letters outside a-z (after removing
    accents) are ignored; an empty string when nothing is left.
    """
    written_out = unicodedata.normalize("NFC", latin_token).casefold().translate(_MARKED_LATIN)
    decomposed = unicodedata.normalize("NFKD", written_out)
    letters = "".join(c for c in decomposed if "a" <= c <= "z")
    codes: list[str] = []
    at = 0
    while at < len(letters):
        for size in range(min(_LONGEST_SPELLING, len(letters) - at), 0, -1):
            spelling = letters[at : at + size]
            if size == 1 and spelling == "c":  # c is ts before e, i, y (Polish, Latin)
                following = letters[at + 1 : at + 2]
                code = "C" if following and following in _SOFTENING else "K"
                break
            if spelling in _PHONETIC_SPELLINGS:
                code = _PHONETIC_SPELLINGS[spelling]
                break
        codes.append(code)
        at += size
    if not codes:
        return ""
    rest = [code for code in codes[1:] if code not in _VOWEL_CLASSES]
    key = codes[0]
    for code in "".join(rest):
        if code != key[-1]:
            key += code
    return key


def normalise_phone(text: str, region: str = "UA", *, strict: bool = True) -> str:
    """``text`` as an E.164 number ("+380671234567"); a number without a country code is
    read as one of ``region``. Refused with :class:`~civwatch.errors.InvalidPhoneError`
    when it cannot be a phone number (wrong length, unknown country code), or - when
    ``strict`` - is not in any range the country gives out. The message never repeats
    the number."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or not phonenumbers.is_possible_number(number)
        or (strict and not phonenumbers.is_valid_number(number))
    ):
        raise InvalidPhoneError(
            _(
                "This is not a phone number that can exist: check the country code (e.g. "
                "+380) and the number of digits."
            )
        )
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalise_document(number: str) -> str:
    """A document number as it is compared: letters and digits only, upper case, the
    Cyrillic letters that look like Latin ones folded to Latin ("АВ 123456" in Cyrillic
    is "AB123456"). Refused (:class:`~civwatch.errors.RejectedInputError`) when nothing
    is left."""
    text = unicodedata.normalize("NFKC", number.replace("№", " "))
    text = text.upper().translate(_DOCUMENT_LOOKALIKES)
    folded = "".join(c for c in text if c.isalnum())
    if not folded:
        raise RejectedInputError(_("A document number needs at least one letter or digit."))
    return folded


class BlindIndexer:
    """Computes the blind-index tokens of names, phones and document numbers under one key
    (``DeskKey.subkey("blind-index")``); tokens under another key never match."""

    __slots__ = ("__key",)
    __key: bytes

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != 32:
            raise ValueError("a blind-index key is 32 bytes")
        self.__key = key

    def __repr__(self) -> str:
        return "BlindIndexer(<secret>)"

    def token(self, kind: str, value: str) -> tuple[str, str]:
        """``(kind, hex)``: the HMAC-SHA256 of ``kind + "\\0" + value``, 32 hex characters."""
        digest = hmac.new(self.__key, f"{kind}\0{value}".encode(), hashlib.sha256)
        return kind, digest.hexdigest()[:TOKEN_CHARS]

    def name(self, full_name: str) -> set[tuple[str, str]]:
        """The tokens stored for a name: ``("name", hex)`` for every word and spelling of
        :func:`name_tokens`, ``("phonetic", hex)`` for the :func:`phonetic_key` of every
        Latin spelling."""
        found: set[tuple[str, str]] = set()
        for word in name_tokens(full_name):
            found.add(self.token(NAME, word))
            if word.isascii():
                key = phonetic_key(word)
                if key:
                    found.add(self.token(PHONETIC, key))
        return found

    def query_name(self, text: str) -> set[tuple[str, str]]:
        """The tokens to look up for a search by name: the same as a stored name gives, so
        any spelling of any word of it finds the person (``name`` tokens are exact
        spellings, ``phonetic`` ones candidates)."""
        return self.name(text)

    def phone(self, e164: str) -> tuple[str, str]:
        """``("phone", hex)`` of a phone number, normalised to E.164 first (any number that
        can exist: whether it is in use was checked when it was entered, see
        :func:`normalise_phone`)."""
        return self.token(PHONE, normalise_phone(e164, strict=False))

    def document(self, number: str) -> tuple[str, str]:
        """``("document", hex)`` of a document number (see :func:`normalise_document`)."""
        return self.token(DOCUMENT, normalise_document(number))

"""Keyed hashes of identities, so that partner funds find a person helped twice for the
same need without telling each other who anyone is.

Each identity is normalised (:func:`normalise_name`, :func:`normalise_birth_date`,
:func:`civwatch.crypto.blind.normalise_document`), then hashed with HMAC-SHA256 under a
key the coalition shares, once per facet (:data:`FACETS`: name and date of birth, document
number, name and document number), each bound to the need (the grant's purpose). Without
the key a hash cannot be checked against a guessed name; partners holding different keys
never match, and a file made under another key is refused by its key fingerprint.

The file format (JSON lines, :data:`FILE_FORMAT` version :data:`FILE_VERSION`) is described
in ``docs/relief-formats.md``: :func:`export_hashes` writes it, :func:`read_hash_file`
reads and checks a partner's, :func:`find_matches` compares.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from civwatch.crypto.blind import normalise_document, phonetic_key
from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.relief.sanctions import fold_latin, is_patronymic, name_words, official_latin

#: The ``format`` of the header line of a hash file.
FILE_FORMAT = "civwatch-relief-partner-hashes"
#: The version written; a file of another version is refused.
FILE_VERSION = 1
#: Shortest shared key accepted (bytes).
MIN_KEY_BYTES = 32
#: Largest hash file read, and the most hash lines it may hold.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_FILE_LINES = 500_000

NAME_AND_BIRTH = "name+dob"
DOCUMENT = "document"
NAME_AND_DOCUMENT = "name+document"
SOUND_AND_BIRTH = "name-sound+dob"
#: The facets hashed, each a combination of normalised identity values. The first three
#: are exact; ``name-sound+dob`` (how the name sounds, and the date of birth) also meets
#: spellings the official transliteration keeps apart (Юрій / Юрий / Iurii, Oleksii /
#: Aleksei): a weaker sign, to be checked before it is acted on.
FACETS = (NAME_AND_BIRTH, DOCUMENT, NAME_AND_DOCUMENT, SOUND_AND_BIRTH)

_DOMAIN = b"civwatch relief partner hash v1"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FINGERPRINT = re.compile(r"[0-9a-f]{32}")
#: A purpose code and a record reference: short, printable, no separators.
_CODE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_RECORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}")


class CoalitionKey:
    """The key partners share (at least :data:`MIN_KEY_BYTES` random bytes), kept out of
    ``repr`` and messages."""

    __slots__ = ("__key",)
    __key: bytes

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes):
            raise TypeError("the coalition key is bytes")
        if len(key) < MIN_KEY_BYTES:
            raise RejectedInputError(
                _(
                    "The coalition's shared key is too short: it needs at least %(n)s bytes.",
                    n=MIN_KEY_BYTES,
                )
            )
        self.__key = key

    def __repr__(self) -> str:
        return "CoalitionKey(<secret>)"

    def fingerprint(self) -> str:
        """32 hex characters that tell keys apart without revealing them (an HMAC of a
        fixed text under the key)."""
        digest = hmac.new(self.__key, _DOMAIN + b"\0fingerprint", hashlib.sha256)
        return digest.hexdigest()[:32]

    def digest(self, facet: str, purpose: str, value: str) -> str:
        """HMAC-SHA256 of the facet, the purpose and the normalised value, hex."""
        message = b"\0".join((_DOMAIN, facet.encode(), purpose.encode(), value.encode()))
        return hmac.new(self.__key, message, hashlib.sha256).hexdigest()


# --- Normalisation --------------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """A name as it is hashed: each word in the official Ukrainian transliteration (KMU
    2010; a Latin word as written), lower case, without diacritics or apostrophes; single
    letters (initials) and, in a name of three words or more, the patronymic left out; the
    words sorted and joined by one space. "Шевченко Тарас Григорович" and "Taras
    Shevchenko" both give ``"shevchenko taras"``. Refused when no word is left."""
    words = name_words(name)
    full = [w for w in words if len(w) > 1]
    kept = [w for w in full if not (len(full) >= 3 and is_patronymic(w))]
    latin = sorted(s for s in (official_latin(w) for w in kept) if len(s) > 1)
    if not latin:
        raise RejectedInputError(_("A name needs at least one word of two letters or more."))
    return " ".join(latin)


def name_sound(name: str) -> str:
    """How a name sounds, as hashed for ``name-sound+dob``: the phonetic key
    (:func:`civwatch.crypto.blind.phonetic_key`) of each word of :func:`normalise_name`
    after Latin spellings of one sound are folded (Iurii = Yurii = Yuriy), sorted: Юрій
    Бондар, Юрий Бондарь and Iurii Bondar all give ``"BNDR eR"``."""
    return " ".join(sorted(phonetic_key(fold_latin(word)) for word in normalise_name(name).split()))


def normalise_birth_date(when: date) -> str:
    """``YYYY-MM-DD``."""
    return when.isoformat()


def normalise_purpose(purpose: str) -> str:
    """A purpose code as hashed: lower case, refused unless a short code."""
    code = purpose.strip().lower()
    if not _CODE.fullmatch(code):
        raise RejectedInputError(_('"%(text)s" is not a purpose code.', text=purpose[:40]))
    return code


# --- Hashes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerIdentity:
    """A person helped, as our records hold them: ``record`` is an opaque reference we can
    follow up (never a name), ``purpose`` the need the grant met."""

    record: str
    purpose: str
    name: str | None = None
    date_of_birth: date | None = None
    document_number: str | None = None


@dataclass(frozen=True)
class PartnerHash:
    record: str
    facet: str
    purpose: str
    hash: str


def identity_hashes(identity: PartnerIdentity, key: CoalitionKey) -> list[PartnerHash]:
    """The hashes of every facet the identity has the values for (none when it has only a
    name: a name alone is too common to say two people are one)."""
    if not _RECORD.fullmatch(identity.record):
        raise RejectedInputError(
            _('"%(text)s" is not a record reference.', text=identity.record[:40])
        )
    purpose = normalise_purpose(identity.purpose)
    name = normalise_name(identity.name) if identity.name and identity.name.strip() else None
    document = normalise_document(identity.document_number) if identity.document_number else None
    values: list[tuple[str, str]] = []
    if name and identity.date_of_birth:
        values.append((NAME_AND_BIRTH, f"{name}\0{normalise_birth_date(identity.date_of_birth)}"))
    if document:
        values.append((DOCUMENT, document))
    if name and document:
        values.append((NAME_AND_DOCUMENT, f"{name}\0{document}"))
    if name and identity.name and identity.date_of_birth:
        sound = name_sound(identity.name)
        values.append((SOUND_AND_BIRTH, f"{sound}\0{normalise_birth_date(identity.date_of_birth)}"))
    return [
        PartnerHash(identity.record, facet, purpose, key.digest(facet, purpose, value))
        for facet, value in values
    ]


def export_hashes(
    identities: Iterable[PartnerIdentity], key: CoalitionKey, organisation: str = ""
) -> bytes:
    """The hash file of ``identities`` (UTF-8 JSON lines): a header line, then one line per
    hash, in the order given."""
    header = {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "key_fingerprint": key.fingerprint(),
        "organisation": organisation,
    }
    lines = [json.dumps(header, ensure_ascii=False, sort_keys=True)]
    for identity in identities:
        for item in identity_hashes(identity, key):
            line = {"record": item.record, "facet": item.facet}
            line |= {"purpose": item.purpose, "hash": item.hash}
            lines.append(json.dumps(line, sort_keys=True))
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class PartnerHashFile:
    organisation: str
    key_fingerprint: str
    hashes: tuple[PartnerHash, ...]


def read_hash_file(data: bytes, key: CoalitionKey) -> PartnerHashFile:
    """A partner's hash file, checked: the header's format and version, its key
    fingerprint against ours (a file made under another key is refused: its hashes could
    never match), every line's fields. Anything else is refused with
    :class:`RejectedInputError`, naming the line."""
    if len(data) > MAX_FILE_BYTES:
        raise RejectedInputError(
            _("The file is larger than %(mb)s MB.", mb=MAX_FILE_BYTES // (1024 * 1024))
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise RejectedInputError(_("The file is not in the UTF-8 encoding.")) from err
    # lines end at "\n" only: JSON keeps U+2028 and the like raw inside its strings
    lines = [line.rstrip("\r") for line in text.split("\n") if line.strip()]
    if not lines:
        raise RejectedInputError(_("The file is empty."))
    header = _json_object(lines[0], 1)
    if header.get("format") != FILE_FORMAT:
        raise RejectedInputError(_("This is not a civwatch partner hash file."))
    if header.get("version") != FILE_VERSION:
        raise RejectedInputError(
            _(
                "This partner hash file is of version %(found)s; version %(expected)s is read.",
                found=str(header.get("version"))[:10],
                expected=FILE_VERSION,
            )
        )
    fingerprint = header.get("key_fingerprint")
    if not isinstance(fingerprint, str) or not _FINGERPRINT.fullmatch(fingerprint):
        raise RejectedInputError(_("The file's header has no key fingerprint."))
    if not hmac.compare_digest(fingerprint, key.fingerprint()):
        raise RejectedInputError(
            _(
                "The file was made with another coalition key (its fingerprint is "
                "%(theirs)s, ours is %(ours)s): its hashes cannot be compared with ours.",
                theirs=fingerprint,
                ours=key.fingerprint(),
            )
        )
    organisation = header.get("organisation", "")
    if not isinstance(organisation, str):
        raise RejectedInputError(_("Line %(line)s: a field has the wrong type.", line=1))
    if len(lines) - 1 > MAX_FILE_LINES:
        raise RejectedInputError(_("The file has more than %(n)s hashes.", n=MAX_FILE_LINES))
    hashes = tuple(_hash_line(line, number) for number, line in enumerate(lines[1:], start=2))
    return PartnerHashFile(organisation[:200], fingerprint, hashes)


def _json_object(line: str, number: int) -> dict[str, object]:
    try:
        value = json.loads(line)
    except ValueError as err:
        raise RejectedInputError(_("Line %(line)s is not JSON.", line=number)) from err
    if not isinstance(value, dict):
        raise RejectedInputError(_("Line %(line)s is not a JSON object.", line=number))
    return value


def _hash_line(line: str, number: int) -> PartnerHash:
    value = _json_object(line, number)
    fields = {name: value.get(name) for name in ("record", "facet", "purpose", "hash")}
    if set(value) != set(fields) or not all(isinstance(v, str) for v in fields.values()):
        raise RejectedInputError(
            _(
                "Line %(line)s needs exactly the fields record, facet, purpose and hash, as text.",
                line=number,
            )
        )
    record, facet, purpose, digest = (
        str(fields[n]) for n in ("record", "facet", "purpose", "hash")
    )
    if (
        facet not in FACETS
        or not _HEX64.fullmatch(digest)
        or not _CODE.fullmatch(purpose)
        or not _RECORD.fullmatch(record)
    ):
        raise RejectedInputError(_("Line %(line)s has a value that is not allowed.", line=number))
    return PartnerHash(record, facet, purpose, digest)


# --- Comparing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerMatch:
    """One of our records and one of the partner's that hash alike for the same need."""

    our_record: str
    their_record: str
    purpose: str
    #: The facets that agree, in the order of :data:`FACETS`.
    facets: tuple[str, ...]


def find_matches(ours: Sequence[PartnerHash], theirs: PartnerHashFile) -> list[PartnerMatch]:
    """Our records that a partner's file holds too, for the same purpose: one match per
    pair of records and purpose with the facets that agree, sorted by our record, then
    theirs."""
    index: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for item in theirs.hashes:
        index[(item.facet, item.purpose, item.hash)].append(item.record)
    found: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for item in ours:
        for record in index.get((item.facet, item.purpose, item.hash), ()):
            found[(item.record, record, item.purpose)].add(item.facet)
    return [
        PartnerMatch(ours_, theirs_, purpose, tuple(f for f in FACETS if f in facets))
        for (ours_, theirs_, purpose), facets in sorted(found.items())
    ]

"""Envelope encryption of the protection desk's records.

Every value that identifies, locates or contacts a person is sealed with that person's own
*data key* (32 random bytes, :func:`new_data_key`) by :func:`seal`: AES-256-GCM with a fresh
random 96-bit nonce, and the record id and field name as associated data, so a ciphertext
moved to another record or field does not open. Each data key is stored *wrapped* by the
desk's key (:meth:`DeskKey.wrap`, bound to its owner's id): destroying the wrapped key
destroys every value of that person (crypto-shredding).

Layouts (version byte first, so a later scheme can sit beside this one):

- sealed value: ``b"\\x01" + nonce(12) + AES-GCM(padded plaintext)``, associated data
  ``b"civwatch-field-v1\\0" + record + b"\\0" + field``. The plaintext is padded (ISO/IEC
  7816-4: ``0x80`` then zeros) to a multiple of 16 bytes, so the stored length tells
  a name's length only to the nearest 16 bytes.
- wrapped key: ``b"\\x01" + nonce(12) + AES-GCM(data key)``, associated data
  ``b"civwatch-wrap-v1\\0" + owner``.

Any failure to open (wrong key, moved, truncated, altered, unknown version) raises
:class:`~civwatch.errors.DecryptionError`, whose message carries no data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any, NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from civwatch.errors import DecryptionError
from civwatch.i18n import _

#: Length of every key here (AES-256, HMAC-SHA256 keys).
KEY_BYTES = 32
#: The version byte of the layouts above.
VERSION = b"\x01"
NONCE_BYTES = 12
TAG_BYTES = 16
#: Sealed plaintexts are padded to a multiple of this many bytes.
PAD_BLOCK = 16
#: The shortest a sealed value or wrapped key can be: version, nonce, tag.
OVERHEAD = len(VERSION) + NONCE_BYTES + TAG_BYTES

FIELD_AAD = b"civwatch-field-v1\0"
WRAP_AAD = b"civwatch-wrap-v1\0"
SUBKEY_INFO = b"civwatch-desk/"
VERIFIER_TEXT = b"civwatch-desk-verifier-v1"


def new_data_key() -> bytes:
    """A fresh random data key (32 bytes from the operating system's CSPRNG)."""
    return os.urandom(KEY_BYTES)


def _undecryptable() -> NoReturn:
    raise DecryptionError(
        _(
            "A protected value could not be decrypted: it was altered, moved to another "
            "record, or the key is wrong."
        )
    ) from None


def _label(text: str, what: str) -> bytes:
    """``text`` as UTF-8 for associated data; a NUL would make two (record, field) pairs
    give the same bytes, so it is refused (a fault in the caller, never in user input)."""
    if not isinstance(text, str) or not text or "\0" in text:
        raise ValueError(f"{what} must be a non-empty string without NUL")
    return text.encode("utf-8")


def _field_aad(record: str, field: str) -> bytes:
    return FIELD_AAD + _label(record, "record") + b"\0" + _label(field, "field")


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ValueError(f"a key is {KEY_BYTES} bytes")


def _pad(data: bytes) -> bytes:
    padded = data + b"\x80"
    return padded + b"\0" * (-len(padded) % PAD_BLOCK)


def _unpad(data: bytes) -> bytes:
    end = data.rfind(b"\x80")
    if end < 0 or data[end + 1 :].strip(b"\0") or len(data) % PAD_BLOCK:
        _undecryptable()
    return data[:end]


def _encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _decrypt(key: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    if (
        not isinstance(key, bytes)
        or len(key) != KEY_BYTES
        or not isinstance(ciphertext, bytes)
        or len(ciphertext) < OVERHEAD
        or ciphertext[:1] != VERSION
    ):
        _undecryptable()
    nonce = ciphertext[1 : 1 + NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext[1 + NONCE_BYTES :], aad)
    except InvalidTag:
        _undecryptable()


def seal(data_key: bytes, plaintext: bytes, *, record: str, field: str) -> bytes:
    """Encrypt ``plaintext`` with ``data_key`` for the field ``field`` of the record
    ``record`` (both bound as associated data): ``b"\\x01" + nonce + ciphertext``."""
    _check_key(data_key)
    if not isinstance(plaintext, bytes):
        raise TypeError("plaintext must be bytes")
    return _encrypt(data_key, _pad(plaintext), _field_aad(record, field))


def unseal(data_key: bytes, ciphertext: bytes, *, record: str, field: str) -> bytes:
    """The plaintext :func:`seal` sealed for this ``record`` and ``field`` with this key;
    :class:`~civwatch.errors.DecryptionError` for anything else."""
    return _unpad(_decrypt(data_key, ciphertext, _field_aad(record, field)))


def canonical_json(value: Any) -> bytes:
    """``value`` as compact JSON with sorted keys, UTF-8 (no NaN or infinity)."""
    return json.dumps(
        value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
    ).encode("utf-8")


def seal_json(data_key: bytes, value: Any, *, record: str, field: str) -> bytes:
    """:func:`seal` of ``value`` as canonical compact JSON."""
    return seal(data_key, canonical_json(value), record=record, field=field)


def unseal_json(data_key: bytes, ciphertext: bytes, *, record: str, field: str) -> Any:
    """The JSON value :func:`seal_json` sealed (see :func:`unseal`)."""
    plaintext = unseal(data_key, ciphertext, record=record, field=field)
    try:
        return json.loads(plaintext)
    except ValueError:
        _undecryptable()


class DeskKey:
    """The desk's key: 32 secret bytes, held in memory only while the desk is unlocked.

    Never printed (``repr`` and ``str`` show no byte of it), never pickled, never changed.
    Everything is done with keys derived from it for one purpose each
    (:meth:`subkey`): wrapping data keys, sealing desk-level values, the blind indexes, the
    verifier that tells a right passphrase from a wrong one.
    """

    __slots__ = ("__raw", "__records", "__wrap")
    __raw: bytes
    __records: bytes  # subkey("records"), for seal_desk
    __wrap: bytes  # subkey("wrap"), for wrap/unwrap

    def __init__(self, raw: bytes) -> None:
        if not isinstance(raw, bytes | bytearray) or len(raw) != KEY_BYTES:
            raise ValueError(f"a desk key is {KEY_BYTES} bytes")
        object.__setattr__(self, "_DeskKey__raw", bytes(raw))
        object.__setattr__(self, "_DeskKey__wrap", self.subkey("wrap"))
        object.__setattr__(self, "_DeskKey__records", self.subkey("records"))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a DeskKey cannot be changed")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a DeskKey cannot be changed")

    def __repr__(self) -> str:
        return "DeskKey(<secret>)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a DeskKey is never pickled or copied out of memory")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DeskKey):
            return NotImplemented
        return hmac.compare_digest(self.__raw, other.__raw)

    __hash__ = None  # type: ignore[assignment]

    def subkey(self, purpose: str) -> bytes:
        """A 32-byte key for one ``purpose`` only (HKDF-SHA256, info
        ``b"civwatch-desk/" + purpose``): keys of different purposes are independent."""
        return HKDF(
            algorithm=hashes.SHA256(),
            length=KEY_BYTES,
            salt=None,
            info=SUBKEY_INFO + _label(purpose, "purpose"),
        ).derive(self.__raw)

    def wrap(self, data_key: bytes, *, owner: str) -> bytes:
        """``data_key`` encrypted under the desk's wrapping key, bound to ``owner`` (the id
        of the person it belongs to): it unwraps for that owner only."""
        _check_key(data_key)
        return _encrypt(self.__wrap, data_key, WRAP_AAD + _label(owner, "owner"))

    def unwrap(self, wrapped: bytes, *, owner: str) -> bytes:
        """The data key :meth:`wrap` wrapped for ``owner``;
        :class:`~civwatch.errors.DecryptionError` otherwise."""
        data_key = _decrypt(self.__wrap, wrapped, WRAP_AAD + _label(owner, "owner"))
        if len(data_key) != KEY_BYTES:
            _undecryptable()
        return data_key

    def verifier(self) -> bytes:
        """A value stored beside the desk that tells whether a key is the desk's key (an
        HMAC of a constant under a key of its own: it reveals nothing of the key)."""
        return hmac.new(self.subkey("verify"), VERIFIER_TEXT, hashlib.sha256).digest()

    def matches_verifier(self, stored: bytes) -> bool:
        """Whether ``stored`` (a :meth:`verifier` kept in the database) is this key's, in
        constant time."""
        return hmac.compare_digest(self.verifier(), stored)

    def seal_desk(self, plaintext: bytes, *, record: str, field: str) -> bytes:
        """:func:`seal` with the desk's records key: for desk-level values that belong to no
        one person (reasons, metadata of requests for help)."""
        return seal(self.__records, plaintext, record=record, field=field)

    def open_desk(self, ciphertext: bytes, *, record: str, field: str) -> bytes:
        """The plaintext :meth:`seal_desk` sealed for this ``record`` and ``field``."""
        return unseal(self.__records, ciphertext, record=record, field=field)

    def seal_desk_json(self, value: Any, *, record: str, field: str) -> bytes:
        """:meth:`seal_desk` of ``value`` as canonical compact JSON."""
        return seal_json(self.__records, value, record=record, field=field)

    def open_desk_json(self, ciphertext: bytes, *, record: str, field: str) -> Any:
        """The JSON value :meth:`seal_desk_json` sealed."""
        return unseal_json(self.__records, ciphertext, record=record, field=field)

"""The desk's key, from a passphrase or from a key file; never stored beside the database.

- From a passphrase: argon2id (:func:`derive`) with a random salt and the parameters kept
  in the database (:class:`KdfParams`); the passphrase is NFC-normalised first, so the
  same words typed on another keyboard or system give the same key.
- From a key file (a secrets mount on a server): 32 random bytes written once as base64
  text, readable by its owner only (:func:`create_key_file`, :func:`read_key_file`).
  Its path is the setting ``CIVWATCH_PROTECTION_KEY_FILE``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw

from civwatch.crypto.envelope import KEY_BYTES, DeskKey
from civwatch.errors import KeyFileError, WeakPassphraseError
from civwatch.files import PRIVATE, write_new
from civwatch.i18n import _

#: Bytes of the random salt of :func:`derive` (stored beside the desk's parameters).
SALT_BYTES = 16
#: The shortest passphrase accepted, in characters.
MIN_PASSPHRASE_CHARS = 12
#: A passphrase needs at least this many different characters ("aaaaaaaaaaaa" is refused).
MIN_DISTINCT_CHARS = 5
#: The setting that names the key file, shown in every message about it.
KEY_FILE_SETTING = "CIVWATCH_PROTECTION_KEY_FILE"
#: Key file modes that let anyone but the owner in (group or others, any of rwx).
OTHERS_BITS = stat.S_IRWXG | stat.S_IRWXO
#: A key file is a line of base64 text; anything much longer is not one.
KEY_FILE_MAX_BYTES = 1024


@dataclass(frozen=True)
class KdfParams:
    """The cost of argon2id, stored with the desk (the salt is stored beside it).

    The defaults follow RFC 9106's second recommended option (64 MiB of memory, 3 passes)
    with 2 lanes for a 2-core server; tests pass cheaper ones.
    """

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 2

    def __post_init__(self) -> None:
        for name in ("time_cost", "memory_kib", "parallelism"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"argon2id {name} must be a positive integer")
        if self.memory_kib < 8 * self.parallelism:
            raise ValueError("argon2id needs at least 8 KiB of memory per lane")

    def to_json(self) -> dict[str, Any]:
        """The parameters as a JSON object (with the algorithm's name), for the database."""
        return {"algorithm": "argon2id", "version": 19, **asdict(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str) -> KdfParams:
        """The parameters :meth:`to_json` wrote (a mapping, or its JSON text)."""
        value: Any = json.loads(data) if isinstance(data, str) else data
        if not isinstance(value, Mapping) or value.get("algorithm", "argon2id") != "argon2id":
            raise ValueError("not argon2id parameters")
        try:
            return cls(
                time_cost=value["time_cost"],
                memory_kib=value["memory_kib"],
                parallelism=value["parallelism"],
            )
        except KeyError as missing:
            raise ValueError(f"argon2id parameters lack {missing}") from None


def new_salt() -> bytes:
    """A fresh random salt for :func:`derive`."""
    return os.urandom(SALT_BYTES)


def derive(passphrase: str, salt: bytes, params: KdfParams) -> DeskKey:
    """The desk's key from ``passphrase`` (NFC-normalised, UTF-8) and ``salt`` with argon2id:
    the same inputs always give the same key, another salt another key."""
    if not isinstance(salt, bytes) or len(salt) < SALT_BYTES:
        raise ValueError(f"the salt is at least {SALT_BYTES} bytes")
    raw = hash_secret_raw(
        secret=unicodedata.normalize("NFC", passphrase).encode("utf-8"),
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )
    return DeskKey(raw)


def check_passphrase(passphrase: str) -> None:
    """Refuse a passphrase too weak to protect the desk: under 12 characters, or made of
    fewer than 5 different characters (:class:`~civwatch.errors.WeakPassphraseError`)."""
    text = unicodedata.normalize("NFC", passphrase)
    if len(text.strip()) < MIN_PASSPHRASE_CHARS:
        raise WeakPassphraseError(
            _(
                "The passphrase is too short: use at least %(count)s characters, for example "
                "several words only you know.",
                count=MIN_PASSPHRASE_CHARS,
            )
        )
    if len(set(text.casefold())) < MIN_DISTINCT_CHARS:
        raise WeakPassphraseError(
            _(
                "The passphrase repeats too few characters: use at least %(count)s different "
                "ones, for example several words only you know.",
                count=MIN_DISTINCT_CHARS,
            )
        )


def create_key_file(path: Path) -> DeskKey:
    """Write a new random desk key to ``path`` (base64 text, mode 0600, durably) and return
    it; an existing file is never overwritten (:class:`~civwatch.errors.KeyFileError`)."""
    raw = os.urandom(KEY_BYTES)
    try:
        write_new(path, base64.b64encode(raw) + b"\n", mode=PRIVATE)
    except FileExistsError:
        raise KeyFileError(
            _(
                "The protection key file %(path)s exists already: civwatch never overwrites "
                "a key file. Name a new file or use the existing one (%(setting)s).",
                path=str(path),
                setting=KEY_FILE_SETTING,
            )
        ) from None
    except OSError as exc:
        raise KeyFileError(
            _(
                "The protection key file %(path)s cannot be created: %(reason)s.",
                path=str(path),
                reason=exc.strerror or type(exc).__name__,
            )
        ) from None
    return DeskKey(raw)


def read_key_file(path: Path) -> DeskKey:
    """The desk key in the file ``path`` (the setting ``CIVWATCH_PROTECTION_KEY_FILE``).

    Refused with a :class:`~civwatch.errors.KeyFileError` saying what to do: missing,
    unreadable, not a regular file, readable or writable by anyone but its owner, or not
    32 bytes of base64.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise KeyFileError(
            _(
                "The protection key file %(path)s does not exist. Check the setting "
                "%(setting)s, or create the key with civwatch protect init.",
                path=str(path),
                setting=KEY_FILE_SETTING,
            )
        ) from None
    except OSError as exc:
        raise KeyFileError(
            _(
                "The protection key file %(path)s (%(setting)s) cannot be read: %(reason)s.",
                path=str(path),
                setting=KEY_FILE_SETTING,
                reason=exc.strerror or type(exc).__name__,
            )
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(
                _(
                    "The protection key file %(path)s (%(setting)s) is not a regular file.",
                    path=str(path),
                    setting=KEY_FILE_SETTING,
                )
            )
        if info.st_mode & OTHERS_BITS:
            raise KeyFileError(
                _(
                    "The protection key file %(path)s (%(setting)s) may be read or changed by "
                    "others (mode %(mode)s): make it readable by its owner only, e.g. chmod 600.",
                    path=str(path),
                    setting=KEY_FILE_SETTING,
                    mode=oct(stat.S_IMODE(info.st_mode)),
                )
            )
        content = os.read(fd, KEY_FILE_MAX_BYTES + 1)
    finally:
        os.close(fd)
    try:
        raw = base64.b64decode(content.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(content) > KEY_FILE_MAX_BYTES or len(raw) != KEY_BYTES:
        raise KeyFileError(
            _(
                "The protection key file %(path)s (%(setting)s) does not hold a key: it must "
                "hold %(count)s bytes in base64, as civwatch protect init writes them.",
                path=str(path),
                setting=KEY_FILE_SETTING,
                count=KEY_BYTES,
            )
        )
    return DeskKey(raw)

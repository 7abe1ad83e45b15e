"""The keys folder of a data folder, sealed with a passphrase (age, scrypt recipient).

Every file under ``<data>/keys/`` is taken, whatever its name (the custody signing key,
keys a rotation adds, the web's protection HMAC key), so a new kind of key file comes
along without a change here. The files are put in one JSON document that is encrypted in
memory: no key is ever written in clear outside the keys folder. The protection desk's
key is never in a backup: it lives outside the data folder (a passphrase, or
``CIVWATCH_PROTECTION_KEY_FILE``) and is kept apart from the database by design.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pyrage

from civwatch.backups.layout import check_relative
from civwatch.errors import IntegrityError, RejectedInputError
from civwatch.files import fsync_folder, write_new
from civwatch.i18n import _

KEYS_FOLDER = "keys"
#: The shortest passphrase accepted to seal keys.
MIN_PASSPHRASE = 12


@dataclass(frozen=True)
class KeyFile:
    path: str  # relative to the keys folder
    mode: int
    data: bytes


def collect_keys(data_dir: Path) -> list[KeyFile]:
    """Every regular file under ``<data>/keys/`` (symbolic links are not followed)."""
    root = data_dir / KEYS_FOLDER
    found: list[KeyFile] = []
    if not root.is_dir():
        return found
    for folder, _dirs, names in os.walk(root):
        for name in sorted(names):
            path = Path(folder) / name
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                continue
            found.append(
                KeyFile(
                    path.relative_to(root).as_posix(), stat.S_IMODE(info.st_mode), path.read_bytes()
                )
            )
    return sorted(found, key=lambda k: k.path)


def check_passphrase(passphrase: str) -> str:
    if len(passphrase) < MIN_PASSPHRASE:
        raise RejectedInputError(
            _(
                "The backup passphrase must have %(num)s characters or more.",
                num=MIN_PASSPHRASE,
            )
        )
    return passphrase


def seal_keys(keys: list[KeyFile], passphrase: str) -> bytes:
    """The age file holding ``keys``, encrypted to ``passphrase``."""
    doc = {
        "files": [
            {"path": k.path, "mode": k.mode, "data": base64.b64encode(k.data).decode("ascii")}
            for k in keys
        ]
    }
    plain = json.dumps(doc, sort_keys=True).encode("utf-8")
    return bytes(pyrage.passphrase.encrypt(plain, check_passphrase(passphrase)))


def open_keys(sealed: bytes, passphrase: str) -> list[KeyFile]:
    """The key files in ``sealed``; a wrong passphrase is refused with a clear message."""
    try:
        plain = pyrage.passphrase.decrypt(sealed, passphrase)
    except pyrage.DecryptError:
        raise RejectedInputError(
            _(
                "The passphrase does not open the keys of this backup (wrong passphrase, or "
                "a damaged keys file): nothing was restored."
            )
        ) from None
    try:
        doc = json.loads(plain)
        return [
            KeyFile(
                check_relative(item["path"]),
                int(item["mode"]) & 0o700,
                base64.b64decode(item["data"], validate=True),
            )
            for item in doc["files"]
        ]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise IntegrityError(_("The keys file of this backup opened but holds no keys.")) from None


def write_keys(keys: list[KeyFile], data_dir: Path) -> None:
    """Write ``keys`` into ``<data>/keys/`` (folders 0700, files private, never over an
    existing file). Nothing, not even the folder, when there are none."""
    if not keys:
        return
    root = data_dir / KEYS_FOLDER
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    for key in keys:
        path = root / key.path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_new(path, key.data, mode=key.mode or 0o600)
        fsync_folder(path.parent)

"""What a backup folder holds and the signed document that describes one snapshot.

::

    DEST/
      civwatch-backup.json           marker: format, version, where the blob area is
      blobs/sha256/ab/cd/<hash>      every blob of every snapshot, once (a BlobStore)
      snapshots/20261207T061500Z/
        snapshot.json                what follows, each file with its SHA-256 and size
        snapshot.sig                 Ed25519 signature of snapshot.json (the custody key)
        database.sqlite | database.dump
        blobs.jsonl                  the manifest: {"sha256", "size"} per blob, sorted
        files/...                    civwatch.json, custody/*.jsonl, gazetteer/...
        keys.age                     only with --with-keys: the keys folder, age-sealed

A snapshot is built in a hidden folder and renamed into place once complete, so a folder
under ``snapshots/`` is always whole.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from civwatch.custody.heads_file import head_line
from civwatch.custody.signing import TreeHead, key_fingerprint, public_key_bytes
from civwatch.errors import IntegrityError, RejectedInputError
from civwatch.i18n import _
from civwatch.vault.store import CHUNK_SIZE

MARKER = "civwatch-backup.json"
#: Held (flock) by a backup or a prune while it works in the folder.
LOCK = ".lock"
MARKER_FORMAT = "civwatch-backup"
SNAPSHOTS = "snapshots"
BLOBS = "blobs"
SNAPSHOT_DOC = "snapshot.json"
SNAPSHOT_SIG = "snapshot.sig"
SNAPSHOT_FORMAT = "civwatch-backup-snapshot"
MANIFEST = "blobs.jsonl"
KEYS = "keys.age"
FILES = "files"
SQLITE_FILE = "database.sqlite"
PG_DUMP_FILE = "database.dump"
VERSION = 1
#: What the snapshot signature covers: this line, then the bytes of snapshot.json.
SIGNATURE_PREFIX = b"civwatch-backup-snapshot-v1\n"
#: A snapshot's name: its UTC time, and a number when two start in the same second.
NAME = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def sha256_of(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size of the file at ``path``, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class HashingReader:
    """A read-only stream over ``source`` that hashes and counts what is read through it."""

    def __init__(self, source: BinaryIO) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.source.read(n)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def head_doc(head: TreeHead) -> dict[str, Any]:
    """A signed head as it is written in the heads file (one JSON object)."""
    doc: dict[str, Any] = json.loads(head_line(head))
    return doc


def head_from_doc(doc: Any, log: str) -> TreeHead:
    """The head of ``log`` in ``doc``; ValueError, KeyError or TypeError if it is none."""
    if not isinstance(doc, dict):
        raise TypeError("not a JSON object")
    size, timestamp = doc["tree_size"], doc["timestamp_ms"]
    if not isinstance(size, int) or not isinstance(timestamp, int) or size < 0 or timestamp < 0:
        raise ValueError("tree_size and timestamp_ms must be whole numbers")
    root = bytes.fromhex(doc["root_hash"])
    if len(root) != 32:
        raise ValueError("root_hash is not 32 bytes")
    signature = base64.b64decode(doc["signature"], validate=True)
    public_key = base64.b64decode(doc["public_key"], validate=True)
    return TreeHead(size, root, timestamp, signature, public_key, log)


@dataclass(frozen=True)
class FileRecord:
    """One file of a snapshot: its path inside the snapshot folder, SHA-256 and size."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Snapshot:
    """A snapshot's signed description, read back and checked."""

    name: str
    #: A local folder holding the snapshot's files (for a bucket, a downloaded copy).
    folder: Path
    #: Where the snapshot is, as messages name it (the folder, or its ``s3://`` URL).
    where: Path | str
    created_at: str
    civwatch: str
    schema: str
    database_kind: str
    database_file: str
    files: dict[str, FileRecord]
    blob_count: int
    blob_bytes: int
    heads: dict[str, TreeHead]
    public_key: bytes
    #: The files of the data folder it holds (``files/...``), by their path in the data folder.
    extra_files: tuple[str, ...]

    @property
    def has_keys(self) -> bool:
        return KEYS in self.files

    @property
    def key_fingerprint(self) -> str:
        return key_fingerprint(self.public_key)


def canonical(doc: Mapping[str, Any]) -> bytes:
    """``doc`` as the bytes written: JSON, keys sorted, UTF-8, one trailing newline."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def sign_snapshot(doc_bytes: bytes, key: Ed25519PrivateKey) -> bytes:
    """The signature kept in ``snapshot.sig``."""
    return key.sign(SIGNATURE_PREFIX + doc_bytes)


def damaged(folder: Path | str, reason: str) -> IntegrityError:
    """The refusal of a snapshot whose description cannot be trusted."""
    return IntegrityError(
        _(
            "The backup snapshot %(folder)s is damaged or was altered (%(reason)s): nothing "
            "was restored from it.",
            folder=folder,
            reason=reason,
        )
    )


def read_snapshot(folder: Path, where: Path | str | None = None) -> Snapshot:
    """The snapshot in ``folder``, its description's signature checked (by the key it names,
    which must have signed every head in it). Raises :class:`IntegrityError` naming what
    is wrong, and the snapshot as ``where`` (default: ``folder``)."""
    shown = folder if where is None else where
    try:
        doc_bytes = (folder / SNAPSHOT_DOC).read_bytes()
        signature = (folder / SNAPSHOT_SIG).read_bytes()
    except OSError as err:
        raise damaged(shown, _("%(file)s cannot be read", file=err.filename)) from None
    try:
        doc = json.loads(doc_bytes)
        if not isinstance(doc, dict) or doc.get("format") != SNAPSHOT_FORMAT:
            raise ValueError("not a snapshot description")
        public_key = base64.b64decode(doc["public_key"], validate=True)
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            signature, SIGNATURE_PREFIX + doc_bytes
        )
    except InvalidSignature:
        raise damaged(shown, _("the signature of snapshot.json does not verify")) from None
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise damaged(shown, _("snapshot.json is not a snapshot description")) from None
    try:
        return _parsed(folder, shown, doc, public_key)
    except InvalidSignature:
        raise damaged(shown, _("a tree head's signature does not verify")) from None
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as err:
        raise damaged(
            shown, _("snapshot.json does not say what it should (%(error)s)", error=err)
        ) from None


def _parsed(folder: Path, where: Path | str, doc: dict[str, Any], public_key: bytes) -> Snapshot:
    if doc["version"] != VERSION:
        raise ValueError(f"version {doc['version']!r}")
    files: dict[str, FileRecord] = {}
    for path, item in doc["files"].items():
        check_relative(path)
        if not _HEX64.match(item["sha256"]) or not isinstance(item["size"], int):
            raise ValueError(path)
        files[path] = FileRecord(path, item["sha256"], item["size"])
    database = doc["database"]
    if database["kind"] not in ("sqlite", "postgresql") or database["file"] not in files:
        raise ValueError("database")
    if MANIFEST not in files:
        raise ValueError(MANIFEST)
    heads = {log: head_from_doc(item, log) for log, item in doc["heads"].items()}
    for head in heads.values():
        if head.public_key != public_key:
            raise ValueError(_("a tree head names another signing key"))
        Ed25519PublicKey.from_public_bytes(public_key).verify(head.signature, head.message())
    extra = tuple(p.removeprefix(FILES + "/") for p in files if p.startswith(FILES + "/"))
    return Snapshot(
        name=folder.name,
        folder=folder,
        where=where,
        created_at=str(doc["created_at"]),
        civwatch=str(doc["civwatch"]),
        schema=str(doc["schema"]),
        database_kind=database["kind"],
        database_file=database["file"],
        files=files,
        blob_count=int(doc["blobs"]["count"]),
        blob_bytes=int(doc["blobs"]["bytes"]),
        heads=heads,
        public_key=public_key,
        extra_files=extra,
    )


def check_relative(path: str) -> str:
    """``path`` if it is a plain relative path inside a folder (no ``..``, not absolute)."""
    parts = Path(path).parts
    if not parts or Path(path).is_absolute() or any(p in ("..", ".", "") for p in parts):
        raise ValueError(f"{path!r} leaves the snapshot folder")
    return path


def manifest_lines(entries: Iterator[tuple[str, int]]) -> Iterator[bytes]:
    """The manifest's lines for (sha256, size) pairs given in order."""
    for sha256, size in entries:
        yield json.dumps({"sha256": sha256, "size": size}, sort_keys=True).encode() + b"\n"


def read_manifest(path: Path, folder: Path | str) -> Iterator[tuple[str, int]]:
    """Every (sha256, size) of a manifest whose SHA-256 has already been checked."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                item = json.loads(raw)
                sha256, size = item["sha256"], item["size"]
                if not _HEX64.match(sha256) or not isinstance(size, int) or size < 0:
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                raise damaged(
                    folder, _("line %(line)s of the blob manifest is not a blob", line=number)
                ) from None
            yield sha256, size


def read_marker(dest: Path) -> dict[str, Any] | None:
    """The marker of the backup folder ``dest``, or None when it holds none."""
    try:
        data = (dest / MARKER).read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        raise not_a_backup(dest) from None
    return parse_marker(data, dest)


def parse_marker(data: bytes, where: Path | str) -> dict[str, Any]:
    """The marker read from a backup at ``where``: refused when it is not a backup's."""
    try:
        doc = json.loads(data)
    except ValueError:
        raise not_a_backup(where) from None
    if not isinstance(doc, dict) or doc.get("format") != MARKER_FORMAT:
        raise not_a_backup(where)
    return doc


def not_a_backup(folder: Path | str) -> RejectedInputError:
    return RejectedInputError(
        _(
            "%(folder)s is not a civwatch backup folder (it has no valid %(marker)s): give the "
            "folder that `civwatch backup` wrote to.",
            folder=folder,
            marker=MARKER,
        )
    )


def snapshot_names(dest: Path) -> list[str]:
    """The complete snapshots of the backup folder ``dest``, oldest first."""
    folder = dest / SNAPSHOTS
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and NAME.match(p.name))


def signer_matches(snapshot: Snapshot, key: Ed25519PrivateKey) -> bool:
    """Whether ``key`` is the key that signed ``snapshot``."""
    return public_key_bytes(key) == snapshot.public_key


@contextlib.contextmanager
def locked(dest: Path) -> Iterator[None]:
    """Hold the backup folder ``dest`` alone: a backup and a prune never run at once (a
    prune could otherwise remove a blob a running backup found there and did not copy)."""
    fd = os.open(dest / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy(dest) from None
        yield
    finally:
        os.close(fd)


def busy(dest: Path | str) -> RejectedInputError:
    """The refusal of a backup or prune while another works in ``dest``."""
    return RejectedInputError(
        _("Another backup or prune is working in %(dest)s: try again when it is done.", dest=dest)
    )

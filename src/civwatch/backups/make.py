"""``civwatch backup DEST``: one dated snapshot beside a shared, content-addressed blob area.

The order makes the snapshot consistent without stopping anyone:

1. each log's tree head is signed (or the latest taken, when the log has not grown): the
   database copied next holds at least that tree;
2. the heads files are copied: each line is a head some committed transaction signed, so
   the database copied next holds it too;
3. the database is copied (SQLite online backup, ``pg_dump``): one consistent image;
4. the vault is listed and each blob not yet in the blob area is copied (a blob is stored
   before the records that name it are committed, so every blob the database names is
   listed; blobs are write-once, so one listed is whole);
5. ``snapshot.json`` is written with the SHA-256 of every file and signed, and the
   snapshot is put in place by its target: the folder renamed, or the files uploaded to
   the bucket with ``snapshot.json`` last (:mod:`civwatch.backups.target`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from civwatch import __version__
from civwatch.backups import layout
from civwatch.backups.database import dump_database
from civwatch.backups.keys import collect_keys, seal_keys
from civwatch.backups.target import BackupTarget, FolderTarget, backup_target
from civwatch.custody.log import CustodyLog
from civwatch.custody.signing import TreeHead, public_key_bytes
from civwatch.db import SCHEMA_HEAD
from civwatch.errors import IntegrityError, RejectedInputError
from civwatch.files import write_durable
from civwatch.i18n import _
from civwatch.vault import BlobStore, open_blob_store
from civwatch.workspace import HEADS_FILE, MARKER, Workspace

#: Folders of the data folder a snapshot carries besides the marker: the heads files (what
#: verify checks the log against) and the imported GeoNames dump (not derived).
CARRIED_FOLDERS = ("custody", "gazetteer")
#: No blob limit when copying what the vault already accepted.
NO_LIMIT = 2**62

Progress = Callable[[str, int, int], None]


@dataclass
class BackupReport:
    """What one backup run wrote."""

    name: str
    #: Where the snapshot is: a folder path, or an ``s3://`` URL.
    folder: Path | str
    database: str
    blobs: int = 0
    blob_bytes: int = 0
    copied: int = 0
    copied_bytes: int = 0
    heads: dict[str, int] = field(default_factory=dict)
    keys: int = 0


def blob_area_url(target: BackupTarget, marker: dict[str, Any] | None, given: str | None) -> str:
    """Where the blobs of the backup ``target`` live: given once, kept in its marker."""
    kept = None if marker is None else marker.get("blobs")
    if kept is not None and given is not None and kept != given:
        raise RejectedInputError(
            _(
                "The backup folder %(dest)s keeps its blobs at %(kept)s, not %(given)s.",
                dest=target.where,
                kept=kept,
                given=given,
            )
        )
    chosen = given or kept
    return chosen if chosen else target.default_blob_url()


def open_backup_folder(
    target: BackupTarget, blob_url: str | None
) -> tuple[dict[str, Any], BlobStore]:
    """The backup ``target`` (made when missing or empty) and its blob area."""
    marker = target.read_marker()
    if marker is None:
        marker = {"format": layout.MARKER_FORMAT, "version": layout.VERSION, "blobs": blob_url}
        target.create(layout.canonical(marker))
    store = open_blob_store(blob_area_url(target, marker, blob_url))
    store.ensure()
    return marker, store


def _snapshot_name(target: BackupTarget, now: datetime) -> str:
    base = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    taken = set(target.snapshot_names())
    name, n = base, 1
    while name in taken or target.name_taken(name):
        n += 1
        name = f"{base}-{n}"
    return name


def _logs(ws: Workspace) -> dict[str, CustodyLog]:
    return {log.tables.name: log for log in (ws.custody, ws.protection_log, ws.relief_log)}


def _complete_lines(data: bytes) -> bytes:
    """``data`` up to its last newline: a line being appended is left for the next backup."""
    end = data.rfind(b"\n")
    return data[: end + 1]


def _carry_files(ws: Workspace, target: Path) -> None:
    data_dir = ws.data_dir
    write_durable(target / MARKER, (data_dir / MARKER).read_bytes())
    for name in CARRIED_FOLDERS:
        root = data_dir / name
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
            if path.name.startswith("."):
                continue  # a file being written (files.atomic_writer's temporary)
            data = path.read_bytes()
            if path.suffix == HEADS_FILE.suffix:
                data = _complete_lines(data)
            write_durable(target / path.relative_to(data_dir), data)


def _copy_blobs(
    ws: Workspace, store: BlobStore, report: BackupReport, progress: Progress | None
) -> list[tuple[str, int]]:
    hashes = sorted(ws.vault.iter_hashes())
    listed: list[tuple[str, int]] = []
    for done, sha256 in enumerate(hashes, 1):
        size = ws.vault.size(sha256)
        if not store.exists(sha256):
            with ws.vault.open(sha256) as source:
                stored = store.put(source, max_size=NO_LIMIT)
            if stored.sha256 != sha256:
                raise IntegrityError(
                    _(
                        "The blob %(sha256)s in the vault does not match its name (damaged): "
                        "the backup stopped; run `civwatch verify` to see what is damaged.",
                        sha256=sha256,
                    )
                )
            report.copied += 1
            report.copied_bytes += size
        listed.append((sha256, size))
        report.blobs += 1
        report.blob_bytes += size
        if progress is not None:
            progress(_("Blobs"), done, len(hashes))
    return listed


def make_backup(
    ws: Workspace,
    dest: Path | str | BackupTarget,
    *,
    passphrase: str | None = None,
    blob_url: str | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> BackupReport:
    """Write a snapshot of ``ws`` into the backup ``dest`` (a folder or an ``s3://`` URL);
    the keys folder too, sealed with ``passphrase``, when one is given."""
    target = backup_target(dest)
    if isinstance(target, FolderTarget) and target.folder.is_relative_to(ws.data_dir.resolve()):
        raise RejectedInputError(
            _(
                "%(dest)s is inside the data folder: a backup kept there is lost with it. "
                "Give a folder on another disk or machine.",
                dest=target.folder,
            )
        )
    _marker, store = open_backup_folder(target, blob_url)
    with target.locked():
        name = _snapshot_name(target, now or datetime.now(UTC))
        with target.building(name) as building:
            report = _build(ws, building, name, store, passphrase, progress)
            report.folder = target.publish(building, name)
            return report


def _build(
    ws: Workspace,
    building: Path,
    name: str,
    store: BlobStore,
    passphrase: str | None,
    progress: Progress | None,
) -> BackupReport:
    key = ws.signing_key
    heads: dict[str, TreeHead] = {}
    for log_name, log in _logs(ws).items():
        head = ws.sign_head_if_grown(log)
        if head is not None:
            heads[log_name] = ws.show_head(head)
    _carry_files(ws, building / layout.FILES)
    kind, database_file = dump_database(ws.settings.resolved_database_url, building)
    report = BackupReport(name=name, folder="", database=kind)
    report.heads = {log: head.tree_size for log, head in heads.items()}
    if passphrase is not None:
        keys = collect_keys(ws.data_dir)
        write_durable(building / layout.KEYS, seal_keys(keys, passphrase))
        report.keys = len(keys)
    listed = _copy_blobs(ws, store, report, progress)
    with (building / layout.MANIFEST).open("wb") as manifest:
        for line in layout.manifest_lines(iter(listed)):
            manifest.write(line)
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in building.rglob("*") if p.is_file()):
        sha256, size = layout.sha256_of(path)
        files[path.relative_to(building).as_posix()] = {"sha256": sha256, "size": size}
    doc = {
        "format": layout.SNAPSHOT_FORMAT,
        "version": layout.VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "civwatch": __version__,
        "schema": SCHEMA_HEAD,
        "database": {"kind": kind, "file": database_file},
        "files": files,
        "blobs": {"count": report.blobs, "bytes": report.blob_bytes},
        "heads": {log: layout.head_doc(head) for log, head in heads.items()},
        "public_key": base64.b64encode(public_key_bytes(key)).decode("ascii"),
    }
    doc_bytes = layout.canonical(doc)
    write_durable(building / layout.SNAPSHOT_DOC, doc_bytes)
    write_durable(building / layout.SNAPSHOT_SIG, layout.sign_snapshot(doc_bytes, key))
    return report

"""Where a backup is written: a folder, or an S3 bucket (``s3://BUCKET/PREFIX?endpoint=URL``).

Both hold the same things under the same names (see :mod:`civwatch.backups.layout`): the
marker, ``snapshots/NAME/...`` and, by default, the blob area ``blobs/``. A snapshot is
always built in a local folder first; :meth:`BackupTarget.publish` puts it in place whole,
and :meth:`BackupTarget.fetch` gives a local copy of one to read, so that reading,
checking and restoring a snapshot is one code path for both.

- A folder: the snapshot is built in ``snapshots/.building-NAME`` and renamed into place;
  a backup or prune holds the folder's lock (flock).
- A bucket: the snapshot's files are uploaded under ``PREFIX/snapshots/NAME/``, the signed
  ``snapshot.json`` last. A snapshot without it is unfinished: it is not listed (restore
  never sees it) and prune removes it once it is older than a day (a backup may still be
  writing a younger one). The blob area is the S3 blob store at ``PREFIX/blobs``. The lock
  is an object made by a conditional PUT.
"""

from __future__ import annotations

import abc
import contextlib
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Collection, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import ClientError

from civwatch.backups import layout
from civwatch.errors import CivwatchError, RejectedInputError
from civwatch.files import fsync_tree, move_into_place, write_new
from civwatch.i18n import _
from civwatch.vault import BlobStore
from civwatch.vault.local import process_alive
from civwatch.vault.s3 import S3BlobStore

#: An unfinished snapshot in a bucket younger than this may be one a backup is writing (on
#: a server that ignores the lock's condition); a lock of another machine older than this
#: is one a killed backup left.
UNFINISHED_STALE_AFTER = timedelta(days=1)


class BackupTarget(abc.ABC):
    """A place that holds backups: its marker, its snapshots and its default blob area."""

    #: The target as it is named in messages.
    where: str

    @abc.abstractmethod
    def read_marker(self) -> dict[str, Any] | None:
        """The marker, or None when there is none (refused when it is not a backup's)."""

    @abc.abstractmethod
    def create(self, marker: bytes) -> None:
        """Make a new backup here with ``marker``: refused unless the place is new or empty."""

    @abc.abstractmethod
    def default_blob_url(self) -> str:
        """The blob area's URL when none was given: ``blobs`` beside the snapshots."""

    @abc.abstractmethod
    def locked(self) -> contextlib.AbstractContextManager[None]:
        """Held by a backup or a prune while it works here."""

    @abc.abstractmethod
    def snapshot_names(self) -> list[str]:
        """The complete snapshots, oldest first."""

    @abc.abstractmethod
    def name_taken(self, name: str) -> bool:
        """Whether a snapshot, complete or not, is named ``name``."""

    @abc.abstractmethod
    def building(self, name: str) -> contextlib.AbstractContextManager[Path]:
        """A new, empty local folder to build snapshot ``name`` in (removed on failure)."""

    @abc.abstractmethod
    def publish(self, building: Path, name: str) -> Path | str:
        """Put the built snapshot in place, ``snapshot.json`` last; returns where it is."""

    @abc.abstractmethod
    def fetch(
        self, name: str, files: Collection[str] | None = None
    ) -> contextlib.AbstractContextManager[Path]:
        """A local folder holding snapshot ``name`` (only ``files`` of it when given)."""

    @abc.abstractmethod
    def snapshot_where(self, name: str) -> Path | str:
        """Snapshot ``name`` as messages name it."""

    @abc.abstractmethod
    def remove(self, name: str) -> None:
        """Remove snapshot ``name``."""

    @abc.abstractmethod
    def clean_unfinished(self) -> int:
        """Remove what killed backups left; returns how many snapshots."""

    def remove_blob(self, store: BlobStore, sha256: str) -> int | None:
        """Remove a blob of the blob area no kept snapshot lists: its size, or None when it is
        left (a remote store this target does not own)."""
        path = store.local_path(sha256)
        if path is None:
            return None
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        return size


class FolderTarget(BackupTarget):
    """A backup folder on a disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self.where = str(self.folder)

    def read_marker(self) -> dict[str, Any] | None:
        return layout.read_marker(self.folder) if self.folder.is_dir() else None

    def create(self, marker: bytes) -> None:
        dest = self.folder
        if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
            raise _not_empty(self.where)
        dest.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_new(dest / layout.MARKER, marker)

    def default_blob_url(self) -> str:
        return (self.folder / layout.BLOBS).as_uri()

    def locked(self) -> contextlib.AbstractContextManager[None]:
        return layout.locked(self.folder)

    def snapshot_names(self) -> list[str]:
        return layout.snapshot_names(self.folder)

    def _snapshots(self) -> Path:
        return self.folder / layout.SNAPSHOTS

    def name_taken(self, name: str) -> bool:
        folder = self._snapshots()
        return (folder / name).exists() or (folder / f".building-{name}").exists()

    @contextlib.contextmanager
    def building(self, name: str) -> Iterator[Path]:
        self._snapshots().mkdir(mode=0o700, exist_ok=True)
        folder = self._snapshots() / f".building-{name}"
        folder.mkdir(mode=0o700)
        try:
            yield folder
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def publish(self, building: Path, name: str) -> Path:
        fsync_tree(building)
        move_into_place(building, self._snapshots() / name)
        return self._snapshots() / name

    @contextlib.contextmanager
    def fetch(self, name: str, files: Collection[str] | None = None) -> Iterator[Path]:
        yield self._snapshots() / name

    def snapshot_where(self, name: str) -> Path:
        return self._snapshots() / name

    def remove(self, name: str) -> None:
        shutil.rmtree(self._snapshots() / name)

    def clean_unfinished(self) -> int:
        # No backup runs while the lock is held: every hidden folder is a killed one's.
        removed = 0
        for unfinished in self._snapshots().glob(".building-*"):
            shutil.rmtree(unfinished, ignore_errors=True)
            removed += 1
        return removed


class S3Target(BackupTarget):
    """A backup in an S3 bucket, under a prefix; the connection is the S3 blob store's."""

    def __init__(self, url: str) -> None:
        self.url = url
        #: Parses and checks the URL, holds the client and turns its errors into ours.
        self.s3 = S3BlobStore.from_url(url)
        self.bucket = self.s3.bucket
        self.prefix = self.s3.prefix
        self.where = f"s3://{self.bucket}/{self.prefix}"

    # -- objects ---------------------------------------------------------------------------
    def _keys(self, prefix: str) -> Iterator[dict[str, Any]]:
        pages = self.s3.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        with self.s3.translated_errors():
            for page in pages:
                yield from (dict(entry) for entry in page.get("Contents", []))

    def _delete(self, keys: list[str]) -> None:
        with self.s3.translated_errors():
            for key in keys:
                self.s3.client.delete_object(Bucket=self.bucket, Key=key)

    def _snapshot_prefix(self, name: str) -> str:
        return f"{self.prefix}{layout.SNAPSHOTS}/{name}/"

    def _by_snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """The objects under ``snapshots/``, by the snapshot name they belong to."""
        found: dict[str, list[dict[str, Any]]] = {}
        root = f"{self.prefix}{layout.SNAPSHOTS}/"
        for entry in self._keys(root):
            name, _sep, rest = str(entry["Key"]).removeprefix(root).partition("/")
            if layout.NAME.match(name) and rest:
                found.setdefault(name, []).append(entry)
        return found

    @staticmethod
    def _complete(name: str, entries: list[dict[str, Any]], prefix: str) -> bool:
        return any(
            e["Key"] == f"{prefix}{layout.SNAPSHOTS}/{name}/{layout.SNAPSHOT_DOC}" for e in entries
        )

    # -- the interface ---------------------------------------------------------------------
    def read_marker(self) -> dict[str, Any] | None:
        key = f"{self.prefix}{layout.MARKER}"
        with self.s3.translated_errors():
            if not any(e["Key"] == key for e in self._keys(key)):
                return None
            data = self.s3.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return layout.parse_marker(data, self.where)

    def create(self, marker: bytes) -> None:
        self.s3.ensure()
        if next(self._keys(self.prefix), None) is not None:
            raise _not_empty(self.where)
        with self.s3.translated_errors():
            self.s3.client.put_object(
                Bucket=self.bucket, Key=f"{self.prefix}{layout.MARKER}", Body=marker
            )

    def default_blob_url(self) -> str:
        parsed = urlparse(self.url)
        return parsed._replace(path=f"{parsed.path.rstrip('/')}/{layout.BLOBS}").geturl()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """The lock object ``PREFIX/.lock``, made by a conditional PUT (``If-None-Match: *``:
        refused when it exists) and removed at the end. A lock left by a process of this
        machine that is gone, or older than a day, is taken over."""
        key = f"{self.prefix}{layout.LOCK}"
        holder = {"host": socket.gethostname(), "pid": os.getpid()}
        body = json.dumps(holder, sort_keys=True).encode()
        if not self._put_if_absent(key, body):
            if not self._lock_stale(key):
                raise layout.busy(self.where)
            self._delete([key])
            if not self._put_if_absent(key, body):
                raise layout.busy(self.where)
        try:
            yield
        finally:
            with contextlib.suppress(CivwatchError):
                self._delete([key])

    def _put_if_absent(self, key: str, body: bytes) -> bool:
        with self.s3.translated_errors():
            try:
                self.s3.client.put_object(Bucket=self.bucket, Key=key, Body=body, IfNoneMatch="*")
            except ClientError as exc:
                if str(exc.response.get("Error", {}).get("Code")) in ("PreconditionFailed", "412"):
                    return False
                raise
        return True

    def _lock_stale(self, key: str) -> bool:
        with self.s3.translated_errors():
            try:
                found = self.s3.client.get_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if str(exc.response.get("Error", {}).get("Code")) in ("NoSuchKey", "404"):
                    return True  # released meanwhile
                raise
            data, since = found["Body"].read(), found["LastModified"]
        try:
            holder = json.loads(data)
            host, pid = str(holder["host"]), int(holder["pid"])
        except (ValueError, KeyError, TypeError):
            host, pid = "", 0
        if host == socket.gethostname() and pid > 0:
            return not process_alive(pid)
        return datetime.now(UTC) - since >= UNFINISHED_STALE_AFTER

    def snapshot_names(self) -> list[str]:
        return sorted(
            name
            for name, entries in self._by_snapshot().items()
            if self._complete(name, entries, self.prefix)
        )

    def name_taken(self, name: str) -> bool:
        return next(self._keys(self._snapshot_prefix(name)), None) is not None

    @contextlib.contextmanager
    def building(self, name: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="civwatch-backup-") as tmp:
            folder = Path(tmp) / name
            folder.mkdir(mode=0o700)
            yield folder

    def publish(self, building: Path, name: str) -> str:
        prefix = self._snapshot_prefix(name)
        files = sorted(p for p in building.rglob("*") if p.is_file())
        # snapshot.json last: until it is there, the snapshot does not exist for anyone.
        files.sort(key=lambda p: p.name == layout.SNAPSHOT_DOC and p.parent == building)
        with self.s3.translated_errors():
            for path in files:
                key = prefix + path.relative_to(building).as_posix()
                self.s3.client.upload_file(str(path), self.bucket, key)
        return self.snapshot_where(name)

    @contextlib.contextmanager
    def fetch(self, name: str, files: Collection[str] | None = None) -> Iterator[Path]:
        prefix = self._snapshot_prefix(name)
        with tempfile.TemporaryDirectory(prefix="civwatch-restore-") as tmp:
            folder = Path(tmp) / name
            folder.mkdir(mode=0o700)
            for entry in list(self._keys(prefix)):
                relative = str(entry["Key"]).removeprefix(prefix)
                if files is not None and relative not in files:
                    continue
                try:
                    layout.check_relative(relative)
                except ValueError:
                    raise layout.damaged(
                        self.snapshot_where(name),
                        _("%(file)s is not a file of a snapshot", file=relative),
                    ) from None
                target = folder / relative
                try:
                    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                    with self.s3.translated_errors():
                        self.s3.client.download_file(self.bucket, str(entry["Key"]), str(target))
                except OSError:  # e.g. both "a" and "a/b": not what a backup writes
                    raise layout.damaged(
                        self.snapshot_where(name),
                        _("%(file)s is not a file of a snapshot", file=relative),
                    ) from None
            yield folder

    def snapshot_where(self, name: str) -> str:
        return f"s3://{self.bucket}/{self._snapshot_prefix(name)}"

    def remove(self, name: str) -> None:
        prefix = self._snapshot_prefix(name)
        keys = [str(e["Key"]) for e in self._keys(prefix)]
        # snapshot.json first: a snapshot half removed is unfinished, never damaged.
        keys.sort(key=lambda k: k != prefix + layout.SNAPSHOT_DOC)
        self._delete(keys)

    def clean_unfinished(self) -> int:
        removed = 0
        now = datetime.now(UTC)
        for name, entries in self._by_snapshot().items():
            if self._complete(name, entries, self.prefix):
                continue
            newest = max(e["LastModified"] for e in entries)
            if now - newest < UNFINISHED_STALE_AFTER:
                continue  # perhaps a backup still writing it
            self._delete([str(e["Key"]) for e in entries])
            removed += 1
        return removed

    def remove_blob(self, store: BlobStore, sha256: str) -> int | None:
        own = self.default_blob_url()
        if not (
            isinstance(store, S3BlobStore)
            and store.bucket == self.bucket
            and store.prefix == S3BlobStore.from_url(own).prefix
        ):
            return super().remove_blob(store, sha256)
        size = store.size(sha256)
        self._delete([store.object_key(sha256)])
        return size


def _not_empty(where: str) -> RejectedInputError:
    return RejectedInputError(
        _(
            "%(dest)s is neither empty nor a civwatch backup folder: give an empty or "
            "new folder, or one `civwatch backup` wrote to.",
            dest=where,
        )
    )


def backup_target(given: str | Path | BackupTarget) -> BackupTarget:
    """The target a command line or a caller names: a folder path or an ``s3://`` URL."""
    if isinstance(given, BackupTarget):
        return given
    if isinstance(given, Path):
        return FolderTarget(given)
    scheme = urlparse(given).scheme if "://" in given else ""
    if scheme == "s3":
        return S3Target(given)
    if scheme:
        raise RejectedInputError(
            _(
                "%(given)s is not a place civwatch can keep a backup: give a folder or "
                "s3://BUCKET/PREFIX?endpoint=URL.",
                given=urlparse(given)._replace(netloc=urlparse(given).hostname or "").geturl(),
            )
        )
    return FolderTarget(Path(given))

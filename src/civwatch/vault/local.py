"""The local-folder blob store: ``<root>/sha256/ab/cd/<hash>``, written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from civwatch.errors import NotFoundError, RejectedInputError, StorageFullError
from civwatch.files import move_into_place, sync
from civwatch.i18n import _
from civwatch.vault.store import CHUNK_SIZE, BlobStore, StoredBlob

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def check_sha256(sha256: str) -> str:
    """Return ``sha256`` if it is 64 lower-case hex digits; refuse anything else."""
    if not _HEX64.match(sha256):
        raise RejectedInputError(
            _("%(sha256)s is not a SHA-256 (64 lower-case hex digits).", sha256=repr(sha256))
        )
    return sha256


class LocalBlobStore(BlobStore):
    """Blobs as read-only files in a folder, one per SHA-256."""

    def __init__(self, root: Path, *, min_free_disk: int = 0) -> None:
        self.root = root
        self.min_free_disk = min_free_disk
        self._blobs = root / "sha256"
        self._tmp = root / "tmp"

    def ensure(self) -> None:
        """Create the folder layout (idempotent)."""
        self._blobs.mkdir(parents=True, exist_ok=True)
        self._tmp.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        check_sha256(sha256)
        return self._blobs / sha256[:2] / sha256[2:4] / sha256

    def _check_space(self, incoming: int) -> None:
        free = shutil.disk_usage(self._tmp).free
        if free - incoming < self.min_free_disk:
            raise StorageFullError(
                _(
                    "Not enough disk space in %(folder)s: %(free)s bytes free, "
                    "%(min_free_disk)s must stay free.",
                    folder=self.root,
                    free=free,
                    min_free_disk=self.min_free_disk,
                )
            )

    def put(self, source: BinaryIO, *, max_size: int) -> StoredBlob:
        self.ensure()
        self._check_space(0)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix=f"incoming-{os.getpid()}-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                checked = 0
                while chunk := source.read(CHUNK_SIZE):
                    size += len(chunk)
                    if size > max_size:
                        raise RejectedInputError(
                            _("larger than the %(max_size)s-byte limit per file", max_size=max_size)
                        )
                    if size - checked > 256 * CHUNK_SIZE:
                        self._check_space(size - checked)
                        checked = size
                    digest.update(chunk)
                    out.write(chunk)
                if size == 0:
                    raise RejectedInputError(_("empty file (0 bytes)"))
                sync(out)
            sha256 = digest.hexdigest()
            final = self._path(sha256)
            if final.exists():
                tmp.unlink()
                return StoredBlob(sha256=sha256, size=size, created=False)
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp.chmod(0o444)
            move_into_place(tmp, final)
            return StoredBlob(sha256=sha256, size=size, created=True)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self._path(sha256).open("rb")
        except FileNotFoundError:
            raise NotFoundError(_("Blob %(sha256)s is not in the vault.", sha256=sha256)) from None

    def size(self, sha256: str) -> int:
        try:
            return self._path(sha256).stat().st_size
        except FileNotFoundError:
            raise NotFoundError(_("Blob %(sha256)s is not in the vault.", sha256=sha256)) from None

    def local_path(self, sha256: str) -> Path:
        return self._path(sha256)

    def iter_hashes(self) -> Iterator[str]:
        if not self._blobs.is_dir():
            return
        for path in self._blobs.glob("*/*/*"):
            if _HEX64.match(path.name):
                yield path.name

    def clean_incomplete(self) -> int:
        """Remove temporary files of writers that died (killed mid-write); returns how many.

        A temporary file carries its writer's process id; files of live processes stay.
        """
        removed = 0
        if not self._tmp.is_dir():
            return 0
        for leftover in self._tmp.glob("incoming-*"):
            pid_text = leftover.name.split("-")[1]
            if pid_text.isdigit() and process_alive(int(pid_text)):
                continue
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

"""Durable file writes: a crash leaves the old file or the new one, never half of one, and
a file is on disk before civwatch says it is written.

Every file civwatch keeps is written through these helpers (the vault's blobs, the match
index, caches, exports, reports, evidence packages, the signing key, the heads file): the
file's bytes are flushed and fsynced, it is renamed into place (an atomic replace), and its
folder is fsynced, so that the rename itself survives a crash. A file written once
(:func:`write_new`), a folder being built (:func:`write_durable`, :func:`fsync_tree`) and
a file only appended to (:func:`append_durable`) are made durable here too. Engine level: it knows
files, not what is in them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

#: Files civwatch writes are readable by their owner only, unless a caller says otherwise
#: (e.g. an open-data export, 0o644).
PRIVATE = 0o600


def sync(file: BinaryIO) -> None:
    """Flush an open file and fsync it: its bytes are on disk when this returns."""
    file.flush()
    os.fsync(file.fileno())


def fsync_folder(folder: Path) -> None:
    """Fsync a folder: the names created, renamed or removed in it are on disk."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """Fsync ``root`` and every folder under it (files must be synced by their writer)."""
    for folder, _dirs, _files in os.walk(root):
        fsync_folder(Path(folder))


def move_into_place(source: Path, target: Path) -> None:
    """Rename ``source`` (a synced file, or a folder onto an empty one) to ``target``,
    replacing it atomically, and fsync the folder that now holds it."""
    source.replace(target)
    fsync_folder(target.parent)


@contextmanager
def atomic_writer(path: Path, *, mode: int = PRIVATE) -> Iterator[BinaryIO]:
    """A file to write the new content of ``path`` to: a hidden temporary file in the same
    folder (made as needed) that replaces ``path`` - synced, given ``mode``, renamed, its
    folder synced - when the block ends, and is removed if the block raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)
            yield out
            sync(out)
        move_into_place(temp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            temp.unlink()
        raise


def write_atomic(path: Path, data: bytes, *, mode: int = PRIVATE) -> None:
    """Replace ``path`` with ``data``, atomically and durably (see :func:`atomic_writer`)."""
    with atomic_writer(path, mode=mode) as out:
        out.write(data)


def write_new(path: Path, data: bytes, *, mode: int = PRIVATE) -> None:
    """Create ``path`` holding ``data`` with ``mode``, durably; ``FileExistsError`` if it
    exists already (it is never overwritten)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)  # whatever the umask
            out.write(data)
            sync(out)
    except BaseException:
        with suppress(FileNotFoundError):
            path.unlink()
        raise
    fsync_folder(path.parent)


def write_durable(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file ``path`` in a folder being built (made as needed) and
    sync it; the folder is made durable as a whole, e.g. with :func:`fsync_tree` before it
    is moved into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write(data)
        sync(out)


def append_durable(path: Path, data: bytes, *, mode: int = PRIVATE) -> None:
    """Append ``data`` to ``path`` (made, with its folders, as needed) in one ``write`` to a
    file opened with ``O_APPEND`` - so several processes appending at once never mix their
    lines - and fsync it (and its folder when the file was new)."""
    created = not path.exists()
    if created:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
    try:
        written = os.write(fd, data)
        if written != len(data):
            raise OSError(f"only {written} of {len(data)} bytes were written")
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_folder(path.parent)

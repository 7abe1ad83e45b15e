"""Finding the files to ingest under the paths a user gives, refusing what must not be read."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Candidate:
    """A regular file to ingest."""

    path: Path
    #: The path relative to the tree it was found in ('' for a file given directly).
    relative: str


@dataclass(frozen=True)
class Refusal:
    """A path that cannot be evidence, with a one-line reason."""

    path: Path
    reason: str


def _inside(target: Path, root: Path) -> bool:
    return target == root or root in target.parents


def find_files(paths: Iterable[Path]) -> Iterator[Candidate | Refusal]:
    """Regular files under ``paths`` (recursively for folders), in a stable order.

    Symlinks inside a folder are followed only when they point inside that folder;
    anything else (sockets, FIFOs, devices, dangling or escaping links) is refused.
    """
    for given in paths:
        try:
            st = given.stat()
        except FileNotFoundError:
            yield Refusal(given, "no such file or folder (or a dangling symlink)")
            continue
        except OSError as exc:
            yield Refusal(given, f"cannot be read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(given)
        elif stat.S_ISREG(st.st_mode):
            yield Candidate(given, "")
        else:
            yield Refusal(given, "not a regular file (a device, FIFO or socket)")


def _walk(top: Path) -> Iterator[Candidate | Refusal]:
    root = top.resolve()
    errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(top, onerror=errors.append, followlinks=False):
        dirnames.sort()
        base = Path(dirpath)
        for name in sorted(filenames) + [d for d in dirnames if (base / d).is_symlink()]:
            path = base / name
            relative = str(path.relative_to(top))
            try:
                lst = path.lstat()
            except OSError as exc:
                yield Refusal(path, f"cannot be read: {exc.strerror or exc}")
                continue
            if stat.S_ISLNK(lst.st_mode):
                target = path.resolve()
                if not _inside(target, root):
                    yield Refusal(path, "symlink pointing outside the given folder (not followed)")
                    continue
                if not target.is_file():
                    yield Refusal(path, "symlink to something that is not a file (not followed)")
                    continue
                yield Candidate(path, relative)
            elif stat.S_ISREG(lst.st_mode):
                yield Candidate(path, relative)
            else:
                yield Refusal(path, "not a regular file (a device, FIFO or socket)")
        for error in errors:
            yield Refusal(
                Path(error.filename or dirpath), f"folder cannot be read: {error.strerror}"
            )
        errors.clear()

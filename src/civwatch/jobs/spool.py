"""A durable staging folder for files a job will process (e.g. an upload's files).

Files are written in chunks (never whole in memory) to ``<data>/spool/<token>/<n>/<name>``
and fsynced with their folders before the job is queued, so an acknowledged upload
survives a crash or a restart until its job has run. The job removes its spool when done.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from civwatch.files import fsync_folder, sync

CHUNK = 1024 * 1024
_TOKEN_CHARS = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class SpooledFile:
    """One staged file: its place in the upload, its name, and why it was refused if so."""

    n: int
    name: str
    refused: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"n": self.n, "name": self.name, "refused": self.refused}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> SpooledFile:
        return cls(int(doc["n"]), str(doc["name"]), doc.get("refused"))


class Spool:
    """One job's staging folder."""

    def __init__(self, root: Path, token: str) -> None:
        if len(token) != 32 or not set(token) <= _TOKEN_CHARS:
            raise ValueError("not a spool token")
        self.token = token
        self.folder = root / token
        self.files: list[SpooledFile] = []

    @classmethod
    def create(cls, data_dir: Path) -> Spool:
        root = data_dir / "spool"
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        spool = cls(root, secrets.token_hex(16))
        spool.folder.mkdir(mode=0o700)
        return spool

    @classmethod
    def open(cls, data_dir: Path, token: str) -> Spool:
        return cls(data_dir / "spool", token)

    def path_of(self, f: SpooledFile) -> Path:
        return self.folder / str(f.n) / f.name

    def add(self, name: str, stream: BinaryIO, *, max_size: int) -> SpooledFile:
        """Copy ``stream`` in under ``name`` (a plain base name), fsynced."""
        n = len(self.files)
        folder = self.folder / str(n)
        folder.mkdir()
        refused: str | None = None
        written = 0
        with (folder / name).open("wb") as out:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > max_size:
                    refused = f"larger than the {max_size}-byte limit per file"
                    break
                out.write(chunk)
            sync(out)
        if refused:
            (folder / name).unlink()
        fsync_folder(folder)
        spooled = SpooledFile(n, name, refused)
        self.files.append(spooled)
        return spooled

    def seal(self) -> None:
        """Make the folder entries durable (call once every file is added)."""
        fsync_folder(self.folder)
        fsync_folder(self.folder.parent)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

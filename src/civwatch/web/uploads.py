"""Uploaded files into the vault through the ingest pipeline.

Each part is copied (in chunks, never whole in memory) to a private folder in the data
folder under its own base name, then ingested like files from disk: the content type
the client claimed is ignored, the stored type is sniffed from the bytes.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from civwatch.evidence.collect import Candidate, Refusal
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.evidence.names import safe_name
from civwatch.workspace import Workspace

CHUNK = 1024 * 1024
MAX_FILES = 100
MAX_NAME_BYTES = 200


def upload_name(filename: str | None) -> str:
    """The base name of a client's file name: no folders, no '..', at most 200 bytes."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name.strip()
    if name in {"", ".", ".."}:
        name = "upload"
    name = name.replace("\x00", "")
    while len(name.encode()) > MAX_NAME_BYTES:
        name = name[:-1]
    return name


def _copy(source: BinaryIO, target: Path, max_size: int) -> str | None:
    """Copy; returns why the file was refused, or None."""
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > max_size:
                return f"larger than the {max_size}-byte limit per file"
            out.write(chunk)
    return None


def ingest_uploads(
    ws: Workspace,
    files: list[tuple[str | None, BinaryIO]],
    *,
    source: SourceInfo,
    collector: str,
) -> list[dict[str, Any]]:
    """Ingest ``(client file name, stream)`` pairs; one outcome per file, in order."""
    staging = ws.data_dir / "uploads" / secrets.token_hex(16)
    staging.mkdir(parents=True, mode=0o700)
    try:
        found: list[Candidate | Refusal] = []
        names: dict[str, tuple[int, str]] = {}
        for n, (filename, stream) in enumerate(files):
            name = upload_name(filename)
            folder = staging / str(n)
            folder.mkdir()
            path = folder / name
            names[safe_name(str(path))[0]] = (n, safe_name(name)[0])
            refusal = _copy(stream, path, ws.settings.max_file_size)
            found.append(Candidate(path, name) if refusal is None else Refusal(path, refusal))
        outcomes: list[tuple[int, dict[str, Any]]] = []
        for outcome in Ingest(ws, source=source, collector=collector).run(found):
            doc = outcome.as_json()
            n, doc["path"] = names[outcome.path]
            outcomes.append((n, doc))
        return [doc for _, doc in sorted(outcomes, key=lambda pair: pair[0])]
    finally:
        shutil.rmtree(staging, ignore_errors=True)

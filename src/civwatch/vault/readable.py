"""A blob as a file on this machine, for the tools that read files (exiftool, ffmpeg, pdq)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from civwatch.vault.store import CHUNK_SIZE, BlobStore


@contextlib.contextmanager
def readable_path(store: BlobStore, sha256: str, *, suffix: str = "") -> Iterator[Path]:
    """A path to the blob's bytes: the vault's own file when the store is a local folder,
    otherwise a temporary copy streamed from :meth:`BlobStore.open` (readable by this user
    only) that is removed when the block ends, whatever happens in it."""
    local = store.local_path(sha256)
    if local is not None:
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="civwatch-blob-") as folder:
        path = Path(folder) / f"{sha256}{suffix}"
        with store.open(sha256) as blob, path.open("xb") as out:
            shutil.copyfileobj(blob, out, CHUNK_SIZE)
        yield path

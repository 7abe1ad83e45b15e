"""The blob store interface and how a backend is chosen from a URL."""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlparse

from civwatch.errors import ConfigurationError
from civwatch.i18n import _

CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    """A blob safely in the vault."""

    sha256: str
    size: int
    #: False when the same content was already in the vault (nothing new was written).
    created: bool


class BlobStore(abc.ABC):
    """Write-once storage of blobs named by their SHA-256 (lower-case hex)."""

    @abc.abstractmethod
    def put(self, source: BinaryIO, *, max_size: int) -> StoredBlob:
        """Stream ``source`` into the vault, hashing it on the way.

        The blob is durable (data and directory entry flushed to disk) when this returns.
        Raises :class:`~civwatch.errors.RejectedInputError` when the stream is longer than
        ``max_size`` or empty, :class:`~civwatch.errors.StorageFullError` when the disk guard
        would be crossed. Nothing is left behind on failure.
        """

    @abc.abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abc.abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """The blob for reading. Raises NotFoundError when it is missing."""

    @abc.abstractmethod
    def size(self, sha256: str) -> int: ...

    @abc.abstractmethod
    def local_path(self, sha256: str) -> Path | None:
        """A path tools such as exiftool can read, or None for a remote backend."""

    @abc.abstractmethod
    def iter_hashes(self) -> Iterator[str]:
        """Every blob in the vault (order unspecified)."""

    def rehash(self, sha256: str) -> str:
        """Read the stored blob back and return its actual SHA-256."""
        digest = hashlib.sha256()
        with self.open(sha256) as f:
            while chunk := f.read(CHUNK_SIZE):
                digest.update(chunk)
        return digest.hexdigest()

    def ensure(self) -> None:  # noqa: B027 - optional hook, nothing to do by default
        """Create whatever the backend needs before the first write (idempotent)."""

    def clean_incomplete(self) -> int:
        """Remove leftovers of writes interrupted by a crash; returns how many."""
        return 0


def open_blob_store(url: str, *, min_free_disk: int = 0) -> BlobStore:
    """The blob store for ``url``: ``file:///abs/folder`` or
    ``s3://BUCKET/PREFIX?endpoint=URL`` (see :mod:`civwatch.vault.s3`)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        from civwatch.vault.local import LocalBlobStore

        return LocalBlobStore(Path(unquote(parsed.path)), min_free_disk=min_free_disk)
    if parsed.scheme == "s3":
        from civwatch.vault.s3 import S3BlobStore

        return S3BlobStore.from_url(url)
    shown = parsed._replace(netloc=parsed.hostname or "").geturl()  # never a user:password
    raise ConfigurationError(
        _(
            "Unsupported blob store URL %(url)s: use file:///path/to/folder or "
            "s3://BUCKET/PREFIX?endpoint=URL.",
            url=repr(shown),
        )
    )

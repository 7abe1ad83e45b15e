"""The evidence vault: content-addressed, write-once blob storage.

An original is stored once under its SHA-256 and never changed. ``open_blob_store`` picks
the backend from a URL: a local folder (``file://``) or an S3-compatible object store
(``s3://``). ``readable_path`` gives the tools that read files a path to a blob on either.
"""

from civwatch.vault.readable import readable_path
from civwatch.vault.store import BlobStore, StoredBlob, open_blob_store

__all__ = ["BlobStore", "StoredBlob", "open_blob_store", "readable_path"]

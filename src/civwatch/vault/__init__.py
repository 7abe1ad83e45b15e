"""The evidence vault: content-addressed, write-once blob storage.

An original is stored once under its SHA-256 and never changed. ``open_blob_store`` picks
the backend from a URL; the local folder (``file://``) is the first backend.
"""

from civwatch.vault.store import BlobStore, StoredBlob, open_blob_store

__all__ = ["BlobStore", "StoredBlob", "open_blob_store"]

"""Backups you can restore: ``civwatch backup DEST`` and ``civwatch restore SRC``.

A backup folder holds a marker (``civwatch-backup.json``), a shared blob area
(``blobs/``, a content-addressed :class:`~civwatch.vault.BlobStore`, so a second backup
copies only the blobs it does not hold yet) and one dated folder per run under
``snapshots/``: the database (SQLite's online backup, or ``pg_dump`` in custom format),
the manifest of blobs (SHA-256 and size), the signed tree head of each log taken just
before the database, the files needed to reopen the data folder, and - only when asked -
the keys folder sealed with a passphrase (age, scrypt). ``snapshot.json`` lists every
file of the snapshot with its SHA-256 and is signed with the custody signing key.

Engine level, beside the workspace: it knows files, blobs, databases and tree heads,
nothing of what the records mean. See ``docs/backups.md``.
"""

from civwatch.backups.make import BackupReport, make_backup
from civwatch.backups.restore import RestoreReport, restore_backup

__all__ = ["BackupReport", "RestoreReport", "make_backup", "restore_backup"]

"""A civwatch data folder opened for work: its database, vault, custody logs and key.

``Workspace.init`` creates one; ``Workspace.open`` opens an existing one. Domain service
functions take a workspace so the CLI and the web layer share them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from civwatch import __version__
from civwatch.config import Settings
from civwatch.custody.heads_file import HeadsFile, record_on_commit
from civwatch.custody.log import CustodyLog
from civwatch.custody.models import log_tables
from civwatch.custody.signing import TreeHead, create_signing_key, load_signing_key
from civwatch.db import SCHEMA_HEAD, make_engine, migrate, schema_revision, session_factory
from civwatch.errors import ConfigurationError, NotInitialisedError
from civwatch.i18n import _
from civwatch.vault import BlobStore, open_blob_store

MARKER = "civwatch.json"
#: Every signed head that was signed or shown, one JSON line each (see custody/heads_file).
HEADS_FILE = Path("custody") / "heads.jsonl"
#: The protection desk's audit log: the prefix of its tables (``protection_audit_leaves``...).
PROTECTION_LOG = "protection_audit"
#: Every signed head of the protection audit log that was signed or shown.
PROTECTION_HEADS_FILE = Path("custody") / "protection-heads.jsonl"
#: The relief fund's log of money acts: the prefix of its tables (``relief_log_leaves``...).
RELIEF_LOG = "relief_log"
#: Every signed head of the relief log that was signed or shown.
RELIEF_HEADS_FILE = Path("custody") / "relief-heads.jsonl"


def _protection_log() -> CustodyLog:
    return CustodyLog(tables=log_tables(PROTECTION_LOG))


def _relief_log() -> CustodyLog:
    return CustodyLog(tables=log_tables(RELIEF_LOG))


@dataclass
class Workspace:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    vault: BlobStore
    #: The file of signed heads handed out (``<data>/custody/heads.jsonl``).
    heads: HeadsFile
    #: The file of the protection audit log's signed heads
    #: (``<data>/custody/protection-heads.jsonl``).
    protection_heads: HeadsFile
    #: The file of the relief log's signed heads (``<data>/custody/relief-heads.jsonl``).
    relief_heads: HeadsFile
    #: The evidence custody log.
    custody: CustodyLog = field(default_factory=CustodyLog)
    #: The protection desk's audit log: who read or changed which record (ids only), a log
    #: of its own with its own tree, heads and heads file.
    protection_log: CustodyLog = field(default_factory=_protection_log)
    #: The relief fund's money log: every ledger transaction (ids and amounts only), a log
    #: of its own with its own tree, heads and heads file.
    relief_log: CustodyLog = field(default_factory=_relief_log)
    #: The signing key read last, with the stamp (inode, mtime, size) of its file.
    _signing_key: tuple[tuple[int, int, int], Ed25519PrivateKey] | None = field(
        default=None, repr=False
    )

    @classmethod
    def init(cls, settings: Settings) -> tuple[Workspace, bool]:
        """Create (or complete) the data folder; returns the workspace and whether it was new."""
        data_dir = settings.data_dir
        if data_dir.exists() and not data_dir.is_dir():
            raise ConfigurationError(
                _("%(data_dir)s exists and is not a folder.", data_dir=data_dir)
            )
        data_dir.mkdir(parents=True, exist_ok=True)
        marker = data_dir / MARKER
        created = not marker.exists()
        key_path = settings.signing_key_path
        key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not key_path.exists():
            create_signing_key(key_path)
        ws = cls._connect(settings)
        migrate(ws.engine)
        ws.vault.ensure()
        if created:
            marker.write_text(json.dumps({"civwatch": __version__, "layout": 1}) + "\n")
        return ws, created

    @classmethod
    def open(cls, settings: Settings) -> Workspace:
        """Open an initialised data folder; a clear error says how to create one."""
        if not (settings.data_dir / MARKER).is_file():
            raise NotInitialisedError(
                _(
                    "%(data_dir)s is not a civwatch data folder: run `civwatch init "
                    "--data-dir %(data_dir)s` first.",
                    data_dir=settings.data_dir,
                )
            )
        ws = cls._connect(settings)
        found = schema_revision(ws.engine)
        if found is None:
            ws.close()
            raise NotInitialisedError(
                _(
                    "The database of %(data_dir)s has no schema: run `civwatch init` again.",
                    data_dir=settings.data_dir,
                )
            )
        if found != SCHEMA_HEAD:
            ws.close()
            raise NotInitialisedError(
                _(
                    "The database of %(data_dir)s has the schema of revision %(found)s and "
                    "this civwatch needs %(head)s: run `civwatch init --data-dir %(data_dir)s` "
                    "to bring it up to date (it keeps everything).",
                    data_dir=settings.data_dir,
                    found=found,
                    head=SCHEMA_HEAD,
                )
            )
        return ws

    @classmethod
    def _connect(cls, settings: Settings) -> Workspace:
        engine = make_engine(settings.resolved_database_url)
        sessions = session_factory(engine)
        heads = HeadsFile(settings.data_dir / HEADS_FILE)
        protection_heads = HeadsFile(settings.data_dir / PROTECTION_HEADS_FILE, PROTECTION_LOG)
        relief_heads = HeadsFile(settings.data_dir / RELIEF_HEADS_FILE, RELIEF_LOG)
        # Every head signed in a committed transaction (ingest, packages, proofs, the CLI)
        # is also kept outside the database, where cutting the log back cannot reach it.
        record_on_commit(sessions, heads, protection_heads, relief_heads)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            vault=open_blob_store(settings.resolved_blob_url, min_free_disk=settings.min_free_disk),
            heads=heads,
            protection_heads=protection_heads,
            relief_heads=relief_heads,
        )

    def show_head(self, head: TreeHead) -> TreeHead:
        """Keep ``head`` in its log's heads file before it is shown to anyone; returns it."""
        by_log = {PROTECTION_LOG: self.protection_heads, RELIEF_LOG: self.relief_heads}
        by_log.get(head.log, self.heads).record(head)
        return head

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        """The signing key in force, read again whenever its file changed (a key rotation
        puts a new key in its place, and a long-running server must not sign with the
        retired one)."""
        path = self.settings.signing_key_path
        try:
            found = path.stat()
        except OSError:
            return load_signing_key(path)  # names what is wrong
        stamp = (found.st_ino, found.st_mtime_ns, found.st_size)
        if self._signing_key is None or self._signing_key[0] != stamp:
            self._signing_key = (stamp, load_signing_key(path))
        return self._signing_key[1]

    def sign_head(self, log: CustodyLog | None = None) -> TreeHead:
        """Sign the tree head of ``log`` (default: the custody log) now (unchanged if the
        log has not grown).

        Called at the end of every run that appends to a log, so no batch of entries is
        left without a signed head covering it.
        """
        chosen = self.custody if log is None else log
        with self.sessions() as session, session.begin():
            return chosen.sign_head(session, self.signing_key)

    def sign_head_if_grown(self, log: CustodyLog | None = None) -> TreeHead | None:
        """Sign a new head of ``log`` (default: the custody log) only when it has entries
        no signed head covers yet."""
        chosen = self.custody if log is None else log
        with self.sessions() as session:
            size = chosen.size(session)
            latest = chosen.latest_head(session)
        if size == 0 or (latest is not None and latest.tree_size >= size):
            return latest
        return self.sign_head(chosen)

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    def close(self) -> None:
        self.engine.dispose()

"""Signed tree heads kept outside the database: an append-only file of every head that was
signed or shown.

A signed head in the database can be deleted together with the entries it covers, and the
log then verifies as a shorter, self-consistent log. Every head civwatch signs or hands out
(CLI, API, evidence packages, proof documents) is also appended to this file, one JSON line
per head, flushed to disk before it is used. ``civwatch verify`` checks each line against
today's log: the log must still hold that tree (same root at that size), so cutting the log
back, or rewriting its history, is found even when every trace was removed from the
database.

Several processes may append at once: the file is opened with ``O_APPEND`` and each line is
written with one ``write``, so lines never interleave. Each log has a file of its own (the
evidence custody log ``<data>/custody/heads.jsonl``, the protection audit log
``<data>/custody/protection-heads.jsonl``): a line does not say its log, the file does.
Engine level: it knows tree heads only, nothing of what the entries record.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from civwatch.custody.signing import CUSTODY_LOG, TreeHead
from civwatch.errors import IntegrityError
from civwatch.files import append_durable
from civwatch.i18n import _

#: ``session.info`` key under which :meth:`CustodyLog.sign_head` leaves the heads it
#: signed (or handed back) in a transaction, for :func:`record_on_commit`.
SIGNED_HEADS_KEY = "civwatch.custody.signed_heads"


def head_line(head: TreeHead) -> bytes:
    """The line written for ``head`` (JSON, keys sorted, one trailing newline)."""
    doc = {
        "tree_size": head.tree_size,
        "root_hash": head.root_hash.hex(),
        "timestamp_ms": head.timestamp_ms,
        "signature": base64.b64encode(head.signature).decode("ascii"),
        "public_key": base64.b64encode(head.public_key).decode("ascii"),
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("ascii") + b"\n"


def _head_from_doc(doc: Any, log: str) -> TreeHead:
    """The head of ``log`` a parsed line describes; ValueError, KeyError or TypeError if it
    is none."""
    if not isinstance(doc, dict):
        raise TypeError("not a JSON object")
    size, timestamp = doc["tree_size"], doc["timestamp_ms"]
    if not isinstance(size, int) or not isinstance(timestamp, int) or size < 0 or timestamp < 0:
        raise ValueError("tree_size and timestamp_ms must be whole numbers")
    root = bytes.fromhex(doc["root_hash"])
    signature = base64.b64decode(doc["signature"], validate=True)
    public_key = base64.b64decode(doc["public_key"], validate=True)
    if len(root) != 32:
        raise ValueError("root_hash is not 32 bytes")
    return TreeHead(size, root, timestamp, signature, public_key, log)


@dataclass(frozen=True)
class HeadLine:
    """One line of the heads file: the head it holds, or why it holds none."""

    line: int
    head: TreeHead | None
    error: str | None = None


class HeadsFile:
    """The append-only file of signed heads of one log (``<data>/custody/heads.jsonl`` for
    the evidence custody log)."""

    def __init__(self, path: Path, log: str = CUSTODY_LOG) -> None:
        self.path = path
        #: The log whose heads it keeps (the prefix of its tables).
        self.log = log
        self._lock = threading.Lock()
        self._last: bytes | None = None

    def record(self, head: TreeHead) -> None:
        """Append ``head`` and flush it to disk (nothing if it is the last one recorded by
        this process). Raises :class:`IntegrityError` if the file cannot be written, and
        refuses a head of another log."""
        if head.log != self.log:
            raise IntegrityError(
                _(
                    "A signed head of the %(log)s log cannot be kept in %(path)s, the file of "
                    "another log's heads.",
                    log=head.log,
                    path=self.path,
                )
            )
        line = head_line(head)
        with self._lock:
            if line == self._last:
                return
            try:
                self._append(line)
            except OSError as err:
                raise IntegrityError(
                    _(
                        "The signed tree head of size %(tree_size)s could not be kept in "
                        "%(path)s: %(reason)s. Free the disk or fix the folder's permissions, "
                        "then try again.",
                        tree_size=head.tree_size,
                        path=self.path,
                        reason=err.strerror or err,
                    )
                ) from err
            self._last = line

    def _append(self, line: bytes) -> None:
        append_durable(self.path, line)

    def read(self) -> Iterator[HeadLine]:
        """Every line, in order; a line that holds no head says why. Nothing if the file
        does not exist yet."""
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        with handle:
            for number, raw in enumerate(handle, 1):
                if not raw.endswith(b"\n"):
                    yield HeadLine(
                        number, None, _("the line is incomplete (cut off while written)")
                    )
                    continue
                try:
                    yield HeadLine(number, _head_from_doc(json.loads(raw), self.log))
                except (ValueError, KeyError, TypeError, binascii.Error) as err:
                    yield HeadLine(
                        number, None, _("it is not a signed tree head (%(error)s)", error=err)
                    )


def record_on_commit(sessions: sessionmaker[Session], *files: HeadsFile) -> None:
    """Keep every head signed in a session of ``sessions``, once its transaction commits, in
    the one of ``files`` that keeps its log's heads (a rolled-back head was never handed
    out, and its entries never existed)."""
    by_log = {heads.log: heads for heads in files}

    def committed(session: Session) -> None:
        pending = session.info.pop(SIGNED_HEADS_KEY, None)
        for head in pending or ():
            heads = by_log.get(head.log)
            if heads is not None:
                heads.record(head)

    def rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
        session.info.pop(SIGNED_HEADS_KEY, None)

    event.listen(sessions, "after_commit", committed)
    event.listen(sessions, "after_soft_rollback", rolled_back)

"""``civwatch verify``: everything civwatch vouches for, checked against the custody log.

Each domain declares what its tables record (``<domain>/integrity.py``); the custody
engine (``custody/bindings.py``) runs the one pass over the log and the rows. This module
only gathers the declarations, the heads kept outside the database and the blobs.

To check one more table, add a :class:`~civwatch.custody.bindings.Binding` (or a
``LogState``) to its domain's ``declarations()``; a new domain adds its module to
:data:`DOMAINS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts import integrity as accounts
from civwatch.custody.bindings import Declarations, Problem, Progress, check_all, rows_of
from civwatch.custody.log import KeptHead
from civwatch.custody.signing import public_key_bytes
from civwatch.errors import CivwatchError
from civwatch.evidence import integrity as evidence
from civwatch.evidence.models import EvidenceItem
from civwatch.incidents import integrity as incidents
from civwatch.publish import integrity as publish
from civwatch.publish.models import Redaction
from civwatch.workspace import HEADS_FILE, Workspace

#: Each domain's declarations, in the order they are checked.
DOMAINS: tuple[Callable[[], Declarations], ...] = (
    evidence.declarations,
    incidents.declarations,
    publish.declarations,
    accounts.declarations,
)


def declarations() -> Declarations:
    """Every domain's declarations together."""
    everything = Declarations()
    for declare in DOMAINS:
        everything.extend(declare())
    return everything


def _kept_heads(ws: Workspace, problems: list[Problem]) -> list[KeptHead]:
    kept: list[KeptHead] = []
    for line in ws.heads.read():
        where = f"{HEADS_FILE} line {line.line}"
        if line.head is None:
            problems.append(Problem("heads file", str(line.line), f"{where}: {line.error}."))
        else:
            kept.append(KeptHead(where, line.head))
    return kept


def _consistent_snapshot(session: Session) -> None:
    """Read everything from one snapshot, so appends made meanwhile cannot show up as rows
    pointing past the log read earlier."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


def _blobs(session: Session) -> Iterator[tuple[str, str]]:
    """(what, SHA-256) of every blob the database names: originals and redacted copies."""
    for row in rows_of(session, select(EvidenceItem.sha256.label("sha256"))):
        yield "evidence_item", row["sha256"]
    for row in rows_of(session, select(Redaction.derivative_sha256.label("sha256"))):
        yield "media_redaction", row["sha256"]


def _rehash(ws: Workspace, session: Session, progress: Progress | None) -> Iterator[Problem]:
    total = session.scalar(select(EvidenceItem.id).order_by(EvidenceItem.id.desc()).limit(1)) or 0
    for done, (table, sha256) in enumerate(_blobs(session), 1):
        if not isinstance(sha256, str):
            continue  # the row checks name it
        try:
            actual = ws.vault.rehash(sha256)
        except CivwatchError as exc:
            yield Problem(table, None, f"Blob {sha256}: {exc.message}")
        else:
            if actual != sha256:
                yield Problem(
                    table,
                    None,
                    f"Blob {sha256}: the stored blob has changed: it now hashes to {actual}.",
                )
        if progress is not None:
            progress("blobs", done, max(done, total))


def verify_workspace(
    ws: Workspace, *, rehash: bool = True, progress: Progress | None = None
) -> list[Problem]:
    """Everything that does not match; an empty list means all is sound.

    Checks the custody log (leaves, nodes, signed heads, and every head kept in the heads
    file), every record against the entry that recorded it, every entry against its
    record, every state against its history, and - with ``rehash`` - every blob.
    """
    problems: list[Problem] = []
    kept = _kept_heads(ws, problems)
    public_key = public_key_bytes(ws.signing_key)
    with ws.sessions() as session:
        _consistent_snapshot(session)
        problems += check_all(
            session, ws.custody, public_key, declarations(), kept_heads=kept, progress=progress
        )
        if rehash:
            problems += _rehash(ws, session, progress)
    return problems

"""Messages of a chat export brought in as evidence, whatever the app that exported them.

The readers (:mod:`civwatch.intake.telegram`, :mod:`civwatch.intake.whatsapp`) turn an
export into :class:`ChatMessage` values, one at a time; :class:`MessageImport` sends them
through the evidence ingest (:class:`civwatch.evidence.ingest.Ingest`, the same pipeline
as ``civwatch ingest``): a message's media file becomes an item (or a new sighting of an
item already held) seen in that message, and a message without media is kept as a text
item, the canonical JSON of the message. In the transaction that records the item, the
message gets its ``intake_message`` row and its one ``message-import`` custody entry, so a
re-run of the same export (or of one that was interrupted) finds it and adds nothing.
"""

from __future__ import annotations

import hashlib
import stat
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import rfc8785
from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import RejectedInputError
from civwatch.evidence.ingest import Ingest, IngestOutcome, SourcedCandidate, SourceInfo
from civwatch.i18n import N_, Message, _, localise
from civwatch.intake.message_acts import MESSAGE_IMPORT
from civwatch.intake.models import ImportedMessage
from civwatch.workspace import Workspace

Status = Literal["ingested", "duplicate", "text", "skipped", "missing-media"]
STATUSES: tuple[Status, ...] = ("ingested", "duplicate", "text", "skipped", "missing-media")

#: What a chat message's media warning says when the export left the file out.
MEDIA_NOT_IN_EXPORT = N_("The export does not hold this message's media file (%(reason)s).")


@dataclass
class ChatMessage:
    """One message as an export holds it, with the claims the collector keeps."""

    platform: str
    chat: str
    chat_name: str | None
    message_id: str
    #: The message as read, as JSON: kept as the text item and digested for the key.
    document: dict[str, Any]
    published_at: datetime | None = None
    account: str | None = None
    text: str | None = None
    url: str | None = None
    #: A service message (joined, pinned, renamed...): skipped and counted.
    service: bool = False
    #: The media file's path relative to the export folder, as the export names it.
    media: str | None = None
    #: Why the media is not in the export, when the export says so.
    media_missing: str | None = None
    #: Context kept beside the sighting (edited, forwarded_from, saved_from, ...).
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def canonical(self) -> bytes:
        """The message as canonical JSON (RFC 8785), or a clear refusal of a value no
        canonical JSON can hold (an integer beyond 2^53, say)."""
        try:
            return rfc8785.dumps(self.document)
        except (rfc8785.CanonicalizationError, ValueError, TypeError) as exc:
            raise RejectedInputError(
                _(
                    "Message %(id)s holds a value that cannot be kept as JSON (%(reason)s).",
                    id=self.message_id,
                    reason=str(exc),
                )
            ) from None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.canonical).hexdigest()


@dataclass
class MessageOutcome:
    """What the import did with one message."""

    message_id: str
    status: Status
    sha256: str | None
    published_at: datetime | None
    warnings: list[Message | str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "status": self.status,
            "sha256": self.sha256,
            "published_at": None if self.published_at is None else self.published_at.isoformat(),
        }


def media_file(root: Path, given: str) -> Path | Message:
    """The regular file ``given`` names inside the export folder ``root``, or why it is
    not used: a path that is absolute, climbs out with ``..``, or leads out through a
    symbolic link is never followed."""
    pure = PurePosixPath(given.replace("\\", "/"))
    if "\x00" in given or pure.is_absolute() or ".." in pure.parts or not pure.parts:
        return _("the path %(path)s leaves the export folder; not followed", path=repr(given))
    path = root.joinpath(*pure.parts)
    real_root = root.resolve()
    try:
        real = path.resolve(strict=True)
    except (FileNotFoundError, RuntimeError):
        return _("%(path)s is not in the export folder", path=given)
    except OSError as exc:
        return _("%(path)s cannot be read: %(reason)s", path=given, reason=exc.strerror)
    if real_root not in real.parents:
        return _("the path %(path)s leaves the export folder; not followed", path=repr(given))
    st = real.stat()
    if not stat.S_ISREG(st.st_mode):
        return _("%(path)s is not a regular file", path=given)
    if st.st_size == 0:
        return _("%(path)s is empty (0 bytes)", path=given)
    return real


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class _Waiting:
    message: ChatMessage
    digest: str
    text_item: bool
    warnings: list[Message | str]


#: Called in each group commit's transaction with the outcomes it recorded (a job's report).
OnRecorded = Callable[[Session, list[MessageOutcome]], None]


class MessageImport:
    """One import of an export's messages, as ``actor``."""

    def __init__(
        self,
        ws: Workspace,
        *,
        root: Path,
        export_sha256: str,
        actor: str,
        on_recorded: OnRecorded | None = None,
    ) -> None:
        self.ws = ws
        self.root = root
        self.export_sha256 = export_sha256
        self.actor = actor
        self.on_recorded = on_recorded
        self._waiting: dict[str, _Waiting] = {}
        self._aside: deque[MessageOutcome] = deque()
        self._count = 0
        #: Outcomes recorded by the last group commit, by ingest key, until yielded.
        self._done: dict[str, MessageOutcome] = {}

    def _recorded(self, session: Session, m: ChatMessage, digest: str) -> str | None:
        """The item of this message if it was recorded already."""
        return session.scalars(
            select(ImportedMessage.item_sha256).where(
                ImportedMessage.platform == m.platform,
                ImportedMessage.chat == m.chat,
                ImportedMessage.message_id == m.message_id,
                ImportedMessage.message_sha256 == digest,
            )
        ).first()

    def _candidates(self, messages: Iterable[ChatMessage]) -> Iterator[SourcedCandidate]:
        with self.ws.sessions() as session:
            for m in messages:
                if m.service:
                    self._aside.append(
                        MessageOutcome(m.message_id, "skipped", None, m.published_at)
                    )
                    continue
                digest = m.digest
                held = self._recorded(session, m, digest)
                session.rollback()  # no read transaction held open between messages
                if held is not None:
                    self._aside.append(
                        MessageOutcome(m.message_id, "duplicate", held, m.published_at)
                    )
                    continue
                self._count += 1
                key = str(self._count)
                source = SourceInfo(
                    url=m.url,
                    platform=m.platform,
                    account=m.account,
                    post_id=m.message_id,
                    caption=m.text or None,
                    published_at=m.published_at,
                )
                warnings: list[Message | str] = []
                path: Path | Message | None = None
                if m.media_missing is not None:
                    warnings.append(_(MEDIA_NOT_IN_EXPORT, reason=m.media_missing))
                elif m.media is not None:
                    path = media_file(self.root, m.media)
                    if not isinstance(path, Path):
                        warnings.append(path)
                    elif path.stat().st_size > self.ws.settings.max_file_size:
                        warnings.append(
                            _(
                                "%(path)s is larger than the %(max_size)s-byte limit per file",
                                path=m.media,
                                max_size=self.ws.settings.max_file_size,
                            )
                        )
                        path = None
                if isinstance(path, Path):
                    self._waiting[key] = _Waiting(m, digest, False, warnings)
                    relative = str(path.relative_to(self.root.resolve()))
                    yield SourcedCandidate(path, relative, source=source, key=key)
                else:
                    self._waiting[key] = _Waiting(m, digest, True, warnings)
                    name = f"{m.platform}-{_safe(m.chat)}-{_safe(m.message_id)}.json"
                    yield SourcedCandidate(
                        self.root / name,
                        f"{name}",
                        source=source,
                        content=m.canonical,
                        name=name,
                        key=key,
                    )

    def _status(self, w: _Waiting, ingest_status: str) -> Status:
        if w.text_item:
            return "missing-media" if w.warnings else "text"
        return "ingested" if ingest_status == "ingested" else "duplicate"

    def _record(self, session: Session, batch: list[IngestOutcome]) -> None:
        """In the ingest's transaction: each message's row and custody entry."""
        now = utcnow()
        done: list[MessageOutcome] = []
        for outcome in batch:
            key = outcome.key or ""
            w = self._waiting.get(key)
            if w is None or outcome.sha256 is None:
                continue
            m = w.message
            held = self._recorded(session, m, w.digest)
            if held is not None:
                self._done[key] = MessageOutcome(m.message_id, "duplicate", held, m.published_at)
                done.append(self._done[key])
                continue
            status = self._status(w, outcome.status)
            published = m.published_at
            leaf = entries.append(
                self.ws.custody,
                session,
                MESSAGE_IMPORT,
                self.actor,
                now,
                platform=m.platform,
                chat=m.chat,
                message_id=m.message_id,
                message_sha256=w.digest,
                export_sha256=self.export_sha256,
                sha256=outcome.sha256,
                status=status,
                published_at=None if published is None else entries.timestamp(published),
            )
            details = dict(m.details)
            if w.warnings:
                details["warnings"] = [localise(x, "en") for x in w.warnings]
            session.add(
                ImportedMessage(
                    platform=m.platform,
                    chat=m.chat,
                    chat_name=m.chat_name,
                    message_id=m.message_id,
                    message_sha256=w.digest,
                    export_sha256=self.export_sha256,
                    item_sha256=outcome.sha256,
                    status=status,
                    published_at=published,
                    details=details,
                    imported_by=self.actor,
                    imported_at=now,
                    custody_leaf=leaf,
                )
            )
            self._done[key] = MessageOutcome(
                m.message_id, status, outcome.sha256, published, w.warnings
            )
            done.append(self._done[key])
        session.flush()
        if self.on_recorded is not None:
            self.on_recorded(session, done)

    def run(self, messages: Iterable[ChatMessage]) -> Iterator[MessageOutcome]:
        """Import ``messages``; yields one outcome per message, each after its commit."""
        run = Ingest(self.ws, source=SourceInfo(), collector=self.actor, on_commit=self._record)
        for outcome in run.run(self._candidates(messages)):
            while self._aside:
                yield self._aside.popleft()
            w = self._waiting.pop(outcome.key or "", None)
            if w is None:
                continue
            m = w.message
            if outcome.status == "rejected":
                reason = outcome.error or ""
                yield MessageOutcome(
                    m.message_id, "missing-media", None, m.published_at, [*w.warnings, reason]
                )
                continue
            recorded = self._done.pop(outcome.key or "", None)
            yield recorded or MessageOutcome(
                m.message_id, "duplicate", outcome.sha256, m.published_at
            )
        while self._aside:
            yield self._aside.popleft()


def _safe(value: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in value)[:80]


def summary(counts: dict[str, int]) -> dict[str, int]:
    """Every status with its count (zero included: these are counted, not unknown)."""
    return {status: counts.get(status, 0) for status in STATUSES}

"""Ingest: files from outside into the vault, the evidence tables and the custody log.

Pipeline per batch: a small thread pool streams files into the vault (hash, copy, fsync)
while the calling thread runs metadata extraction on what is already stored; records are
written in group commits, and an outcome is reported only after its commit, so nothing
reported as ingested can be lost. A re-run of an interrupted batch finishes it: content
already stored is found by its hash, a sighting already recorded is not recorded twice.
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import rfc8785
from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import CivwatchError, RejectedInputError
from civwatch.evidence.acts import EXTRACT, INGEST, SIGHTING
from civwatch.evidence.collect import Candidate, Refusal, find_files
from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.evidence.names import safe_name
from civwatch.i18n import _, localise
from civwatch.media.extract import Extraction, MetadataExtractor
from civwatch.vault import StoredBlob, readable_path
from civwatch.workspace import Workspace

Status = Literal["ingested", "duplicate", "rejected"]

#: Files stored ahead of the one being recorded (bounds memory and temporary disk).
STORE_AHEAD = 8
#: A group commit happens after this many files or this many seconds, whichever comes first.
COMMIT_EVERY_FILES = 32
COMMIT_EVERY_S = 0.5


@dataclass(frozen=True)
class SourceInfo:
    """Where an item was seen, as the collector states it (claims, not verified facts)."""

    url: str | None = None
    platform: str | None = None
    account: str | None = None
    post_id: str | None = None
    caption: str | None = None
    published_at: datetime | None = None

    def __post_init__(self) -> None:
        # A NUL can be stored by neither database's text (nor PostgreSQL's JSON): refuse it
        # here, where the collector can be told, rather than fail later in a job.
        for name in ("url", "platform", "account", "post_id", "caption"):
            value = getattr(self, name)
            if value is not None and "\x00" in value:
                raise RejectedInputError(
                    _(
                        "The source %(field)s contains a NUL character (\\x00); remove it and "
                        "send it again.",
                        field=name.replace("_", " "),
                    )
                )

    def as_entry(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "platform": self.platform,
            "account": self.account,
            "post_id": self.post_id,
            "caption": self.caption,
            "published_at": _iso(self.published_at),
        }


@dataclass(frozen=True)
class SourcedCandidate(Candidate):
    """A file with a source of its own, for imports whose files were each seen somewhere
    else (the messages of a chat export), or content given as bytes (a message's text kept
    as an item). ``key`` is the importer's own name for it, given back on its outcome."""

    source: SourceInfo | None = None
    content: bytes | None = None
    name: str | None = None
    key: str | None = None


@dataclass
class IngestOutcome:
    """What happened to one path."""

    path: str
    status: Status
    sha256: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: The importer's key of a :class:`SourcedCandidate` (not shown).
    key: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "sha256": self.sha256,
            "error": None if self.error is None else localise(self.error, "en"),
            "warnings": self.warnings,
        }


@dataclass
class _Pending:
    """A stored blob waiting for its group commit."""

    candidate: Candidate
    blob: StoredBlob
    display_path: str
    name: str
    name_warnings: list[str]
    media_type: str | None = None
    extraction: Extraction | None = None


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="microseconds")


def _display(path: Path) -> str:
    return safe_name(str(path))[0]


def _strip_nul(value: Any) -> Any:
    """JSON fit for every database: NUL characters (refused by PostgreSQL) are dropped."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_strip_nul(k): _strip_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_nul(v) for v in value]
    return value


def extractor_name(exiftool: dict[str, Any]) -> str:
    version = exiftool.get("ExifTool:ExifToolVersion")
    return f"exiftool {version}" if version is not None else "exiftool"


def metadata_digest(
    metadata: dict[str, Any],
    exiftool: dict[str, Any],
    c2pa: dict[str, Any] | None,
    warnings: Sequence[str],
) -> str:
    """SHA-256 of the canonical JSON of what extraction recorded (kept in the custody log)."""
    doc = {"metadata": metadata, "exiftool": exiftool, "c2pa": c2pa, "warnings": list(warnings)}
    return hashlib.sha256(rfc8785.dumps(doc)).hexdigest()


def sighting_fingerprint(
    item_sha256: str, name: str, relative: str, collector: str, source: SourceInfo
) -> str:
    doc: dict[str, Any] = {
        "sha256": item_sha256,
        "name": name,
        "relative": safe_name(relative)[0],
        "collector": collector,
        "source": source.as_entry(),
    }
    return hashlib.sha256(rfc8785.dumps(doc)).hexdigest()


#: Called inside each group commit's transaction with the outcomes it records, so that a
#: caller's own record of them (a job's per-file report) commits with the evidence or not at all.
OnCommit = Callable[[Session, list["IngestOutcome"]], None]


class Ingest:
    """One ingest run of many paths with the same source and collector."""

    def __init__(
        self,
        ws: Workspace,
        *,
        source: SourceInfo,
        collector: str,
        on_commit: OnCommit | None = None,
    ) -> None:
        self.ws = ws
        self.source = source
        self.collector = collector
        self.max_size = ws.settings.max_file_size
        self.on_commit = on_commit

    # -- stage 1: storing (worker threads) -------------------------------------------------
    def _source_of(self, candidate: Candidate) -> SourceInfo:
        if isinstance(candidate, SourcedCandidate) and candidate.source is not None:
            return candidate.source
        return self.source

    def _store(self, candidate: Candidate) -> StoredBlob:
        if isinstance(candidate, SourcedCandidate) and candidate.content is not None:
            if not candidate.content:
                raise RejectedInputError(_("empty file (0 bytes)"))
            return self.ws.vault.put(io.BytesIO(candidate.content), max_size=self.max_size)
        st = candidate.path.stat()
        if st.st_size > self.max_size:
            raise RejectedInputError(
                _("larger than the %(max_size)s-byte limit per file", max_size=self.max_size)
            )
        if st.st_size == 0:
            raise RejectedInputError(_("empty file (0 bytes)"))
        try:
            with candidate.path.open("rb") as f:
                return self.ws.vault.put(f, max_size=self.max_size)
        except PermissionError as exc:
            raise RejectedInputError(_("cannot be read: %(reason)s", reason=exc.strerror)) from None
        except IsADirectoryError:
            raise RejectedInputError(_("is a folder, not a file")) from None

    # -- stage 2: extraction (calling thread, exiftool in its own process) -----------------
    def _extract(self, pending: _Pending, extractor: MetadataExtractor) -> None:
        with readable_path(self.ws.vault, pending.blob.sha256) as path:
            pending.extraction = extractor.extract(path, original_name=pending.name)
        pending.media_type = pending.extraction.media_type

    # -- stage 3: recording (group commits) ------------------------------------------------
    def _record(self, batch: list[_Pending]) -> list[IngestOutcome]:
        outcomes: list[IngestOutcome] = []
        with self.ws.sessions() as session, session.begin():
            self.ws.custody.lock(session)
            now = utcnow()
            for pending in batch:
                outcomes.append(self._record_one(session, pending, now))
            if self.on_commit is not None:
                self.on_commit(session, outcomes)
        return outcomes

    def _record_one(self, session: Session, p: _Pending, now: datetime) -> IngestOutcome:
        sha = p.blob.sha256
        item = session.scalars(select(EvidenceItem).where(EvidenceItem.sha256 == sha)).first()
        source = self._source_of(p.candidate)
        key = p.candidate.key if isinstance(p.candidate, SourcedCandidate) else None
        fingerprint = sighting_fingerprint(
            sha, p.name, p.candidate.relative, self.collector, source
        )
        seen_as = {
            "sha256": sha,
            "original_name": p.name,
            "source": source.as_entry(),
            "fingerprint": fingerprint,
        }
        if item is not None:
            seen = session.scalars(
                select(Sighting.id).where(
                    Sighting.item_id == item.id, Sighting.fingerprint == fingerprint
                )
            ).first()
            if seen is None:
                leaf = entries.append(
                    self.ws.custody, session, SIGHTING, self.collector, now, **seen_as
                )
                session.add(self._sighting(item.id, p, now, fingerprint, leaf, source))
            return IngestOutcome(
                p.display_path, "duplicate", sha, warnings=p.name_warnings, key=key
            )

        if p.extraction is None or p.media_type is None:
            raise CivwatchError(
                _("%(display_path)s: recorded before extraction", display_path=p.display_path)
            )
        ex = p.extraction
        metadata = _strip_nul(dict(ex.normalised))
        c2pa = metadata.pop("c2pa", None)
        exiftool = _strip_nul(ex.exiftool)
        warnings = _strip_nul([*p.name_warnings, *ex.warnings, *ex.errors])
        ingest_entry = entries.build(
            INGEST, self.collector, now, size=p.blob.size, media_type=p.media_type, **seen_as
        )
        extract_entry = entries.build(
            EXTRACT,
            None,
            now,
            sha256=sha,
            extractor=extractor_name(exiftool),
            metadata_sha256=metadata_digest(metadata, exiftool, c2pa, warnings),
        )
        ingest_leaf, extract_leaf = self.ws.custody.append(session, [ingest_entry, extract_entry])
        item = EvidenceItem(
            sha256=sha,
            size=p.blob.size,
            media_type=p.media_type,
            original_name=p.name,
            collected_at=now,
            collected_by=self.collector,
            metadata_=metadata,
            exiftool=exiftool,
            c2pa=c2pa,
            warnings=warnings,
            ingest_leaf=ingest_leaf,
            extraction_leaf=extract_leaf,
        )
        session.add(item)
        session.flush()
        session.add(self._sighting(item.id, p, now, fingerprint, ingest_leaf, source))
        return IngestOutcome(p.display_path, "ingested", sha, warnings=warnings, key=key)

    def _sighting(
        self,
        item_id: int,
        p: _Pending,
        now: datetime,
        fingerprint: str,
        leaf: int,
        s: SourceInfo,
    ) -> Sighting:
        return Sighting(
            item_id=item_id,
            collected_at=now,
            collected_by=self.collector,
            original_name=p.name,
            source_url=s.url,
            platform=s.platform,
            account=s.account,
            post_id=s.post_id,
            caption=s.caption,
            published_at=s.published_at,
            fingerprint=fingerprint,
            custody_leaf=leaf,
        )

    def _known(self, sha256: str) -> bool:
        with self.ws.sessions() as session:
            found = session.scalars(
                select(EvidenceItem.id).where(EvidenceItem.sha256 == sha256)
            ).first()
            return found is not None

    # -- the run ----------------------------------------------------------------------------
    def run(self, found: Iterable[Candidate | Refusal]) -> Iterator[IngestOutcome]:
        """Ingest everything in ``found``; yields one outcome per path, each after its commit."""
        self.ws.vault.clean_incomplete()
        batch: list[_Pending] = []
        batch_started = time.monotonic()
        with (
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="vault") as pool,
            MetadataExtractor(self.ws.settings) as extractor,
        ):
            in_flight: list[tuple[Candidate, Future[StoredBlob]]] = []
            items = iter(found)
            exhausted = False
            while True:
                while not exhausted and len(in_flight) < STORE_AHEAD:
                    nxt = next(items, None)
                    if nxt is None:
                        exhausted = True
                    elif isinstance(nxt, Refusal):
                        yield IngestOutcome(
                            _display(nxt.path), "rejected", error=nxt.reason, key=_key(nxt)
                        )
                    else:
                        in_flight.append((nxt, pool.submit(self._store, nxt)))
                if not in_flight:
                    break
                candidate, future = in_flight.pop(0)
                display = _display(candidate.path)
                key = _key(candidate)
                try:
                    blob = future.result()
                except RejectedInputError as exc:
                    yield IngestOutcome(display, "rejected", error=exc.message, key=key)
                    continue
                except OSError as exc:
                    yield IngestOutcome(
                        display,
                        "rejected",
                        error=f"cannot be read: {exc.strerror or exc}",
                        key=key,
                    )
                    continue
                given = candidate.name if isinstance(candidate, SourcedCandidate) else None
                name, name_warnings = safe_name(given or candidate.path.name)
                pending = _Pending(candidate, blob, display, name, name_warnings)
                if not self._known(blob.sha256) and not any(
                    b.blob.sha256 == blob.sha256 for b in batch
                ):
                    self._extract(pending, extractor)
                batch.append(pending)
                if (
                    len(batch) >= COMMIT_EVERY_FILES
                    or time.monotonic() - batch_started > COMMIT_EVERY_S
                ):
                    yield from self._record(batch)
                    batch = []
                    batch_started = time.monotonic()
            if batch:
                yield from self._record(batch)
        self.ws.sign_head()


def _key(found: Candidate | Refusal) -> str | None:
    return getattr(found, "key", None)


def ingest_paths(
    ws: Workspace,
    paths: Sequence[Path],
    *,
    source: SourceInfo | None = None,
    collector: str,
    progress: Callable[[IngestOutcome], None] | None = None,
) -> Iterator[IngestOutcome]:
    """Ingest files and folders (recursively); yields one outcome per file."""
    run = Ingest(ws, source=source or SourceInfo(), collector=collector)
    for outcome in run.run(find_files(paths)):
        if progress is not None:
            progress(outcome)
        yield outcome

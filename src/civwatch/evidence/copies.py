"""Copies of an item: perceptual hashes at ingest, the match index, matches and clusters.

Images get PDQ hashes of several views (the whole picture, central crops, the content
inside plain borders, corners) and are compared with a geometric check when hashes alone
do not settle it (``civwatch.matching.features.is_copy``). Videos get PDQ hashes of frames
at 1 fps with repeats folded (vPDQ) and match when enough unique frames are found in the
other video. Every hash and match is recorded in the custody log.

The match index (``<data>/index/pdq-v1.idx``) holds every stored hash under its
``media_hash.id``; it is rebuilt from the database whenever its stamp does not match.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.config import Settings
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import IntegrityError, UnhashableMediaError
from civwatch.evidence.acts import HASH, MATCH
from civwatch.evidence.models import EvidenceItem, MediaHash, MediaHashing, MediaMatch
from civwatch.i18n import _, localise
from civwatch.matching.features import CANDIDATE_DISTANCE, ImageDescriptor, describe, is_copy
from civwatch.matching.index import HashIndex, IndexStamp
from civwatch.matching.pdq import DEFAULT_MAX_DISTANCE, PDQ_ALGORITHM, PDQ_VERSION, PdqHash
from civwatch.matching.video import FrameHash, video_frame_hashes, video_match
from civwatch.media.sniff import sniff_media_type
from civwatch.vault import readable_path
from civwatch.workspace import Workspace

INDEX_NAME = "pdq-v1.idx"
VIDEO_MATCH_SHARE = 0.8


@dataclass
class Media:
    """What hashing found in one file: an image descriptor, video frames, or why neither."""

    kind: str  # "image", "video" or "other"
    image: ImageDescriptor | None = None
    frames: list[FrameHash] = field(default_factory=list)
    unhashable: str | None = None

    def hash_rows(self) -> list[tuple[str, float | None, PdqHash]]:
        if self.image is not None:
            return [(view, None, h) for view, h in self.image.hashes]
        return [("frame", t, h) for t, h in self.frames]

    def queries(self) -> list[tuple[str, bytes]]:
        """(transform, bits) to look up: every dihedral variant of every view, or frames."""
        if self.image is not None:
            return [
                (name, h.bits) for _view, variants in self.image.dihedral for name, h in variants
            ]
        return [("original", h.bits) for _t, h in self.frames]


@dataclass(frozen=True)
class Copy:
    """A stored item found to be a copy of the query."""

    sha256: str
    item_id: int
    distance: int | None
    transform: str | None
    method: str
    detail: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "distance": self.distance,
            "transform": self.transform,
            "method": self.method,
            **self.detail,
        }


def read_media(path: Path, media_type: str, *, settings: Settings) -> Media:
    """Hash a file: images by view, videos by frame; the reason when it cannot be done.
    Images are decoded under the settings' pixel limit, videos with their ffmpeg."""
    max_pixels = settings.max_image_pixels
    if media_type.startswith("image/"):
        try:
            return Media("image", image=describe(path, max_pixels=max_pixels))
        except UnhashableMediaError as exc:
            return Media("image", unhashable=exc.message)
    if media_type.startswith("video/"):
        try:
            return Media("video", frames=video_frame_hashes(path, ffmpeg=settings.ffmpeg_path))
        except UnhashableMediaError as exc:
            return Media("video", unhashable=exc.message)
    return Media("other", unhashable=f"{media_type} is not an image or a video")


class MatchIndex:
    """The persisted hash index of a workspace, kept in step with the ``media_hash`` table."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.path = ws.data_dir / "index" / INDEX_NAME
        self._index: HashIndex | None = None

    def _db_rows(self, session: Session) -> tuple[list[int], list[bytes]]:
        rows = session.execute(select(MediaHash.id, MediaHash.bits).order_by(MediaHash.id)).all()
        return [r[0] for r in rows], [bytes(r[1]) for r in rows]

    def load(self, session: Session) -> HashIndex:
        """The index, loaded from disk when its stamp matches the database, else rebuilt."""
        if self._index is not None:
            return self._index
        ids, bits = self._db_rows(session)
        wanted = IndexStamp.for_ids(ids)
        index: HashIndex | None = None
        if HashIndex.read_stamp(self.path) == wanted:
            try:
                index = HashIndex.load(self.path)
            except IntegrityError:
                index = None
        if index is None:
            index = HashIndex.build(ids, bits)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            index.save(self.path)
        self._index = index
        return index

    def add(self, ids: Sequence[int], bits: Sequence[bytes]) -> None:
        if self._index is not None and ids:
            self._index.add(list(ids), list(bits))

    def save(self) -> None:
        if self._index is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._index.save(self.path)


class CopyFinder:
    """Finds stored copies of media; one per run (it caches descriptors of stored items)."""

    def __init__(self, ws: Workspace, *, max_distance: int = DEFAULT_MAX_DISTANCE) -> None:
        self.ws = ws
        self.max_distance = max_distance
        self.index = MatchIndex(ws)
        self._describe = lru_cache(maxsize=256)(self._describe_stored)

    def _describe_stored(self, sha256: str) -> ImageDescriptor | None:
        try:
            with readable_path(self.ws.vault, sha256) as path:
                return describe(path, max_pixels=self.ws.settings.max_image_pixels)
        except UnhashableMediaError:
            return None

    def find(self, session: Session, media: Media, *, exclude: int | None = None) -> list[Copy]:
        """Stored items whose media are copies of ``media``, best first."""
        if media.unhashable is not None or media.kind == "other":
            return []
        index = self.index.load(session)
        queries = media.queries()
        radius = CANDIDATE_DISTANCE if media.image is not None else self.max_distance
        found = index.search([bits for _t, bits in queries], radius)
        hash_ids = {hid for hits in found for hid, _d in hits}
        if not hash_ids:
            return []
        owners = dict(
            session.execute(
                select(MediaHash.id, MediaHash.item_id).where(MediaHash.id.in_(hash_ids))
            ).all()
        )
        candidates = sorted({owners[h] for h in hash_ids if h in owners} - {exclude})
        items = {
            i.id: i
            for i in session.scalars(select(EvidenceItem).where(EvidenceItem.id.in_(candidates)))
        }
        copies = [
            c
            for item_id in candidates
            if (c := self._decide(session, media, items[item_id])) is not None
        ]
        return sorted(copies, key=lambda c: (c.distance is None, c.distance or 0, c.sha256))

    def _decide(self, session: Session, media: Media, item: EvidenceItem) -> Copy | None:
        if media.image is not None:
            if not item.media_type.startswith("image/"):
                return None
            other = self._describe(item.sha256)
            if other is None:
                return None
            decision = is_copy(media.image, other, max_distance=self.max_distance)
            if not decision.matched or decision.method is None:
                return None
            detail: dict[str, Any] = {"regions": list(decision.regions or ())}
            if decision.geometry is not None:
                detail["inliers"] = decision.geometry.inliers
            return Copy(
                item.sha256, item.id, decision.distance, decision.transform, decision.method, detail
            )
        frames = [
            (row.frame_t or 0.0, PdqHash(bytes(row.bits), row.quality))
            for row in session.scalars(
                select(MediaHash).where(MediaHash.item_id == item.id, MediaHash.view == "frame")
            )
        ]
        result = video_match(media.frames, frames, self.max_distance, VIDEO_MATCH_SHARE)
        if max(result.query_in_other, result.other_in_query) < VIDEO_MATCH_SHARE:
            return None
        return Copy(
            item.sha256,
            item.id,
            None,
            None,
            "vpdq",
            {
                "query_in_other": round(result.query_in_other, 3),
                "other_in_query": round(result.other_in_query, 3),
            },
        )


def _english(reason: str | None) -> str | None:
    """A reason as it is recorded (custody entry, table): in English, whatever the
    language of the request that hashed the file."""
    return None if reason is None else localise(reason, "en")


def _hashes_digest(rows: Iterable[tuple[str, float | None, PdqHash]]) -> str:
    text = "\n".join(f"{view}\t{t}\t{h.hex}\t{h.quality}" for view, t, h in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def hash_pending(
    ws: Workspace,
    *,
    progress: Callable[[int, int], None] | None = None,
    max_distance: int = DEFAULT_MAX_DISTANCE,
) -> dict[str, int]:
    """Hash every item not yet hashed, find its copies among stored items, record both."""
    finder = CopyFinder(ws, max_distance=max_distance)
    with ws.sessions() as session:
        pending = session.execute(
            select(EvidenceItem.id, EvidenceItem.sha256, EvidenceItem.media_type)
            .outerjoin(MediaHashing, MediaHashing.item_id == EvidenceItem.id)
            .where(MediaHashing.item_id.is_(None))
            .order_by(EvidenceItem.id)
        ).all()
    summary = {"hashed": 0, "unhashable": 0, "not_media": 0, "matches": 0}
    for n, (item_id, sha256, media_type) in enumerate(pending, 1):
        with readable_path(ws.vault, sha256) as path:
            media = read_media(path, media_type, settings=ws.settings)
        summary["matches"] += _record(ws, finder, item_id, sha256, media)
        key = (
            "not_media" if media.kind == "other" else "unhashable" if media.unhashable else "hashed"
        )
        summary[key] += 1
        if progress:
            progress(n, len(pending))
    finder.index.save()
    if pending:
        ws.sign_head()
    return summary


def _record(ws: Workspace, finder: CopyFinder, item_id: int, sha256: str, media: Media) -> int:
    rows = media.hash_rows()
    now = utcnow()
    with ws.sessions() as session:  # the slow part, outside the write lock
        copies = finder.find(session, media, exclude=item_id)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        if session.get(MediaHashing, item_id) is not None:
            return 0  # another process got there first
        status = (
            "not-media" if media.kind == "other" else "unhashable" if media.unhashable else "hashed"
        )
        logged = [
            entries.build(
                HASH,
                None,
                now,
                sha256=sha256,
                algorithm=PDQ_ALGORITHM,
                version=PDQ_VERSION,
                status=status,
                reason=_english(media.unhashable),
                count=len(rows),
                hashes_sha256=_hashes_digest(rows),
            )
        ]
        logged += [
            entries.build(
                MATCH,
                None,
                now,
                sha256=sha256,
                other=c.sha256,
                distance=c.distance,
                transform=c.transform,
                method=c.method,
            )
            for c in copies
        ]
        ws.custody.append(session, logged)
        session.add(
            MediaHashing(
                item_id=item_id, status=status, reason=_english(media.unhashable), hashed_at=now
            )
        )
        added = [
            MediaHash(
                item_id=item_id,
                algorithm=h.algorithm,
                version=h.version,
                view=view,
                frame_t=t,
                bits=h.bits,
                quality=h.quality,
            )
            for view, t, h in rows
        ]
        session.add_all(added)
        session.add_all(
            MediaMatch(
                item_id=item_id,
                other_id=c.item_id,
                distance=c.distance or 0,
                transform=c.transform or "original",
                method=c.method,
                detail=c.detail,
                matched_at=now,
            )
            for c in copies
        )
        session.flush()
        ids, bits = [h.id for h in added], [h.bits for h in added]
    finder.index.add(ids, bits)
    return len(copies)


def match_file(
    ws: Workspace, path: Path, *, max_distance: int = DEFAULT_MAX_DISTANCE
) -> list[dict[str, Any]]:
    """Stored items that ``path`` is a copy of, best first; ``path`` is not ingested."""
    media = read_media(path, sniff_media_type(path), settings=ws.settings)
    if media.unhashable is not None:
        raise UnhashableMediaError(
            _(
                "%(name)s cannot be hashed: %(unhashable)s",
                name=path.name,
                unhashable=media.unhashable,
            )
        )
    finder = CopyFinder(ws, max_distance=max_distance)
    with ws.sessions() as session:
        return [c.as_json() for c in finder.find(session, media)]


def hash_file(path: Path, *, settings: Settings) -> dict[str, Any]:
    """``civwatch hash``: the PDQ hash of an image, or the frame hashes of a video."""
    media = read_media(path, sniff_media_type(path), settings=settings)
    if media.unhashable is not None:
        raise UnhashableMediaError(
            _(
                "%(name)s cannot be hashed: %(unhashable)s",
                name=path.name,
                unhashable=media.unhashable,
            )
        )
    if media.image is not None:
        whole = media.image.hash_of("whole")
        assert whole is not None
        return {
            "pdq": whole.hex,
            "quality": whole.quality,
            "views": {view: {"pdq": h.hex, "quality": h.quality} for view, h in media.image.hashes},
        }
    return {"frames": [{"t": t, "pdq": h.hex, "quality": h.quality} for t, h in media.frames]}


def hash_item(
    ws: Workspace,
    item_id: int,
    *,
    serial: Callable[[], AbstractContextManager[None]] = nullcontext,
    max_distance: int = DEFAULT_MAX_DISTANCE,
) -> tuple[str, int] | None:
    """Hash one item not hashed yet and record its copies: ``(status, matches)``, or None
    when it is hashed already (a job delivered twice, or one taken up after a crash).

    For workers that share the work item by item: the slow part (decoding and hashing the
    file) runs at once in every worker; finding its copies and recording them runs inside
    ``serial()`` (a lock every worker shares), with the index read afresh inside it, so two
    items hashed at once in two processes still find each other."""
    with ws.sessions() as session:
        row = session.execute(
            select(EvidenceItem.sha256, EvidenceItem.media_type, MediaHashing.item_id)
            .outerjoin(MediaHashing, MediaHashing.item_id == EvidenceItem.id)
            .where(EvidenceItem.id == item_id)
        ).first()
    if row is None or row[2] is not None:
        return None
    sha256, media_type = row[0], row[1]
    with readable_path(ws.vault, sha256) as path:
        media = read_media(path, media_type, settings=ws.settings)
    with serial():
        finder = CopyFinder(ws, max_distance=max_distance)
        matches = _record(ws, finder, item_id, sha256, media)
    if media.kind == "other":
        return "not_media", matches
    return ("unhashable" if media.unhashable else "hashed"), matches

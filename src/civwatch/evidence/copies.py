"""Copies of an item: perceptual hashes at ingest, the copy index, matches and clusters.

Images get PDQ hashes of several views (the whole picture, central crops, the content
inside plain borders, corners) and are compared with a geometric check when hashes alone
do not settle it (``civwatch.matching.features.is_copy``). Videos get PDQ hashes of frames
at 1 fps with repeats folded (vPDQ) and match when enough unique frames are found in the
other video. Every hash and match is recorded in the custody log.

A new item is compared with clusters, not with every stored copy: each cluster has a few
*representatives* (its first member, and members far from the representatives already
there, up to ``MAX_FAR_REPRESENTATIVES``), and only their hashes are in the copy index.
The new item is linked by one ``MediaMatch`` to the closest representative it matched in
each cluster, so the matches span every cluster and grow with the number of items, not
with its square; an item that matches two clusters joins them.

The copy index is shared by every process through the database: ``media_representative``
rows are numbered in the order they were added, and each process catches its in-memory
index up from the last number it saw before it searches. Matching and recording one item
are done under the copy lock (a PostgreSQL advisory lock, a file lock beside the index
for SQLite), so of two processes recording copies at once the second sees the first's
item. ``<data>/index/pdq-v1.idx`` keeps the index between runs; it is rebuilt from the
database whenever its stamp does not match.
"""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from civwatch.config import Settings
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import IntegrityError, UnhashableMediaError
from civwatch.evidence.acts import HASH, MATCH
from civwatch.evidence.clusters import cluster_labels
from civwatch.evidence.models import (
    EvidenceItem,
    MediaClusterMember,
    MediaHash,
    MediaHashing,
    MediaMatch,
    MediaRepresentative,
)
from civwatch.i18n import _, localise
from civwatch.matching.features import CANDIDATE_DISTANCE, ImageDescriptor, describe, is_copy
from civwatch.matching.index import HashIndex, IndexStamp, as_bits_array
from civwatch.matching.pdq import DEFAULT_MAX_DISTANCE, PDQ_ALGORITHM, PDQ_VERSION, PdqHash
from civwatch.matching.video import FrameHash, video_frame_hashes, video_match
from civwatch.media.sniff import sniff_media_type
from civwatch.vault import readable_path
from civwatch.workspace import Workspace

INDEX_NAME = "pdq-v1.idx"
LOCK_NAME = "copies.lock"
VIDEO_MATCH_SHARE = 0.8
#: Representatives a cluster gains besides its first member: members that are not near
#: any representative (crops, edited copies, another cut of a video), so that copies of
#: those are found too. Clusters that join keep the representatives of both.
MAX_FAR_REPRESENTATIVES = 8
#: A member is near a representative when their same regions are within this many bits
#: (in one of the eight turns), or, for videos, when each has this share of the other's
#: frames; a member near one is never made a representative.
NEAR_DISTANCE = 16
NEAR_VIDEO_SHARE = 0.9
#: Items recorded in one transaction at most, and the seconds a group waits at most.
GROUP_COMMIT = 32
GROUP_SECONDS = 0.5
#: The PostgreSQL advisory lock held while items are matched and recorded.
COPY_LOCK_KEY = 0x63697677_636F7079  # "civwcopy"


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


Decided = dict[int, Copy | None]
"""The decision for each representative compared with one query (None: not a copy)."""


def _hash_distances(
    session: Session, media: Media, item_ids: Iterable[int]
) -> dict[int, tuple[int, str]]:
    """For each item, the smallest distance between its stored hashes and the query's
    (every turn of every view), and the turn it was found in."""
    import numpy as np

    queries = media.queries()
    wanted = list(item_ids)
    if not queries or not wanted:
        return {}
    rows = session.execute(
        select(MediaHash.item_id, MediaHash.bits).where(MediaHash.item_id.in_(wanted))
    ).all()
    if not rows:
        return {}
    stored = as_bits_array([bytes(r[1]) for r in rows]).view(np.uint64)
    asked = as_bits_array([bits for _t, bits in queries]).view(np.uint64)
    nearest = np.empty(len(rows), dtype=np.int64)
    turn = np.empty(len(rows), dtype=np.int64)
    for start in range(0, len(rows), 4096):  # (rows, queries) distances, a chunk at a time
        chunk = stored[start : start + 4096]
        distances = np.bitwise_count(chunk[:, None, :] ^ asked[None, :, :]).sum(axis=2)
        turn[start : start + len(chunk)] = distances.argmin(axis=1)
        nearest[start : start + len(chunk)] = distances.min(axis=1)
    best: dict[int, tuple[int, str]] = {}
    for row, (item_id, _bits) in enumerate(rows):
        d = int(nearest[row])
        if item_id not in best or d < best[item_id][0]:
            best[item_id] = (d, queries[int(turn[row])][0])
    return best


@contextmanager
def copy_lock(ws: Workspace) -> Iterator[Session]:
    """A transaction in which items are matched and recorded, alone among every process
    recording copies: a PostgreSQL advisory lock held until the transaction ends, or for
    SQLite a file lock beside the copy index held until it has committed (so the next
    holder's catch-up reads everything this one added)."""
    sqlite = ws.engine.dialect.name == "sqlite"
    if sqlite:
        from filelock import FileLock

        path = ws.data_dir / "index" / LOCK_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        held: Any = FileLock(str(path))
    else:
        held = nullcontext()
    with held, ws.sessions() as session, session.begin():
        if not sqlite:
            session.execute(select(func.pg_advisory_xact_lock(COPY_LOCK_KEY)))
        yield session


class MatchIndex:
    """This process's copy index: the hashes of every representative, caught up with the
    database (the source of truth) before each search."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.path = ws.data_dir / "index" / INDEX_NAME
        self._index: HashIndex | None = None
        #: The last ``media_representative.id`` whose hashes the index holds.
        self._seen = 0

    def load(self, session: Session) -> HashIndex:
        """The index, loaded from disk when its stamp matches the database, else rebuilt;
        caught up with every representative added since."""
        if self._index is None:
            self._index = self._open(session)
        self._catch_up(session)
        return self._index

    def _open(self, session: Session) -> HashIndex:
        # One statement: the representatives and their hashes as of one moment.
        rows = session.execute(
            select(MediaRepresentative.id, MediaHash.id)
            .outerjoin(MediaHash, MediaHash.item_id == MediaRepresentative.item_id)
            .order_by(MediaHash.id)
        ).all()
        self._seen = max((int(r[0]) for r in rows), default=0)
        ids = [int(r[1]) for r in rows if r[1] is not None]
        if HashIndex.read_stamp(self.path) == IndexStamp.for_ids(ids):
            try:
                return HashIndex.load(self.path)
            except IntegrityError:
                pass
        held = session.execute(
            select(MediaHash.id, MediaHash.bits)
            .join(MediaRepresentative, MediaRepresentative.item_id == MediaHash.item_id)
            .where(MediaRepresentative.id <= self._seen)
            .order_by(MediaHash.id)
        ).all()
        index = HashIndex.build([r[0] for r in held], [bytes(r[1]) for r in held])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        index.save(self.path)
        return index

    def _catch_up(self, session: Session) -> None:
        assert self._index is not None
        rows = session.execute(
            select(MediaRepresentative.id, MediaHash.id, MediaHash.bits)
            .outerjoin(MediaHash, MediaHash.item_id == MediaRepresentative.item_id)
            .where(MediaRepresentative.id > self._seen)
            .order_by(MediaRepresentative.id, MediaHash.id)
        ).all()
        if not rows:
            return
        added = [(int(r[1]), bytes(r[2])) for r in rows if r[1] is not None]
        self._index.add([a[0] for a in added], [a[1] for a in added])
        self._seen = max(int(r[0]) for r in rows)

    def forget(self) -> None:
        """Drop the index held in memory: it is read again from the database when next
        used (after a transaction that added to it was rolled back)."""
        self._index = None
        self._seen = 0

    def save(self) -> None:
        if self._index is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._index.save(self.path)


@dataclass(frozen=True)
class ClusterMatch:
    """A cluster the query matched: its label, and the closest representative matched."""

    cluster_id: int
    copy: Copy
    #: Whether the query is near that representative (not a crop or an edited copy).
    near: bool


def _near(c: Copy) -> bool:
    if c.method == "vpdq":
        shares = [float(c.detail.get(k) or 0) for k in ("query_in_other", "other_in_query")]
        return min(shares) >= NEAR_VIDEO_SHARE
    regions = list(c.detail.get("regions") or ("whole", "whole"))
    return (
        c.method == "pdq"
        and c.distance is not None
        and c.distance <= NEAR_DISTANCE
        and len(set(regions)) == 1
    )


def _closer(c: Copy) -> tuple[bool, bool, int]:
    return (not _near(c), c.distance is None, c.distance or 0)


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

    def _candidates(self, session: Session, media: Media) -> dict[int, int]:
        """Representatives with a hash within the candidate distance of the query's:
        item id to the smallest such distance."""
        index = self.index.load(session)
        radius = CANDIDATE_DISTANCE if media.image is not None else self.max_distance
        best: dict[int, int] = {}
        for hits in index.search([bits for _t, bits in media.queries()], radius):
            for hid, d in hits:
                best[hid] = min(d, best.get(hid, d))
        if not best:
            return {}
        items: dict[int, int] = {}
        for hid, item_id in session.execute(
            select(MediaHash.id, MediaHash.item_id).where(MediaHash.id.in_(best))
        ):
            items[item_id] = min(best[hid], items.get(item_id, best[hid]))
        return items

    def _decide_all(
        self, session: Session, media: Media, item_ids: Iterable[int], decided: Decided
    ) -> None:
        wanted = [i for i in item_ids if i not in decided]
        if not wanted:
            return
        items = session.scalars(select(EvidenceItem).where(EvidenceItem.id.in_(wanted)))
        for item in items:
            decided[item.id] = self._decide(session, media, item)

    def match_clusters(
        self, session: Session, media: Media, *, exclude: int | None, decided: Decided
    ) -> list[ClusterMatch]:
        """The clusters ``media`` is a copy of, each with the closest representative it
        matched. A cluster's representatives are tried closest first until one is near;
        ``decided`` keeps every decision made (call again after the index grew and only
        the new representatives are decided)."""
        if media.unhashable is not None or media.kind == "other":
            return []
        candidates = self._candidates(session, media)
        if exclude is not None:
            candidates.pop(exclude, None)
        if not candidates:
            return []
        labels = cluster_labels(session, candidates)
        by_cluster: dict[int, list[int]] = {}
        for item_id in sorted(candidates, key=lambda i: (candidates[i], i)):
            by_cluster.setdefault(labels[item_id], []).append(item_id)
        found = []
        for cluster_id, reps in sorted(by_cluster.items()):
            best: Copy | None = None
            for rep in reps:
                self._decide_all(session, media, [rep], decided)
                c = decided.get(rep)
                if c is not None and (best is None or _closer(c) < _closer(best)):
                    best = c
                if best is not None and _near(best):
                    break
            if best is not None:
                found.append(ClusterMatch(cluster_id, best, _near(best)))
        return found

    def find(self, session: Session, media: Media) -> list[Copy]:
        """Stored items whose media are copies of ``media``, closest first: the
        representatives it matched, and the other members of their clusters (method
        ``cluster``, with the smallest distance between their hashes and the query's,
        the turn it was found in, and the representative matched, ``via``)."""
        decided: Decided = {}
        matched = self.match_clusters(session, media, exclude=None, decided=decided)
        if not matched:
            return []
        direct = {c.item_id: c for c in decided.values() if c is not None}
        copies = list(direct.values())
        via = {m.cluster_id: m.copy for m in matched}
        members = session.execute(
            select(MediaClusterMember.item_id, MediaClusterMember.cluster_id, EvidenceItem.sha256)
            .join(EvidenceItem, EvidenceItem.id == MediaClusterMember.item_id)
            .where(MediaClusterMember.cluster_id.in_(via))
        ).all()
        others = {int(m[0]): (int(m[1]), str(m[2])) for m in members if m[0] not in direct}
        distances = _hash_distances(session, media, others)
        for item_id, (cluster_id, sha256) in others.items():
            distance, transform = distances.get(item_id, (None, None))
            copies.append(
                Copy(
                    sha256,
                    item_id,
                    distance,
                    transform,
                    "cluster",
                    {"via": via[cluster_id].sha256},
                )
            )
        return sorted(
            copies,
            key=lambda c: (c.distance is None, c.distance or 0, c.method == "cluster", c.sha256),
        )

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


@dataclass
class _Hashed:
    """An item hashed and compared outside the lock, waiting to be recorded."""

    item_id: int
    sha256: str
    media: Media
    decided: Decided


def _hash_and_compare(
    ws: Workspace, finder: CopyFinder, item_id: int, sha256: str, media_type: str
) -> _Hashed:
    """The slow part, outside the copy lock: the item's hashes, compared with the
    representatives the index holds now."""
    with readable_path(ws.vault, sha256) as path:
        media = read_media(path, media_type, settings=ws.settings)
    decided: Decided = {}
    with ws.sessions() as session:
        finder.match_clusters(session, media, exclude=item_id, decided=decided)
    return _Hashed(item_id, sha256, media, decided)


def hash_pending(
    ws: Workspace,
    *,
    progress: Callable[[int, int], None] | None = None,
    max_distance: int = DEFAULT_MAX_DISTANCE,
) -> dict[str, int]:
    """Hash every item not yet hashed, find its copies among stored items, record both.

    Items are hashed and compared with the representatives outside the copy lock, then
    recorded in group commits (``GROUP_COMMIT`` items or ``GROUP_SECONDS``): under the
    lock, each is compared with what was added since, and the group is committed at once.
    """
    finder = CopyFinder(ws, max_distance=max_distance)
    with ws.sessions() as session:
        pending = session.execute(
            select(EvidenceItem.id, EvidenceItem.sha256, EvidenceItem.media_type)
            .outerjoin(MediaHashing, MediaHashing.item_id == EvidenceItem.id)
            .where(MediaHashing.item_id.is_(None))
            .order_by(EvidenceItem.id)
        ).all()
    summary = {"hashed": 0, "unhashable": 0, "not_media": 0, "matches": 0}
    group: list[_Hashed] = []
    started = time.monotonic()
    for n, (item_id, sha256, media_type) in enumerate(pending, 1):
        group.append(_hash_and_compare(ws, finder, item_id, sha256, media_type))
        media = group[-1].media
        key = (
            "not_media" if media.kind == "other" else "unhashable" if media.unhashable else "hashed"
        )
        summary[key] += 1
        if (
            n == len(pending)
            or len(group) >= GROUP_COMMIT
            or time.monotonic() - started > GROUP_SECONDS
        ):
            summary["matches"] += _record(ws, finder, group)
            group, started = [], time.monotonic()
            if progress:
                progress(n, len(pending))
    finder.index.save()
    if pending:
        ws.sign_head()
    return summary


def _record(ws: Workspace, finder: CopyFinder, group: list[_Hashed]) -> int:
    """Record items' hashes and the clusters they matched, in one transaction under the
    copy lock; the number of matches recorded."""
    recorded = 0
    try:
        with copy_lock(ws) as session:
            ws.custody.lock(session)
            for hashed in group:
                recorded += _record_one(ws, finder, session, hashed)
    except BaseException:
        finder.index.forget()  # it may hold hashes of the group that was not committed
        raise
    return recorded


def _record_one(ws: Workspace, finder: CopyFinder, session: Session, hashed: _Hashed) -> int:
    item_id, sha256, media = hashed.item_id, hashed.sha256, hashed.media
    if session.get(MediaHashing, item_id) is not None:
        return 0  # another process got there first
    rows = media.hash_rows()
    now = utcnow()
    # Representatives added since (by other processes, or earlier in this group) are
    # decided now, under the lock.
    matched = finder.match_clusters(session, media, exclude=item_id, decided=hashed.decided)
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
            other=m.copy.sha256,
            distance=m.copy.distance,
            transform=m.copy.transform,
            method=m.copy.method,
        )
        for m in matched
    ]
    ws.custody.append(session, logged)
    session.add(
        MediaHashing(
            item_id=item_id, status=status, reason=_english(media.unhashable), hashed_at=now
        )
    )
    session.add_all(
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
    )
    session.add_all(
        MediaMatch(
            item_id=item_id,
            other_id=m.copy.item_id,
            distance=m.copy.distance or 0,
            transform=m.copy.transform or "original",
            method=m.copy.method,
            detail=m.copy.detail,
            matched_at=now,
        )
        for m in matched
    )
    if status == "hashed":
        _join(session, item_id, matched)
    session.flush()
    return len(matched)


def _join(session: Session, item_id: int, matched: list[ClusterMatch]) -> None:
    """Put a newly hashed item in its cluster: a new one of its own (it is then its first
    representative), the one it matched, or the clusters it matched joined into the
    largest. It becomes a representative too when it is near none of those it matched
    and its cluster has room."""
    if not matched:
        session.add(MediaClusterMember(item_id=item_id, cluster_id=item_id))
        session.add(MediaRepresentative(item_id=item_id))
        return
    labels = sorted({m.cluster_id for m in matched})
    target = labels[0]
    if len(labels) > 1:
        sizes = {
            int(label): int(n)
            for label, n in session.execute(
                select(MediaClusterMember.cluster_id, func.count())
                .where(MediaClusterMember.cluster_id.in_(labels))
                .group_by(MediaClusterMember.cluster_id)
            )
        }
        target = max(labels, key=lambda label: (sizes.get(label, 0), -label))
        session.execute(
            update(MediaClusterMember)
            .where(MediaClusterMember.cluster_id.in_([c for c in labels if c != target]))
            .values(cluster_id=target)
        )
    session.add(MediaClusterMember(item_id=item_id, cluster_id=target))
    if any(m.near for m in matched):
        return
    representatives = session.scalar(
        select(func.count())
        .select_from(MediaRepresentative)
        .join(MediaClusterMember, MediaClusterMember.item_id == MediaRepresentative.item_id)
        .where(MediaClusterMember.cluster_id == target)
    )
    if (representatives or 0) < 1 + MAX_FAR_REPRESENTATIVES:
        session.add(MediaRepresentative(item_id=item_id))


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


#: Each workspace's copy finder for :func:`hash_item`, kept between items so its index is
#: caught up from the database rather than loaded again; one item at a time per process.
#: (Workspaces are not hashable: keyed by id, with a weak reference that tells a workspace
#: from a later one at the same address.)
_item_finders: dict[int, tuple[weakref.ref[Workspace], CopyFinder]] = {}
_item_finders_lock = threading.Lock()


def hash_item(
    ws: Workspace, item_id: int, *, max_distance: int = DEFAULT_MAX_DISTANCE
) -> tuple[str, int] | None:
    """Hash one item not hashed yet and record its copies: ``(status, matches)``, or None
    when it is hashed already (a job delivered twice, or one taken up after a crash).

    For workers that share the work item by item: decoding and hashing the file runs at
    once in every worker; recording it takes the copy lock, under which it is compared
    with the representatives added meanwhile (:func:`_record`), so two items hashed at once
    in two processes still find each other."""
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
    with _item_finders_lock:
        kept = _item_finders.get(id(ws))
        if kept is not None and kept[0]() is ws and kept[1].max_distance == max_distance:
            finder = kept[1]
        else:
            for key in [k for k, (ref, _f) in _item_finders.items() if ref() is None]:
                del _item_finders[key]
            finder = CopyFinder(ws, max_distance=max_distance)
            _item_finders[id(ws)] = (weakref.ref(ws), finder)
        decided: Decided = {}
        with ws.sessions() as session:
            finder.match_clusters(session, media, exclude=item_id, decided=decided)
        matches = _record(ws, finder, [_Hashed(item_id, sha256, media, decided)])
    if media.kind == "other":
        return "not_media", matches
    return ("unhashable" if media.unhashable else "hashed"), matches

"""What ``civwatch verify`` checks of the evidence domain: every item, sighting, perceptual
hashing and match against the custody entry that recorded it (acts ``ingest``,
``extract``, ``sighting``, ``hash``, ``match``; ``unpack`` keeps no row).

Entries are compared under today's field names: the engine renames those of older layouts
(``custody.entries.current``), so an ``ingest`` entry of layout 1 names its collector
``actor`` here too."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from civwatch.custody.bindings import (
    AnySelect,
    Binding,
    Declarations,
    Entry,
    Problem,
    Progress,
    Row,
    RowCheck,
    as_json,
    digest_matches,
    fields,
)
from civwatch.custody.row_stream import merge_by, rows_of
from civwatch.errors import CivwatchError
from civwatch.evidence.acts import EXTRACT, HASH, INGEST, MATCH, SIGHTING, UNPACK
from civwatch.evidence.copies import _hashes_digest
from civwatch.evidence.models import (
    EvidenceItem,
    MediaClusterMember,
    MediaHash,
    MediaHashing,
    MediaMatch,
    Sighting,
)
from civwatch.i18n import _
from civwatch.matching.pdq import PdqHash


def _items_ingest() -> AnySelect:
    i = EvidenceItem
    return select(
        i.id.label("id"),
        i.ingest_leaf.label("leaf"),
        i.sha256.label("sha256"),
        i.size.label("size"),
        i.media_type.label("media_type"),
        i.original_name.label("original_name"),
        i.collected_by.label("collected_by"),
        i.collected_at.label("collected_at"),
    )


def _items_extract() -> AnySelect:
    i = EvidenceItem
    return select(
        i.id.label("id"),
        i.extraction_leaf.label("leaf"),
        i.sha256.label("sha256"),
        i.collected_at.label("collected_at"),
        i.metadata_.label("metadata"),
        i.exiftool.label("exiftool"),
        i.c2pa.label("c2pa"),
        i.warnings.label("warnings"),
    )


def _extraction(row: Row, entry: Entry) -> Iterable[str]:
    doc = {
        "metadata": as_json(row["metadata"]),
        "exiftool": as_json(row["exiftool"]),
        "c2pa": as_json(row["c2pa"]),
        "warnings": as_json(row["warnings"]),
    }
    if not digest_matches(doc, entry.get("metadata_sha256")):
        yield _("The extracted metadata differs from what its extraction entry recorded")


def _sightings() -> AnySelect:
    s = Sighting
    return select(
        s.id.label("id"),
        s.custody_leaf.label("leaf"),
        EvidenceItem.sha256.label("sha256"),
        s.fingerprint.label("fingerprint"),
        s.collected_by.label("collected_by"),
        s.collected_at.label("collected_at"),
        s.original_name.label("original_name"),
        s.source_url.label("source url"),
        s.platform.label("platform"),
        s.account.label("account"),
        s.post_id.label("post id"),
        s.caption.label("caption"),
        s.published_at.label("published at"),
    ).outerjoin(EvidenceItem, EvidenceItem.id == s.item_id)


def _hashing_rows(session: Session) -> Iterator[Row]:
    """Each item's hashing status with the count and digest of its hash rows (as
    ``evidence.copies`` logs them), ordered by item."""
    hashings = rows_of(
        session,
        select(
            MediaHashing.item_id.label("id"),
            EvidenceItem.sha256.label("sha256"),
            MediaHashing.status.label("status"),
            MediaHashing.reason.label("reason"),
            MediaHashing.hashed_at.label("hashed_at"),
        )
        .outerjoin(EvidenceItem, EvidenceItem.id == MediaHashing.item_id)
        .order_by(MediaHashing.item_id),
    )
    hashes = rows_of(
        session,
        select(
            MediaHash.item_id.label("id"),
            MediaHash.view.label("view"),
            MediaHash.frame_t.label("frame_t"),
            MediaHash.bits.label("bits"),
            MediaHash.quality.label("quality"),
        ).order_by(MediaHash.item_id, MediaHash.id),
    )
    for _item, found, stored in merge_by("id", hashings, hashes):
        if not found:
            continue  # hash rows of an item without its hashing row: counted nowhere
        row = found[0]
        try:
            listed = [
                (h["view"], h["frame_t"], PdqHash(bytes(h["bits"]), h["quality"])) for h in stored
            ]
            row["hashes digest"] = _hashes_digest(listed)
        except (CivwatchError, TypeError, ValueError) as err:
            row["hashes digest"] = f"unreadable ({err})"
        row["hash count"] = len(stored)
        yield from found


def _matches() -> AnySelect:
    other = aliased(EvidenceItem)
    return (
        select(
            MediaMatch.id.label("id"),
            EvidenceItem.sha256.label("sha256"),
            other.sha256.label("other"),
            MediaMatch.distance.label("distance"),
            MediaMatch.transform.label("transform"),
            MediaMatch.method.label("method"),
            MediaMatch.matched_at.label("matched_at"),
        )
        .outerjoin(EvidenceItem, EvidenceItem.id == MediaMatch.item_id)
        .outerjoin(other, other.id == MediaMatch.other_id)
    )


def _match_values(row: Row, entry: Entry) -> Iterable[str]:
    # evidence.copies stores an unknown distance as 0 and no transform as "original".
    distance = entry.get("distance")
    if row["distance"] != (0 if distance is None else distance):
        yield _(
            "distance in the database (%(value)s) differs from the entry's",
            value=repr(row["distance"]),
        )
    transform = entry.get("transform")
    if row["transform"] != (transform or "original"):
        yield _(
            "transform in the database (%(value)s) differs from the entry's",
            value=repr(row["transform"]),
        )


def media_clusters(session: Session, progress: Progress | None) -> Iterator[Problem]:
    """Each match joins two items of one cluster, and each hashed item is in a cluster:
    the labels ``evidence.clusters`` reads a cluster by agree with the matches recorded."""
    ends, other = aliased(MediaClusterMember), aliased(MediaClusterMember)
    split = session.execute(
        select(MediaMatch.id)
        .outerjoin(ends, ends.item_id == MediaMatch.item_id)
        .outerjoin(other, other.item_id == MediaMatch.other_id)
        .where(
            or_(
                ends.cluster_id.is_(None),
                other.cluster_id.is_(None),
                ends.cluster_id != other.cluster_id,
            )
        )
        .order_by(MediaMatch.id)
    )
    for (match_id,) in split:
        yield Problem(
            "media_match", str(match_id), _("the two items it matched are not in one cluster")
        )
    unlabelled = session.execute(
        select(MediaHashing.item_id)
        .outerjoin(MediaClusterMember, MediaClusterMember.item_id == MediaHashing.item_id)
        .where(MediaHashing.status == "hashed", MediaClusterMember.item_id.is_(None))
        .order_by(MediaHashing.item_id)
    )
    for (item_id,) in unlabelled:
        yield Problem("media_hashing", str(item_id), _("hashed, but in no media cluster"))


def blobs() -> tuple[str, AnySelect]:
    """The blobs this domain names: its table, and a query of their SHA-256 (``sha256``)."""
    return "evidence_item", select(EvidenceItem.sha256.label("sha256"))


def blob_count(session: Session) -> int:
    """About how many blobs :func:`blobs` names (for progress; never less than 0)."""
    last = session.scalar(select(EvidenceItem.id).order_by(EvidenceItem.id.desc()).limit(1))
    return int(last or 0)


def declarations() -> Declarations:
    """The evidence domain's bindings."""
    return Declarations(
        bindings=[
            Binding(
                table="evidence_item",
                stage="evidence items (ingest)",
                acts=(INGEST.name,),
                query=_items_ingest,
                fields=fields(
                    "sha256",
                    ("size", "size", "number"),
                    "media_type",
                    "original_name",
                    ("actor", "collected_by"),
                    ("at", "collected_at", "time"),
                ),
            ),
            Binding(
                table="evidence_item",
                stage="evidence items (extraction)",
                acts=(EXTRACT.name,),
                query=_items_extract,
                fields=fields("sha256", ("at", "collected_at", "time")),
                check=_extraction,
            ),
            Binding(
                table="evidence_sighting",
                stage="sightings",
                acts=(INGEST.name, SIGHTING.name),
                query=_sightings,
                fields=fields(
                    "sha256",
                    "fingerprint",
                    ("actor", "collected_by"),
                    ("at", "collected_at", "time"),
                    "original_name",
                    ("source.url", "source url"),
                    ("source.platform", "platform"),
                    ("source.account", "account"),
                    ("source.post_id", "post id"),
                    ("source.caption", "caption"),
                    ("source.published_at", "published at", "time"),
                ),
            ),
            Binding(
                table="media_hashing",
                stage="perceptual hashes",
                acts=(HASH.name,),
                rows=_hashing_rows,
                row_key=lambda row: row["sha256"],
                entry_key=lambda entry: entry.get("sha256"),
                fields=fields(
                    "sha256",
                    "status",
                    "reason",
                    ("at", "hashed_at", "time"),
                    ("count", "hash count", "number"),
                    ("hashes_sha256", "hashes digest"),
                ),
            ),
            Binding(
                table="media_match",
                stage="matches",
                acts=(MATCH.name,),
                query=_matches,
                row_key=lambda row: (row["sha256"], row["other"]),
                entry_key=lambda entry: (entry.get("sha256"), entry.get("other")),
                fields=fields("sha256", "other", "method", ("at", "matched_at", "time")),
                check=_match_values,
            ),
        ],
        checks=[RowCheck("media clusters", media_clusters)],
        rowless_acts={UNPACK.name},
    )

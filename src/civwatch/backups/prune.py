"""``civwatch prune-backups DEST``: keep an hourly, daily, weekly and monthly series of
snapshots.

The rule is the usual grandfather-father-son one: for each of the last ``hourly`` hours
that have a snapshot, the newest snapshot of that hour is kept; for each of the last
``daily`` days that have a snapshot, the newest snapshot of that day is kept; the same for
the last ``weekly`` ISO weeks and the last ``monthly`` months. The newest snapshot is
always kept. The others are removed, then the blobs no kept snapshot lists (in a local
blob area, or in the S3 target's own ``blobs`` area; another remote store's are counted
and left, since a :class:`~civwatch.vault.BlobStore` never deletes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from civwatch.backups import layout
from civwatch.backups.make import blob_area_url
from civwatch.backups.target import BackupTarget, backup_target
from civwatch.vault import open_blob_store


@dataclass
class PruneReport:
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    blobs_removed: int = 0
    bytes_removed: int = 0
    #: Blobs no kept snapshot lists that a remote blob area still holds.
    blobs_left: int = 0


def taken_at(name: str) -> datetime:
    """When the snapshot ``name`` was taken (its name is its UTC time)."""
    return datetime.strptime(name.split("-")[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _newest_per(
    names: list[str], period: Callable[[datetime], tuple[int, ...]], count: int
) -> set[str]:
    kept: set[str] = set()
    seen: set[tuple[int, ...]] = set()
    for name in sorted(names, reverse=True):
        key = period(taken_at(name))
        if key in seen:
            continue
        if len(seen) == count:
            break
        seen.add(key)
        kept.add(name)
    return kept


def snapshots_to_keep(
    names: Iterable[str], *, daily: int, weekly: int, monthly: int, hourly: int = 0
) -> set[str]:
    """The snapshots the schedule keeps (always the newest)."""
    listed = sorted(names)
    if not listed:
        return set()
    return (
        {listed[-1]}
        | _newest_per(listed, lambda t: (t.year, t.month, t.day, t.hour), hourly)
        | _newest_per(listed, lambda t: (t.year, t.month, t.day), daily)
        | _newest_per(listed, lambda t: tuple(t.isocalendar())[:2], weekly)
        | _newest_per(listed, lambda t: (t.year, t.month), monthly)
    )


def prune_backups(
    dest: Path | str | BackupTarget, *, daily: int, weekly: int, monthly: int, hourly: int = 0
) -> PruneReport:
    """Remove the snapshots of ``dest`` (a folder or an ``s3://`` URL) the schedule does not
    keep, then their blobs."""
    target = backup_target(dest)
    marker = target.read_marker()
    if marker is None:
        raise layout.not_a_backup(target.where)
    report = PruneReport()
    with target.locked():
        names = target.snapshot_names()
        keep = snapshots_to_keep(names, daily=daily, weekly=weekly, monthly=monthly, hourly=hourly)
        report.kept = [n for n in names if n in keep]
        report.removed = [n for n in names if n not in keep]
        for name in report.removed:
            target.remove(name)
        target.clean_unfinished()
        listed: set[str] = set()
        for name in report.kept:
            with target.fetch(name, {layout.MANIFEST}) as folder:
                listed.update(
                    sha for sha, _size in layout.read_manifest(folder / layout.MANIFEST, folder)
                )
        store = open_blob_store(blob_area_url(target, marker, None))
        for sha256 in list(store.iter_hashes()):
            if sha256 in listed:
                continue
            size = target.remove_blob(store, sha256)
            if size is None:
                report.blobs_left += 1
                continue
            report.blobs_removed += 1
            report.bytes_removed += size
    return report

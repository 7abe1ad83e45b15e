"""Retention: which snapshots a daily/weekly/monthly schedule keeps, and a prune that
removes the others and the blobs only they needed, leaving what is kept restorable."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from civwatch.backups import layout, make_backup, restore_backup
from civwatch.backups.prune import prune_backups, snapshots_to_keep
from civwatch.errors import RejectedInputError
from civwatch.vault import open_blob_store
from civwatch.workspace import Workspace
from tests.backups.conftest import Target
from tests.incidents.helpers import ingest_photo


def _name(t: datetime) -> str:
    return t.strftime("%Y%m%dT%H%M%SZ")


def test_the_schedule_keeps_the_newest_of_each_day_week_and_month() -> None:
    start = datetime(2026, 1, 1, 3, tzinfo=UTC)
    # Hourly snapshots for 100 days, then one more the same hour.
    names = [_name(start + timedelta(hours=h)) for h in range(0, 100 * 24, 6)]
    kept = snapshots_to_keep(names, daily=7, weekly=4, monthly=12)
    newest = max(names)
    assert newest in kept
    days = {n[:8] for n in kept}
    # 7 days, plus the last of 3 earlier weeks, plus the last of 3 earlier months (some
    # coincide with a week's), never two of the same day.
    assert len(days) == len(kept)
    assert 7 <= len(kept) <= 7 + 3 + 3
    last_days = sorted({n[:8] for n in names})[-7:]
    for day in last_days:
        assert max(n for n in names if n.startswith(day)) in kept
    # The newest snapshot of January (the oldest month) stays, the rest of January goes.
    january = [n for n in names if n.startswith("202601")]
    assert max(january) in kept and min(january) not in kept
    assert snapshots_to_keep(names, daily=0, weekly=0, monthly=0) == {newest}
    assert snapshots_to_keep([], daily=7, weekly=4, monthly=12) == set()
    hourly = snapshots_to_keep(names, hourly=24, daily=0, weekly=0, monthly=0)
    assert hourly == set(names[-24:])  # the last 24 hours that have a snapshot


def test_prune_removes_snapshots_and_unneeded_blobs(
    workspace: Workspace, tmp_path: Path, fresh_target: Target
) -> None:
    ingest_photo(workspace, tmp_path / "photos", seed=1)
    dest = tmp_path / "backup"
    t0 = datetime(2026, 11, 2, 1, tzinfo=UTC)
    made = [make_backup(workspace, dest, now=t0 + timedelta(hours=h)) for h in (0, 1, 30)]
    area = open_blob_store((dest / layout.BLOBS).resolve().as_uri())
    stray = area.put(io.BytesIO(b"only an old snapshot needed this"), max_size=1000).sha256

    killed = dest / layout.SNAPSHOTS / ".building-20261103T000000Z"
    killed.mkdir()
    (killed / layout.SQLITE_FILE).write_bytes(b"half")

    report = prune_backups(dest, hourly=0, daily=2, weekly=0, monthly=0)
    assert not killed.exists()
    assert report.kept == [made[1].name, made[2].name]
    assert report.removed == [made[0].name]
    assert report.blobs_removed == 1 and not area.exists(stray)
    assert layout.snapshot_names(dest) == report.kept
    restore_backup(fresh_target("kept"), dest, snapshot=made[1].name)

    with pytest.raises(RejectedInputError, match="is not a civwatch backup folder"):
        prune_backups(tmp_path / "photos", daily=1, weekly=0, monthly=0)

"""Copies in linear time: a new item meets a few representatives per cluster, the matches
span each cluster (one per new member), clusters join, and every member still lists every
copy with the earliest sighting; two ingests at once find the copies between them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from civwatch.evidence.clusters import cluster_keys, cluster_of
from civwatch.evidence.collect import Candidate
from civwatch.evidence.copies import hash_pending, match_file
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.evidence.models import (
    EvidenceItem,
    MediaClusterMember,
    MediaMatch,
    MediaRepresentative,
)
from civwatch.integrity import verify_workspace
from civwatch.workspace import Workspace
from tests.evidence.copy_images import distinct, repost, texture, wide_and_corners

WAVE = 12


def _ingest(ws: Workspace, path: Path, source: SourceInfo | None = None) -> str:
    (done,) = Ingest(ws, source=source or SourceInfo(), collector="alice").run(
        [Candidate(path, path.name)]
    )
    assert done.sha256, done
    return str(done.sha256)


def _count(ws: Workspace, table: type) -> int:
    with ws.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_repost_wave_makes_one_cluster_with_one_match_per_copy(
    workspace: Workspace, tmp_path: Path
) -> None:
    base = texture(1)
    earliest = 5  # the sixth repost collected claims the earliest publication
    start = datetime(2024, 2, 24, 6, 0, tzinfo=UTC)
    shas = []
    for n in range(WAVE):
        published = start - timedelta(hours=1) if n == earliest else start + timedelta(hours=n)
        source = SourceInfo(url=f"https://t.me/channel{n}/1", published_at=published)
        shas.append(_ingest(workspace, repost(base, n, tmp_path / f"repost{n}.jpg"), source))
        if n % 4 == 3:  # copies found in several passes, as ingests come in
            hash_pending(workspace)
    other = _ingest(workspace, distinct(99, tmp_path / "other.jpg"))
    summary = hash_pending(workspace)
    assert summary["hashed"] == 1  # only the distinct picture was left

    # One match per copy, not one per pair: 11 rows, where pairwise matching made 66.
    assert _count(workspace, MediaMatch) == WAVE - 1
    assert _count(workspace, MediaRepresentative) <= 3  # the wave's first, the distinct one...
    for sha in shas:  # every member lists every other member, with the earliest sighting
        cluster = cluster_of(workspace, sha)
        assert cluster["copies"] == WAVE - 1
        assert {m["sha256"] for m in cluster["members"]} == set(shas)
        assert cluster["first_sighting"]["sha256"] == shas[earliest]
        assert cluster["first_sighting"]["source_url"] == "https://t.me/channel5/1"
        assert cluster["first_sighting"]["seen_by"] == "published"
    assert cluster_of(workspace, other)["copies"] == 0
    with workspace.sessions() as session:
        ids = {
            str(s): int(i) for s, i in session.execute(select(EvidenceItem.sha256, EvidenceItem.id))
        }
        keys = cluster_keys(session, [ids[s] for s in shas] + [ids[other]])
    assert len(set(keys.values())) == 2  # two independent sources: the wave and the other

    # A new repost, not ingested, is found a copy of every member of the wave.
    found = match_file(workspace, repost(base, 500, tmp_path / "unseen.jpg"))
    assert {f["sha256"] for f in found} == set(shas)
    assert all(f["distance"] is not None and f["distance"] <= 31 for f in found)


def test_an_item_matching_two_clusters_joins_them(workspace: Workspace, tmp_path: Path) -> None:
    wide, top_left, bottom_right = wide_and_corners(5, tmp_path)
    tl = _ingest(workspace, top_left)
    _ingest(workspace, distinct(77, tmp_path / "stranger.jpg"))
    br = _ingest(workspace, bottom_right)
    hash_pending(workspace)
    assert cluster_of(workspace, tl)["copies"] == 0  # the two corners are not copies
    assert _count(workspace, MediaRepresentative) == 3

    w = _ingest(workspace, wide)
    assert hash_pending(workspace)["matches"] == 2  # the wide picture matched both corners
    for sha in (tl, br, w):
        assert {m["sha256"] for m in cluster_of(workspace, sha)["members"]} == {tl, br, w}
    # The representatives of both corners stay, and the wide picture, near neither of
    # them (a corner is a crop of it), becomes one too.
    with workspace.sessions() as session:
        reps = set(
            session.scalars(
                select(EvidenceItem.sha256).join(
                    MediaRepresentative, MediaRepresentative.item_id == EvidenceItem.id
                )
            )
        )
    assert {tl, br, w} <= reps
    # A copy of the bottom-right corner joins the joined cluster through that corner.
    again = _ingest(
        workspace, repost(texture(5, 1000).crop((400, 400, 1000, 1000)), 1, tmp_path / "br2.jpg")
    )
    hash_pending(workspace)
    assert {m["sha256"] for m in cluster_of(workspace, again)["members"]} == {tl, br, w, again}
    assert _count(workspace, MediaMatch) == 3

    # `civwatch verify` checks the labels against the matches: all agree, until one is
    # changed behind civwatch's back.
    assert verify_workspace(workspace, rehash=False) == []
    with workspace.sessions() as session, session.begin():
        wide_id = session.scalar(select(EvidenceItem.id).where(EvidenceItem.sha256 == w))
        session.execute(
            update(MediaClusterMember)
            .where(MediaClusterMember.item_id == wide_id)
            .values(cluster_id=-1)
        )
    assert {p.table for p in verify_workspace(workspace, rehash=False)} == {"media_match"}


def _start_ingest(env: dict[str, str], folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "civwatch", "ingest", str(folder), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_ingests_at_once_find_the_copies_between_them(
    workspace: Workspace, cli_env: dict, tmp_path: Path
) -> None:
    base = texture(3)
    folders = [tmp_path / "first", tmp_path / "second"]
    for k, folder in enumerate(folders):
        folder.mkdir()
        for n in range(k, 8, 2):  # interleaved reposts: each folder holds half the wave
            repost(base, n, folder / f"repost{n}.jpg")
        distinct(50 + k, folder / f"other{k}.jpg")
    env = {**cli_env, "PYTHONPATH": os.pathsep.join(sys.path)}
    runs = [_start_ingest(env, folder) for folder in folders]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
    stored = [json.loads(line) for out, _ in outputs for line in out.splitlines()]
    wave = [
        o["sha256"] for o in stored if o["path"].endswith(tuple(f"repost{n}.jpg" for n in range(8)))
    ]
    assert len(wave) == 8
    for sha in wave:  # one cluster of eight, whichever process stored or hashed each
        assert {m["sha256"] for m in cluster_of(workspace, sha)["members"]} == set(wave)
    assert _count(workspace, MediaMatch) == 7

"""Copy finding inside upload jobs, item by item: two uploads of the same picture handled
at once by two workers find each other, and an item is hashed once however often asked."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from civwatch.evidence.clusters import cluster_of
from civwatch.evidence.copies import hash_item
from civwatch.evidence.ingest import SourceInfo
from civwatch.evidence.models import MediaHash, MediaMatch
from civwatch.evidence.service import find_item
from civwatch.web.uploads import receive_upload
from civwatch.workspace import Workspace
from tests.jobs.helpers import running_workers, wait_for_job
from tests.support.files import photo


def test_uploads_handled_at_once_by_two_workers_find_each_others_copies(
    jobs_ws: Workspace, tmp_path: Path
) -> None:
    original = photo(tmp_path / "strike.jpg", seed=7)
    repost = tmp_path / "repost.jpg"
    Image.open(original).resize((640, 480)).save(repost, "JPEG", quality=70)
    jobs = [
        receive_upload(
            jobs_ws,
            [(p.name, io.BytesIO(p.read_bytes()))],
            source=SourceInfo(),
            collector="ivan",
            client=None,
        )
        for p in (original, repost)
    ]
    with running_workers(jobs_ws.settings, threads=2):
        done = [wait_for_job(jobs_ws, j["id"], timeout=120) for j in jobs]
    assert [d["state"] for d in done] == ["done", "done"], done
    shas = [d["result"]["outcomes"][0]["sha256"] for d in done]
    # whichever was matched second found the first: one match, both see the other
    assert sum(d["result"]["summary"]["copies_found"] for d in done) == 1
    for sha, other in (shas, shas[::-1]):
        assert other in {m["sha256"] for m in cluster_of(jobs_ws, sha)["members"]}
    for d, other in zip(done, shas[::-1], strict=True):
        assert d["result"]["outcomes"][0]["copies"]["of"] in ([other], [])
    with jobs_ws.sessions() as session:
        hashes = session.scalar(select(func.count()).select_from(MediaHash))
        matches = session.scalar(select(func.count()).select_from(MediaMatch))
    # asked again (a job delivered twice, or taken over after a crash): nothing more
    for sha in shas:
        assert hash_item(jobs_ws, find_item(jobs_ws, sha).id) is None
    with jobs_ws.sessions() as session:
        assert session.scalar(select(func.count()).select_from(MediaHash)) == hashes
        assert session.scalar(select(func.count()).select_from(MediaMatch)) == matches == 1

"""Uploads as background jobs, on both queue stores: received at once, ingested by a
worker, each file's outcome reported; nothing lost or done twice across a restart."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from civwatch.accounts.audit import list_audit
from civwatch.evidence.ingest import SourceInfo, ingest_paths
from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.jobs import get_job, list_jobs
from civwatch.jobs.queue import queue_for
from civwatch.jobs.service import claim
from civwatch.web.uploads import receive_upload
from civwatch.workspace import Workspace
from tests.jobs.conftest import spool_root
from tests.jobs.helpers import restart_queue, running_workers, wait_for_job, wait_until
from tests.support.files import noise_jpeg, photo


def _counts(ws: Workspace) -> tuple[int, int]:
    with ws.sessions() as session:
        items = session.scalar(select(func.count()).select_from(EvidenceItem)) or 0
        sightings = session.scalar(select(func.count()).select_from(Sighting)) or 0
    return items, sightings


def _files(tmp_path: Path) -> list[tuple[str | None, io.BytesIO]]:
    original = photo(tmp_path / "strike.jpg", seed=3).read_bytes()
    smaller = tmp_path / "repost.jpg"
    Image.open(tmp_path / "strike.jpg").resize((640, 480)).save(smaller, "JPEG", quality=70)
    return [
        ("strike.jpg", io.BytesIO(original)),
        ("../../etc/repost.jpg", io.BytesIO(smaller.read_bytes())),
        ("strike-again.jpg", io.BytesIO(original)),
        ("empty.bin", io.BytesIO(b"")),
    ]


def test_upload_job_reports_each_file_and_runs_on_the_store(
    jobs_ws: Workspace, tmp_path: Path
) -> None:
    source = SourceInfo(caption="Shelling of a school in Kharkiv", platform="telegram")
    job = receive_upload(
        jobs_ws, _files(tmp_path), source=source, collector="ivan", client="192.0.2.7"
    )
    # answered before any ingest: queued, the files safe in the spool, nothing stored yet
    assert job["state"] == "queued" and job["total"] == 4 and job["kind"] == "ingest-upload"
    assert _counts(jobs_ws) == (0, 0)
    assert len(list(spool_root(jobs_ws).iterdir())) == 1
    assert queue_for(jobs_ws.settings).pending() == 1
    with running_workers(jobs_ws.settings):
        done = wait_for_job(jobs_ws, job["id"])
    assert done["state"] == "done", done
    outcomes = done["result"]["outcomes"]
    assert [o["status"] for o in outcomes] == ["ingested", "ingested", "duplicate", "rejected"]
    assert [o["path"] for o in outcomes] == [
        "strike.jpg",
        "repost.jpg",  # folders in the client's name are dropped
        "strike-again.jpg",
        "empty.bin",
    ]
    assert "empty" in outcomes[3]["error"]
    # the repost is a copy of the original, and says of which
    assert outcomes[1]["copies"]["count"] == 1
    assert outcomes[1]["copies"]["of"] == [outcomes[0]["sha256"]]
    assert done["result"]["summary"] == {
        "files": 4,
        "new": 2,
        "already_held": 1,
        "rejected": 1,
        "copies_found": 1,
    }
    assert done["done"] == 4 and "2 new, 1 already held, 1 rejected" in done["message"]
    assert _counts(jobs_ws) == (2, 3)  # strike.jpg twice: one item, two sightings
    audit = list_audit(jobs_ws, action="evidence-upload")
    assert len(audit) == 4 and {a["client"] for a in audit} == {"192.0.2.7"}
    assert {a["outcome"] for a in audit} == {"ok", "failed"}
    assert all(a["detail"]["job"] == job["id"] for a in audit)
    assert list(spool_root(jobs_ws).iterdir()) == []  # the job cleans up after itself


def test_queued_upload_survives_a_restart_and_runs_exactly_once(
    jobs_ws: Workspace, tmp_path: Path
) -> None:
    job = receive_upload(
        jobs_ws, _files(tmp_path), source=SourceInfo(), collector="ivan", client=None
    )
    # the process that queued it goes away before any worker ran it
    queue = restart_queue(jobs_ws.settings)
    assert queue.pending() == 1
    assert get_job(jobs_ws, job["id"])["state"] == "queued"
    # the same message delivered twice still runs once
    queue.enqueue(job["id"])
    with running_workers(jobs_ws.settings):
        wait_for_job(jobs_ws, job["id"])
        wait_until(lambda: queue.pending() == 0)  # the second message has been taken too
    # the workers stopped after finishing what they had taken: the second delivery is over
    done = get_job(jobs_ws, job["id"])
    assert done["state"] == "done" and done["attempts"] == 1
    assert queue.pending() == 0
    assert _counts(jobs_ws) == (2, 3)
    assert len(list_audit(jobs_ws, action="evidence-upload")) == 4
    assert claim(jobs_ws, job["id"]) is None  # a finished job is never taken up again


#: ``civwatch worker`` as it runs in production, with one thing added: the moment the first
#: group commit that stored evidence is durable, the job's thread writes its process id to
#: the file named in ``argv[1]`` and then holds the job forever (its heartbeat goes on), so
#: the test kills it while it provably holds a job half done, whatever the machine's speed.
_WORKER_HOLDING_ITS_JOB = """
import os, sys, threading
from pathlib import Path
from sqlalchemy import event
from sqlalchemy.orm import Session
from civwatch.cli import main
from civwatch.evidence.models import EvidenceItem

held = Path(sys.argv[1])

@event.listens_for(Session, "before_flush")
def _note(session, _context, _instances):
    if any(isinstance(o, EvidenceItem) for o in session.new):
        session.info["stored"] = True

@event.listens_for(Session, "after_commit")
def _hold(session):
    if session.info.pop("stored", False):
        held.write_text(str(os.getpid()))
        threading.Event().wait()  # until SIGKILL

sys.argv = ["civwatch", "worker", "--threads", "1"]
main()
"""


def _worker_env(ws: Workspace, cli_env: dict[str, str]) -> dict[str, str]:
    env = dict(cli_env)
    if ws.settings.queue_url:
        env["CIVWATCH_QUEUE_URL"] = ws.settings.queue_url
    return env


def test_a_job_whose_worker_was_killed_is_finished_by_the_next(
    jobs_ws: Workspace, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    many = [
        (
            f"p{n}.jpg",
            io.BytesIO(noise_jpeg(tmp_path / f"p{n}.jpg", (160, 120), seed=n).read_bytes()),
        )
        for n in range(40)
    ]
    job = receive_upload(jobs_ws, many, source=SourceInfo(), collector="ivan", client=None)
    env = _worker_env(jobs_ws, cli_env)
    held = tmp_path / "held"
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER_HOLDING_ITS_JOB, str(held)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: held.exists() or worker.poll() is not None, timeout=120, what="job held")
        assert held.exists(), worker.communicate()[1]
        # the worker holds the job: it is running, some files are stored, not all
        cut = get_job(jobs_ws, job["id"])
        assert cut["state"] == "running" and cut["attempts"] == 1, cut
        assert 0 < cut["done"] < 40 and _counts(jobs_ws)[0] == cut["done"], cut
    finally:
        os.kill(worker.pid, signal.SIGKILL)  # no chance to finish or clean up
        worker.communicate()
    assert worker.returncode == -signal.SIGKILL
    assert get_job(jobs_ws, job["id"]) == cut  # nothing moved after the kill
    # the next worker (a process of its own) sees a running job without a heartbeat and
    # takes it over. One thread, and a few seconds of silence before a job counts as
    # abandoned: with 1 s and two threads, a loaded machine that starves the new run's own
    # heartbeat for a second lets the second thread take the job over as well (a third
    # attempt; it failed once that way on a machine loaded 14 deep).
    successor = subprocess.Popen(
        [sys.executable, "-m", "civwatch", "worker", "--threads", "1", "--stale-after", "5"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        done = wait_for_job(jobs_ws, job["id"], timeout=120)
    finally:
        successor.send_signal(signal.SIGTERM)  # stops after what it runs
        _, errors = successor.communicate(timeout=120)
    assert successor.returncode == 0, errors
    assert done["state"] == "done" and done["attempts"] == 2, done
    # every file was new to the vault: those stored before the kill were stored by this job
    statuses = [o["status"] for o in done["result"]["outcomes"]]
    assert statuses == ["ingested"] * 40, statuses
    assert _counts(jobs_ws) == (40, 40)  # nothing lost, nothing twice
    assert len(list_audit(jobs_ws, action="evidence-upload", limit=1000)) == 40
    assert list_jobs(jobs_ws)["total"] == 1
    assert list(spool_root(jobs_ws).iterdir()) == []


#: Run in a worker process of its own: runs one job and dies (SIGKILL, no clean-up) the
#: moment the first group commit that stored evidence is durable, before the job goes on.
_DIE_AFTER_FIRST_STORE = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.orm import Session
from civwatch import extensions
from civwatch.config import Settings
from civwatch.evidence.models import EvidenceItem
from civwatch.jobs.queue import run_job
from civwatch.workspace import Workspace

extensions.load()  # as `civwatch worker` does

@event.listens_for(Session, "before_flush")
def _note(session, _context, _instances):
    if any(isinstance(o, EvidenceItem) for o in session.new):
        session.info["stored"] = True

@event.listens_for(Session, "after_commit")
def _die(session):
    if session.info.get("stored"):
        os.kill(os.getpid(), signal.SIGKILL)

run_job(Workspace.open(Settings()), int(sys.argv[1]))
"""


def test_files_stored_before_a_crash_are_reported_ingested_after_the_restart(
    jobs_ws: Workspace, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    # one file was held before this upload: it is a duplicate whatever happens
    held = noise_jpeg(tmp_path / "held.jpg", (160, 120), seed=99)
    list(ingest_paths(jobs_ws, [held], collector="olena"))
    new = [noise_jpeg(tmp_path / f"n{n}.jpg", (160, 120), seed=n) for n in range(6)]
    files = [(p.name, io.BytesIO(p.read_bytes())) for p in new]
    files.append(("n0-again.jpg", io.BytesIO(new[0].read_bytes())))  # twice in the upload
    files.append(("held-repost.jpg", io.BytesIO(held.read_bytes())))
    job = receive_upload(jobs_ws, files, source=SourceInfo(), collector="ivan", client=None)
    env = _worker_env(jobs_ws, cli_env)
    crashed = subprocess.run(
        [sys.executable, "-c", _DIE_AFTER_FIRST_STORE, str(job["id"])],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    cut = get_job(jobs_ws, job["id"])
    stored, _ = _counts(jobs_ws)
    assert cut["state"] == "running" and stored > 1, (cut, stored)  # some files were stored
    # recovery takes the abandoned job up again and finishes it
    with running_workers(jobs_ws.settings, stale_after=1.0):
        done = wait_for_job(jobs_ws, job["id"], timeout=120)
    assert done["state"] == "done" and done["attempts"] == 2, done
    statuses = {o["path"]: o["status"] for o in done["result"]["outcomes"]}
    assert statuses == {
        **{p.name: "ingested" for p in new},
        "n0-again.jpg": "duplicate",
        "held-repost.jpg": "duplicate",
    }
    assert done["result"]["summary"]["new"] == 6 and done["result"]["summary"]["already_held"] == 2
    # nothing twice: 7 items; sightings: held (2), n0 (2), each other new file (1)
    assert _counts(jobs_ws) == (7, 2 + 2 + 5)
    assert len(list_audit(jobs_ws, action="evidence-upload", limit=1000)) == 8

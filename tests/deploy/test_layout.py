"""The deployment of docs/deploy.md, started on this machine with real processes and real
servers: a fresh PostgreSQL database, Redis as the queue, an S3 store (moto), two web
processes (``civwatch serve --processes 2 --workers 0``) and two ``civwatch worker``
processes. Fifty uploaders send photos at once for a minute (repeats of the same file and
near-copies among them), each following its job as the web page does; then the queue
drains and the test checks what an operator would: no error, nothing lost, nothing stored
twice, every copy found.

Runs in the PostgreSQL pass (skipped on SQLite: two web processes and two workers on one
SQLite file is not the layout). ``CIVWATCH_LAYOUT_SECONDS`` shortens the run while
developing; CI runs the full 60 s.
"""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from civwatch.accounts import add_user
from civwatch.accounts.principal import Principal
from civwatch.accounts.tokens import create_token
from civwatch.config import Settings
from civwatch.evidence.clusters import cluster_of
from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.jobs.models import Job
from civwatch.workspace import Workspace
from tests.conftest import SERVER_URL
from tests.jobs.conftest import redis_url as redis_url  # the tests' Redis server
from tests.support.files import photo
from tests.support.live import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1200),
    pytest.mark.skipif(
        not SERVER_URL, reason="the deployment layout runs on PostgreSQL (make test-postgres)"
    ),
]

UPLOADERS = 50
SECONDS = float(os.environ.get("CIVWATCH_LAYOUT_SECONDS", "60"))
#: Distinct photos; each also comes as a near-copy (smaller, re-encoded).
ORIGINALS = 6
#: How long one process may take to answer or one job to finish on a loaded machine.
PATIENCE_S = 180.0
#: The web health check docs/deploy.md names.
HEALTH = "/api/v1/public/incidents?limit=1"


@pytest.fixture
def blob_url(s3_blob_url_factory: Callable[..., str]) -> str:
    """Where the layout keeps evidence blobs: a fresh bucket on the tests' S3 API server (a
    real moto server over HTTP; the processes get the AWS_* credentials it sets)."""
    return s3_blob_url_factory("layout")


@dataclass
class Layout:
    ws: Workspace
    env: dict[str, str]
    url: str
    token: str
    logs: Path
    web: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def log_tail(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.logs.glob("*.log"))
        )


def _start(layout: Layout, name: str, *args: str) -> subprocess.Popen[bytes]:
    with (layout.logs / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "civwatch", *args],
            env=layout.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _stop(proc: subprocess.Popen[bytes]) -> int:
    """SIGTERM, as systemd and compose stop a unit; SIGKILL if it does not stop in time."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return -signal.SIGKILL


@pytest.fixture
def layout(
    database_url: str,
    redis_url: str,
    blob_url: str,
    tmp_path: Path,
) -> Iterator[Layout]:
    """The layout running: PostgreSQL, Redis, the blob store, 2 web and 2 worker processes."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        blob_url=blob_url,
        queue_url=redis_url,
        min_free_disk=0,
        default_language="en",
    )
    ws, _ = Workspace.init(settings)
    add_user(ws, "admin", "Admin", ["admin"], actor=None)
    add_user(ws, "investigator", "Investigator", ["investigator"], actor="admin")
    with ws.sessions() as session:
        from civwatch.accounts.models import User

        user = session.scalars(select(User).where(User.username == "investigator")).one()
        who = Principal(user.id, user.username, user.display_name, frozenset(user.roles), "session")
    token = create_token(ws, who, "uploads", "investigator")["token"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVWATCH_")}
    env.update(
        CIVWATCH_DATA_DIR=str(settings.data_dir),
        CIVWATCH_DATABASE_URL=database_url,
        CIVWATCH_QUEUE_URL=redis_url,
        CIVWATCH_BLOB_URL=blob_url,
        CIVWATCH_MIN_FREE_DISK="0",
        CIVWATCH_DEFAULT_LANGUAGE="en",
    )
    from civwatch.jobs.queue import forget_queue, queue_for

    queue_for(settings).huey.flush()  # Redis is shared by the test session
    forget_queue(settings)
    port = free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    running = Layout(ws, env, f"http://127.0.0.1:{port}", token, logs)
    try:
        running.web = _start(
            running, "web", "serve", "--port", str(port), "--processes", "2", "--workers", "0"
        )
        running.workers = [
            _start(running, f"worker-{n}", "worker", "--threads", "1") for n in (1, 2)
        ]
        deadline = time.monotonic() + PATIENCE_S
        while True:
            assert running.web.poll() is None, running.log_tail()
            try:
                # the health check of docs/deploy.md: up, and reading the database
                health = httpx.get(f"{running.url}{HEALTH}", timeout=5)
                if health.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, running.log_tail()
            time.sleep(0.2)
        yield running
    finally:
        codes = [_stop(p) for p in [*running.workers, *([running.web] if running.web else [])]]
        ws.close()
        forget_queue(settings)
    # every process stopped cleanly on SIGTERM (running jobs finished first)
    assert codes == [0] * len(codes), running.log_tail()


def _pool(folder: Path) -> tuple[list[tuple[str, bytes]], list[tuple[int, int]]]:
    """The files uploaders choose from: each original and a near-copy of it (resized and
    re-encoded: other bytes, the same picture); and which pool entries are copies."""
    pool: list[tuple[str, bytes]] = []
    pairs: list[tuple[int, int]] = []
    for n in range(ORIGINALS):
        original = photo(folder / f"strike-{n}.jpg", seed=100 + n)
        smaller = folder / f"repost-{n}.jpg"
        Image.open(original).resize((640, 480)).save(smaller, "JPEG", quality=70)
        pairs.append((len(pool), len(pool) + 1))
        pool += [(original.name, original.read_bytes()), (smaller.name, smaller.read_bytes())]
    return pool, pairs


@dataclass
class Sent:
    """What the uploaders did: every answer to an upload, every job they followed."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted: dict[int, int] = field(default_factory=dict)  # job id -> pool entry
    errors: list[str] = field(default_factory=list)
    outcomes: dict[int, dict[str, object]] = field(default_factory=dict)


def _uploader(
    layout: Layout, k: int, pool: list[tuple[str, bytes]], until: float, sent: Sent
) -> None:
    rng = random.Random(k)
    auth = {"Authorization": f"Bearer {layout.token}"}
    with httpx.Client(base_url=layout.url, timeout=PATIENCE_S) as client:
        n = 0
        while time.monotonic() < until:
            entry = rng.randrange(len(pool))
            name, data = pool[entry]
            n += 1
            try:
                r = client.post(
                    "/api/v1/evidence",
                    files=[("files", (name, io.BytesIO(data), "image/jpeg"))],
                    # each upload is a sighting of its own: its own caption
                    data={"caption": f"uploader {k}, upload {n}"},
                    headers={**auth, "Prefer": "wait=20"},
                )
            except httpx.TransportError as exc:
                with sent.lock:
                    sent.errors.append(f"uploader {k}: {exc!r}")
                continue
            if r.status_code not in (200, 202):
                with sent.lock:
                    sent.errors.append(f"uploader {k}: {r.status_code} {r.text[:300]}")
                continue
            job = r.json()
            with sent.lock:
                sent.accepted[job["id"]] = entry
            # follow the job to its end, as the upload page does
            deadline = time.monotonic() + PATIENCE_S
            while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
                time.sleep(0.5)
                job = client.get(f"/api/v1/jobs/{job['id']}", headers=auth).json()
            with sent.lock:
                sent.outcomes[job["id"]] = job


def test_fifty_uploaders_on_the_documented_layout(layout: Layout, tmp_path: Path) -> None:
    pool, pairs = _pool(tmp_path)
    sent = Sent()
    until = time.monotonic() + SECONDS
    threads = [
        threading.Thread(target=_uploader, args=(layout, k, pool, until, sent), daemon=True)
        for k in range(UPLOADERS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=SECONDS + 2 * PATIENCE_S)
    assert not any(t.is_alive() for t in threads), "an uploader is stuck"
    ws = layout.ws
    # the queue drains: every accepted upload's job ends
    deadline = time.monotonic() + PATIENCE_S
    while True:
        with ws.sessions() as session:
            left = session.scalar(
                select(func.count()).select_from(Job).where(Job.state.in_(("queued", "running")))
            )
        if not left:
            break
        assert time.monotonic() < deadline, f"{left} jobs not done\n{layout.log_tail()}"
        time.sleep(0.5)
    # no error: every upload accepted, every job done
    assert sent.errors == [], sent.errors[:5]
    accepted = len(sent.accepted)
    assert accepted >= UPLOADERS, accepted  # each uploader got at least one through
    with ws.sessions() as session:
        jobs = {j.id: j for j in session.scalars(select(Job))}
        items = dict(session.execute(select(EvidenceItem.sha256, EvidenceItem.id)).all())
        sightings = session.scalar(select(func.count()).select_from(Sighting)) or 0
    assert set(jobs) == set(sent.accepted)
    failed = {i: (j.state, j.message) for i, j in jobs.items() if j.state != "done"}
    assert failed == {}, failed
    # nothing lost: each accepted upload is an item and a sighting of its own
    uploaded: dict[int, str] = {}
    for job_id, entry in sent.accepted.items():
        (outcome,) = jobs[job_id].result["outcomes"]
        assert outcome["status"] in ("ingested", "duplicate"), outcome
        assert outcome["sha256"] in items, outcome
        uploaded[entry] = outcome["sha256"]
    assert sightings == accepted
    # nothing duplicated: each distinct file stored once, as one item and one blob
    assert len(items) == len(set(uploaded.values())) == len(uploaded)
    ingested = [
        j.result["outcomes"][0]["sha256"]
        for j in jobs.values()
        if j.result["outcomes"][0]["status"] == "ingested"
    ]
    assert sorted(ingested) == sorted(items), "a file was reported new twice"
    for sha256 in items:
        with ws.vault.open(sha256) as f:
            assert f.read(1)
    # every copy found: each near-copy uploaded with its original is in its cluster
    missed = [
        (pool[a][0], pool[b][0])
        for a, b in pairs
        if a in uploaded
        and b in uploaded
        and uploaded[b] not in {m["sha256"] for m in cluster_of(ws, uploaded[a])["members"]}
    ]
    assert missed == [], missed
    print(
        f"{UPLOADERS} uploaders for {SECONDS:.0f} s: {accepted} uploads accepted, "
        f"{len(items)} items, {sightings} sightings"
    )

"""Uploads over HTTP: N concurrent uploaders of 5 MB files for a fixed time, against
``civwatch serve`` (uvicorn, with its job workers) on loopback.

Reports uploads/s, MB/s, p50/p95 of the upload request (until its 202), the time until
every upload's job is done, errors (must be 0), and checks afterwards in the database that
every distinct file the clients sent is exactly one item and every upload one sighting
(nothing lost, nothing twice). Reference in the same run: writing the same number of
bytes to the same disk with fsync per file, and the ratio.

About one upload in ten repeats a file sent before (with its own caption, so it is a new
sighting of content already held). File content is random, so each is distinct and
none is a picture: the figures are those of receiving, storing and recording.

Run:  .venv/bin/python bench/web_uploads.py [--clients 50] [--seconds 60] [--size-mb 5]
          [--workers 2] [--queue-url redis://...]
Target (issue 6): 50 uploaders of 5 MB files for 60 s, no error, no lost or duplicated item.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import func, select

from civwatch.accounts import add_user
from civwatch.accounts.principal import Principal
from civwatch.accounts.tokens import create_token
from civwatch.config import Settings
from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.workspace import Workspace

MB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _token(ws: Workspace) -> str:
    from civwatch.accounts.models import User

    add_user(ws, "admin", "Bench admin", ["admin"], actor=None)
    add_user(ws, "uploader", "Bench uploader", ["investigator"], actor="admin")
    with ws.sessions() as session:
        user = session.scalars(select(User).where(User.username == "uploader")).one()
    who = Principal(user.id, user.username, user.display_name, frozenset(user.roles), "session")
    return str(create_token(ws, who, "bench", "investigator")["token"])


class Uploads:
    """What the clients sent and how each request went."""

    def __init__(self, size: int) -> None:
        self.base = os.urandom(size)
        self.sent: list[str] = []  # sha256 of every accepted upload
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.job_ids: list[int] = []
        self.seq = 0

    def content(self, rng: random.Random) -> bytes:
        """A new distinct file, or (one time in ten) one sent before."""
        if self.sent and rng.random() < 0.1:
            n = rng.randrange(min(self.seq, 1_000_000))
        else:
            n = self.seq
            self.seq += 1
        return n.to_bytes(8, "big") + b"civwatch-bench" + self.base[22:]


async def uploader(
    client: httpx.AsyncClient, up: Uploads, n: int, token: str, stop_at: float
) -> None:
    rng = random.Random(n)
    k = 0
    while time.monotonic() < stop_at:
        body = up.content(rng)
        sha = hashlib.sha256(body).hexdigest()
        k += 1
        start = time.perf_counter()
        try:
            r = await client.post(
                "/api/v1/evidence",
                headers={"Authorization": f"Bearer {token}"},
                files=[("files", (f"u{n}-{k}.bin", body, "application/octet-stream"))],
                data={"caption": f"uploader {n}, upload {k}"},
            )
        except httpx.HTTPError as exc:
            up.errors[type(exc).__name__] += 1
            continue
        up.latencies.append(time.perf_counter() - start)
        if r.status_code != 202:
            up.errors[f"HTTP {r.status_code}"] += 1
            continue
        up.sent.append(sha)
        up.job_ids.append(int(r.json()["id"]))


async def load(base: str, token: str, up: Uploads, clients: int, seconds: float) -> float:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=300) as client:
        start = time.monotonic()
        stop_at = start + seconds
        await asyncio.gather(*(uploader(client, up, n, token, stop_at) for n in range(clients)))
        return time.monotonic() - start


def wait_for_jobs(base: str, token: str, timeout: float) -> tuple[float, Counter[str]]:
    start = time.monotonic()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=60) as c:
        while time.monotonic() - start < timeout:
            busy = sum(
                c.get("/api/v1/jobs", params={"state": s, "limit": 1}, headers=headers).json()[
                    "total"
                ]
                for s in ("queued", "running")
            )
            if busy == 0:
                break
            time.sleep(0.5)
        states: Counter[str] = Counter()
        for s in ("queued", "running", "done", "failed"):
            states[s] = c.get(
                "/api/v1/jobs", params={"state": s, "limit": 1}, headers=headers
            ).json()["total"]
    return time.monotonic() - start, states


def disk_reference(folder: Path, size: int, files: int) -> float:
    """MB/s of writing ``files`` files of ``size`` bytes, each fsynced, then removed."""
    folder.mkdir(parents=True, exist_ok=True)
    body = os.urandom(size)
    start = time.perf_counter()
    for n in range(files):
        with (folder / f"ref-{n}").open("wb") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
    elapsed = time.perf_counter() - start
    shutil.rmtree(folder)
    return files * size / MB / elapsed


def check(ws: Workspace, up: Uploads) -> list[str]:
    """Every distinct file sent is one item, every upload one sighting."""
    problems = []
    sent = Counter(up.sent)
    with ws.sessions() as session:
        items = dict(
            session.execute(
                select(EvidenceItem.sha256, func.count(Sighting.id))
                .join(Sighting, Sighting.item_id == EvidenceItem.id)
                .group_by(EvidenceItem.sha256)
            ).all()
        )
    lost = set(sent) - set(items)
    extra = set(items) - set(sent)
    if lost:
        problems.append(f"{len(lost)} file(s) sent but not held")
    if extra:
        problems.append(f"{len(extra)} item(s) nobody sent")
    wrong = [sha for sha, n in sent.items() if items.get(sha, 0) != n]
    if wrong:
        problems.append(f"{len(wrong)} item(s) whose sightings differ from their uploads")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--size-mb", type=float, default=5)
    ap.add_argument("--workers", type=int, default=2, help="job worker threads in the server")
    ap.add_argument("--queue-url", default=None, help="e.g. redis://127.0.0.1:6379/0")
    ap.add_argument("--folder", type=Path, default=None, help="data folder (default: a temp one)")
    ap.add_argument("--keep", action="store_true", help="keep the data folder (and server.log)")
    args = ap.parse_args()
    size = int(args.size_mb * MB)
    root = args.folder or Path(tempfile.mkdtemp(prefix="civwatch-bench-uploads-"))
    settings = Settings(data_dir=root / "data", min_free_disk=0, queue_url=args.queue_url)
    ws, _ = Workspace.init(settings)
    token = _token(ws)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVWATCH_")}
    env.update(CIVWATCH_DATA_DIR=str(settings.data_dir), CIVWATCH_MIN_FREE_DISK="0")
    if args.queue_url:
        env["CIVWATCH_QUEUE_URL"] = args.queue_url
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "civwatch",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(root / "server.log").open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        up = Uploads(size)
        elapsed = asyncio.run(load(base, token, up, args.clients, args.seconds))
        drain, states = wait_for_jobs(base, token, timeout=3600)
    finally:
        server.terminate()
        server.wait(timeout=120)
    problems = check(ws, up)
    uploads = len(up.sent)
    ref = disk_reference(settings.data_dir / "bench-reference", size, max(min(uploads, 200), 20))
    lat = sorted(up.latencies)
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")  # noqa: E731
    mbps = uploads * size / MB / elapsed
    print(
        f"civwatch upload benchmark: {args.clients} uploaders, {args.size_mb:g} MB files, "
        f"{elapsed:.0f} s, {args.workers} job workers, queue {args.queue_url or 'SQLite'}"
    )
    print(
        f"  uploads accepted   {uploads} ({uploads / elapsed:.2f}/s, {mbps:.1f} MB/s); "
        f"{len(set(up.sent))} distinct files"
    )
    print(
        f"  request latency    p50 {p(0.5):.0f} ms, p95 {p(0.95):.0f} ms, "
        f"mean {statistics.fmean(lat) * 1000 if lat else 0:.0f} ms"
    )
    print(f"  jobs               {dict(states)}; all done {drain:.1f} s after the last upload")
    print(f"  errors             {sum(up.errors.values())} {dict(up.errors) or ''}")
    print(
        f"  reference          write+fsync of the same files: {ref:.1f} MB/s; "
        f"uploads reach {mbps / ref:.2f}x of it"
    )
    verdict = "every file one item, every upload one sighting"
    print(f"  check              {'; '.join(problems) if problems else verdict}")
    ws.close()
    if not args.keep and args.folder is None:
        shutil.rmtree(root, ignore_errors=True)
    ok = not problems and not up.errors and states["failed"] == 0 and uploads > 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

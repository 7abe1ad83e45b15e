"""Workers benchmark: images/s of ingest (with metadata extraction) and copy finding run as
background jobs by 1 and by 2 `civwatch worker` processes, against the same work done in
one process without the queue (the reference, in the same run).

Each image is one upload job (spooled and queued first, as the web does; the clock starts
when the workers start and stops when every job is done; the span from the first job's
start to the last job's end, which leaves the workers' start-up out, is printed too). Each
worker process runs one job at a time (``--threads 1``): the work is Python and native
code under one interpreter lock, so processes, not threads, are what use more cores.

    .venv/bin/python bench/workers.py [--images N] [--queue-url redis://...] [--database-url URL]

``--database-url`` names a PostgreSQL server database to use (it is emptied for each run:
give a throwaway one); without it each run has its own SQLite file.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from civwatch.config import Settings
from photos import photo_set

REPO = Path(__file__).resolve().parents[1]


def _settings(folder: Path, database_url: str | None, queue_url: str | None) -> Settings:
    return Settings(
        data_dir=folder / "data",
        database_url=database_url,
        queue_url=queue_url,
        min_free_disk=0,
        default_language="en",
    )


def _fresh(folder: Path, database_url: str | None, queue_url: str | None) -> Settings:
    """A new data folder (and an emptied database and queue) for one run."""
    from sqlalchemy import create_engine, text

    from civwatch.jobs.queue import forget_queue, queue_for
    from civwatch.workspace import Workspace

    if database_url:
        engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    settings = _settings(folder, database_url, queue_url)
    ws, _ = Workspace.init(settings)
    ws.close()
    queue_for(settings).huey.flush()
    forget_queue(settings)
    return settings


def in_process(files: list[Path], folder: Path, database_url: str | None) -> float:
    """The reference: ingest and copy finding of every file in this process; seconds."""
    from civwatch.evidence.copies import hash_pending
    from civwatch.evidence.ingest import ingest_paths
    from civwatch.workspace import Workspace

    settings = _fresh(folder, database_url, None)
    ws = Workspace.open(settings)
    try:
        start = time.perf_counter()
        outcomes = list(ingest_paths(ws, files, collector="bench"))
        hash_pending(ws)
        seconds = time.perf_counter() - start
    finally:
        ws.close()
    assert all(o.status == "ingested" for o in outcomes), outcomes
    return seconds


def by_workers(
    files: list[Path], folder: Path, workers: int, database_url: str | None, queue_url: str | None
) -> tuple[float, int]:
    """Queue one upload job per file, run ``workers`` worker processes until every job is
    done; (seconds, jobs failed)."""
    from sqlalchemy import func, select

    from civwatch import extensions
    from civwatch.evidence.ingest import SourceInfo
    from civwatch.jobs.models import Job
    from civwatch.jobs.queue import forget_queue
    from civwatch.web.uploads import receive_upload
    from civwatch.workspace import Workspace

    extensions.load()
    settings = _fresh(folder, database_url, queue_url)
    ws = Workspace.open(settings)
    for f in files:
        receive_upload(
            ws,
            [(f.name, io.BytesIO(f.read_bytes()))],
            source=SourceInfo(),
            collector="bench",
            client=None,
        )
    forget_queue(settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVWATCH_")}
    env.update(
        CIVWATCH_DATA_DIR=str(folder / "data"),
        CIVWATCH_DATABASE_URL=settings.resolved_database_url,
        CIVWATCH_MIN_FREE_DISK="0",
        PYTHONPATH=str(REPO / "src"),
    )
    if queue_url:
        env["CIVWATCH_QUEUE_URL"] = queue_url
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "civwatch", "worker", "--threads", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        while True:
            with ws.sessions() as session:
                left = session.scalar(
                    select(func.count()).where(Job.state.in_(("queued", "running")))
                )
            if not left:
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - start
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=120)
    with ws.sessions() as session:
        failed = session.scalar(select(func.count()).where(Job.state == "failed")) or 0
        times = [(s, f) for s, f in session.execute(select(Job.started_at, Job.finished_at))]
    ws.close()
    done = [(s, f) for s, f in times if s and f]
    if done:
        mean = sum((f - s).total_seconds() for s, f in done) / len(done)
        first, last = min(s for s, _ in done), max(f for _, f in done)
        span = (last - first).total_seconds()
        print(
            f"  ({workers} worker(s): one job took {mean:.2f} s on average; from the first "
            f"job's start to the last one's end {span:.1f} s = {len(files) / span:.2f} "
            "images/s, the workers' start-up left out)"
        )
    return seconds, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=200, help="images per run (default 200)")
    parser.add_argument("--queue-url", help="a Redis queue (default: the SQLite queue file)")
    parser.add_argument("--database-url", help="a throwaway PostgreSQL database (emptied)")
    args = parser.parse_args()
    files = sorted(photo_set(args.images).iterdir())[: args.images]
    subprocess.run(["cat", *map(str, files)], stdout=subprocess.DEVNULL, check=True)
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, float, int]] = []
    work = Path(tempfile.mkdtemp(prefix="civwatch-workers-", dir=out))
    try:
        seconds = in_process(files, work / "ref", args.database_url)
        rows.append(("in one process, no queue (reference)", seconds, 0))
        for n in (1, 2):
            seconds, failed = by_workers(
                files, work / f"w{n}", n, args.database_url, args.queue_url
            )
            rows.append((f"{n} worker process{'es' if n > 1 else ''}", seconds, failed))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"{args.images} photos (2-5 MB JPEG), ingest + extraction + copy finding; "
        f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"database {'PostgreSQL' if args.database_url else 'SQLite'}, "
        f"queue {'Redis' if args.queue_url else 'SQLite'}"
    )
    reference = rows[0][1]
    for name, seconds, failed in rows:
        print(
            f"  {name:40s} {seconds:7.1f} s  {args.images / seconds:6.2f} images/s  "
            f"{reference / seconds:4.2f}x the reference"
            + (f"  ({failed} jobs FAILED)" if failed else "")
        )
    if len(rows) == 3:
        print(f"  2 workers / 1 worker: {rows[1][1] / rows[2][1]:.2f}x")


if __name__ == "__main__":
    main()

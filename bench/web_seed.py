"""What the web benchmarks share: a seeded data folder, the app under uvicorn, a load generator.

- :func:`seeded` fills a data folder with synthetic incidents (bench/incidents_aggregate.py's
  generator: towns of the gazetteer, types, objects, casualty ranges) and evidence items with
  captioned sightings (bench/web_evidence_search.py's generator), written straight into the
  tables, and keeps it in ``bench/out/web-ITEMS-INCIDENTS/`` for the next run (1,000,000
  items and 100,000 incidents take a few minutes to write once).
- :func:`serve` runs ``civwatch serve --processes N`` (the deployment setting, see
  docs/performance.md) in a child process on a free loopback port.
- :func:`load` is the load generator: ``clients`` HTTP/1.1 keep-alive connections on one
  asyncio loop, each sending its next request when the previous answer is read in full. It
  is written on raw sockets so that it costs little CPU: on a 2-core machine a heavier
  generator would steal the server's time and inflate its latencies.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import select, text

from civwatch.accounts import add_user
from civwatch.accounts.models import User
from civwatch.accounts.principal import Principal
from civwatch.accounts.tokens import create_token
from civwatch.config import Settings
from civwatch.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"


def seeded(items: int, incidents: int) -> Settings:
    """Settings of a data folder holding ``items`` evidence items and ``incidents`` incidents."""
    folder = OUT / f"web-{items}-{incidents}"
    settings = Settings(data_dir=folder / "data", min_free_disk=0)
    marker = folder / "seeded.ok"
    if marker.exists():
        print(f"data: {folder} (seeded earlier)")
        _schema_indexes(settings)
        return settings
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    sys.path.insert(0, str(REPO / "bench"))
    from civwatch.evidence.search import EvidenceFilter, search_items
    from civwatch.geo.gazetteer import Gazetteer
    from incidents_aggregate import generate
    from web_evidence_search import fill

    ws, _ = Workspace.init(settings)
    try:
        t = time.perf_counter()
        places = Gazetteer.load(settings.data_dir / "cache")
        generate(ws, places, incidents, 0, seed=11)
        fill(ws, items)
        print(
            f"wrote {items:,} items and {incidents:,} incidents in {time.perf_counter() - t:.0f} s"
        )
        t = time.perf_counter()
        search_items(ws, EvidenceFilter(text="warmup"))  # builds the full-text index
        with ws.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        print(f"full-text index and statistics in {time.perf_counter() - t:.0f} s")
        add_user(ws, "admin", "Admin", ["admin"], actor=None)
        add_user(ws, "bench", "Bench", ["viewer"], actor="admin")
    finally:
        ws.close()
    marker.write_text("ok\n")
    return settings


def _schema_indexes(settings: Settings) -> None:
    """Every index the models declare, added to a folder seeded before it existed (the
    pre-release migrations change in place), so a bench never measures a missing index."""
    from civwatch.db import Base

    ws = Workspace.open(settings)
    try:
        missing = [
            index
            for table in Base.metadata.sorted_tables
            for index in table.indexes
            if not _has_index(ws, str(index.name))
        ]
        for index in missing:
            print(f"adding index {index.name} (declared since this folder was seeded)")
            index.create(ws.engine)
        if missing:
            with ws.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
    finally:
        ws.close()


def _has_index(ws: Workspace, name: str) -> bool:
    with ws.engine.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :n"), {"n": name}
        ).first()
    return found is not None


def token(ws: Workspace) -> str:
    """A new API token of the bench user (role viewer)."""
    with ws.sessions() as s:
        uid = s.scalars(select(User.id).where(User.username == "bench")).one()
    who = Principal(uid, "bench", "Bench", frozenset({"viewer"}), "token")
    secret: str = create_token(ws, who, "bench", "viewer")["token"]
    return secret


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(settings: Settings, processes: int, env: dict[str, str] | None = None) -> Iterator[str]:
    """``civwatch serve --processes N`` on the data folder (no job workers: the benches
    measure answers), with the settings in ``env`` added (``CIVWATCH_...`` variables);
    yields its base URL once it answers."""
    port = free_port()
    extra = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVWATCH_")}
    env["CIVWATCH_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["CIVWATCH_DATABASE_URL"] = settings.database_url
    env.update(extra)
    command = [
        *(sys.executable, "-m", "civwatch", "serve", "--port", str(port)),
        *("--processes", str(processes), "--workers", "0"),
    ]
    server = subprocess.Popen(command, env=env, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/signin", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=60)


async def _client(
    port: int,
    requests: list[bytes],
    start: int,
    stop_at: float,
    samples: list[float],
    errors: list[str],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    k = start
    try:
        while time.perf_counter() < stop_at:
            request = requests[k % len(requests)]
            k += 1
            t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            samples.append(time.perf_counter() - t0)
            status = head[9:12]
            if status != b"200":
                errors.append(status.decode())
    finally:
        writer.close()


def load(
    base: str,
    bearer: str,
    paths: Sequence[str],
    clients: int,
    seconds: float,
    *,
    disjoint: bool = False,
) -> tuple[list[float], float, list[str]]:
    """Latencies, requests/s and error statuses of ``clients`` connections for ``seconds``
    (anonymous requests when ``bearer`` is empty, as the public site's visitors are).

    Clients walk ``paths`` in order from staggered starts, so they ask for the same few
    things at about the same time; ``disjoint`` gives each client its own slice instead, so
    that no path is asked twice while the slices last.
    """
    host_port = base.rsplit(":", 1)
    port = int(host_port[1])
    requests = [
        (
            f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            + (f"Authorization: Bearer {bearer}\r\n" if bearer else "")
            + "Accept: application/json\r\n\r\n"
        ).encode()
        for p in paths
    ]
    samples: list[float] = []
    errors: list[str] = []
    step = max(1, len(requests) // clients) if disjoint else 7

    async def run() -> float:
        t = time.perf_counter()
        stop_at = t + seconds
        await asyncio.gather(
            *(_client(port, requests, n * step, stop_at, samples, errors) for n in range(clients))
        )
        return time.perf_counter() - t

    elapsed = asyncio.run(run())
    return samples, len(samples) / elapsed, errors


def viewports(
    points: Sequence[tuple[float, float]], n: int, *, seed: int = 5, jitter: bool = False
) -> list[tuple[str, str]]:
    """(zoom, "west,south,east,north") pairs in a fixed pseudo-random order: a town (0.25 x
    0.15 degrees) or an oblast (3 x 2) round one of the (lat, lon) ``points``, or the whole
    country, in turn. ``jitter`` moves every box by up to a few hundred metres, so that
    (nearly) no two are the same, as when people pan a map."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for k in range(n):
        lat, lon = rng.choice(points)
        zoom = ("town", "oblast", "country")[k % 3]
        if zoom == "town":
            box = (lon - 0.125, lat - 0.075, lon + 0.125, lat + 0.075)
        elif zoom == "oblast":
            box = (lon - 1.5, lat - 1.0, lon + 1.5, lat + 1.0)
        else:
            box = (22.0, 44.0, 41.0, 53.0)
        if jitter:
            dx, dy = rng.uniform(-0.005, 0.005), rng.uniform(-0.003, 0.003)
            box = (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)
        out.append((zoom, ",".join(f"{v:.6f}" for v in box)))
    return out


def fresh_paths(path: str, points: Sequence[tuple[float, float]], n: int) -> list[str]:
    """``path`` with ``{bbox}`` filled by ``n`` jittered viewports, each at most once."""
    boxes = viewports(points, n, seed=6, jitter=True)
    return list(dict.fromkeys(path.format(bbox=box) for _, box in boxes))


def percentiles(samples: Sequence[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {q[49] * 1000:7.1f} ms  p95 {q[94] * 1000:7.1f} ms  p99 {q[98] * 1000:7.1f} ms"


def p95(samples: Sequence[float]) -> float:
    return statistics.quantiles(samples, n=100)[94]

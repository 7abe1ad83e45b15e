"""Evidence search over HTTP: requests/s and p50/p95/p99 at 20 concurrent clients, beside the
same search called directly (no HTTP) in the same run, and the overhead ratio.

Run:  .venv/bin/python bench/web_evidence_search.py [--items 100000] [--clients 20]
          [--seconds 20]

A temporary data folder (SQLite) is filled with synthetic items and sightings written
straight into the tables (ingest itself is measured by bench/ingest.py); the app is
served by uvicorn on loopback and called with an API token by a thread pool of httpx
clients, each keeping its connection open.
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from civwatch.accounts import add_user
from civwatch.accounts.auth import create_token
from civwatch.accounts.principal import Principal
from civwatch.config import Settings
from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.evidence.search import EvidenceFilter, search_items
from civwatch.workspace import Workspace

CITIES = [
    "Kharkiv",
    "Kyiv",
    "Odesa",
    "Mykolaiv",
    "Dnipro",
    "Kherson",
    "Izium",
    "Bucha",
    "Irpin",
    "Chernihiv",
    "Sumy",
    "Zaporizhzhia",
    "Mariupol",
    "Lviv",
    "Poltava",
]
WORDS = [
    "strike",
    "shelling",
    "school",
    "hospital",
    "market",
    "apartment",
    "bridge",
    "drone",
    "missile",
    "fire",
    "rescue",
    "damage",
    "crater",
    "shelter",
    "station",
]
QUERIES = ["kharkiv school", "odesa", "missile hospital", "bucha", "drone strike", "izium crater"]


def fill(ws: Workspace, n: int) -> None:
    rng = random.Random(7)
    start = datetime(2022, 2, 24, tzinfo=UTC)
    batch = 10_000
    with ws.engine.begin() as conn:
        for base in range(0, n, batch):
            items, sightings = [], []
            for i in range(base, min(n, base + batch)):
                at = start + timedelta(minutes=i)
                city = rng.choice(CITIES)
                items.append(
                    {
                        "id": i + 1,
                        "sha256": f"{i:064x}",
                        "size": 1000 + i,
                        "media_type": rng.choice(["image/jpeg", "video/mp4", "image/png"]),
                        "original_name": f"{city.lower()}_{i}.jpg",
                        "collected_at": at,
                        "collected_by": f"investigator-{i % 17}",
                        "metadata": {},
                        "exiftool": {},
                        "warnings": [],
                        "ingest_leaf": i,
                    }
                )
                caption = f"{' '.join(rng.sample(WORDS, 3))} in {city}"
                sightings.append(
                    {
                        "id": i + 1,
                        "item_id": i + 1,
                        "collected_at": at,
                        "collected_by": f"investigator-{i % 17}",
                        "original_name": f"{city.lower()}_{i}.jpg",
                        "caption": caption,
                        "platform": "telegram",
                        "account": f"channel_{i % 300}",
                        "fingerprint": f"{i:064x}",
                        "custody_leaf": i,
                    }
                )
            conn.execute(insert(EvidenceItem.__table__), items)
            conn.execute(insert(Sighting.__table__), sightings)


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {q[49] * 1000:7.1f} ms  p95 {q[94] * 1000:7.1f} ms  p99 {q[98] * 1000:7.1f} ms"


def load(base: str, token: str, clients: int, seconds: float) -> tuple[list[float], float, int]:
    """Latencies, requests/s and errors of ``clients`` threads searching for ``seconds``."""
    samples: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(n: int) -> None:
        nonlocal errors
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
            k = n
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                r = c.get("/api/v1/evidence", params={"q": QUERIES[k % len(QUERIES)]})
                dt = time.perf_counter() - t0
                k += 1
                with lock:
                    samples.append(dt)
                    errors += r.status_code != 200

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return samples, len(samples) / (time.perf_counter() - t), errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cw-bench-web-"))
    settings = Settings(data_dir=folder / "data", min_free_disk=0)
    ws, _ = Workspace.init(settings)
    t = time.perf_counter()
    fill(ws, args.items)
    print(f"filled {args.items} items in {time.perf_counter() - t:.1f} s")
    add_user(ws, "admin", "Admin", ["admin"], actor=None)
    add_user(ws, "bench", "Bench", ["viewer"], actor="admin")
    with ws.sessions() as s:
        from sqlalchemy import select

        from civwatch.accounts.models import User

        uid = s.scalar(select(User.id).where(User.username == "bench"))
    assert uid is not None
    token = create_token(
        ws, Principal(uid, "bench", "Bench", frozenset({"viewer"}), "token"), "bench", "viewer"
    )["token"]
    t = time.perf_counter()
    search_items(ws, EvidenceFilter(text="warmup"))  # builds the FTS index
    print(f"full-text index built in {time.perf_counter() - t:.1f} s")

    # reference: the same search function, called directly, one caller
    direct: list[float] = []
    for k in range(300):
        t = time.perf_counter()
        search_items(ws, EvidenceFilter(text=QUERIES[k % len(QUERIES)]), limit=50)
        direct.append(time.perf_counter() - t)
    print(f"direct (no HTTP, 1 caller):     {percentiles(direct)}")

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "bench.web_evidence_search:app_factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env={"CIVWATCH_DATA_DIR": str(settings.data_dir), "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(base + "/signin", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        one, rps_one, _ = load(base, token, 1, args.seconds / 2)
        print(f"HTTP (1 client):                {percentiles(one)}  {rps_one:6.1f} req/s")
        many, rps, errors = load(base, token, args.clients, args.seconds)
        print(
            f"HTTP ({args.clients} clients):              {percentiles(many)}  "
            f"{rps:6.1f} req/s  errors {errors}"
        )
        ratio = statistics.median(one) / statistics.median(direct)
        print(f"overhead ratio (HTTP p50, 1 client / direct p50): {ratio:.2f}x")
    finally:
        server.terminate()
        server.wait(timeout=10)
        ws.close()


def app_factory() -> object:
    from civwatch.config import load_settings
    from civwatch.web.app import create_app

    return create_app(load_settings())


if __name__ == "__main__":
    main()

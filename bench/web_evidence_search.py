"""Evidence search over HTTP: requests/s and p50/p95/p99 at 20 concurrent clients, beside the
same search called directly (no HTTP) in the same run, and the overhead ratio.

Run:  .venv/bin/python bench/web_evidence_search.py [--items 1000000] [--incidents 100000]
          [--clients 20] [--seconds 20] [--processes 2]

The data folder (SQLite) is seeded once by bench/web_seed.py (items and captioned sightings
written straight into the tables by :func:`fill`; ingest itself is measured by
bench/ingest.py) and kept in bench/out/; the app is served by uvicorn on loopback with
``civwatch serve --processes N`` (see web_seed's ``serve``) and loaded by
web_seed's keep-alive load generator.
Target (issue 6): p95 < 200 ms at 20 clients.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import insert

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
TARGET_P95_S = 0.200
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
            conn.execute(insert(EvidenceItem), items)
            conn.execute(insert(Sighting), sightings)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from web_seed import load, p95, percentiles, seeded, serve, token

    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    settings = seeded(args.items, args.incidents)
    print("machine load (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    ws = Workspace.open(settings)
    try:
        bearer = token(ws)
        search_items(ws, EvidenceFilter(text="warmup"))  # index up to date
        # reference: the same search function, called directly, one caller
        direct: list[float] = []
        for k in range(60):
            t = time.perf_counter()
            search_items(ws, EvidenceFilter(text=QUERIES[k % len(QUERIES)]), limit=50)
            direct.append(time.perf_counter() - t)
        print(f"direct (no HTTP, 1 caller):     {percentiles(direct)}")
        paths = [f"/api/v1/evidence?{urlencode({'q': q})}" for q in QUERIES]
        with serve(settings, args.processes) as base:
            load(base, bearer, paths, 2, 3)  # warm-up
            one, rps_one, _ = load(base, bearer, paths, 1, args.seconds / 2)
            print(f"HTTP (1 client):                {percentiles(one)}  {rps_one:6.1f} req/s")
            many, rps, errors = load(base, bearer, paths, args.clients, args.seconds)
            print(
                f"HTTP ({args.clients} clients, {args.processes} processes): {percentiles(many)}  "
                f"{rps:6.1f} req/s  errors {len(errors)}"
            )
        ratio = statistics.median(one) / statistics.median(direct)
        print(f"overhead ratio (HTTP p50, 1 client / direct p50): {ratio:.2f}x")
        verdict = "meets" if p95(many) < TARGET_P95_S else "MISSES"
        print(f"p95 {p95(many) * 1000:.1f} ms {verdict} the target of {TARGET_P95_S * 1000:.0f} ms")
        print(
            "machine load after (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        )
    finally:
        ws.close()


def app_factory() -> object:
    from civwatch.config import load_settings
    from civwatch.web.app import create_app

    return create_app(load_settings())


if __name__ == "__main__":
    main()

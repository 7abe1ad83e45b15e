"""Shelters over HTTP: ``/api/v1/shelters/nearest`` at 50 concurrent clients against
``civwatch serve`` on a 200,000-shelter registry, and the weight of the nearest page.

Run:  .venv/bin/python bench/shelters_http.py [--shelters 200000] [--clients 50]
          [--seconds 20] [--processes 2]

The registry is the OpenStreetMap extract of bench/shelters.py (written there with osmium's
writer, or here when missing), imported into a data folder kept in bench/out/ for the next
run. Clients ask from random points in Ukraine's box, anonymously, as the public does; each
server process builds its index on its first question (a warm-up round is not timed).
Target (issue 16): p95 < 50 ms at 50 clients.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

import httpx2 as httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from civwatch.config import Settings
from civwatch.shelters.importing import import_file
from civwatch.workspace import Workspace
from shelters import BOX, OUT, write_extract
from web_seed import load, p95, percentiles, serve

TARGET_P95_S = 0.050


def registry(count: int) -> Settings:
    """A data folder holding ``count`` imported shelters (made once, kept in bench/out/)."""
    OUT.mkdir(exist_ok=True)
    data = OUT / f"shelters-http-{count}"
    settings = Settings(data_dir=data, min_free_disk=0)
    if (data / "civwatch.json").exists():
        return settings
    extract = OUT / f"shelters-{count}.osm.pbf"
    if not extract.exists():
        write_extract(extract, count)
    ws, _ = Workspace.init(settings)
    try:
        started = time.perf_counter()
        result = import_file(ws, extract)
        print(f"imported {result.added:,} shelters in {time.perf_counter() - started:.1f} s")
    finally:
        ws.close()
    return settings


def page_weight(base: str, lat: float, lon: float) -> tuple[int, list[str]]:
    """Bytes of the nearest page and of the style, script and map image it loads."""
    page = httpx.get(f"{base}/shelters", params={"lat": lat, "lon": lon}, timeout=30)
    total, loaded = len(page.content), ["/shelters"]
    for url in re.findall(r'(?:<link rel="stylesheet" href|<script src|src)="(/[^"]+)"', page.text):
        body = httpx.get(base + url.replace("&amp;", "&"), timeout=30).content
        total += len(body)
        loaded.append(url.split("?")[0])
    return total, loaded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shelters", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    settings = registry(args.shelters)
    rng = random.Random(16)
    south, west, north, east = BOX
    points = [(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(20_000)]
    paths = [f"/api/v1/shelters/nearest?lat={la:.5f}&lon={lo:.5f}&limit=10" for la, lo in points]
    with serve(settings, args.processes) as base:
        load(base, "", paths[:200], args.processes * 4, 5.0)  # each process builds its index
        samples, rps, errors = load(base, "", paths, args.clients, args.seconds, disjoint=True)
        weight, loaded = page_weight(base, *points[0])
    verdict = "met" if p95(samples) < TARGET_P95_S else "MISSED"
    print(
        f"{args.shelters:,} shelters, {args.clients} clients, {args.processes} processes: "
        f"nearest 10 over HTTP {percentiles(samples)}  {rps:.0f} req/s, "
        f"errors {len(errors)}; target p95 < 50 ms {verdict}"
    )
    print(f"nearest page weight before tiles: {weight:,} bytes ({', '.join(loaded)})")


if __name__ == "__main__":
    main()

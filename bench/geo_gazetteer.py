"""Gazetteer benchmark: lookup and reverse over 1,000 queries each, index vs brute force.

Run: .venv/bin/python bench/geo_gazetteer.py [--cache-dir DIR]

Reference, in the same run: a brute-force scan of the same place table answering the same
queries. For lookup: every key of every place, the same tiers and ranking, and rapidfuzz over
all loose keys (the index compares only keys with the query's first letter and a length that
can reach the cut-off). For reverse: numpy haversine to every place, the same city-extent
rule. Prints p50/p95 per query, the speed-up, and how often the two agree.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from civwatch.geo.facilities import haversine_many
from civwatch.geo.gazetteer import CITY_RADIUS_M_PER_SQRT_PERSON, Gazetteer
from civwatch.geo.gazetteer_data import PlaceTable, load_table
from civwatch.geo.names import is_cyrillic, query_keys

QUERIES = 1_000


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def make_names(table: PlaceTable, rng: random.Random) -> list[str]:
    """A mix: primary names, Cyrillic names, 5-letter prefixes and one-letter typos."""
    ukraine = [p for p in table.places if p.country_code == "UA"]
    cyrillic = [(p, k) for p in table.places for k in p.keys if is_cyrillic(k)]
    names: list[str] = []
    for i in range(QUERIES):
        kind = i % 4
        if kind == 0:
            names.append(rng.choice(ukraine).name)
        elif kind == 1:
            names.append(rng.choice(cyrillic)[1])
        elif kind == 2:
            names.append(rng.choice(ukraine).name[:5])
        else:
            name = list(rng.choice(ukraine).name)
            at = rng.randrange(1, len(name)) if len(name) > 1 else 0
            name[at] = rng.choice("aeiouykh")
            names.append("".join(name))
    return names


class BruteForce:
    """The same questions answered by scanning every place: the reference."""

    def __init__(self, table: PlaceTable) -> None:
        self.table = table
        self.population = np.array([p.population for p in table.places])
        self.lat = np.array([p.lat for p in table.places])
        self.lon = np.array([p.lon for p in table.places])
        self.loose_keys = [k for p in table.places for k in p.loose_keys]
        self.loose_owner = [i for i, p in enumerate(table.places) for _ in p.loose_keys]

    def lookup(self, name: str, limit: int = 10) -> list[int]:
        exact_keys, loose_keys = query_keys(name)
        found: dict[int, tuple[int, float]] = {}  # place -> (tier, -score)

        def offer(index: int, tier: int, score: float) -> None:
            if index not in found or (tier, -score) < found[index]:
                found[index] = (tier, -score)

        for index, place in enumerate(self.table.places):
            for key in place.keys:
                for wanted in exact_keys:
                    if key == wanted:
                        offer(index, 0, 100.0)
                    elif len(wanted) >= 2 and key.startswith(wanted):
                        offer(index, 1, 0.0)
            for key in place.loose_keys:
                if key in loose_keys:
                    offer(index, 2, 99.0)
        if not found:
            for wanted in loose_keys:
                if len(wanted) < 3:
                    continue
                for _, score, at in process.extract(
                    wanted, self.loose_keys, scorer=fuzz.ratio, limit=None, score_cutoff=80
                ):
                    offer(self.loose_owner[at], 2, float(score))
        ranked = sorted(
            found,
            key=lambda i: (
                found[i][0],
                (found[i][1] // 5) if found[i][0] == 2 else 0,
                -self.population[i],
                i,
            ),
        )
        return ranked[:limit]

    def reverse(self, lat: float, lon: float) -> int:
        distances = haversine_many(lat, lon, self.lat, self.lon)
        extents = CITY_RADIUS_M_PER_SQRT_PERSON * np.sqrt(self.population)
        inside = np.flatnonzero(distances <= extents)
        if inside.size:
            return int(inside[np.argmax(self.population[inside])])
        return int(np.argmin(distances))


def timed(call: object, args: list[tuple[object, ...]]) -> tuple[list[float], list[object]]:
    times, results = [], []
    for arg in args:
        started = time.perf_counter()
        results.append(call(*arg))  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return times, results


def report(label: str, times: list[float]) -> None:
    print(
        f"  {label:28s} p50 {percentile(times, 50):8.3f} ms   p95 {percentile(times, 95):8.3f} ms"
        f"   mean {statistics.fmean(times):8.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache-dir", type=Path, default=None)
    options = parser.parse_args()
    if options.cache_dir is not None:
        run(options.cache_dir)
        return
    with tempfile.TemporaryDirectory(prefix="geo-bench-") as scratch:
        run(Path(scratch))


def run(cache_dir: Path) -> None:
    started = time.perf_counter()
    table = load_table(cache_dir)
    first = time.perf_counter() - started
    started = time.perf_counter()
    table = load_table(cache_dir)
    gazetteer = Gazetteer(table)
    cached = time.perf_counter() - started
    print(f"places: {len(gazetteer):,} (UA, MD, BY, PL, SK, HU, RO, RU); source {table.source}")
    print(f"first load (table built from the packages, cache written): {first:.2f} s")
    print(f"load from cache + index build: {cached:.2f} s")
    print(
        f"machine load average (1 min) at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )

    rng = random.Random(20261124)
    names = make_names(table, rng)
    points = [(rng.uniform(44.4, 52.3), rng.uniform(22.2, 40.2)) for _ in range(QUERIES)]
    brute = BruteForce(table)

    gazetteer.lookup("warm-up")
    print(f"\nlookup, {QUERIES} names (primary / Cyrillic / 5-letter prefix / typo):")
    t_index, found = timed(gazetteer.lookup, [(n,) for n in names])
    t_brute, expected = timed(brute.lookup, [(n,) for n in names])
    report("civwatch index", t_index)
    report("reference: brute-force scan", t_brute)
    top_agree = sum(
        1
        for got, want in zip(found, expected, strict=True)
        if (not got and not want)
        or (got and want and got[0].geonames_id == table.places[want[0]].geonames_id)  # type: ignore[index]
    )
    print(
        f"  speed-up at p50: {percentile(t_brute, 50) / percentile(t_index, 50):.0f}x;"
        f" same first result: {top_agree}/{QUERIES}"
    )

    print(f"\nreverse, {QUERIES} random points over Ukraine and its borders:")
    t_index, got_places = timed(gazetteer.reverse, [(la, lo, 1e7) for la, lo in points])
    t_brute, want_index = timed(brute.reverse, points)  # type: ignore[arg-type]
    report("civwatch KD-tree", t_index)
    report("reference: numpy scan", t_brute)
    same = sum(
        1
        for place, want in zip(got_places, want_index, strict=True)
        if place.geonames_id == table.places[want].geonames_id  # type: ignore[attr-defined]
    )
    print(
        f"  speed-up at p50: {percentile(t_brute, 50) / percentile(t_index, 50):.1f}x;"
        f" same place: {same}/{QUERIES}"
    )


if __name__ == "__main__":
    main()

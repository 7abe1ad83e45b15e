"""Incidents benchmark: casualty aggregation, suggestions and gazetteer look-ups at scale.

Run:  .venv/bin/python bench/incidents_aggregate.py [--incidents 100000] [--items 1000000]
                                                    [--database-url URL]

Without --database-url a SQLite file in a temporary folder is used; with a PostgreSQL URL
(e.g. from scripts/pg-test-server) a throwaway database is created and dropped. Data is
generated and bulk-inserted (not through the service functions one by one). Each figure
is printed beside its reference: the target from issue 5, and a brute-force computation
in Python over every row (which also checks the indexed answer is the same).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from civwatch.config import Settings
from civwatch.evidence.models import EvidenceItem, MediaMatch, Sighting
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.aggregate import IncidentFilter, time_series, totals_in_session
from civwatch.incidents.models import EvidenceLink, Incident, IncidentObject
from civwatch.incidents.suggestions import basis_for, score, suggestions_in_session
from civwatch.incidents.text import text_key
from civwatch.incidents.vocabulary import BUILTIN
from civwatch.workspace import Workspace

EPOCH = datetime(2022, 2, 24, tzinfo=UTC)
SPAN_S = int((datetime(2025, 12, 31, tzinfo=UTC) - EPOCH).total_seconds())
TITLES = (
    "Missile strike on {what} in {place}",
    "Ракетний удар по {what_uk} у {place}",
    "Обстрел {what_ru} в {place}",
    "Drone attack near {place}",
    "Shelling of {place}: {what} damaged",
)
WHAT = (
    ("hospital", "лікарні", "больницы"),
    ("school", "школі", "школы"),
    ("residential building", "житловому будинку", "жилого дома"),
    ("market", "ринку", "рынка"),
    ("substation", "підстанції", "подстанции"),
)
CHUNK = 20_000


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs (after one warm-up) and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


@contextmanager
def database(url: str | None, tmp: Path) -> Iterator[str]:
    if not url:
        yield f"sqlite:///{tmp / 'bench.db'}"
        return
    name = f"cw_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def generate(ws: Workspace, places: Gazetteer, n_incidents: int, n_items: int, seed: int) -> None:
    rng = random.Random(seed)
    towns = [p for p in places.places if p.country_code == "UA" and p.population >= 2000]
    types = list(BUILTIN["incident_type"])
    objects = list(BUILTIN["object"])
    t0 = time.perf_counter()
    with ws.engine.begin() as conn:
        rows: list[dict[str, Any]] = []
        objs: list[dict[str, Any]] = []
        for i in range(1, n_incidents + 1):
            town = rng.choice(towns)
            start = EPOCH + timedelta(seconds=rng.randrange(SPAN_S))
            what = rng.choice(WHAT)
            title = rng.choice(TITLES).format(
                what=what[0], what_uk=what[1], what_ru=what[2], place=town.name
            )
            known = rng.random() < 0.8
            kmin = rng.choice((0, 0, 1, 2, 3, 5, 10)) if known else None
            imin = rng.choice((0, 1, 2, 4, 8, 20)) if known else None
            rows.append(
                {
                    "id": i,
                    "title": title,
                    "narrative": "",
                    "start_at": start,
                    "end_at": start + timedelta(minutes=rng.choice((0, 10, 60))),
                    "time_precision": "hour",
                    "lat": town.lat + rng.uniform(-0.02, 0.02),
                    "lon": town.lon + rng.uniform(-0.03, 0.03),
                    "radius_m": rng.choice((50.0, 200.0, 1000.0)),
                    "settlement": town.name,
                    "raion": None,
                    "oblast": town.oblast,
                    "incident_type": rng.choice(types),
                    "casualties": {},
                    "killed_min": kmin,
                    "killed_max": None if kmin is None else kmin + rng.choice((0, 0, 1, 3)),
                    "injured_min": imin,
                    "injured_max": None if imin is None else imin + rng.choice((0, 2, 5)),
                    "perpetrator": None,
                    "perpetrator_confidence": None,
                    "ihl_concerns": [],
                    "status": rng.choice(
                        ("reported", "under_verification", "verified", "verified", "unverifiable")
                    ),
                    "proposed_status": None,
                    "visibility": "internal",
                    "text_key": text_key(title),
                    "revision": 1,
                    "created_by": "bench",
                    "created_at": start,
                    "updated_at": start,
                }
            )
            for term in rng.sample(objects, rng.choice((1, 1, 2))):
                objs.append({"incident_id": i, "term": term})
            if len(rows) >= CHUNK:
                conn.execute(insert(Incident), rows)
                conn.execute(insert(IncidentObject), objs)
                rows, objs = [], []
        if rows:
            conn.execute(insert(Incident), rows)
            conn.execute(insert(IncidentObject), objs)
    print(f"  {n_incidents:,} incidents in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with ws.engine.begin() as conn:
        items: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        matches: list[dict[str, Any]] = []
        for i in range(1, n_items + 1):
            items.append(
                {
                    "id": i,
                    "sha256": f"{rng.getrandbits(256):064x}",
                    "size": 100_000,
                    "media_type": "image/jpeg",
                    "original_name": f"IMG_{i}.jpg",
                    "collected_at": now,
                    "collected_by": "bench",
                    "metadata": {},
                    "exiftool": {},
                    "c2pa": None,
                    "warnings": [],
                    "ingest_leaf": i,
                    "extraction_leaf": None,
                }
            )
            if i % 5 == 0:
                links.append(
                    {
                        "incident_id": rng.randrange(1, n_incidents + 1),
                        "item_id": i,
                        "role": "corroborating",
                        "note": "",
                        "linked": True,
                        "supersedes_id": None,
                        "actor": "bench",
                        "at": now,
                        "custody_leaf": i,
                    }
                )
            if i % 20 == 0 and i > 1:
                matches.append(
                    {
                        "item_id": i,
                        "other_id": rng.randrange(1, i),
                        "distance": 4,
                        "transform": "none",
                        "method": "bench",
                        "detail": {},
                        "matched_at": now,
                    }
                )
            if len(items) >= CHUNK:
                conn.execute(insert(EvidenceItem), items)
                conn.execute(insert(EvidenceLink), links)
                conn.execute(insert(MediaMatch), matches)
                items, links, matches = [], [], []
        if items:
            conn.execute(insert(EvidenceItem), items)
            conn.execute(insert(EvidenceLink), links)
            conn.execute(insert(MediaMatch), matches)
        if conn.dialect.name == "postgresql":
            for table in ("incident", "evidence_item"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        conn.execute(text("ANALYZE"))
    print(
        f"  {n_items:,} evidence items ({n_items // 5:,} linked, {n_items // 20:,} media "
        f"matches) in {time.perf_counter() - t0:.1f} s"
    )


def new_item(ws: Workspace, place: Any, when: datetime, caption: str) -> EvidenceItem:
    with ws.sessions() as session, session.begin():
        item = EvidenceItem(
            sha256=f"{random.getrandbits(256):064x}",
            size=1,
            media_type="image/jpeg",
            original_name="new.jpg",
            collected_at=when,
            collected_by="bench",
            metadata_={
                "gps_lat": place.lat + 0.002,
                "gps_lon": place.lon - 0.002,
                "captured_at": when.isoformat(),
            },
            exiftool={},
            c2pa=None,
            warnings=[],
            ingest_leaf=0,
        )
        session.add(item)
        session.flush()
        session.add(
            Sighting(
                item_id=item.id,
                collected_at=when,
                collected_by="bench",
                original_name="new.jpg",
                caption=caption,
                fingerprint="f" * 64,
                custody_leaf=0,
            )
        )
    return item


def brute_totals(
    ws: Workspace, oblast: str, since: datetime, until: datetime
) -> tuple[int, int, int]:
    with ws.engine.connect() as conn:
        rows = conn.execute(
            select(
                Incident.oblast,
                Incident.start_at,
                Incident.status,
                Incident.killed_min,
                Incident.killed_max,
            )
        ).all()
    chosen = [
        r
        for r in rows
        if r[0] == oblast
        and r[2] != "false_or_misattributed"
        and since <= (r[1] if r[1].tzinfo else r[1].replace(tzinfo=UTC)) < until
    ]
    return (len(chosen), sum(r[3] or 0 for r in chosen), sum(r[4] or 0 for r in chosen))


def run(url: str | None, n_incidents: int, n_items: int, places: Gazetteer) -> None:
    with tempfile.TemporaryDirectory() as tmp, database(url, Path(tmp)) as db_url:
        settings = Settings(data_dir=Path(tmp) / "data", database_url=db_url, min_free_disk=0)
        ws, _ = Workspace.init(settings)
        print(f"\n== {ws.engine.dialect.name}: generating")
        generate(ws, places, n_incidents, n_items, seed=7)

        print("casualty aggregation (median of 20)              civwatch     target   brute force")
        since, until = datetime(2023, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
        cases: list[tuple[str, dict[str, Any]]] = [
            ("all incidents", {}),
            ("oblast + year", {"oblast": "Kharkiv Oblast", "start_from": since, "start_to": until}),
            (
                "type + year",
                {"incident_type": "drone_attack", "start_from": since, "start_to": until},
            ),
            ("object (hospital)", {"object_": "hospital"}),
            ("verified, oblast", {"statuses": ["verified"], "oblast": "Donetsk Oblast"}),
        ]
        brute_s = time.perf_counter()
        expected = brute_totals(ws, "Kharkiv Oblast", since, until)
        brute_s = time.perf_counter() - brute_s
        with ws.sessions() as session:
            for label, filters in cases:
                flt = IncidentFilter.build(session, **filters)
                took, result = timed(lambda flt=flt: totals_in_session(session, flt), 20)
                ref = _ms(brute_s) if label == "oblast + year" else ""
                print(f"  {label:<44} {_ms(took):>10}  < 200 ms  {ref:>10}")
                if label == "oblast + year":
                    got = (result["incidents"], result["killed"]["min"], result["killed"]["max"])
                    assert got == expected, (got, expected)
                    print(f"    {got[0]} incidents, killed {got[1]}-{got[2]} (same as brute force)")

        took, series = timed(lambda: time_series(ws, "week"), 5)
        print(
            f"  {'time series by week, all incidents':<44} {_ms(took):>10}  "
            f"({len(series['series'])} weeks)"
        )

        print("suggestions for one new item (median of 20)      civwatch     target   brute force")
        rng = random.Random(11)
        for label in ("item near an incident", "another item", "a third item"):
            with ws.sessions() as session:
                target = session.get_one(Incident, rng.randrange(1, n_incidents + 1))
            when = target.start_at + timedelta(hours=2)
            item = new_item(ws, target, when, f"Ракетний удар по лікарні у {target.settlement}")
            with ws.sessions() as session:
                took, result = timed(lambda s=session, i=item: suggestions_in_session(s, i), 20)
                start = time.perf_counter()
                basis = basis_for(session, item)
                every = [score(basis, inc, set()) for inc in session.scalars(select(Incident))]
                best = max(every, key=lambda s: (s["score"], -s["incident"]["id"]))
                brute = time.perf_counter() - start
            top = result["suggestions"][0]["incident"]["id"] if result["suggestions"] else None
            same = "same top" if top == best["incident"]["id"] else "DIFFERENT top"
            print(
                f"  {label} ({target.settlement})".ljust(49) + f"{_ms(took):>10}   < 50 ms  "
                f"{_ms(brute):>10}  ({len(result['suggestions'])} shown, {same})"
            )
        ws.close()


def bench_gazetteer(places: Gazetteer) -> None:
    names = [
        "Kharkiv",
        "Харків",
        "Харьков",
        "Kharkov",
        "Mariupol",
        "Маріуполь",
        "Izium",
        "Bucha",
        "Краматорськ",
        "Zaporizhzhia",
        "Odessa",
        "Lviv",
        "Kyiv",
        "Khersonn",
        "Чернігів",
        "Irpin",
    ]
    print("\ngazetteer lookup (median over names, 50 runs)    civwatch     target   linear scan")
    took = []
    for name in names:
        t, _ = timed(lambda name=name: places.lookup(name), 50)
        took.append(t)
    from civwatch.geo.names import fold

    folded = [fold(p.name) for p in places.places]
    start = time.perf_counter()
    for name in names:
        key = fold(name)
        [i for i, f in enumerate(folded) if f == key]
    scan = (time.perf_counter() - start) / len(names)
    print(
        f"  {len(names)} names, {len(places):,} places".ljust(49)
        + f"{_ms(statistics.median(took)):>10}    < 5 ms  {_ms(scan):>10}"
    )
    print("  slowest name".ljust(49) + f"{_ms(max(took)):>10}")
    t, _ = timed(lambda: places.reverse(49.99, 36.23), 200)
    print("  reverse (coordinates -> settlement)".ljust(49) + f"{_ms(t):>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL server URL (default: SQLite in a temporary folder)",
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    cache = Path(tempfile.gettempdir()) / "civwatch-bench-gazetteer"
    places = Gazetteer.load(cache)
    bench_gazetteer(places)
    if not args.skip_sqlite:
        run(None, args.incidents, args.items, places)
    if args.database_url:
        run(args.database_url, args.incidents, args.items, places)


if __name__ == "__main__":
    main()

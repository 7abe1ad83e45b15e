"""``civwatch verify`` at scale: 1,000,000 evidence items with their sightings and 100,000
incidents with revisions, transitions, evidence links and verification records.

Run:  .venv/bin/python bench/verify.py [--items 1000000] [--incidents 100000]

The data folder is seeded once (rows written in bulk, every custody entry appended
through ``CustodyLog.append_bytes`` in batches of 20,000, a signed head at the end) and
kept in ``bench/out/verify-ITEMS-INCIDENTS/`` for the next run. Each item carries the
metadata and exiftool output of a real extraction (a generated photo run through
exiftool once), varied per item.

Measured, in the same run and on the same folder:

* ``civwatch verify --no-rehash --json`` as a user runs it (a child process): every leaf,
  node and head of the log, every record against its entry, every entry against its
  record, states replayed from transitions (blobs are not re-hashed: this folder has
  none; re-hashing costs what reading the vault costs);
* the reference: merely streaming every custody leaf and every row verify reads, with
  plain SELECTs (sqlite3, no checks at all).

Figures: wall time of each, the ratio, and the peak RSS of the verify process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, text

from civwatch.config import Settings
from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.incidents.models import (
    EvidenceLink,
    Incident,
    IncidentRevision,
    IncidentTransition,
    ItemTransition,
    ItemVerification,
    VerificationRecord,
)
from civwatch.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
BATCH = 20_000
BASE = datetime(2024, 1, 1, tzinfo=UTC)


def canonical(doc: Any) -> bytes:
    """RFC 8785 bytes of the documents this bench writes (no integral or exponent floats,
    so the standard encoder's sorted compact output is exactly RFC 8785: checked on a
    sample of each kind against the reference encoder in :func:`_check_encoding`)."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(doc: Any) -> str:
    return hashlib.sha256(canonical(doc)).hexdigest()


def _check_encoding(doc: Any) -> None:
    import rfc8785

    assert rfc8785.dumps(doc) == canonical(doc), doc


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def _template(folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The normalised metadata and exiftool output of one real extraction."""
    sys.path.insert(0, str(REPO))
    from civwatch.evidence.ingest import ingest_paths
    from tests.support.files import photo

    scratch = folder / "template"
    ws, _ = Workspace.init(Settings(data_dir=scratch / "data", min_free_disk=0))
    try:
        path = photo(scratch / "p.jpg", lat=49.9935, lon=36.2304, seed=1)
        list(ingest_paths(ws, [path], collector="bench"))
        with ws.sessions() as session:
            item = session.query(EvidenceItem).one()
            return dict(item.metadata_), dict(item.exiftool)
    finally:
        ws.close()
        shutil.rmtree(scratch)


class Seeder:
    """Writes rows in bulk and their entries through the custody log, batch by batch."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def write(self, entries: list[bytes], tables: dict[Table, list[dict[str, Any]]]) -> None:
        with self.ws.sessions() as session, session.begin():
            self.ws.custody.append_bytes(session, entries)
            connection = session.connection()
            for table, rows in tables.items():
                if rows:
                    # Straight to the driver, stored as SQLAlchemy stores them on SQLite
                    # (JSON text, UTC times as text): its per-value processing would
                    # dominate the seeding time.
                    columns = list(rows[0])
                    names = ", ".join(columns)
                    marks = ", ".join("?" for _ in columns)
                    connection.exec_driver_sql(
                        f"INSERT INTO {table.name} ({names}) VALUES ({marks})",
                        [tuple(_stored(row[c]) for c in columns) for row in rows],
                    )

    def next_leaf(self) -> int:
        with self.ws.sessions() as session:
            return self.ws.custody.size(session)


def _stored(value: Any) -> Any:
    """A value as SQLAlchemy writes it into SQLite."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def _tables() -> dict[str, Table]:
    return {
        m.__tablename__: m.__table__  # type: ignore[misc]
        for m in (
            EvidenceItem,
            Sighting,
            Incident,
            IncidentRevision,
            IncidentTransition,
            EvidenceLink,
            VerificationRecord,
            ItemTransition,
            ItemVerification,
        )
    }


def seed_items(ws: Workspace, items: int, template: tuple[dict[str, Any], dict[str, Any]]) -> None:
    metadata0, exiftool0 = template
    t = _tables()
    seeder = Seeder(ws)
    leaf = seeder.next_leaf()
    source0 = {
        "url": None,
        "platform": "telegram",
        "account": "@bench",
        "post_id": None,
        "caption": None,
        "published_at": None,
    }
    for start in range(0, items, BATCH // 2):
        entries: list[bytes] = []
        item_rows: list[dict[str, Any]] = []
        sighting_rows: list[dict[str, Any]] = []
        extra: list[dict[str, Any]] = []
        for i in range(start, min(items, start + BATCH // 2)):
            sha = hashlib.sha256(f"item {i}".encode()).hexdigest()
            when = BASE + timedelta(seconds=i, microseconds=i % 999_983 + 1)
            name = f"IMG_{i:07d}.jpg"
            metadata = {**metadata0, "gps_lat": 49.5 + (i % 9973) / 10007}
            exiftool = {**exiftool0, "System:FileName": name, "SourceFile": f"/in/{name}"}
            source = {**source0, "post_id": f"post-{i}", "caption": f"Strike near village {i}"}
            fingerprint = digest({"sha256": sha, "n": i})
            sighting = {
                "sha256": sha,
                "original_name": name,
                "collected_at": _iso(when),
                "collected_by": "bench",
                "source": source,
                "fingerprint": fingerprint,
            }
            meta_doc = {"metadata": metadata, "exiftool": exiftool, "c2pa": None, "warnings": []}
            ingest = {"v": 1, "act": "ingest", "size": 1_000_000 + i, "media_type": "image/jpeg"}
            extract = {
                "v": 1,
                "act": "extract",
                "sha256": sha,
                "at": _iso(when),
                "extractor": "exiftool 12.57",
                "metadata_sha256": digest(meta_doc),
            }
            if i == 0:
                for doc in (meta_doc, {**ingest, **sighting}, extract):
                    _check_encoding(doc)
            entries += [canonical({**ingest, **sighting}), canonical(extract)]
            item_rows.append(
                {
                    "id": i + 1,
                    "sha256": sha,
                    "size": 1_000_000 + i,
                    "media_type": "image/jpeg",
                    "original_name": name,
                    "collected_at": when,
                    "collected_by": "bench",
                    "metadata": metadata,
                    "exiftool": exiftool,
                    "c2pa": None,
                    "warnings": [],
                    "ingest_leaf": leaf,
                    "extraction_leaf": leaf + 1,
                }
            )
            sighting_rows.append(
                {
                    "item_id": i + 1,
                    "collected_at": when,
                    "collected_by": "bench",
                    "original_name": name,
                    "platform": "telegram",
                    "account": "@bench",
                    "post_id": f"post-{i}",
                    "caption": f"Strike near village {i}",
                    "fingerprint": fingerprint,
                    "custody_leaf": leaf,
                }
            )
            leaf += 2
            if i % 10 == 0:  # one item in ten seen again elsewhere
                again = {**sighting, "collected_by": "bench-2", "fingerprint": digest({"n": -i})}
                entries.append(canonical({"v": 1, "act": "sighting", **again}))
                extra.append(
                    {
                        **sighting_rows[-1],
                        "collected_by": "bench-2",
                        "fingerprint": again["fingerprint"],
                        "custody_leaf": leaf,
                    }
                )
                leaf += 1
        seeder.write(
            entries, {t["evidence_item"]: item_rows, t["evidence_sighting"]: sighting_rows + extra}
        )
        if start % 100_000 == 0:
            print(f"  items: {start + len(item_rows):,}", flush=True)


def _doc(n: int) -> dict[str, Any]:
    start = BASE + timedelta(hours=n)
    return {
        "title": f"Strike {n}",
        "narrative": f"Missile strike on a residential block, number {n}.",
        "start": start.isoformat(),
        "end": start.isoformat(),
        "time_precision": "hour",
        "lat": 48.5 + (n % 997) / 1009,
        "lon": 31.5 + (n % 991) / 1013,
        "radius_m": 250.5,
        "settlement": "Kharkiv",
        "raion": None,
        "oblast": "Kharkiv Oblast",
        "incident_type": "missile_strike",
        "weapons": [],
        "objects": [],
        "casualties": {"killed": {"min": n % 3, "max": n % 3 + 2, "source": "Regional admin"}},
        "perpetrator": None,
        "perpetrator_confidence": None,
        "ihl_concerns": [],
    }


class _Log:
    """Entries and rows of one batch; leaves handed out in order."""

    def __init__(self, leaf: int) -> None:
        self.leaf = leaf
        self.entries: list[bytes] = []
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def add(self, entry: dict[str, Any], table: str | None, row: dict[str, Any] | None) -> int:
        leaf = self.leaf
        self.entries.append(canonical(entry))
        if table is not None and row is not None:
            self.rows.setdefault(table, []).append({**row, "custody_leaf": leaf})
        self.leaf += 1
        return leaf


def seed_incidents(ws: Workspace, incidents: int, items: int) -> None:
    t = _tables()
    seeder = Seeder(ws)
    geo = {
        "claimed_place": None,
        "confidence": "medium",
        "lat": 49.9935,
        "lon": 36.2304,
        "method": "satellite imagery",
        "notes": None,
        "precision_m": 30.5,
        "references": [],
    }
    chrono = {
        "claimed_time": None,
        "metadata_time": None,
        "method": "shadows",
        "notes": None,
        "window_end": "2024-01-01T11:00:00+00:00",
        "window_start": "2024-01-01T10:00:00+00:00",
    }
    _check_encoding(geo)
    _check_encoding(_doc(7))
    per_batch = 2_000
    link_id = 0
    for start in range(0, incidents, per_batch):
        log = _Log(seeder.next_leaf())
        incident_rows: list[dict[str, Any]] = []
        states: list[dict[str, Any]] = []
        for n in range(start, min(incidents, start + per_batch)):
            iid = n + 1
            when = BASE + timedelta(days=30, seconds=n * 7, microseconds=n % 999_983 + 1)
            at = when.isoformat()
            doc = _doc(n)
            revisions = 2 if n % 10 < 3 else 1
            for r in range(1, revisions + 1):
                if r == 2:
                    doc = {**doc, "narrative": doc["narrative"] + " Updated."}
                sha = digest(doc)
                act = "incident-create" if r == 1 else "incident-update"
                entry = {
                    "v": 1,
                    "act": act,
                    "actor": "ivan",
                    "at": at,
                    "incident": iid,
                    "revision": r,
                    "doc_sha256": sha,
                }
                row = {
                    "incident_id": iid,
                    "revision": r,
                    "doc": doc,
                    "doc_sha256": sha,
                    "actor": "ivan",
                    "at": when,
                }
                log.add(entry, "incident_revision", row)
            # two items linked and verified (two records, three item transitions each)
            for k in range(2):
                item = (2 * n + k) % items + 1
                sha_item = hashlib.sha256(f"item {item - 1}".encode()).hexdigest()
                if 2 * n + k < items:
                    status = "unverified"
                    for kind, content in (("geolocation", geo), ("chronolocation", chrono)):
                        if status == "unverified":
                            log.add(
                                {
                                    "v": 1,
                                    "act": "item-start",
                                    "actor": "ivan",
                                    "at": at,
                                    "sha256": sha_item,
                                    "from": "unverified",
                                    "to": "under_verification",
                                    "proposed": None,
                                    "reason": None,
                                },
                                "item_transition",
                                {
                                    "item_id": item,
                                    "act": "start",
                                    "from_status": "unverified",
                                    "to_status": "under_verification",
                                    "proposed_status": None,
                                    "reason": None,
                                    "actor": "ivan",
                                    "at": when,
                                },
                            )
                            status = "under_verification"
                        csha = digest(content)
                        log.add(
                            {
                                "v": 1,
                                "act": "verification-record",
                                "actor": "ivan",
                                "at": at,
                                "sha256": sha_item,
                                "kind": kind,
                                "content_sha256": csha,
                                "supersedes_leaf": None,
                            },
                            "verification_record",
                            {
                                "item_id": item,
                                "kind": kind,
                                "content": content,
                                "content_sha256": csha,
                                "supersedes_id": None,
                                "author": "ivan",
                                "at": when,
                            },
                        )
                    for act, before, after, proposed, actor in (
                        ("submit", "under_verification", "in_review", "verified", "ivan"),
                        ("approve", "in_review", "verified", "verified", "vera"),
                    ):
                        log.add(
                            {
                                "v": 1,
                                "act": f"item-{act}",
                                "actor": actor,
                                "at": at,
                                "sha256": sha_item,
                                "from": before,
                                "to": after,
                                "proposed": proposed,
                                "reason": None,
                            },
                            "item_transition",
                            {
                                "item_id": item,
                                "act": act,
                                "from_status": before,
                                "to_status": after,
                                "proposed_status": proposed,
                                "reason": None,
                                "actor": actor,
                                "at": when,
                            },
                        )
                    states.append(
                        {
                            "item_id": item,
                            "status": "verified",
                            "proposed_status": None,
                            "submitted_by": "ivan",
                            "updated_at": when,
                        }
                    )
                link_id += 1
                log.add(
                    {
                        "v": 1,
                        "act": "evidence-link",
                        "actor": "ivan",
                        "at": at,
                        "incident": iid,
                        "sha256": sha_item,
                        "role": "primary" if k == 0 else "corroborating",
                        "note": "",
                        "supersedes_leaf": None,
                    },
                    "incident_evidence",
                    {
                        "id": link_id,
                        "incident_id": iid,
                        "item_id": item,
                        "role": "primary" if k == 0 else "corroborating",
                        "note": "",
                        "linked": True,
                        "supersedes_id": None,
                        "actor": "ivan",
                        "at": when,
                    },
                )
            status, proposed, visibility = "reported", None, "internal"
            steps = [("start", "under_verification", None, "ivan")]
            if n % 10 < 6:
                steps.append(("submit", "in_review", "verified", "ivan"))
            if n % 10 < 5:
                steps.append(("approve", "verified", "verified", "vera"))
            if n % 10 < 3:
                steps.append(("publish", "verified", None, "pat"))
            for act, after, prop, actor in steps:
                extra = {"visibility": "public"} if act == "publish" else {}
                log.add(
                    {
                        "v": 1,
                        "act": f"incident-{act}",
                        "actor": actor,
                        "at": at,
                        "incident": iid,
                        "revision": revisions,
                        "from": status,
                        "to": after,
                        "proposed": prop,
                        "reason": None,
                        **extra,
                    },
                    "incident_transition",
                    {
                        "incident_id": iid,
                        "act": act,
                        "from_status": status,
                        "to_status": after,
                        "proposed_status": prop,
                        "reason": None,
                        "actor": actor,
                        "at": when,
                    },
                )
                status = after
                proposed = prop if after == "in_review" else None
                visibility = "public" if act == "publish" else visibility
            incident_rows.append(
                {
                    "id": iid,
                    "title": doc["title"],
                    "narrative": doc["narrative"],
                    "start_at": datetime.fromisoformat(doc["start"]),
                    "end_at": datetime.fromisoformat(doc["end"]),
                    "time_precision": doc["time_precision"],
                    "lat": doc["lat"],
                    "lon": doc["lon"],
                    "radius_m": doc["radius_m"],
                    "settlement": doc["settlement"],
                    "raion": doc["raion"],
                    "oblast": doc["oblast"],
                    "incident_type": doc["incident_type"],
                    "casualties": doc["casualties"],
                    "killed_min": doc["casualties"]["killed"]["min"],
                    "killed_max": doc["casualties"]["killed"]["max"],
                    "injured_min": None,
                    "injured_max": None,
                    "perpetrator": None,
                    "perpetrator_confidence": None,
                    "ihl_concerns": [],
                    "status": status,
                    "proposed_status": proposed,
                    "visibility": visibility,
                    "public_location_precision": "settlement",
                    "internal_notes": "",
                    "text_key": "",
                    "revision": revisions,
                    "created_by": "ivan",
                    "created_at": when,
                    "updated_at": when,
                }
            )
        tables: dict[Table, list[dict[str, Any]]] = {t["incident"]: incident_rows}
        for name in (
            "incident_revision",
            "incident_transition",
            "incident_evidence",
            "verification_record",
            "item_transition",
        ):
            tables[t[name]] = log.rows.get(name, [])
        tables[t["item_verification"]] = states
        seeder.write(log.entries, tables)
        if start % 20_000 == 0:
            print(f"  incidents: {start + len(incident_rows):,}", flush=True)


def seeded(items: int, incidents: int) -> Settings:
    """Settings of a data folder with ``items`` items and ``incidents`` incidents."""
    folder = OUT / f"verify-{items}-{incidents}"
    settings = Settings(data_dir=folder / "data", min_free_disk=0)
    marker = folder / "seeded.ok"
    if marker.exists():
        print(f"data: {folder} (seeded earlier)")
        return settings
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    template = _template(folder)
    ws, _ = Workspace.init(settings)
    try:
        seed_items(ws, items, template)
        seed_incidents(ws, incidents, items)
        ws.sign_head()
        with ws.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    finally:
        ws.close()
    marker.write_text("ok\n")
    print(f"seeded {folder} in {time.perf_counter() - started:.0f} s")
    return settings


def _reference(db: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds to stream every leaf and every row verify reads, with plain
    SELECTs, in one process."""
    queries = [
        "SELECT idx, entry, leaf_hash FROM custody_leaves ORDER BY idx",
        "SELECT position, hash FROM custody_nodes ORDER BY position",
        "SELECT id, ingest_leaf, extraction_leaf, sha256, size, media_type, original_name, "
        "collected_by, collected_at, metadata, exiftool, c2pa, warnings FROM evidence_item",
        "SELECT * FROM evidence_sighting",
        "SELECT * FROM incident",
        "SELECT * FROM incident_revision",
        "SELECT * FROM incident_transition",
        "SELECT * FROM incident_evidence",
        "SELECT * FROM verification_record",
        "SELECT * FROM item_transition",
        "SELECT * FROM item_verification",
    ]
    connection = sqlite3.connect(db)
    started, cpu = time.perf_counter(), time.process_time()
    rows = 0
    for query in queries:
        for _ in connection.execute(query):
            rows += 1
    connection.close()
    return time.perf_counter() - started, time.process_time() - cpu, rows


def _verify(settings: Settings) -> tuple[float, float, int, dict[str, Any]]:
    """Wall seconds, CPU seconds (all its processes), peak RSS of its largest process
    (KiB) and the JSON report of ``civwatch verify``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVWATCH_")}
    env["CIVWATCH_DATA_DIR"] = str(settings.data_dir)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "civwatch", "verify", "--no-rehash", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"verify failed:\n{err.decode()}")
    return wall, cpu, after.ru_maxrss, json.loads(out)


def _counts(db: Path) -> Iterator[str]:
    connection = sqlite3.connect(db)
    for table in (
        "custody_leaves",
        "evidence_item",
        "evidence_sighting",
        "incident",
        "incident_revision",
        "incident_transition",
        "incident_evidence",
        "verification_record",
        "item_transition",
    ):
        (count,) = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
        yield f"{table} {count:,}"
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=100_000)
    args = parser.parse_args()
    settings = seeded(args.items, args.incidents)
    db = settings.data_dir / "civwatch.db"
    print("rows:", ", ".join(_counts(db)))
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    ref_wall, ref_cpu, ref_rows = _reference(db)
    print(
        f"reference: stream {ref_rows:,} leaves, nodes and rows with plain SELECTs: "
        f"{ref_wall:.1f} s wall, {ref_cpu:.1f} s CPU"
    )
    wall, cpu, rss, report = _verify(settings)
    print(
        f"civwatch verify --no-rehash: {wall:.1f} s wall, {cpu:.1f} s CPU in all its "
        f"processes, peak RSS {rss / 1024:.0f} MiB (largest process)"
    )
    print(f"ratio verify / reference: {wall / ref_wall:.1f} wall, {cpu / ref_cpu:.1f} CPU")
    print(f"problems found: {len(report['problems'])} (expected 0)")
    for problem in report["problems"][:10]:
        print("  ", problem)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Custody log benchmark: append rate, proof latency at 1,000,000 leaves, full verification.

Run:  .venv/bin/python bench/custody_log.py [--leaves 1000000] [--proofs 1000]

SQLite in a temporary folder always; PostgreSQL too when CIVWATCH_TEST_POSTGRES_URL is set
(a throwaway schema is created and dropped). Each figure is printed beside its reference:
proofs against recomputing the root from every leaf hash, which is what a log without
stored subtree hashes would have to do.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url

from civwatch.custody import CustodyLog, root_of, verify_inclusion
from civwatch.custody.models import CUSTODY_TABLES, CustodyLeaf
from civwatch.db import Base, make_engine, session_factory, transaction


def _entry(i: int) -> dict[str, object]:
    return {
        "act": "ingest",
        "evidence": f"ev-{i:08d}",
        "sha256": f"{i:064x}",
        "by": "investigator-7",
        "at": "2026-11-24T10:00:00Z",
        "source": {"kind": "upload", "filename": f"IMG_{i:05d}.jpg", "size": 1_000_000 + i},
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


class _Clock:
    """Wall time and this process's CPU time (the figure to trust on a busy machine; the
    database server's own CPU is not in it for PostgreSQL)."""

    def __enter__(self) -> _Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:.2f} s wall ({self.cpu:.2f} s CPU)"


def _engines(tmp: Path) -> Iterator[tuple[str, Engine]]:
    engine = make_engine(f"sqlite:///{tmp / 'custody.db'}")
    yield "SQLite", engine
    engine.dispose()
    url = os.environ.get("CIVWATCH_TEST_POSTGRES_URL")
    if not url:
        return
    schema = f"custody_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        engine = make_engine(scoped.render_as_string(hide_password=False))
        yield "PostgreSQL", engine
        engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(name: str, engine: Engine, leaves: int, proofs: int, batch: int) -> None:
    Base.metadata.create_all(engine, tables=list(CUSTODY_TABLES))
    sessions = session_factory(engine)
    log = CustodyLog()
    print(f"\n== {name}")

    # 1. Append 100,000 mapping entries (canonical JSON encoding included), batched.
    count = min(100_000, leaves)
    with _Clock() as clock:
        for start in range(0, count, batch):
            with transaction(sessions) as session:
                log.append(session, [_entry(i) for i in range(start, min(start + batch, count))])
    print(
        f"append {count:,} entries (mappings, RFC 8785 encoding included), batches of "
        f"{batch:,}, one commit each: {clock} = {count / clock.wall:,.0f} entries/s wall, "
        f"{count / clock.cpu:,.0f}/s CPU  (target >= 20,000/s)"
    )

    # 2. Grow to `leaves` with pre-encoded entries (the same JSON shape).
    big = 20_000
    with _Clock() as clock:
        for start in range(count, leaves, big):
            encoded = [
                f'{{"act":"ingest","evidence":"ev-{i:08d}","n":{i},"sha256":"{i:064x}"}}'.encode()
                for i in range(start, min(start + big, leaves))
            ]
            with transaction(sessions) as session:
                log.append_bytes(session, encoded)
    if leaves > count:
        print(
            f"append_bytes {leaves - count:,} more (pre-encoded), batches of {big:,}: {clock} "
            f"= {(leaves - count) / clock.wall:,.0f} entries/s wall"
        )

    # 3. Inclusion proofs at full size vs. recomputing the root from every leaf hash.
    rng = random.Random(20261124)
    with sessions() as session:
        size = log.size(session)
        root = log.root(session)
        times = []
        for _ in range(proofs):
            index = rng.randrange(size)
            t0 = time.perf_counter()
            proof = log.inclusion_proof(session, index, size)
            times.append(time.perf_counter() - t0)
            verify_inclusion(index, size, proof.leaf_hash, proof.audit_path, root)
        times.sort()
        p50 = statistics.median(times)
        p95 = times[int(len(times) * 0.95) - 1]
        print(
            f"inclusion proof at {size:,} leaves, {proofs} random indexes (one query each, "
            "tree size given as from a signed head): "
            f"p50 {_ms(p50)}, p95 {_ms(p95)}, max {_ms(times[-1])}  (target < 2 ms)"
        )
        with _Clock() as clock:
            hashes = [
                bytes(h)
                for h in session.scalars(
                    select(CustodyLeaf.leaf_hash)
                    .order_by(CustodyLeaf.idx)
                    .execution_options(yield_per=50_000)
                )
            ]
            reference = root_of(hashes)
        assert reference == root, "the stored tree disagrees with the reference MTH"
        print(
            f"reference: read all {size:,} leaf hashes and recompute the root (RFC 9162 MTH): "
            f"{clock} = {clock.wall / p50:,.0f}x a proof's p50"
        )
        del hashes

        # 4. Full verification of the log (no heads besides one).
        key = Ed25519PrivateKey.generate()
    with transaction(sessions) as session:
        log.sign_head(session, key)
    with sessions() as session:
        with _Clock() as clock:
            problems = log.verify(session, key.public_key())
        assert problems == [], problems[:5]
        print(
            f"verify the whole log ({size:,} leaves: every leaf, node and head): {clock} "
            f"= {size / clock.wall:,.0f} leaves/s wall  (target < 10 s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="custody-bench-") as folder:
        for name, engine in _engines(Path(folder)):
            run(name, engine, args.leaves, args.proofs, args.batch)


if __name__ == "__main__":
    main()

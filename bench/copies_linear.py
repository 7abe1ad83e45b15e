"""Copies in linear time: ingesting a repost wave against ingesting distinct photos.

N near-identical photos (one picture re-encoded, resized and with noise, 270-370 px) are
ingested with copy finding, and N distinct photos of the same size are ingested the same
way into another data folder in the same run (the reference). Copy finding compares each
new item with a few representatives per cluster and records one match per copy, so the
wave should take at most twice the distinct set's time and record N - 1 matches (pairwise
matching recorded N(N-1)/2 and never finished at 1,500).

    PYTHONPATH=src .venv/bin/python bench/copies_linear.py [--count 10000] [--database-url URL]

Prints both times (whole ingest, and copy finding alone), their ratio, the images per
second of copy finding, and the match and representative rows of each set. A
``--database-url`` names an empty database per set: ``{set}`` in it is replaced by
``wave`` or ``distinct`` (e.g. ``postgresql+psycopg://u@host/copies_{set}``).
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from civwatch.config import Settings  # noqa: E402
from civwatch.evidence.collect import Candidate  # noqa: E402
from civwatch.evidence.copies import hash_pending  # noqa: E402
from civwatch.evidence.ingest import Ingest, SourceInfo  # noqa: E402
from civwatch.evidence.models import MediaMatch, MediaRepresentative  # noqa: E402
from civwatch.workspace import Workspace  # noqa: E402
from tests.evidence.copy_images import distinct, repost, texture  # noqa: E402


def make_files(kind: str, count: int, folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    base = texture(1)
    return [
        repost(base, n, folder / f"{n:06d}.jpg")
        if kind == "wave"
        else distinct(1000 + n, folder / f"{n:06d}.jpg")
        for n in range(count)
    ]


def run(kind: str, files: list[Path], root: Path, database_url: str | None) -> dict[str, float]:
    settings = Settings(
        data_dir=root / f"data-{kind}",
        database_url=database_url.replace("{set}", kind) if database_url else None,
        min_free_disk=0,
    )
    ws, _ = Workspace.init(settings)
    try:
        started = time.perf_counter()
        outcomes = list(
            Ingest(ws, source=SourceInfo(), collector="bench").run(
                Candidate(p, p.name) for p in files
            )
        )
        stored = time.perf_counter()
        summary = hash_pending(ws)
        done = time.perf_counter()
        with ws.sessions() as session:
            matches = session.scalar(select(func.count()).select_from(MediaMatch)) or 0
            reps = session.scalar(select(func.count()).select_from(MediaRepresentative)) or 0
    finally:
        ws.close()
    assert sum(o.sha256 is not None for o in outcomes) == len(files), "some files were refused"
    return {
        "total": done - started,
        "copies": done - stored,
        "hashed": summary["hashed"],
        "matches": matches,
        "representatives": reps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="photos in each set")
    parser.add_argument("--database-url", default=None, help="SQLite in the data folder if not")
    args = parser.parse_args()
    print(f"{platform.node()} {platform.machine()} python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="civwatch-copies-") as tmp:
        root = Path(tmp)
        figures = {}
        for kind in ("distinct", "wave"):
            files = make_files(kind, args.count, root / kind)
            figures[kind] = run(kind, files, root, args.database_url)
            f = figures[kind]
            print(
                f"{kind:>8}: {args.count} photos ingested in {f['total']:.1f} s "
                f"(copy finding {f['copies']:.1f} s, {f['hashed'] / f['copies']:.1f} images/s); "
                f"{f['matches']} match rows, {f['representatives']} representatives"
            )
    wave, ref = figures["wave"], figures["distinct"]
    print(
        f"wave / distinct: {wave['total'] / ref['total']:.2f}x whole ingest "
        f"(target <= 2), {wave['copies'] / ref['copies']:.2f}x copy finding; "
        f"match rows {wave['matches']} for {args.count} copies "
        f"(pairwise would be {args.count * (args.count - 1) // 2})"
    )


if __name__ == "__main__":
    main()

"""Ingest benchmark: civwatch's full ingest vs. `sha256sum` + `exiftool -json -n -r`.

Both read the same generated folder of JPEGs (2-5 MB, with EXIF) from a warm page cache.
The reference only hashes and reads metadata; civwatch also copies every file into the
vault with fsync, records items and sightings, and appends to the custody log.

    .venv/bin/python bench/ingest.py [COUNT]     # default 2000
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from photos import photo_set

REPO = Path(__file__).resolve().parents[1]
CIVWATCH = [sys.executable, "-m", "civwatch"]


def timed(cmd: str | list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of a command run in a fresh child."""
    probe = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "cmd = json.loads(sys.argv[1])\n"
        "shell = isinstance(cmd, str)\n"
        "rc = subprocess.run(cmd, shell=shell, stdout=subprocess.DEVNULL).returncode\n"
        "print(json.dumps([time.perf_counter() - t, rc,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(cmd)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, rc, rss = json.loads(out.stdout.strip().splitlines()[-1])
    if rc not in (0,):
        raise SystemExit(f"{cmd} exited {rc}")
    return seconds, rss


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    folder = photo_set(count)
    total = sum(p.stat().st_size for p in folder.iterdir())
    subprocess.run(f"cat {folder}/* > /dev/null", shell=True, check=True)  # warm the cache

    ref_s, ref_rss = timed(
        f"find {folder} -type f -print0 | xargs -0 sha256sum > /dev/null && "
        f"exiftool -json -n -r {folder} > /dev/null"
    )

    work = Path(tempfile.mkdtemp(prefix="civwatch-bench-", dir=REPO / "bench" / "out"))
    try:
        env = {**os.environ, "CIVWATCH_DATA_DIR": str(work / "data"), "CIVWATCH_MIN_FREE_DISK": "0"}
        env.pop("CIVWATCH_DATABASE_URL", None)
        subprocess.run([*CIVWATCH, "init"], env=env, check=True, capture_output=True)
        cw_s, cw_rss = timed([*CIVWATCH, "ingest", str(folder), "--no-copies", "--json"], env=env)
        copies_s, copies_rss = timed([*CIVWATCH, "find-copies", "--json"], env=env)
        check = subprocess.run(
            [*CIVWATCH, "custody", "head", "--json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        size = json.loads(check.stdout)["tree_size"]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"machine: {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"files: {count}, {total / 1e9:.2f} GB ({total / count / 1e6:.1f} MB average)")
    print(
        f"reference sha256sum + exiftool -json -n -r: {ref_s:.1f} s "
        f"({count / ref_s:.0f} files/s), peak RSS {ref_rss / 1024:.0f} MiB"
    )
    print(
        f"civwatch ingest (hash, store+fsync, extract, record, log): {cw_s:.1f} s "
        f"({count / cw_s:.0f} files/s, {total / cw_s / 1e6:.0f} MB/s), "
        f"peak RSS {cw_rss / 1024:.0f} MiB; custody log {size} entries"
    )
    print(
        f"then perceptual hashing and copy search (find-copies): {copies_s:.1f} s "
        f"({count / copies_s:.1f} images/s), peak RSS {copies_rss / 1024:.0f} MiB"
    )
    ratio = cw_s / ref_s
    print(
        f"ratio civwatch / reference: {ratio:.2f} (target <= 1.5) -> "
        f"{'PASS' if ratio <= 1.5 else 'FAIL'}"
    )


if __name__ == "__main__":
    main()

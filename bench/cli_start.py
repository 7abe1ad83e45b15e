"""How fast the ``civwatch`` command starts: ``--help`` and two light commands, against an
empty Python start (``python -c pass``) in the same run.

Run:  .venv/bin/python bench/cli_start.py [--runs 21]

Each command runs as a user runs it, in a child process (``python -m civwatch ...``), once
per round, the commands interleaved within a round so that a busy machine slows them alike;
two rounds are run first and not counted (disk cache). The light commands work on a data
folder made for the run in a temporary folder (``civwatch init``, one small file ingested):

* ``civwatch --help``: lists the commands (target: under 300 ms);
* ``civwatch custody head --json``: opens the database, prints the signed tree head;
* ``civwatch show SHA``: opens the database, prints one evidence item.

Figures: the median wall time of each over the counted rounds, and its ratio to the median
of ``python -c pass``; the load average before and after says how busy the machine was.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WARMUP = 2


def _run(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="Counted rounds.")
    args = parser.parse_args()

    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="cw-cli-start-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CIVWATCH_")}
        env["CIVWATCH_DATA_DIR"] = str(Path(tmp) / "data")
        env["CIVWATCH_MIN_FREE_DISK"] = "0"
        civwatch = [py, "-m", "civwatch"]
        subprocess.run([*civwatch, "init"], env=env, check=True, capture_output=True)
        note = Path(tmp) / "note.txt"
        note.write_text("A witness statement.\n", encoding="utf-8")
        ingested = subprocess.run(
            [*civwatch, "ingest", "--no-copies", "--json", str(note)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        sha = json.loads(ingested.stdout.splitlines()[-1])["sha256"]

        commands = {
            "python -c pass": [py, "-c", "pass"],
            "civwatch --help": [*civwatch, "--help"],
            "civwatch custody head --json": [*civwatch, "custody", "head", "--json"],
            "civwatch show SHA": [*civwatch, "show", sha],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        load_before = os.getloadavg()
        for round_ in range(WARMUP + args.runs):
            for name, argv in commands.items():
                elapsed = _run(argv, env)
                if round_ >= WARMUP:
                    times[name].append(elapsed)
        load_after = os.getloadavg()

    base = statistics.median(times["python -c pass"])
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.runs} rounds")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print(f"{'command':32} {'median':>10} {'min':>10} {'ratio':>8}")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name:32} {median * 1000:8.0f} ms {min(values) * 1000:8.0f} ms {median / base:8.1f}"
        )


if __name__ == "__main__":
    main()

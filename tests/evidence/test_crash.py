"""SIGKILL during a large ingest loses nothing reported, and a re-run completes it."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from civwatch.evidence.models import EvidenceItem, Sighting
from tests.conftest import run_cli
from tests.support.files import noise_jpeg


@pytest.mark.slow
def test_sigkill_at_several_points_then_rerun(tmp_path: Path, cli_env: dict[str, str]) -> None:
    run_cli(cli_env, "init", check=True)
    src = tmp_path / "collected"
    src.mkdir()
    expected: dict[str, str] = {}
    for n in range(48):
        if n % 3 == 0:
            path = noise_jpeg(src / f"photo-{n:03d}.jpg", size=(640, 480), seed=n)
        else:
            path = src / f"video-{n:03d}.bin"
            path.write_bytes(os.urandom(1_500_000 + n))
        expected[hashlib.sha256(path.read_bytes()).hexdigest()] = path.name

    engine = create_engine(cli_env["CIVWATCH_DATABASE_URL"])
    cmd = [
        sys.executable,
        "-m",
        "civwatch",
        "ingest",
        str(src),
        "--collector",
        "crash-test",
        "--json",
    ]
    for kill_after in (0.2, 0.9, 1.6, 2.5):
        proc = subprocess.Popen(
            cmd, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        time.sleep(kill_after)
        os.kill(proc.pid, signal.SIGKILL)
        try:
            stdout, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            pytest.fail("a process started by the killed ingest kept its output open")
        reported = [json.loads(line) for line in stdout.splitlines() if line.strip()]
        with engine.connect() as conn:
            stored = set(conn.execute(select(EvidenceItem.sha256)).scalars())
        for outcome in reported:
            if outcome["status"] in ("ingested", "duplicate"):
                assert outcome["sha256"] in stored, f"reported {outcome} but it was lost"

    final = subprocess.run(cmd, env=cli_env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    with engine.connect() as conn:
        stored = set(conn.execute(select(EvidenceItem.sha256)).scalars())
        sightings = conn.execute(select(func.count()).select_from(Sighting)).scalar_one()
    engine.dispose()
    assert stored == set(expected)
    assert sightings == len(expected), "a re-run recorded a sighting twice"
    verify = run_cli(cli_env, "verify")
    assert verify.returncode == 0, verify.stderr
    tmp_left = list((Path(cli_env["CIVWATCH_DATA_DIR"]) / "vault" / "tmp").iterdir())
    assert tmp_left == []  # partial writes of killed runs are cleaned up by the next run

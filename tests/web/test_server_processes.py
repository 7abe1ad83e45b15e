"""``civwatch serve --processes N``: N real server processes on one port, supervised."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.conftest import run_cli
from tests.support.live import free_port

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and b"spawn_main" in cmdline:  # not the resource tracker
            found.append(int(entry.name))
    return found


def _start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "civwatch", "serve", "--port", str(port)]
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [*command, "--processes", "2", "--workers", "0"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


#: How long a server may take to answer: as long as tests/support/live.py allows (two
#: processes starting on a loaded machine took longer than the 30 s this test gave them).
UP_WITHIN_S = 180


def _wait_until_up(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + UP_WITHIN_S
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"not answering after {UP_WITHIN_S} s:\n{log.read_text()}")


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    workers: list[int]


@pytest.fixture
def served(cli_env: dict[str, str], tmp_path: Path) -> Iterator[Served]:
    """``civwatch serve --processes 2`` answering, with its two server processes' pids."""
    run_cli(cli_env, "init", check=True)
    port = free_port()
    log = tmp_path / "serve.log"
    proc = _start(cli_env, port, log)
    try:
        _wait_until_up(proc, port, log)
        deadline = time.monotonic() + UP_WITHIN_S
        while time.monotonic() < deadline:  # both processes up (each takes its socket when ready)
            if len(_children(proc.pid)) == 2:
                break
            time.sleep(0.1)
        workers = _children(proc.pid)
        assert len(workers) == 2
        yield Served(proc, port, log, workers)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_two_processes_answer_and_stop_together(served: Served, cli_env: dict[str, str]) -> None:
    # every new connection is answered, whichever process the kernel gives it to
    for _ in range(40):
        with httpx.Client(base_url=f"http://127.0.0.1:{served.port}") as client:
            assert client.get("/signin").status_code == 200
    # the port is taken: a second server says so in one line, with no traceback
    for processes in ("1", "2"):
        other = run_cli(cli_env, "serve", "--port", str(served.port), "--processes", processes)
        assert other.returncode == 1
        assert "Cannot listen on 127.0.0.1" in other.stderr and "Traceback" not in other.stderr
    # one process dies: the supervisor stops the other and exits 1, not limping on
    os.kill(served.workers[0], signal.SIGKILL)
    assert served.proc.wait(timeout=60) == 1
    assert not any(Path(f"/proc/{pid}").exists() for pid in served.workers)
    assert "stopped unexpectedly" in served.log.read_text()


def test_stopping_the_server_stops_every_process(served: Served) -> None:
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=60) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in served.workers)

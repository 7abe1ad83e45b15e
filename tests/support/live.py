"""The app served by a real uvicorn (``civwatch serve``) on a free loopback port, and where
browser tests leave their screenshots."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(env: dict[str, str], *extra: str) -> Iterator[str]:
    """Serve the data folder named in ``env``; yields the base URL once it accepts requests."""
    with live_server_process(env, *extra) as (url, _proc):
        yield url


@contextmanager
def live_server_process(
    env: dict[str, str], *extra: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """:func:`live_server`, also yielding the server process (to measure its memory).

    The server's log goes to a file (``$CIVWATCH_SERVER_LOG`` or a temporary one), never to
    a pipe: a pipe nobody reads fills up and stops the server mid-request.
    """
    port = free_port()
    log_path = Path(env.get("CIVWATCH_SERVER_LOG") or tempfile.mkstemp(suffix=".log")[1])
    log = log_path.open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "civwatch", "serve", "--port", str(port), *extra],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # Until it accepts a connection, or fails clearly: yielding a URL nobody answers
        # made the caller's first request fail with "connection refused" on a loaded machine.
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                tail = log_path.read_bytes().decode(errors="replace")[-2000:]
                raise RuntimeError(f"civwatch serve exited (log {log_path}): {tail}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"civwatch serve did not answer in 180 s (log {log_path})"
                    ) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def screenshot_dir(tmp_path: Path) -> Path:
    """$CIVWATCH_SCREENSHOTS when set (CI keeps it as an artefact), else the test's folder."""
    folder = Path(os.environ.get("CIVWATCH_SCREENSHOTS", tmp_path / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder

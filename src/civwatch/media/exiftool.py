"""A driver for one long-running ``exiftool -stay_open True -@ -`` process.

Starting Perl and exiftool costs ~0.2 s, far more than reading one photo, so the
process is started once and fed commands on stdin. Each command ends with
``-echo4 {readyN}`` and ``-execute N`` so both output streams carry an end marker.
A command that outlives its deadline, or a process that dies, is killed and
restarted; the caller decides what to retry.

The arguments given to every command (``-common_args``) are::

    -j -n -G1 -a -u -charset filename=utf8 -api LargeFileSupport=1

``-j`` JSON, ``-n`` numbers rather than printed forms (decimal degrees, seconds),
``-G1`` the specific group in each key (``IFD0:Make``, ``GPS:GPSLatitude``,
``Keys:GPSCoordinates``) so equally named tags of different origin stay apart,
``-a`` duplicates kept, ``-u`` unknown tags too. Binary values are not dumped
(no ``-b``): they appear as ``(Binary data N bytes ...)``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import time
import weakref
from collections.abc import Sequence
from typing import IO, Any

from civwatch.errors import ConfigurationError
from civwatch.i18n import _
from civwatch.media.tools import EXIFTOOL, resolve

COMMON_ARGS: tuple[str, ...] = (
    "-j",
    "-n",
    "-G1",
    "-a",
    "-u",
    "-charset",
    "filename=utf8",
    "-api",
    "LargeFileSupport=1",
)


class ExiftoolTimeout(Exception):
    """exiftool did not finish the command in time; the process was killed."""


class ExiftoolCrashed(Exception):
    """exiftool exited or closed its output in the middle of a command."""


class ExiftoolProcess:
    """One exiftool process in batch mode. Not thread-safe: use one per thread."""

    def __init__(self, executable: str = "exiftool") -> None:
        self.executable = executable
        self._proc: subprocess.Popen[bytes] | None = None
        self._counter = 0
        self._pending: int | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self.restarts = 0

    @property
    def waiting(self) -> bool:
        """A command was sent and its answer not yet received."""
        return self._pending is not None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        if self.running:
            return
        executable = resolve(EXIFTOOL, self.executable)
        try:
            self._proc = subprocess.Popen(
                [
                    *_DIE_WITH_PARENT,
                    executable,
                    *("-stay_open", "True", "-@", "-", "-common_args", *COMMON_ARGS),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise ConfigurationError(
                _(
                    "exiftool could not be started (%(executable)s: %(reason)s); install "
                    "it or set CIVWATCH_EXIFTOOL_PATH.",
                    executable=self.executable,
                    reason=exc.strerror,
                )
            ) from exc
        # With -stay_open, exiftool keeps waiting after its stdin closes: make sure it
        # ends when this object is collected or the interpreter exits without close().
        self._finalizer = weakref.finalize(self, _terminate, self._proc)
        self._pending = None

    def send(self, args: Sequence[bytes]) -> None:
        """Queue one command; read its answer with :meth:`receive`. Arguments are raw
        argfile lines and must not contain a newline."""
        if self._pending is not None:
            raise RuntimeError("the previous exiftool command has not been received yet")
        for arg in args:
            if b"\n" in arg or b"\r" in arg:
                raise ValueError("an exiftool argument may not contain a line break")
        self.start()
        assert self._proc is not None and self._proc.stdin is not None
        # An unguessable command number, so text inside a file's metadata cannot
        # pose as the end-of-answer marker.
        self._counter = secrets.randbelow(10**12) + 1
        number = self._counter
        lines = [*args, b"-echo4", b"{ready%d}" % number, b"-execute%d" % number]
        try:
            self._proc.stdin.write(b"\n".join(lines) + b"\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            self.kill()
            raise ExiftoolCrashed("exiftool is not accepting commands") from exc
        self._pending = number

    def receive(self, timeout_s: float) -> tuple[bytes, bytes]:
        """Stdout and stderr of the command sent last, waiting at most ``timeout_s``."""
        if self._pending is None or self._proc is None:
            raise RuntimeError("no exiftool command is waiting for its answer")
        number, self._pending = self._pending, None
        marker = b"{ready%d}" % number
        out_fd = _fileno(self._proc.stdout)
        err_fd = _fileno(self._proc.stderr)
        buffers = {out_fd: bytearray(), err_fd: bytearray()}
        done = {out_fd: False, err_fd: False}
        deadline = time.monotonic() + timeout_s
        with selectors.DefaultSelector() as selector:
            selector.register(out_fd, selectors.EVENT_READ)
            selector.register(err_fd, selectors.EVENT_READ)
            while not (done[out_fd] and done[err_fd]):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.kill()
                    raise ExiftoolTimeout(f"exiftool took longer than {timeout_s:g} s")
                for key, _ in selector.select(remaining):
                    fd = int(key.fd)
                    chunk = os.read(fd, 1 << 16)
                    if not chunk:
                        self.kill()
                        raise ExiftoolCrashed("exiftool stopped in the middle of a command")
                    buffers[fd] += chunk
                    if _ends_with_marker(buffers[fd], marker):
                        done[fd] = True
                        selector.unregister(fd)
        return (
            _strip_marker(bytes(buffers[out_fd]), marker),
            _strip_marker(bytes(buffers[err_fd]), marker),
        )

    def execute(self, args: Sequence[bytes], timeout_s: float) -> tuple[bytes, bytes]:
        """Send one command and wait for its answer."""
        self.send(args)
        return self.receive(timeout_s)

    def kill(self) -> None:
        """Stop the process now; the next command starts a new one."""
        proc, self._proc = self._proc, None
        self._pending = None
        self._detach_finalizer()
        if proc is None:
            return
        self.restarts += 1
        _terminate(proc)

    def _detach_finalizer(self) -> None:
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None

    def close(self) -> None:
        """Ask exiftool to exit, killing it if it does not within a few seconds."""
        proc, self._proc = self._proc, None
        self._pending = None
        self._detach_finalizer()
        if proc is None:
            return
        try:
            if proc.poll() is None and proc.stdin is not None:
                proc.stdin.write(b"-stay_open\nFalse\n")
                proc.stdin.flush()
            proc.wait(timeout=5)
        except (BrokenPipeError, OSError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        _close_pipes(proc)

    def __enter__(self) -> ExiftoolProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_json_output(stdout: bytes) -> list[dict[str, Any]]:
    """exiftool's ``-j`` output as a list of objects; repeated keys get `` #2``, `` #3``."""
    text = stdout.decode("utf-8", errors="replace").strip()
    if not text:
        return []
    parsed = json.loads(text, object_pairs_hook=_keep_duplicates)
    if not isinstance(parsed, list):
        raise ValueError("exiftool JSON output is not a list")
    return [item for item in parsed if isinstance(item, dict)]


def _keep_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        name, n = key, 1
        while name in result:
            n += 1
            name = f"{key} #{n}"
        result[name] = value
    return result


def _fileno(stream: IO[bytes] | None) -> int:
    assert stream is not None
    return stream.fileno()


def _ends_with_marker(buffer: bytearray, marker: bytes) -> bool:
    """The marker stands on a line of its own at the very end (JSON strings cannot
    hold a raw line break, so metadata cannot fake this)."""
    line = marker + b"\n"
    if not buffer.endswith(line):
        return False
    return len(buffer) == len(line) or buffer[-len(line) - 1 : -len(line)] == b"\n"


def _strip_marker(data: bytes, marker: bytes) -> bytes:
    data = data.rstrip(b"\r\n")
    return data[: -len(marker)] if data.endswith(marker) else data


#: With -stay_open, exiftool keeps polling its closed stdin for ever when its parent is
#: killed (SIGKILL leaves no chance to clean up). On Linux, util-linux's setpriv makes the
#: kernel kill it with its parent (PR_SET_PDEATHSIG survives exec).
_DIE_WITH_PARENT: list[str] = (
    ["setpriv", "--pdeathsig", "KILL", "--"]
    if sys.platform == "linux" and shutil.which("setpriv")
    else []
)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    """Kill exiftool and anything it started (it leads its own process group)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    _close_pipes(proc)
    proc.wait()


def _close_pipes(proc: subprocess.Popen[bytes]) -> None:
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()

"""Serving the app from several processes on one port.

One Python process answers on one core at a time. ``civwatch serve --processes N`` starts N
server processes, each with its own listening socket on the same port (``SO_REUSEPORT``):
the kernel then spreads new connections over them. A single socket shared by every
process (what ``uvicorn --workers`` does) lets whichever process wakes first accept a burst
of keep-alive connections and keep them all; measured, one of two processes then served
every request while the other idled (``bench/web_map.py``).

The sockets are made as ``IPPROTO_TCP`` so that asyncio turns Nagle's algorithm off on each
connection (with a protocol of 0 it does not, and every keep-alive answer waits ~40 ms for
the client's delayed ACK). Background job workers are not started here: the caller runs
them once, beside the supervisor.

Whose address is the client's: the connection's, unless it comes from a reverse proxy named
in ``CIVWATCH_FORWARDED_ALLOW_IPS``; only then are its ``X-Forwarded-For`` and
``X-Forwarded-Proto`` believed. (uvicorn on its own believes them from 127.0.0.1, so anyone
on the machine, or behind a proxy that passes the header on, could name any address: the
sign-in throttle and the audit log would take it.)
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import socket
import time
from types import FrameType
from typing import Any

from civwatch.config import Settings

#: How every server process runs uvicorn. No access log: request lines carry search terms
#: and names in query strings, which must not sit in a log file; the audit log records
#: who read and changed what.
UVICORN_OPTIONS: dict[str, Any] = {"log_level": "info", "access_log": False}
#: Allocations between collections of the youngest generation (Python's default: 700).
GC_THRESHOLD = 20_000
#: Longest a process is given to finish its requests when the server stops.
STOP_GRACE_S = 30


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for ``settings``: :data:`UVICORN_OPTIONS`, and proxy headers
    believed only from the proxies the settings name (never from anyone by default)."""
    proxies = [p for p in settings.forwarded_allow_ips.split(",") if p]
    return {**UVICORN_OPTIONS, "proxy_headers": bool(proxies), "forwarded_allow_ips": proxies}


def listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A TCP socket bound to ``host:port``, not yet listening (uvicorn does that)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def tune_gc() -> None:
    """Fewer, cheaper garbage collections while serving.

    Everything made at start-up (the app, its routes, templates, the ORM's mappers) is
    moved out of the collector's sight, and the youngest generation is collected after
    GC_THRESHOLD allocations instead of 700: a search answer allocates tens of thousands
    of short-lived objects, and each full collection walked every long-lived one.
    """
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, middle, oldest)


def check_port(host: str, port: int) -> None:
    """Raise OSError if ``host:port`` cannot be listened on (taken, or not this machine's).

    Tried without SO_REUSEPORT: that fails if anything holds the port, even another civwatch
    whose processes share it (the same user may join a SO_REUSEPORT group, and a second
    server would silently take half the connections). One clear error, not one per process.
    """
    listening_socket(host, port, reuse_port=False).close()


def serve_one(settings: Settings, host: str, port: int, reuse_port: bool) -> None:
    """One server process: the app on its own socket until SIGTERM or SIGINT."""
    import uvicorn

    from civwatch.web.app import create_app

    sock = listening_socket(host, port, reuse_port=reuse_port)
    config = uvicorn.Config(create_app(settings), **uvicorn_options(settings))
    tune_gc()
    uvicorn.Server(config).run(sockets=[sock])


def serve_processes(settings: Settings, host: str, port: int, processes: int) -> int:
    """Run ``processes`` server processes until stopped; the exit code for the command.
    Call :func:`check_port` first.

    If one process dies, the others are stopped too and the code is 1: a server running
    at a fraction of its strength without anyone noticing is worse than one that stops.
    """
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(
            target=serve_one, args=(settings, host, port, True), name=f"civwatch-web-{n}"
        )
        for n in range(processes)
    ]
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for child in children:
            child.start()
        while not stopping and all(child.is_alive() for child in children):
            time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for child in children:
            if child.is_alive():
                child.terminate()  # SIGTERM: uvicorn finishes the requests under way
        deadline = time.monotonic() + STOP_GRACE_S
        for child in children:
            child.join(max(0.0, deadline - time.monotonic()))
            if child.is_alive():
                child.kill()
                child.join()
    return 0 if stopping else 1

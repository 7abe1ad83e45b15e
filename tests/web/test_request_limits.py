"""Request bodies are limited before they are read, and a stranger's body is never read.

The attack: an anonymous 400 MiB JSON body to ``POST /api/v1/incidents`` grew the server by
800 MiB before it answered. Now the server answers 401 at once, reading none of it; a
signed-in body over the limit (``CIVWATCH_MAX_REQUEST_BODY``, 1 MiB by default) gets 413
whether it announces its length or comes in chunks; an upload streams to disk and stops
at the first file over ``max_file_size``.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from civwatch.config import Settings
from civwatch.jobs.models import Job
from civwatch.web.app import create_app
from tests.incidents.helpers import incident_doc, seed_cache
from tests.support.live import live_server_process
from tests.web.conftest import BASE, Team, bearer, sign_in

MIB = 1024 * 1024


@pytest.fixture(autouse=True)
def _gazetteer(team: Team, gazetteer_cache: Path) -> None:
    seed_cache(gazetteer_cache, team.ws.settings.data_dir)


def _incident_json(**over: Any) -> dict[str, Any]:
    doc = incident_doc(**over)
    doc["start"] = doc["start"].isoformat()
    return doc


JSON_HEAD = b'{"title": "'
JSON_TAIL = b'", "lat": 50.0, "lon": 36.2}'


def _huge_json(size: int) -> Iterator[bytes]:
    """A JSON incident whose title is ``size`` bytes (whole MiB), a MiB at a time."""
    yield JSON_HEAD
    for _ in range(size // MIB):
        yield b"a" * MIB
    yield JSON_TAIL


def _peak_rss(pid: int) -> int:
    """The most memory the process has held in RAM since it started (VmHWM), bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def _send(
    url: str,
    path: str,
    headers: dict[str, str],
    chunks: Iterator[bytes],
    *,
    chunked: bool,
    method: str = "POST",
) -> tuple[int, float, int]:
    """Send a request over a plain socket while reading its answer: (status, seconds until
    the answer came, body bytes the server let us send before it answered)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=120)
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    sent = 0
    answered = threading.Event()

    def push() -> None:
        nonlocal sent
        try:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            for chunk in chunks:
                if answered.is_set():
                    return
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                sent += len(chunk)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:  # the server answered and closed the connection: what we want
            return

    start = time.monotonic()
    sender = threading.Thread(target=push, daemon=True)
    sender.start()
    answer = b""
    try:
        while b"\r\n" not in answer:
            try:
                got = sock.recv(65536)
            except ConnectionResetError:  # closed mid-body: the answer must be in already
                break
            if not got:
                break
            answer += got
    finally:
        elapsed = time.monotonic() - start
        answered.set()
        sender.join(timeout=60)
        sock.close()
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split()[1]), elapsed, sent


@pytest.mark.slow
def test_a_strangers_huge_body_is_refused_before_it_is_read(
    team: Team, cli_env: dict[str, str]
) -> None:
    size = 300 * MIB
    token = team.tokens["investigator"]
    json_headers = {"Content-Type": "application/json"}
    with live_server_process(cli_env, "--workers", "0") as (url, proc):
        for _ in range(3):  # warm up: the first answers load templates and connections
            status, _, _ = _send(
                url, "/api/v1/me", bearer(token), iter([]), chunked=False, method="GET"
            )
            assert status == 200
        before = _peak_rss(proc.pid)
        # announced length, no credential: 401 at once, none of the 300 MiB read
        status, elapsed, sent = _send(
            url,
            "/api/v1/incidents",
            {**json_headers, "Content-Length": str(len(JSON_HEAD) + size + len(JSON_TAIL))},
            _huge_json(size),
            chunked=False,
        )
        assert status == 401
        assert elapsed < 5 and sent < size // 2
        # the same in chunks, without a length
        status, elapsed, sent = _send(
            url, "/api/v1/incidents", json_headers, _huge_json(size), chunked=True
        )
        assert status == 401 and sent < size // 2
        # signed in, in chunks: the server stops reading at the limit and says why
        status, elapsed, sent = _send(
            url,
            "/api/v1/incidents",
            {**json_headers, **bearer(token)},
            _huge_json(size),
            chunked=True,
        )
        assert status == 413 and sent < size // 2
        grown = _peak_rss(proc.pid) - before
    assert grown < 30 * MIB, f"the server grew by {grown / MIB:.0f} MiB"


def test_a_signed_in_body_over_the_limit_gets_413_whether_announced_or_chunked(
    team: Team, client: TestClient
) -> None:
    inv = bearer(team.tokens["investigator"])
    too_big = _incident_json(title="a" * (2 * MIB))
    r = client.post("/api/v1/incidents", json=too_big, headers=inv)
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert "1048576 bytes" in r.json()["detail"]
    body = json.dumps(too_big).encode()
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    r = client.post(
        "/api/v1/incidents",
        content=chunks,
        headers={**inv, "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and "larger than" in r.json()["detail"]
    # a form through a browser session is limited too
    csrf = sign_in(client, "investigator")
    r = client.post(
        "/incidents", data={"csrf_token": csrf, "title": "x", "narrative": "n" * (2 * MIB)}
    )
    assert r.status_code == 413
    # a normal request still works, and nothing was created by the refused ones
    r = client.post("/api/v1/incidents", json=_incident_json(), headers=inv)
    assert r.status_code == 201, r.text
    assert [i["id"] for i in client.get("/api/v1/incidents", headers=inv).json()["incidents"]] == [
        r.json()["id"]
    ]


def test_a_stranger_gets_401_before_the_body_and_a_wrong_role_403(
    team: Team, client: TestClient
) -> None:
    big = _incident_json(title="a" * (2 * MIB))
    r = client.post("/api/v1/incidents", json=big)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    r = client.post("/api/v1/incidents", json=big, headers=bearer("cw_not-a-token"))
    assert r.status_code == 401 and "unknown" in r.json()["detail"]
    r = client.post("/api/v1/incidents", json=big, headers=bearer(team.tokens["viewer"]))
    assert r.status_code == 403
    upload = {"files": [("files", ("a.bin", io.BytesIO(b"x" * (2 * MIB)), "text/plain"))]}
    r = client.post("/api/v1/evidence", headers=bearer(team.tokens["viewer"]), **upload)
    assert r.status_code == 403


def _stored(settings: Settings) -> list[Path]:
    folders = [settings.data_dir / "vault" / "sha256", settings.data_dir / "spool"]
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def test_an_upload_over_the_file_limit_is_refused_and_nothing_is_stored(team: Team) -> None:
    settings = team.ws.settings.model_copy(update={"max_file_size": 64 * 1024})
    inv = bearer(team.tokens["investigator"])
    small = ("files", ("small.txt", io.BytesIO(b"a small note\n"), "text/plain"))
    large = ("files", ("large.bin", io.BytesIO(b"x" * (200 * 1024)), "application/pdf"))
    with TestClient(create_app(settings), base_url=BASE) as c:
        r = c.post("/api/v1/evidence", files=[small, large], headers=inv)
        assert r.status_code == 413, r.text
        assert "large.bin" in r.json()["detail"] and "65536 bytes" in r.json()["detail"]
        # more files than one upload takes
        many = [("files", (f"n{n}.txt", io.BytesIO(b"n"), "text/plain")) for n in range(101)]
        r = c.post("/api/v1/evidence", files=many, headers=inv)
        assert r.status_code == 413 and "at most 100 files" in r.json()["detail"]
        # the inbox form (no JavaScript) says so too
        csrf = sign_in(c, "investigator")
        large[1][1].seek(0)
        r = c.post("/inbox/upload", files=[large], data={"csrf_token": csrf})
        assert r.status_code == 413 and "large.bin" in r.text
        assert r.headers["content-type"].startswith("text/html")  # a page, not raw JSON
        with team.ws.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Job)) == 0
        assert _stored(settings) == []
        # an upload within the limits still goes through, larger than the JSON limit
        big_ok = ("files", ("ok.bin", io.BytesIO(b"y" * 60 * 1024), "application/pdf"))
        small[1][1].seek(0)
        r = c.post("/api/v1/evidence", files=[small, big_ok], headers=inv)
        assert r.status_code == 202, r.text


def test_the_limit_is_a_setting(team: Team) -> None:
    settings = team.ws.settings.model_copy(update={"max_request_body": 4 * MIB})
    inv = bearer(team.tokens["investigator"])
    note = "n" * (2 * MIB)
    with TestClient(create_app(settings), base_url=BASE) as c:
        r = c.post("/api/v1/incidents", json=_incident_json(narrative=note), headers=inv)
        # read in full and judged on its content (the narrative is too long), not its size
        assert r.status_code == 422 and "at most" in r.json()["detail"]
    assert Settings(max_request_body="2097152").max_request_body == 2 * MIB  # type: ignore[arg-type]

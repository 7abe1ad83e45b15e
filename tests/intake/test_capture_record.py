"""A web capture is a record of its own, checked against its custody entry, shown on
the pages of the items it stored; a capture job killed after its commit finishes with
that capture instead of capturing the page again; and the TLS certificate fingerprint is
the SHA-256 of the certificate a real HTTPS server presented.

Real headless Chromium against the local test sites (127.0.0.1, allowed through
CIVWATCH_CAPTURE_ALLOW_HOSTS); two browser launches in all."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from civwatch.config import Settings
from civwatch.custody.bindings import Problem
from civwatch.evidence.models import EvidenceItem
from civwatch.intake import capture_fetch
from civwatch.intake.capture import capture_page, start_capture
from civwatch.intake.models import WebCapture, WebCaptureItem
from civwatch.integrity import verify_workspace
from civwatch.jobs import get_job
from civwatch.jobs.queue import run_job
from civwatch.workspace import Workspace
from tests.intake.site import Site, running_site
from tests.intake.tls_site import make_certificates, running_tls_site
from tests.web.conftest import Team, bearer, client, team  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"capture_allow_hosts": "127.0.0.1", "capture_media_min_bytes": 1024}
    )


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with running_site() as s:
        yield s


def _entries(ws: Workspace, act: str) -> list[dict[str, object]]:
    with ws.sessions() as session:
        rows = session.execute(text("SELECT entry FROM custody_leaves ORDER BY idx")).all()
    return [d for d in (json.loads(bytes(r[0])) for r in rows) if d["act"] == act]


def _counts(ws: Workspace) -> tuple[int, int, int]:
    with ws.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(EvidenceItem)) or 0,
            session.scalar(select(func.count()).select_from(WebCapture)) or 0,
            len(_entries(ws, "web-capture")),
        )


#: Runs one job in a process of its own and dies (SIGKILL, no clean-up) the moment the
#: transaction that wrote the capture's record is durable, before the job is marked done.
_DIE_AFTER_CAPTURE_COMMIT = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.orm import Session
from civwatch import extensions
from civwatch.config import Settings
from civwatch.intake.models import WebCapture
from civwatch.jobs.queue import run_job
from civwatch.workspace import Workspace

extensions.load()

@event.listens_for(Session, "before_flush")
def _note(session, _context, _instances):
    if any(isinstance(o, WebCapture) for o in session.new):
        session.info["captured"] = True

@event.listens_for(Session, "after_commit")
def _die(session):
    if session.info.get("captured"):
        os.kill(os.getpid(), signal.SIGKILL)

run_job(Workspace.open(Settings()), int(sys.argv[1]))
"""


def _problems_of(ws: Workspace) -> list[Problem]:
    return verify_workspace(ws, rehash=False, processes=1)


def test_a_capture_job_killed_after_its_commit_finishes_with_that_capture_once(
    team: Team,  # noqa: F811
    client: TestClient,  # noqa: F811
    cli_env: dict[str, str],
    site: Site,
) -> None:
    ws = team.ws
    job = start_capture(ws, site.url("/start"), collector="investigator")
    env = {
        **cli_env,
        "CIVWATCH_CAPTURE_ALLOW_HOSTS": "127.0.0.1",
        "CIVWATCH_CAPTURE_MEDIA_MIN_BYTES": "1024",
    }
    crashed = subprocess.run(
        [sys.executable, "-c", _DIE_AFTER_CAPTURE_COMMIT, str(job["id"])],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    cut = get_job(ws, job["id"])
    assert cut["state"] == "running", cut  # the capture is committed, the job is not done
    before = _counts(ws)
    assert before[1:] == (1, 1), before
    asked = len(site.asked)

    # taken up again (its worker is gone): it finds its capture and finishes with it
    time.sleep(0.3)
    assert run_job(ws, job["id"], stale_after=0.2) == "done"
    done = get_job(ws, job["id"])
    assert done["state"] == "done" and done["attempts"] == 2, done
    assert len(site.asked) == asked  # the page was not loaded again
    assert _counts(ws) == before  # no second set of items, capture or custody entry
    capture = done["result"]["capture"]
    with ws.sessions() as session:
        row = session.scalars(select(WebCapture)).one()
        assert row.job_id == job["id"] and capture["capture_id"] == row.id
        assert row.url == site.url("/start") and row.final_url == site.url("/page.html")
        assert row.http_status == 200 and row.certificate_sha256 is None
        assert row.browser.startswith("Chromium ")
        kinds = sorted(i["kind"] for i in row.items)
        assert kinds == ["html", "media", "screenshot", "wacz"]
    (entry,) = _entries(ws, "web-capture")
    assert entry["items"] == row.items and entry["final_url"] == row.final_url
    assert sorted(o["kind"] for o in done["result"]["outcomes"]) == kinds
    assert _problems_of(ws) == []

    # the screenshot's page says where and when it was captured, linking the capture
    shot = next(i["sha256"] for i in row.items if i["kind"] == "screenshot")
    reader = bearer(team.tokens["viewer"])
    page = client.get(f"/evidence/{shot}", headers=reader)
    assert page.status_code == 200
    assert f'href="/captures/{row.id}"' in page.text
    assert f"captured from {site.url('/start')}" in page.text
    assert f"HTTP 200, final address {site.url('/page.html')}" in page.text
    uk = client.get(f"/evidence/{shot}?lang=uk", headers=reader)
    assert f"збережено зі сторінки {site.url('/start')}" in uk.text
    assert "остаточна адреса" in uk.text
    api = client.get(f"/api/v1/evidence/{shot}", headers=reader).json()
    (seen,) = api["captures"]
    assert seen == {
        "id": row.id,
        "url": site.url("/start"),
        "final_url": site.url("/page.html"),
        "http_status": 200,
        "captured_at": row.captured_at.isoformat(),
        "kind": "screenshot",
        "page": f"/captures/{row.id}",
        "api": f"/api/v1/captures/{row.id}",
    }
    record = client.get(f"/captures/{row.id}?lang=uk", headers=reader)
    assert record.status_code == 200 and "знімок усієї сторінки" in record.text
    view = client.get(f"/api/v1/captures/{row.id}", headers=reader).json()
    assert view["final_url"] == site.url("/page.html") and view["job_id"] == job["id"]
    assert {i["sha256"] for i in view["items"]} == {i["sha256"] for i in row.items}
    assert client.get("/captures/999999", headers=reader).status_code == 404

    # a capture's record changed behind the log's back is reported by civwatch verify
    with ws.sessions() as session, session.begin():
        session.execute(text("UPDATE intake_capture SET final_url = 'https://elsewhere.example/'"))
    problems = _problems_of(ws)
    assert any(p.table == "intake_capture" and "final_url" in str(p) for p in problems), problems
    with ws.sessions() as session, session.begin():
        session.execute(
            text("UPDATE intake_capture SET final_url = :u"), {"u": site.url("/page.html")}
        )
        # an item slipped into the lookup table alone is reported too, and not shown
        session.add(
            WebCaptureItem(
                capture_id=row.id, item_sha256="ab" * 32, kind="media", status="ingested"
            )
        )
    problems = _problems_of(ws)
    assert [p.table for p in problems] == ["intake_capture_item"], problems
    assert client.get(f"/api/v1/evidence/{'ab' * 32}", headers=reader).status_code == 404


def test_the_certificate_fingerprint_is_the_sha256_of_the_servers_der_certificate(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civwatch.accounts import add_user

    add_user(workspace, "admin", "Admin", ["admin"], actor=None)
    add_user(workspace, "olena", "Olena", ["investigator"], actor="admin")
    certs = make_certificates(tmp_path / "tls")
    trusting = capture_fetch.ssl.create_default_context(cafile=str(certs.ca_pem))
    monkeypatch.setattr(capture_fetch, "_TLS", trusting)  # the test CA, and only it
    with running_tls_site(certs) as tls:
        doc = capture_page(workspace, tls.url("/page.html"), collector="olena")
    expected = hashlib.sha256(certs.cert_der).hexdigest()
    assert doc["final_url"] == tls.url("/page.html") and doc["http_status"] == 200
    assert doc["certificate_sha256"] == expected
    (entry,) = _entries(workspace, "web-capture")
    assert entry["certificate_sha256"] == expected
    with workspace.sessions() as session:
        assert session.scalars(select(WebCapture.certificate_sha256)).one() == expected
    assert _problems_of(workspace) == []


def test_a_server_whose_certificate_is_not_trusted_is_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    """The same server, without its CA trusted: the capture fails, storing nothing."""
    from civwatch.accounts import add_user
    from civwatch.errors import CivwatchError
    from civwatch.i18n import localise

    add_user(workspace, "admin", "Admin", ["admin"], actor=None)
    add_user(workspace, "olena", "Olena", ["investigator"], actor="admin")
    certs = make_certificates(tmp_path / "tls")
    with running_tls_site(certs) as tls, pytest.raises(CivwatchError) as refused:
        capture_page(workspace, tls.url("/page.html"), collector="olena")
    assert "certificate" in localise(refused.value.message, "en")
    assert _counts(workspace) == (0, 0, 0)

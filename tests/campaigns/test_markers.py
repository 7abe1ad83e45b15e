"""A supporter's name, e-mail and comment (marker strings) appear only where they belong:
in the confirmation mail to them, and - the name alone, only when they agreed to be named
- in the delivery PDF. Never in the public campaign JSON, the incident feeds and open data
exports, the custody log, the audit log, the logs, or in clear in the database or any
file of the data folder."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import MetaData, select

from civwatch.campaigns import outbox
from civwatch.campaigns.delivery import deliver
from civwatch.geo.gazetteer import Gazetteer
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.campaigns.conftest import SmtpServer, live_petition
from tests.protection.case_helpers import files_holding
from tests.publish.published import published_incident, verified_item

NAMED = "MARKNAMED-Оксана-41"
HIDDEN = "MARKHIDDEN-Петро-42"
COMMENT = "MARKCOMMENT-коментар-43"
EMAIL_NAMED = "marknamed44@example.org"
EMAIL_HIDDEN = "markhidden45@example.org"
MARKERS = (NAMED, HIDDEN, COMMENT, EMAIL_NAMED, EMAIL_HIDDEN)
API = "/api/v1/public/campaigns"

PUBLIC_PATHS = (
    "/api/v1/public/incidents.geojson",
    "/api/v1/public/incidents.csv",
    "/api/v1/public/incidents.kml",
    "/api/v1/public/incidents",
    "/api/v1/public/timemap/events",
    "/public/feed.atom",
    "/public/feed.json",
    "/public",
)


def _database_text(ws: Workspace) -> bytes:
    """Every value of every table, as bytes (what a reader of the database sees)."""
    meta = MetaData()
    meta.reflect(ws.engine)
    found = []
    with ws.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        found.append(bytes(value))
                    elif value is not None:
                        found.append(str(value).encode())
    return b"\n".join(found)


def _found(data: bytes) -> list[str]:
    return [m for m in MARKERS if m.encode() in data or m.casefold().encode() in data]


@pytest.mark.db
def test_supporters_appear_only_where_they_belong(
    team: Workspace,
    smtp: SmtpServer,
    places: Gazetteer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    incident = published_incident(team, places, verified_item(team, tmp_path / "photos"))
    campaign = live_petition(team, incidents=[incident])
    with TestClient(create_app(team.settings), base_url="http://civwatch.test") as client:
        for name, email, named in ((NAMED, EMAIL_NAMED, True), (HIDDEN, EMAIL_HIDDEN, False)):
            answer = client.post(
                f"{API}/{campaign}/signatures",
                json={
                    "name": name,
                    "email": email,
                    "country": "UA",
                    "comment": COMMENT,
                    "consent_named": named,
                    "consent_contact": True,
                },
            )
            assert answer.status_code == 202, answer.text
            outbox.send_due(team)
            (mail,) = smtp.inbox.to(email)
            assert name in smtp.inbox.body(mail)
            confirmed = client.get(f"{API}/confirm/{smtp.inbox.link(email)}")
            assert confirmed.status_code == 200
        public = client.get(f"{API}/{campaign}")
        assert public.json()["count"] == 2
        assert [card["id"] for card in public.json()["incidents"]] == [incident]
        outputs = [public.content]
        for path in PUBLIC_PATHS:
            answer = client.get(path)
            assert answer.status_code == 200, path
            outputs.append(answer.content)
        outputs.append(client.get(f"/public/incidents/{incident}").content)
    assert _found(b"\n".join(outputs)) == []

    pdf, recorded = deliver(team, campaign, actor="ivan", language="uk")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert NAMED in text
    assert not [m for m in (HIDDEN, COMMENT, EMAIL_NAMED, EMAIL_HIDDEN) if m in text]
    assert recorded["count"] == 2 and recorded["named"] == 1
    assert "Україна" in text  # the count by country, in the document's language

    # Every log record but the test SMTP server's own (it logs what it receives).
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log").encode()
    assert _found(logged) == []
    assert _found(_database_text(team)) == []
    if team.engine.dialect.name == "sqlite":
        from civwatch.protection.persons import checkpoint_wal

        checkpoint_wal(team)
    assert files_holding(team.data_dir, *MARKERS, EMAIL_NAMED.upper()) == []

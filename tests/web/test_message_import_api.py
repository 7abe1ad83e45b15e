"""Chat exports on the API (``POST /api/v1/imports/messages``): investigators only, a
job like the inbox's, then each message's result; whatever comes in malformed (not a
ZIP, a decompression bomb, members that would leave the folder, empty, another format,
too large) is refused with a clear message and stores nothing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from civwatch.accounts.permissions import ALL_ROLES
from civwatch.config import Settings
from civwatch.evidence.models import EvidenceItem
from civwatch.intake.models import ImportedMessage
from civwatch.jobs import get_job
from civwatch.jobs.queue import run_job
from tests.intake.exports import telegram_export, whatsapp_ios, zipped
from tests.web.conftest import Team, bearer, sign_in

ROUTE = "/api/v1/imports/messages"
#: Small enough for a bomb to be cheap to make, large enough for every real export here.
LIMIT = 2 * 1024 * 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_file_size": LIMIT})


def _send(
    c: TestClient, headers: dict[str, str], data: bytes, name: str = "export.zip", **form: str
) -> Any:
    return c.post(
        ROUTE,
        headers=headers,
        files={"export": (name, io.BytesIO(data), "application/octet-stream")},
        data=form,
    )


def _stored(team: Team) -> tuple[int, int]:
    with team.ws.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(EvidenceItem)) or 0,
            session.scalar(select(func.count()).select_from(ImportedMessage)) or 0,
        )


def _run(team: Team, answer: Any) -> dict[str, Any]:
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert answer.headers["location"] == f"{ROUTE}/{job['id']}"
    assert job["kind"] == "import-messages" and job["state"] == "queued"
    run_job(team.ws, job["id"])
    return get_job(team.ws, job["id"])


def test_only_investigators_may_send_an_export_and_each_reads_only_their_own(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    archive = zipped(telegram_export(tmp_path / "tg"), tmp_path / "tg.zip").read_bytes()
    assert _send(client, {}, archive).status_code == 401
    for role in sorted(ALL_ROLES - {"investigator"}):
        refused = _send(client, bearer(team.tokens[role]), archive)
        assert refused.status_code == 403, (role, refused.text)
    assert _stored(team) == (0, 0)
    token = sign_in(client, "investigator")  # a browser session needs its CSRF token
    assert _send(client, {}, archive).status_code == 403
    job = _run(team, _send(client, {"X-CSRF-Token": token}, archive))
    client.cookies.clear()
    # the results: the owner and administrators; anyone else is told "not found"
    results = f"{ROUTE}/{job['id']}"
    assert client.get(results).status_code == 401
    for role in sorted(ALL_ROLES):
        status = client.get(results, headers=bearer(team.tokens[role])).status_code
        assert status == (200 if role in ("investigator", "admin") else 404), (role, status)
    # a job of another kind is no import
    other = client.post("/api/v1/jobs/find-copies", headers=bearer(team.tokens["investigator"]))
    mine = bearer(team.tokens["investigator"])
    assert client.get(f"{ROUTE}/{other.json()['id']}", headers=mine).status_code == 404


def test_a_telegram_zip_gives_a_job_then_each_messages_result(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    mine = bearer(team.tokens["investigator"])
    archive = zipped(telegram_export(tmp_path / "tg"), tmp_path / "tg.zip", top="ChatExport")
    job = _run(team, _send(client, mine, archive.read_bytes()))
    assert job["state"] == "done", job
    answer = client.get(f"{ROUTE}/{job['id']}", headers=mine).json()
    assert answer["job"]["id"] == job["id"] and answer["job"]["state"] == "done"
    assert answer["total"] == 4  # five messages, one a service message (counted, skipped)
    statuses = sorted(m["status"] for m in answer["messages"])
    assert statuses == ["ingested", "ingested", "missing-media", "text"]
    assert all(len(m["sha256"]) == 64 and m["message_id"] for m in answer["messages"])
    assert all(m["published_at"] for m in answer["messages"])
    paged = client.get(f"{ROUTE}/{job['id']}?limit=1&offset=1", headers=mine).json()
    assert paged["total"] == 4 and paged["messages"] == answer["messages"][1:2]
    assert job["result"]["counts"]["skipped"] == 1


def test_a_whatsapp_chat_text_alone_is_imported(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    mine = bearer(team.tokens["investigator"])
    chat = (whatsapp_ios(tmp_path / "wa") / "_chat.txt").read_bytes()
    job = _run(
        team, _send(client, mine, chat, "_chat.txt", time_zone="Europe/Kyiv", chat="Kharkiv")
    )
    assert job["state"] == "done" and job["result"]["platform"] == "whatsapp", job
    with team.ws.sessions() as session:
        assert set(session.scalars(select(ImportedMessage.chat))) == {"Kharkiv"}
    answer = client.get(f"{ROUTE}/{job['id']}", headers=mine).json()
    # the photo is not in a chat sent alone: that message says so, the others are text
    assert sorted(m["status"] for m in answer["messages"]).count("missing-media") >= 1
    assert {m["status"] for m in answer["messages"]} <= {"text", "missing-media"}


def _zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("export.zip", b"PK\x03\x04 this is not an archive at all", "not a whole ZIP archive"),
        # a decompression bomb: 8 MB of zeros in a few kilobytes, over the 2 MB limit
        ("bomb.zip", _zip_of({"_chat.txt": b"0" * (8 * 1024 * 1024)}), "unpacks to more than"),
        ("up.zip", _zip_of({"../../escape/_chat.txt": b"x"}), "leaves the folder"),
        ("abs.zip", _zip_of({"/etc/cron.d/_chat.txt": b"x"}), "leaves the folder"),
        ("nothing.zip", _zip_of({"notes/readme.md": b"hello"}), "neither a Telegram"),
    ],
)
def test_a_malformed_archive_fails_its_job_with_a_clear_message_and_stores_nothing(
    team: Team, client: TestClient, name: str, data: bytes, said: str
) -> None:
    job = _run(team, _send(client, bearer(team.tokens["investigator"]), data, name))
    assert job["state"] == "failed" and said in job["message"], job
    assert _stored(team) == (0, 0)
    assert not any((team.ws.data_dir / "spool").glob("*/*"))  # nothing left behind


@pytest.mark.parametrize(
    ("name", "data", "status", "said"),
    [
        ("export.zip", b"", 422, "is empty"),
        ("_chat.txt", b"", 422, "is empty"),
        ("export.pdf", b"%PDF-1.7", 422, "ZIP file"),
        ("result.json", b"{}", 422, "ZIP file"),
        ("huge.zip", b"\0" * (LIMIT + 1), 413, "larger than the limit"),
    ],
)
def test_an_empty_oversized_or_other_file_is_refused_at_once(
    team: Team, client: TestClient, name: str, data: bytes, status: int, said: str
) -> None:
    answer = _send(client, bearer(team.tokens["investigator"]), data, name)
    assert answer.status_code == status and said in answer.json()["detail"], answer.text
    uk = _send(client, {**bearer(team.tokens["investigator"]), "Accept-Language": "uk"}, data, name)
    assert uk.status_code == status and uk.headers["content-language"] == "uk"
    assert _stored(team) == (0, 0)
    assert not any((team.ws.data_dir / "spool").glob("*/*"))


def test_a_bad_time_zone_is_refused_at_once(team: Team, client: TestClient) -> None:
    answer = _send(
        client, bearer(team.tokens["investigator"]), b"x", "_chat.txt", time_zone="Mars/Base"
    )
    assert answer.status_code == 422 and "time zone" in answer.json()["detail"]

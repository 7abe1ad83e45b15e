"""The inbox takes a chat export as a ZIP: investigators only, received at once, imported
by a background job whose page shows its progress; a damaged archive fails the job with
a clear message and stores nothing."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from civwatch.evidence.models import EvidenceItem
from civwatch.jobs import get_job
from civwatch.jobs.queue import run_job
from tests.intake.exports import telegram_export, whatsapp_android, zipped
from tests.web.conftest import Team, bearer, sign_in


def _post(c: TestClient, headers: dict[str, str], archive: bytes, name: str = "export.zip") -> int:
    r = c.post(
        "/inbox/import-messages",
        headers=headers,
        files={"export": (name, io.BytesIO(archive), "application/zip")},
        follow_redirects=False,
    )
    if r.status_code == 303:
        return int(r.headers["location"].rsplit("/", 1)[1])
    return -r.status_code


def test_only_those_who_upload_may_import(team: Team, client: TestClient, tmp_path: Path) -> None:
    archive = zipped(telegram_export(tmp_path / "tg"), tmp_path / "tg.zip").read_bytes()
    assert _post(client, {}, archive) == -401
    for role in ("viewer", "verifier", "publisher", "admin"):
        assert _post(client, bearer(team.tokens[role]), archive) == -403, role
    # a browser session needs its CSRF token
    token = sign_in(client, "investigator")
    assert _post(client, {}, archive) == -403
    assert _post(client, {"X-CSRF-Token": token}, archive) > 0


def test_a_telegram_zip_is_imported_by_a_job_with_progress(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    ws = team.ws
    archive = zipped(telegram_export(tmp_path / "tg"), tmp_path / "tg.zip", top="ChatExport")
    job_id = _post(client, bearer(team.tokens["investigator"]), archive.read_bytes())
    assert job_id > 0
    assert get_job(ws, job_id)["state"] == "queued"
    run_job(ws, job_id)
    job = get_job(ws, job_id)
    assert job["state"] == "done", job
    assert (job["done"], job["total"]) == (5, 5)
    assert job["result"]["platform"] == "telegram"
    assert job["result"]["counts"] == {
        "ingested": 2,
        "duplicate": 0,
        "text": 1,
        "skipped": 1,
        "missing-media": 1,
    }
    page = client.get(f"/jobs/{job_id}", headers=bearer(team.tokens["investigator"]))
    assert page.status_code == 200
    assert "Kept as text: 1" in page.text and "Service messages skipped: 1" in page.text
    assert "File not included" in page.text  # the missing-media warning, with its message
    uk = client.get(f"/jobs/{job_id}?lang=uk", headers=bearer(team.tokens["investigator"]))
    assert "Збережено як текст: 1" in uk.text
    assert "В експорті немає медіафайлу цього повідомлення" in uk.text
    # the same export again: a second job adds nothing
    again = _post(client, bearer(team.tokens["investigator"]), archive.read_bytes())
    run_job(ws, again)
    assert get_job(ws, again)["result"]["counts"]["duplicate"] == 4


def test_a_whatsapp_zip_and_a_damaged_one(team: Team, client: TestClient, tmp_path: Path) -> None:
    ws = team.ws
    archive = zipped(whatsapp_android(tmp_path / "wa"), tmp_path / "wa.zip").read_bytes()
    job_id = _post(client, bearer(team.tokens["investigator"]), archive, "WhatsApp Chat.zip")
    run_job(ws, job_id)
    assert get_job(ws, job_id)["result"]["counts"]["ingested"] == 1
    with ws.sessions() as session:
        before = session.scalar(select(func.count()).select_from(EvidenceItem))
    broken = _post(client, bearer(team.tokens["investigator"]), archive[: len(archive) // 2])
    run_job(ws, broken)
    job = get_job(ws, broken)
    assert job["state"] == "failed" and "truncated" in job["message"]
    with ws.sessions() as session:
        assert session.scalar(select(func.count()).select_from(EvidenceItem)) == before
    not_zip = client.post(
        "/inbox/import-messages",
        headers=bearer(team.tokens["investigator"]),
        files={"export": ("chat.txt", io.BytesIO(b"hello"), "text/plain")},
        follow_redirects=False,
    )
    assert not_zip.status_code == 422 and "ZIP" in not_zip.text

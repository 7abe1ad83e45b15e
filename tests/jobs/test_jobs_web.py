"""Jobs on the API, on pages and on the command line: each user sees their own jobs (an
administrator everyone's), the form without JavaScript leads to a page that refreshes
until the outcomes are there, copy finding runs as a job, failures say why."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from civwatch.errors import RejectedInputError
from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.jobs import submit
from civwatch.jobs.registry import KINDS, job_kind
from civwatch.jobs.service import JobContext
from tests.conftest import run_cli
from tests.jobs.helpers import running_workers, wait_for_job
from tests.support.files import noise_jpeg, photo
from tests.web.conftest import Team, bearer, sign_in


def _upload(c: TestClient, headers: dict[str, str], tmp_path: Path) -> dict[str, object]:
    data = photo(tmp_path / "strike.jpg", seed=4).read_bytes()
    files = [("files", ("strike.jpg", io.BytesIO(data), "image/jpeg"))]
    r = c.post("/api/v1/evidence", files=files, headers=headers)
    assert r.status_code == 202, r.text
    job: dict[str, object] = r.json()
    return job


def test_a_job_is_seen_by_its_owner_and_admins_only(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    inv, viewer, admin = (bearer(team.tokens[r]) for r in ("investigator", "viewer", "admin"))
    job = _upload(client, inv, tmp_path)
    url = f"/api/v1/jobs/{job['id']}"
    assert client.get(url, headers=inv).json()["owner"] == "investigator"
    mine = client.get("/api/v1/jobs", headers=inv).json()
    assert mine["total"] == 1 and mine["jobs"][0]["id"] == job["id"]
    # another user cannot see it, not even that it exists
    r = client.get(url, headers=viewer)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/jobs", headers=viewer).json() == {"total": 0, "jobs": []}
    assert client.get(f"/jobs/{job['id']}", headers=viewer).status_code == 404
    # an administrator sees everyone's
    assert client.get(url, headers=admin).status_code == 200
    assert client.get("/api/v1/jobs", headers=admin).json()["total"] == 1
    assert "investigator" in client.get("/jobs", headers=admin).text
    assert client.get("/api/v1/jobs", params={"state": "done"}, headers=inv).json()["total"] == 0
    assert client.get("/api/v1/jobs", params={"state": "bogus"}, headers=inv).status_code == 422


def test_form_without_javascript_leads_to_a_job_page_that_refreshes_until_done(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    csrf = sign_in(client, "investigator")
    original = photo(tmp_path / "strike.jpg", seed=6).read_bytes()
    files = [
        ("files", ("strike.jpg", io.BytesIO(original), "image/jpeg")),
        ("files", ("<img src=x onerror=alert(1)>.jpg", io.BytesIO(original), "image/jpeg")),
    ]
    r = client.post(
        "/inbox/upload",
        files=files,
        data={"csrf_token": csrf, "caption": "Kharkiv"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    waiting = client.get(r.headers["location"])
    assert waiting.status_code == 200
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in waiting.text
    assert "waiting" in waiting.text and "0 of 2 done" in waiting.text
    job_id = int(r.headers["location"].rsplit("/", 1)[1])
    with running_workers(team.ws.settings):
        wait_for_job(team.ws, job_id)
    page = client.get(r.headers["location"]).text
    assert 'http-equiv="refresh"' not in page  # finished: no more refreshing
    assert "<strong>strike.jpg</strong>: ingested" in page
    assert "already held" in page  # the same bytes under another name
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.jpg" in page
    listing = client.get("/jobs").text
    assert f'href="/jobs/{job_id}"' in listing and "Upload of 2 files" in listing
    # the inbox lists the new item (the upload's job has run)
    assert "strike.jpg" in client.get("/").text


def test_find_copies_runs_as_a_job(team: Team, client: TestClient, tmp_path: Path) -> None:
    for n in range(3):
        path = noise_jpeg(tmp_path / f"n{n}.jpg", seed=20 + n)
        list(Ingest(team.ws, source=SourceInfo(), collector="t").run([Candidate(path, path.name)]))
    inv = bearer(team.tokens["investigator"])
    r = client.post("/api/v1/jobs/find-copies", headers=inv)
    assert r.status_code == 202 and r.json()["kind"] == "find-copies"
    with running_workers(team.ws.settings):
        job = wait_for_job(team.ws, r.json()["id"])
    assert job["state"] == "done", job
    assert job["result"]["summary"]["hashed"] == 3 and job["done"] == job["total"] == 3
    assert (
        client.post("/api/v1/jobs/find-copies", headers=bearer(team.tokens["viewer"])).status_code
        == 403
    )


@pytest.fixture
def failing_kind() -> str:
    @job_kind("test-fails", "A test that fails")
    def fails(ctx: JobContext) -> dict[str, object]:
        ctx.report(done=1, total=2, message="Half way.", force=True)
        raise RejectedInputError("The second half cannot be read.")

    yield "test-fails"
    KINDS.pop("test-fails", None)


def test_a_failing_job_says_why_and_keeps_its_progress(team: Team, failing_kind: str) -> None:
    job = submit(team.ws, failing_kind, "investigator", {})
    with running_workers(team.ws.settings):
        done = wait_for_job(team.ws, job["id"])
    assert done["state"] == "failed" and done["message"] == "The second half cannot be read."
    assert done["done"] == 1 and done["total"] == 2 and done["finished_at"]


def test_jobs_on_the_command_line(team: Team, tmp_path: Path, cli_env: dict[str, str]) -> None:
    from civwatch.web.uploads import receive_upload

    data = io.BytesIO(noise_jpeg(tmp_path / "a.jpg", seed=30).read_bytes())
    job = receive_upload(
        team.ws, [("a.jpg", data)], source=SourceInfo(), collector="investigator", client=None
    )
    with running_workers(team.ws.settings):
        wait_for_job(team.ws, int(job["id"]))
    listed = json.loads(run_cli(cli_env, "jobs", "list", "--json", check=True).stdout)
    assert [j["state"] for j in listed["jobs"]] == ["done"]
    shown = run_cli(cli_env, "jobs", "show", str(job["id"]), check=True).stdout
    assert "a.jpg: ingested" in shown
    missing = run_cli(cli_env, "jobs", "show", "999")
    assert missing.returncode == 1 and "no job 999" in missing.stderr

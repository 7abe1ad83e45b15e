"""A redaction made in a background job (``Prefer: respond-async``): answered at once, made
by a worker, recorded once even when its message is delivered twice; refused up front to
whoever may not make one."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from civwatch.geo.gazetteer import Gazetteer
from civwatch.jobs.queue import queue_for
from civwatch.jobs.service import claim
from civwatch.publish.redaction import list_redactions
from tests.incidents.helpers import gazetteer_cache, places  # noqa: F401
from tests.jobs.helpers import running_workers, wait_for_job
from tests.web.conftest import Team, bearer
from tests.web.test_publish_api import _verified_incident

ASYNC = {"Prefer": "respond-async"}
BODY = {"regions": [{"x": 10, "y": 10, "w": 40, "h": 30}], "blur_faces": True}


def test_a_redaction_job_makes_one_draft_even_when_delivered_twice(
    team: Team,
    client: TestClient,
    places: Gazetteer,  # noqa: F811
    tmp_path: Path,
) -> None:
    _, sha = _verified_incident(team, places, tmp_path / "in")
    inv = bearer(team.tokens["investigator"])
    url = f"/api/v1/evidence/{sha}/redactions"
    # whoever may not make a redaction is refused before anything is queued
    r = client.post(url, json=BODY, headers={**bearer(team.tokens["viewer"]), **ASYNC})
    assert r.status_code == 403, r.text
    assert client.post(url, json=BODY, headers=ASYNC).status_code == 401
    r = client.post(
        "/api/v1/evidence/" + "0" * 64 + "/redactions", json=BODY, headers={**inv, **ASYNC}
    )
    assert r.status_code == 404, r.text
    queue = queue_for(team.ws.settings)
    assert queue.pending() == 0
    # answered at once: queued, nothing made yet
    r = client.post(url, json=BODY, headers={**inv, **ASYNC})
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["Location"] == job["url"] and job["kind"] == "redaction"
    assert r.headers["Preference-Applied"] == "respond-async"
    assert job["state"] == "queued" and list_redactions(team.ws, sha) == []
    queue.enqueue(job["id"])  # the same message twice
    with running_workers(team.ws.settings):
        done = wait_for_job(team.ws, job["id"], timeout=120)
        wait_for_job(team.ws, job["id"], timeout=5)
    assert done["state"] == "done" and done["attempts"] == 1, done
    (made,) = list_redactions(team.ws, sha)
    assert made["status"] == "draft" and made["created_by"] == "investigator"
    assert done["result"]["redaction"]["id"] == made["id"]
    assert made["regions"] and "metadata removed" in made["actions"][0]
    assert claim(team.ws, job["id"]) is None  # a finished job is never made again
    # the owner follows it; the job is theirs only
    assert client.get(job["url"], headers=inv).json()["state"] == "done"
    assert client.get(job["url"], headers=bearer(team.tokens["publisher"])).status_code == 404
    # without the preference the answer is the draft itself, as before
    r = client.post(url, json=BODY, headers=inv)
    assert r.status_code == 201 and r.json()["status"] == "draft"

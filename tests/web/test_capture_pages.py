"""The "capture a page" form and API: who may start a capture, what a refused address
says (in the reader's language), and that a capture's job page shows the page, its items
and its warnings once a worker has run it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from civwatch.jobs.service import get_job
from tests.intake.site import Site, running_site
from tests.jobs.helpers import running_workers, wait_for_job
from tests.web.conftest import Team, bearer, sign_in


def test_only_those_who_add_evidence_may_capture(team: Team, client: TestClient) -> None:
    body = {"url": "http://127.0.0.1:9/"}
    assert client.post("/api/v1/captures", json=body).status_code == 401
    for role in ("viewer", "verifier", "publisher", "admin"):
        r = client.post("/api/v1/captures", json=body, headers=bearer(team.tokens[role]))
        assert r.status_code == 403, role
    r = client.get("/capture", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")


@pytest.mark.parametrize(
    ("url", "kind", "says"),
    [
        ("javascript:alert(1)", "rejected-input", "Only http and https"),
        ("http://user:pw@example.org/", "rejected-input", "user name or password"),
        ("http://169.254.169.254/latest/meta-data/", "capture-refused", "metadata"),
        ("http://[::1]:8000/", "capture-refused", "loopback"),
        ("http://192.168.1.1/", "capture-refused", "private"),
    ],
)
def test_malformed_and_private_addresses_are_refused_before_any_job(
    team: Team, client: TestClient, url: str, kind: str, says: str
) -> None:
    r = client.post(
        "/api/v1/captures", json={"url": url}, headers=bearer(team.tokens["investigator"])
    )
    problem = r.json()
    assert r.status_code == 422 and problem["type"].endswith("/" + kind), problem
    assert says in problem["detail"]
    jobs = client.get("/api/v1/jobs", headers=bearer(team.tokens["investigator"])).json()
    assert jobs["total"] == 0


def test_the_form_says_why_an_address_is_refused_in_ukrainian(
    team: Team, client: TestClient
) -> None:
    csrf = sign_in(client, "investigator")
    page = client.get("/capture?lang=uk")
    assert page.status_code == 200 and 'name="url"' in page.text
    r = client.post("/capture", data={"url": "http://10.0.0.1/", "csrf_token": csrf})
    assert r.status_code == 422
    assert "Відхилено" in r.text and "10.0.0.1" in r.text
    assert client.post("/capture", data={"url": "http://10.0.0.1/"}).status_code == 403  # CSRF


@pytest.mark.browser
def test_a_capture_from_the_form_shows_its_page_items_and_warnings(
    team: Team, client: TestClient
) -> None:
    ws = team.ws
    ws.settings = ws.settings.model_copy(
        update={"capture_allow_hosts": "127.0.0.1", "capture_media_min_bytes": 1024}
    )
    client.app.state.workspace.settings = ws.settings  # type: ignore[attr-defined]
    csrf = sign_in(client, "investigator")
    site: Site
    with running_site() as site, running_workers(ws.settings, threads=1):
        r = client.post(
            "/capture", data={"url": site.url("/start"), "csrf_token": csrf}, follow_redirects=False
        )
        assert r.status_code == 303
        job_id = int(r.headers["location"].rsplit("/", 1)[1])
        job = wait_for_job(ws, job_id, timeout=120)
        assert job["state"] == "done", job["message"]
    page = client.get(f"/jobs/{job_id}?lang=uk").text
    assert site.url("/page.html") in page
    assert "10.255.255.1" in page and "Відхилено" in page
    for item in get_job(ws, job_id)["result"]["capture"]["items"]:
        assert f"/evidence/{item['sha256']}" in page

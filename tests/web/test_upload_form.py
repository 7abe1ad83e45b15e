"""The web upload takes what the CLI takes (platform, account, post id, published time) and
its result links to the item pages, with each file's warnings (a truncated file, a type
that is not what the name says) as the CLI prints them."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient

from tests.jobs.helpers import running_workers, wait_for_job
from tests.support.files import photo
from tests.web.conftest import Team, bearer, sign_in


def test_the_inbox_form_keeps_the_source_and_the_result_links_items_with_warnings(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    csrf = sign_in(client, "investigator")
    form_page = client.get("/").text
    for field in ("platform", "account", "post_id", "published_at"):
        assert f'name="{field}"' in form_page, field
    whole = photo(tmp_path / "strike.jpg", seed=4).read_bytes()
    files = [
        ("files", ("strike.jpg", io.BytesIO(whole), "image/jpeg")),
        ("files", ("cut.jpg", io.BytesIO(whole[: len(whole) // 2]), "image/jpeg")),
        (
            "files",
            ("notes.png", io.BytesIO(photo(tmp_path / "n.jpg", seed=5).read_bytes()), "image/png"),
        ),
    ]
    form = {
        "csrf_token": csrf,
        "source_url": "https://t.me/channel/42",
        "platform": "Telegram",
        "account": "@channel",
        "post_id": "42",
        "published_at": "2024-06-04T07:40",
        "caption": "Shelling",
    }
    with running_workers(team.ws.settings):
        sent = client.post("/inbox/upload", files=files, data=form, follow_redirects=False)
        assert sent.status_code == 303, sent.text
        job_api = sent.headers["location"].replace("/jobs/", "/api/v1/jobs/")
        wait_for_job(team.ws, int(job_api.rsplit("/", 1)[1]))
        doc = client.get(job_api, headers=bearer(team.tokens["investigator"])).json()
        assert doc["state"] == "done", doc
        page = client.get(sent.headers["location"]).text
    outcomes = doc["result"]["outcomes"]
    assert [o["status"] for o in outcomes] == ["ingested"] * 3, outcomes
    for o in outcomes:  # each file links to its item page, not the JSON API
        assert f'href="/evidence/{o["sha256"]}"' in page
    assert "/api/v1/evidence/" not in page
    cut, png = outcomes[1], outcomes[2]
    assert cut["warnings"] and png["warnings"], outcomes
    for warning in (*cut["warnings"], *png["warnings"]):
        assert warning[:30] in page.replace("&#39;", "'").replace("&quot;", '"'), warning
    item = client.get(f"/evidence/{outcomes[0]['sha256']}").text
    assert "post 42" in item and "@channel" in item and "Telegram" in item
    assert "2024-06-04" in item  # published (claimed), read as UTC as the form says
    sightings = client.get(
        f"/api/v1/evidence/{outcomes[0]['sha256']}", headers=bearer(team.tokens["investigator"])
    ).json()["sightings"]
    assert sightings[0]["post_id"] == "42"
    assert sightings[0]["published_at"].startswith("2024-06-04T07:40:00")


def test_a_bad_publication_time_is_refused_in_words(team: Team, client: TestClient) -> None:
    csrf = sign_in(client, "investigator")
    files = [("files", ("a.jpg", io.BytesIO(b"x" * 10), "image/jpeg"))]
    r = client.post(
        "/inbox/upload", files=files, data={"csrf_token": csrf, "published_at": "yesterday"}
    )
    assert r.status_code == 422 and "publication time must be a date" in r.text

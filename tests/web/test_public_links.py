"""Absolute links in public answers come from the configured public base URL, never from
the request's Host header.

The attack: a request with ``Host: evil.example`` made the Atom and JSON feeds, the Open
Graph and Twitter share tags (and the open data downloads) point at evil.example; a cache
in front of the site would hand that answer to every later reader.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from civwatch.config import DEFAULT_PUBLIC_BASE_URL, Settings
from civwatch.geo.gazetteer import Gazetteer
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.publish.published import published_incident, verified_item
from tests.web.conftest import BASE
from tests.web.test_public_pages import newsroom

EVIL = {"Host": "evil.example"}
PUBLIC_BASE = "https://incidents.example.org"
ATOM = {"a": "http://www.w3.org/2005/Atom"}
#: Every public answer that carries links, with a forged Host header.
ANSWERS = (
    "/public/feed.atom",
    "/public/feed.json",
    "/public/incidents/{id}",
    "/api/v1/public/incidents.geojson",
    "/api/v1/public/incidents.csv",
    "/api/v1/public/incidents.kml",
    "/api/v1/public/timemap/events",
    "/api/v1/public/timemap/sources",
    "/api/v1/public/incidents?limit=1",
    "/api/v1/public/map?limit=1",
)


@pytest.fixture
def two_published(workspace: Workspace, places: Gazetteer, tmp_path: Path) -> list[int]:
    newsroom(workspace)
    sha = verified_item(workspace, tmp_path / "a", seed=1)
    first = published_incident(workspace, places, sha, title="Strike on a school in Kharkiv")
    second = published_incident(workspace, places, sha, title="Shelling of a market in Kherson")
    return [first, second]


def _client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url=BASE) as c:
        yield c


@pytest.fixture
def configured(workspace: Workspace) -> Iterator[TestClient]:
    yield from _client(workspace.settings.model_copy(update={"public_base_url": PUBLIC_BASE}))


def _metas(page: str) -> dict[str, str]:
    found = re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', page)
    return dict(found)


@pytest.mark.parametrize("setting", ["unset", "set"])
def test_a_forged_host_never_reaches_a_public_answer(
    workspace: Workspace, two_published: list[int], setting: str
) -> None:
    update = {"public_base_url": PUBLIC_BASE} if setting == "set" else {}
    for c in _client(workspace.settings.model_copy(update=update)):
        for path in ANSWERS:
            r = c.get(path.format(id=two_published[0]), headers=EVIL)
            assert r.status_code == 200, (path, r.text)
            assert "evil.example" not in r.text, path


def test_feeds_and_share_tags_use_the_public_base_url(
    configured: TestClient, two_published: list[int]
) -> None:
    first = two_published[0]
    page = configured.get(f"/public/incidents/{first}", headers=EVIL).text
    metas = _metas(page)
    assert metas["og:url"] == f"{PUBLIC_BASE}/public/incidents/{first}"
    assert metas["og:image"] == f"{PUBLIC_BASE}/public/incidents/{first}/card.png"
    root = ET.fromstring(configured.get("/public/feed.atom", headers=EVIL).content)
    assert root.findtext("a:id", namespaces=ATOM) == f"{PUBLIC_BASE}/public/feed.atom"
    hrefs = [link.get("href", "") for link in root.iter(f"{{{ATOM['a']}}}link")]
    assert hrefs and all(h.startswith(f"{PUBLIC_BASE}/public") for h in hrefs)
    doc = configured.get("/public/feed.json", headers=EVIL).json()
    assert doc["feed_url"] == f"{PUBLIC_BASE}/public/feed.json"
    assert {i["url"] for i in doc["items"]} == {
        f"{PUBLIC_BASE}/public/incidents/{n}" for n in two_published
    }
    listed = configured.get("/api/v1/public/incidents?limit=1", headers=EVIL).json()
    assert listed["next"].startswith(f"{PUBLIC_BASE}/api/v1/public/incidents?")
    geo = configured.get("/api/v1/public/incidents.geojson", headers=EVIL).json()
    assert {f["properties"]["url"] for f in geo["features"]} == {
        f"{PUBLIC_BASE}/public/incidents/{n}" for n in two_published
    }


def test_without_the_setting_links_are_relative_or_the_documented_default(
    client: TestClient, two_published: list[int]
) -> None:
    first = two_published[0]
    metas = _metas(client.get(f"/public/incidents/{first}", headers=EVIL).text)
    # Open Graph needs absolute URLs: the documented default, not the request's host
    assert metas["og:url"] == f"{DEFAULT_PUBLIC_BASE_URL}/public/incidents/{first}"
    root = ET.fromstring(client.get("/public/feed.atom", headers=EVIL).content)
    # an Atom id must be an absolute IRI; its links may be relative
    assert root.findtext("a:id", namespaces=ATOM) == f"{DEFAULT_PUBLIC_BASE_URL}/public/feed.atom"
    hrefs = [link.get("href", "") for link in root.iter(f"{{{ATOM['a']}}}link")]
    assert hrefs and all(h.startswith("/public") for h in hrefs)
    # a relative link still leads to the incident
    entry = root.find("a:entry/a:link[@rel='alternate']", ATOM)
    assert entry is not None and client.get(entry.get("href", "")).status_code == 200
    doc = client.get("/public/feed.json", headers=EVIL).json()
    assert doc["feed_url"] == f"{DEFAULT_PUBLIC_BASE_URL}/public/feed.json"
    listed = client.get("/api/v1/public/incidents?limit=1", headers=EVIL).json()
    assert listed["next"].startswith("/api/v1/public/incidents?")
    assert client.get(listed["next"]).json()["incidents"][0]["id"] == min(two_published)
    geo = client.get("/api/v1/public/incidents.geojson", headers=EVIL).json()
    assert {f["properties"]["url"] for f in geo["features"]} == {
        f"/public/incidents/{n}" for n in two_published
    }


def test_the_public_base_url_must_be_a_plain_web_address() -> None:
    assert Settings(public_base_url="https://x.example/").public_base_url == "https://x.example"
    assert Settings(public_base_url="https://x.example/news").absolute_base_url == (
        "https://x.example/news"
    )
    for bad in ("evil.example", "ftp://x.example", "https://x.example/?a=1", "https://@/"):
        with pytest.raises(ValidationError, match="public_base_url"):
            Settings(public_base_url=bad)

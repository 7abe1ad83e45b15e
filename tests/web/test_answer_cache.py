"""The answer cache: kept per version, bounded in bytes, ETags compared as RFC 9110 says;
the public version moves only with what is public, and a withdrawal reaches every public
answer at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from civwatch.accounts import add_user
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, update_incident
from civwatch.incidents.workflow import set_incident_status
from civwatch.publish.publication import set_location_precision, withdraw_incident
from civwatch.web.answer_cache import AnswerCache, etag_matches
from civwatch.workspace import Workspace
from tests.incidents.helpers import TEAM, incident_doc
from tests.publish.published import published_incident, verified_item


def test_an_answer_is_made_once_per_version() -> None:
    cache = AnswerCache()
    made: list[str] = []

    def make(body: str) -> bytes:
        made.append(body)
        return body.encode()

    a = cache.get("/map?bbox=1", "v1", lambda: make("a"))
    b = cache.get("/map?bbox=1", "v1", lambda: make("never"))
    assert a == b and made == ["a"]
    c = cache.get("/map?bbox=1", "v2", lambda: make("c"))
    assert c.body == b"c" and c.etag != a.etag and made == ["a", "c"]
    assert (cache.hits, cache.misses) == (1, 2)


def test_the_oldest_answers_go_first_when_full() -> None:
    cache = AnswerCache(max_bytes=250)
    for key in ("a", "b"):
        cache.get(key, "v", lambda: b"x" * 100)
    cache.get("a", "v", lambda: b"never")  # a is used again, so b goes when c arrives
    cache.get("c", "v", lambda: b"x" * 100)
    remade: list[str] = []
    for key in ("a", "b", "c"):
        cache.get(key, "v", lambda k=key: remade.append(k) or b"y" * 100)  # type: ignore[func-returns-value]
    # b was dropped for c; reading a, then making b again drops c (now the least recently
    # used), so c is made again too.
    assert remade == ["b", "c"]


def test_etags_match_as_rfc_9110_says() -> None:
    tag = '"abc"'
    assert etag_matches('"abc"', tag)
    assert etag_matches('W/"abc"', tag)
    assert etag_matches('"x", "abc"', tag)
    assert etag_matches("*", tag)
    assert not etag_matches('"abd"', tag)
    assert not etag_matches(None, tag)
    assert not etag_matches("", tag)


# --- through the app: the public version and withdrawals ---------------------------------------


@pytest.fixture
def public_site(workspace: Workspace, places: Gazetteer, tmp_path: Path) -> dict[str, int]:
    """A published incident and an internal one (the incidents test team as users)."""
    add_user(workspace, "ada", "Ada", ["admin"], actor=None)
    for name, roles in TEAM.items():
        if name != "ada":
            add_user(workspace, name, name.title(), roles, actor="ada")
    sha = verified_item(workspace, tmp_path / "v", seed=3)
    published = published_incident(workspace, places, sha, title="Shelling in Kharkiv")
    internal = create_incident(workspace, incident_doc(title="Internal"), actor="ivan")
    return {"published": published, "internal": int(internal["id"])}


MAP = "/api/v1/public/map?bbox=22,44,41,53&kind=points"


def test_internal_work_leaves_the_public_etag_alone(
    client: TestClient, workspace: Workspace, public_site: dict[str, int], places: Gazetteer
) -> None:
    first = client.get(MAP)
    etag = first.headers["etag"]
    internal = public_site["internal"]
    # Internal work of every kind: new incidents, edits, verification steps, the public
    # precision of an internal incident, a change proposed to the public incident.
    create_incident(workspace, incident_doc(title="Another internal one"), actor="ivan")
    update_incident(workspace, internal, {"title": "Internal, retitled"}, actor="ivan")
    set_incident_status(workspace, internal, "under_verification", actor="ivan")
    set_location_precision(workspace, internal, "oblast", actor="ivan", places=places)
    update_incident(workspace, public_site["published"], {"title": "Edited"}, actor="ivan")
    again = client.get(MAP, headers={"If-None-Match": etag})
    assert again.status_code == 304, "internal work changed the public map's ETag"
    assert again.headers["etag"] == etag


def test_a_withdrawal_reaches_every_public_answer_at_once(
    client: TestClient, workspace: Workspace, public_site: dict[str, int]
) -> None:
    gone = public_site["published"]
    urls = [MAP, "/public/feed.atom", "/public/feed.json"]
    first = {url: client.get(url) for url in urls}
    for url, answer in first.items():
        assert answer.status_code == 200 and f"/public/incidents/{gone}" in answer.text, url
        # Browsers and proxies must ask again each time: nothing public is kept for minutes.
        assert answer.headers["cache-control"] == "no-cache", url
        assert client.get(url, headers={"If-None-Match": answer.headers["etag"]}).status_code == 304
    card = client.get(f"/public/incidents/{gone}/card.png")
    assert card.status_code == 200 and card.headers["cache-control"] == "no-cache"
    cache = client.app.state.answer_cache  # type: ignore[attr-defined]
    misses = cache.misses

    withdraw_incident(workspace, gone, reason="A witness could be identified.", actor="pat")
    for url, answer in first.items():
        after = client.get(url, headers={"If-None-Match": answer.headers["etag"]})
        assert after.status_code == 200 and after.headers["etag"] != answer.headers["etag"], url
        assert f"/public/incidents/{gone}" not in after.text, url
    assert cache.misses > misses
    assert client.get(f"/public/incidents/{gone}/card.png").status_code == 404


def test_a_forged_host_neither_changes_nor_multiplies_kept_answers(
    client: TestClient, public_site: dict[str, int]
) -> None:
    """Answers never depend on the Host header, so varying it must not fill the cache."""
    cache = client.app.state.answer_cache  # type: ignore[attr-defined]
    first = client.get(MAP)
    kept = len(cache._entries)
    for n in range(20):
        r = client.get(MAP, headers={"Host": f"evil{n}.example"})
        assert r.status_code == 200 and r.headers["etag"] == first.headers["etag"]
        assert "evil" not in r.text
    assert len(cache._entries) == kept

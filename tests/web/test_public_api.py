"""The open data API: downloads with the right types and names, the map endpoint for a
viewport (matched on the public location only), and nothing internal in any answer."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from civwatch.accounts import add_user
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident
from civwatch.publish.publication import set_location_precision, withdraw_incident
from civwatch.workspace import Workspace
from tests.incidents.helpers import TEAM, incident_doc
from tests.publish.published import EXACT, marked_incident, published_incident, verified_item

API = "/api/v1/public"
ODESA = (46.4825, 30.7233)


@pytest.fixture
def data(workspace: Workspace, places: Gazetteer, tmp_path: Path) -> dict[str, Any]:
    add_user(workspace, "ada", "Ada", ["admin"], actor=None)
    for name, roles in TEAM.items():
        if name != "ada":
            add_user(workspace, name, name.title(), roles, actor="ada")
    marked = marked_incident(workspace, places, tmp_path / "m")
    sha = verified_item(workspace, tmp_path / "v", seed=3)
    odesa = published_incident(
        workspace, places, sha, title="Shelling in Odesa", lat=ODESA[0], lon=ODESA[1]
    )
    internal = create_incident(
        workspace, incident_doc(title="Internal only"), actor="ivan", places=places
    )
    withdrawn = published_incident(workspace, places, sha, title="Withdrawn later")
    withdraw_incident(workspace, withdrawn, reason="figures disputed", actor="pat")
    return {
        "marked": marked,
        "odesa": odesa,
        "public": {marked.incident_id, odesa},
        "internal": int(internal["id"]),
        "withdrawn": withdrawn,
    }


def _all_answers(client: TestClient, data: dict[str, Any]) -> dict[str, str]:
    urls = [
        f"{API}/incidents.geojson",
        f"{API}/incidents.csv",
        f"{API}/incidents.kml",
        f"{API}/timemap/events",
        f"{API}/timemap/associations",
        f"{API}/timemap/sources",
        f"{API}/map?bbox=22,44,41,53",
        f"{API}/map?bbox=22,44,41,53&kind=points",
        f"{API}/map",
        f"{API}/incidents",
        *(f"{API}/incidents/{i}" for i in data["public"]),
    ]
    answers = {}
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, (url, r.text)
        answers[url] = r.text
    return answers


def test_no_answer_shows_internal_fields_or_hidden_incidents(
    client: TestClient, data: dict[str, Any]
) -> None:
    for url, text in _all_answers(client, data).items():
        for secret in data["marked"].secrets:
            assert secret not in text, f"{url} shows {secret!r}"
        for title in ("Internal only", "Withdrawn later"):
            assert title not in text, f"{url} shows an unpublished incident"
    for hidden in (data["internal"], data["withdrawn"]):
        r = client.get(f"{API}/incidents/{hidden}")
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("geojson", "application/geo+json"),
        ("csv", "text/csv; charset=utf-8; header=present"),
        ("kml", "application/vnd.google-earth.kml+xml"),
    ],
)
def test_downloads(client: TestClient, data: dict[str, Any], fmt: str, media_type: str) -> None:
    r = client.get(f"{API}/incidents.{fmt}")
    assert r.status_code == 200
    assert r.headers["content-type"] == media_type
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="civwatch-incidents-')
    assert disposition.endswith(f'.{fmt}"')
    if fmt == "geojson":
        ids = {f["id"] for f in r.json()["features"]}
        urls = {f["properties"]["url"] for f in r.json()["features"]}
        assert f"/public/incidents/{data['odesa']}" in urls  # relative: no base URL set
    elif fmt == "csv":
        ids = {int(row["event_id"]) for row in csv.DictReader(io.StringIO(r.text))}
        assert not r.content.startswith(b"\xef\xbb\xbf")
        assert client.get(f"{API}/incidents.csv?bom=true").content.startswith(b"\xef\xbb\xbf")
    else:
        root = ET.fromstring(r.content)
        ids = {
            int(p.get("id", "").removeprefix("incident-"))
            for p in root.iter("{http://www.opengis.net/kml/2.2}Placemark")
        }
    assert ids == data["public"]


def test_bad_filters_are_refused_before_any_download(
    client: TestClient, data: dict[str, Any]
) -> None:
    for url in (
        f"{API}/incidents.csv?type=teleportation",
        f"{API}/incidents.geojson?bbox=1,2,3",
        f"{API}/incidents.kml?from=yesterday",
        f"{API}/map?bbox=30,50,31,49",
        f"{API}/map?limit=5000",
        f"{API}/timemap/events?weapon=slingshot",
    ):
        r = client.get(url)
        assert r.status_code in (400, 422), (url, r.status_code)
        assert r.headers["content-type"] == "application/problem+json", url
        assert r.json()["detail"], url


def test_map_matches_the_public_location_not_the_exact_point(
    client: TestClient, data: dict[str, Any], places: Gazetteer, workspace: Workspace
) -> None:
    marked = data["marked"].incident_id
    shown = client.get(f"{API}/incidents/{marked}").json()["location"]
    assert shown["precision"] == "settlement"
    assert (shown["lat"], shown["lon"]) != pytest.approx(EXACT, abs=1e-3)

    def ids(bbox: str) -> set[int]:
        doc = client.get(f"{API}/map", params={"bbox": bbox}).json()
        return {f["id"] for f in doc["features"]}

    lat, lon = EXACT
    tight_exact = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    assert marked not in ids(tight_exact)  # a tiny box round the exact point finds nothing
    slat, slon = shown["lat"], shown["lon"]
    assert marked in ids(f"{slon - 0.001},{slat - 0.001},{slon + 0.001},{slat + 0.001}")
    set_location_precision(workspace, marked, "oblast", actor="pat", places=places)
    coarse = client.get(f"{API}/incidents/{marked}").json()
    assert coarse["settlement"] is None and coarse["location"]["precision"] == "oblast"
    assert marked not in ids(f"{slon - 0.001},{slat - 0.001},{slon + 0.001},{slat + 0.001}")


def test_map_pages_follow_each_other(client: TestClient, data: dict[str, Any]) -> None:
    seen: list[int] = []
    url: str | None = f"{API}/map?bbox=22,44,41,53&limit=1&kind=points"
    while url:
        r = client.get(url)
        assert r.headers["content-type"] == "application/geo+json"
        doc = r.json()
        assert doc["type"] == "FeatureCollection" and doc["number_returned"] <= 1
        for f in doc["features"]:
            lon, lat = f["geometry"]["coordinates"]
            assert f["properties"]["location"] == {
                **f["properties"]["location"],
                "lat": lat,
                "lon": lon,
            }
            seen.append(f["id"])
        url = doc["next"]
    assert seen == sorted(data["public"], reverse=True)
    listed = client.get(f"{API}/incidents", params={"limit": 1}).json()
    assert listed["incidents"][0]["id"] == max(data["public"])
    assert client.get(listed["next"]).json()["incidents"][0]["id"] == min(data["public"])


def test_timemap_endpoints(client: TestClient, data: dict[str, Any]) -> None:
    events = client.get(f"{API}/timemap/events").json()
    associations = {a["id"] for a in client.get(f"{API}/timemap/associations").json()}
    sources = client.get(f"{API}/timemap/sources").json()
    assert {int(e["id"]) for e in events} == data["public"]
    for event in events:
        assert set(event["associations"]) <= associations
        assert all(s in sources for s in event["sources"])
    assert json.loads(json.dumps(sources))  # an object keyed by source id


def test_map_answers_are_kept_until_anything_public_changes(
    client: TestClient, data: dict[str, Any], workspace: Workspace
) -> None:
    url = f"{API}/map?bbox=22,44,41,53&kind=points"
    first = client.get(url)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    assert data["odesa"] in {f["id"] for f in first.json()["features"]}
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    cache = client.app.state.answer_cache  # type: ignore[attr-defined]
    assert cache.hits >= 1

    # A withdrawal shows on the very next request, whatever the client kept.
    withdraw_incident(workspace, data["odesa"], reason="a witness could be found", actor="pat")
    after = client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    assert data["odesa"] not in {f["id"] for f in after.json()["features"]}


def test_the_team_map_is_kept_until_an_incident_changes(
    client: TestClient, data: dict[str, Any], workspace: Workspace, places: Gazetteer
) -> None:
    from civwatch.incidents.service import update_incident

    headers = {"Authorization": "Bearer " + _token(workspace, "ivan")}
    url = "/api/v1/incidents.geojson?bbox=22,44,41,53&kind=points"
    first = client.get(url, headers=headers)
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    again = client.get(url, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
    # Without the permission the cache is never reached.
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 401
    update_incident(workspace, data["internal"], {"title": "Retitled"}, actor="ivan")
    after = client.get(url, headers={**headers, "If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    titles = {f["properties"]["title"] for f in after.json()["features"]}
    assert "Retitled" in titles and "Internal only" not in titles


def _token(ws: Workspace, username: str) -> str:
    from sqlalchemy import select

    from civwatch.accounts.models import User
    from civwatch.accounts.principal import Principal
    from civwatch.accounts.tokens import create_token

    with ws.sessions() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        who = Principal(user.id, username, username, frozenset(user.roles), "session")
    return str(create_token(ws, who, "tests", sorted(who.roles)[0])["token"])


def test_map_cells_over_http_count_the_public_incidents_and_say_so(
    client: TestClient, data: dict[str, Any], workspace: Workspace
) -> None:
    """Anyone may read the cells (the public map's answer); they count only what the
    markers show, every viewport widened to the same cells shares one answer, a withdrawal
    shows at once, and a kind the API does not know is refused with what to give."""
    url = f"{API}/map?bbox=22,44,41,53&kind=cells"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["content-type"] == "application/geo+json"
    doc = first.json()
    assert doc["kind"] == "cells" and doc["next"] is None and doc["next_cursor"] is None
    assert sum(c["properties"]["count"] for c in doc["features"]) == len(data["public"])
    for secret in data["marked"].secrets:
        assert secret not in first.text
    panned = client.get(f"{API}/map?bbox=22.001,44.001,40.999,52.999&kind=cells")
    assert panned.json()["filter"]["bbox"] == doc["filter"]["bbox"]
    assert panned.headers["etag"] == first.headers["etag"]
    # a small collection keeps its points even for a wide box when the server chooses
    assert client.get(f"{API}/map?bbox=22,44,41,53").json()["kind"] == "points"
    withdraw_incident(workspace, data["odesa"], reason="a witness could be found", actor="pat")
    after = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert after.status_code == 200
    assert sum(c["properties"]["count"] for c in after.json()["features"]) == 1
    bad = client.get(f"{API}/map?bbox=22,44,41,53&kind=heatmap")
    assert bad.status_code in (400, 422) and "auto, points or cells" in bad.text


def test_team_map_cells_need_the_reader_permission(
    client: TestClient, data: dict[str, Any], workspace: Workspace
) -> None:
    url = "/api/v1/incidents.geojson?bbox=22,44,41,53&kind=cells"
    assert client.get(url).status_code == 401
    headers = {"Authorization": "Bearer " + _token(workspace, "ivan")}
    doc = client.get(url, headers=headers).json()
    assert doc["kind"] == "cells" and doc["cell_size"] > 0
    # the team's cells count the internal and withdrawn incidents too (exact points)
    assert sum(c["properties"]["count"] for c in doc["features"]) == 4
    narrow = client.get(
        "/api/v1/incidents.geojson?bbox=30.6,46.4,30.8,46.6", headers=headers
    ).json()
    assert narrow["kind"] == "points" and narrow["number_returned"] == 1

"""Incidents, verification and the map through the API, with tokens of different roles."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from civwatch.accounts import add_user
from civwatch.accounts.models import User
from civwatch.accounts.principal import Principal
from civwatch.accounts.tokens import create_token
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident
from tests.incidents.helpers import KHARKIV, incident_doc, ingest_photo, seed_cache
from tests.web.conftest import Team, bearer

API = "/api/v1"


@pytest.fixture(autouse=True)
def _gazetteer(team: Team, gazetteer_cache: Path) -> None:
    """The app finds the prebuilt gazetteer in its data folder (no 8 s build)."""
    seed_cache(gazetteer_cache, team.ws.settings.data_dir)


@pytest.fixture
def second_verifier(team: Team) -> dict[str, str]:
    """Headers of a second verifier, for the two-person rule."""
    add_user(team.ws, "verifier-two", "Second verifier", ["verifier"], actor="admin")
    with team.ws.sessions() as s:
        uid = s.scalars(select(User.id).where(User.username == "verifier-two")).one()
    who = Principal(uid, "verifier-two", "Second", frozenset({"verifier"}), "session")
    return bearer(create_token(team.ws, who, "tests", "verifier")["token"])


def _as(team: Team, role: str) -> dict[str, str]:
    return bearer(team.tokens[role])


def _ok(r: Any, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    return body


def _problem(r: Any, status: int, *words: str) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    detail: str = r.json()["detail"]
    for word in words:
        assert word in detail, detail
    return detail


def _new_incident(**over: Any) -> dict[str, Any]:
    doc = incident_doc(**over)
    doc["start"] = doc["start"].isoformat()
    return doc


def _upload_photo(client: TestClient, team: Team, tmp_path: Path, seed: int = 1) -> str:
    """An evidence photo taken in Kharkiv, with a caption (ingested as an upload would be)."""
    return ingest_photo(
        team.ws, tmp_path / "photos", seed=seed, caption="Missile hit the hospital in Kharkiv"
    )


def test_the_investigator_workflow_end_to_end(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    inv, ver, pub = (_as(team, r) for r in ("investigator", "verifier", "publisher"))
    incident = _ok(client.post(f"{API}/incidents", json=_new_incident(), headers=inv), 201)
    iid = incident["id"]
    assert (incident["status"], incident["visibility"]) == ("reported", "internal")
    assert incident["settlement"] == "Kharkiv" and incident["killed"] == {"min": 2, "max": 4}

    sha = _upload_photo(client, team, tmp_path)
    suggested = _ok(client.get(f"{API}/evidence/{sha}/suggestions", headers=inv))
    assert suggested["suggestions"][0]["incident"]["id"] == iid  # EXIF place and caption
    shown = _ok(
        client.post(
            f"{API}/incidents/{iid}/evidence", json={"sha256": sha, "role": "primary"}, headers=inv
        )
    )
    assert shown["evidence"][0]["sha256"] == sha and shown["evidence"][0]["role"] == "primary"

    # the item is verified: records by the investigator, approval by a verifier
    geo = {"lat": KHARKIV[0], "lon": KHARKIV[1], "precision_m": 50, "method": "satellite match"}
    chrono = {
        "window_start": "2022-03-09T10:00:00+00:00",
        "window_end": "2022-03-09T12:00:00+00:00",
        "method": "shadows",
    }
    for kind, content in (("geolocation", geo), ("chronolocation", chrono)):
        record = _ok(
            client.post(
                f"{API}/evidence/{sha}/verification/records",
                json={"kind": kind, "content": content},
                headers=inv,
            ),
            201,
        )
        assert record["author"] == "investigator" and record["custody_leaf"] > 0
    item = _ok(
        client.post(
            f"{API}/evidence/{sha}/verification/status", json={"status": "verified"}, headers=inv
        )
    )
    assert (item["status"], item["proposed_status"]) == ("in_review", "verified")
    item = _ok(
        client.post(
            f"{API}/evidence/{sha}/verification/review", json={"decision": "approve"}, headers=ver
        )
    )
    assert item["status"] == "verified"
    view = _ok(client.get(f"{API}/evidence/{sha}/verification", headers=_as(team, "viewer")))
    assert [h["act"] for h in view["history"]] == ["start", "submit", "approve"]

    # the incident: start, propose, second person approves, publisher publishes
    for target in ("under_verification", "verified"):
        shown = _ok(
            client.post(f"{API}/incidents/{iid}/status", json={"status": target}, headers=inv)
        )
    assert (shown["status"], shown["proposed_status"]) == ("in_review", "verified")
    shown = _ok(
        client.post(f"{API}/incidents/{iid}/review", json={"decision": "approve"}, headers=ver)
    )
    assert shown["status"] == "verified"
    shown = _ok(client.post(f"{API}/incidents/{iid}/publish", headers=pub))
    assert shown["visibility"] == "public"
    assert [h["act"] for h in shown["history"]] == ["start", "submit", "approve", "publish"]
    assert [h["actor"] for h in shown["history"]][-2:] == ["verifier", "publisher"]

    # every write is in the audit, with who did it
    audit = client.get(f"{API}/audit", params={"limit": 100}, headers=_as(team, "admin")).json()
    acts = {(a["action"], a["actor"]) for a in audit}
    assert {
        ("incident-create", "investigator"),
        ("incident-link", "investigator"),
        ("verification-record", "investigator"),
        ("item-review", "verifier"),
        ("incident-review", "verifier"),
        ("incident-publish", "publisher"),
    } <= acts

    # and the published incident is on the map, with the public filter
    doc = client.get(
        f"{API}/incidents.geojson",
        params={"bbox": "35,49,37,51", "visibility": "public"},
        headers=_as(team, "viewer"),
    ).json()
    assert [f["id"] for f in doc["features"]] == [iid]


def test_roles_and_the_two_person_rule_are_enforced(
    team: Team, client: TestClient, second_verifier: dict[str, str]
) -> None:
    inv, ver = _as(team, "investigator"), _as(team, "verifier")
    _problem(
        client.post(f"{API}/incidents", json=_new_incident(), headers=_as(team, "viewer")),
        403,
        "incidents.write",
    )
    iid = _ok(client.post(f"{API}/incidents", json=_new_incident(), headers=ver), 201)["id"]
    for target in ("under_verification", "unverifiable"):
        _ok(client.post(f"{API}/incidents/{iid}/status", json={"status": target}, headers=ver))
    _problem(
        client.post(f"{API}/incidents/{iid}/review", json={"decision": "approve"}, headers=ver),
        403,
        "verifier submitted incident",
        "second verifier must",
    )
    _problem(
        client.post(f"{API}/incidents/{iid}/review", json={"decision": "approve"}, headers=inv),
        403,
        "review",
    )
    _problem(
        client.post(
            f"{API}/incidents/{iid}/review", json={"decision": "reject"}, headers=second_verifier
        ),
        422,
        "Say why",
    )
    shown = _ok(
        client.post(
            f"{API}/incidents/{iid}/review",
            json={"decision": "approve"},
            headers=second_verifier,
        )
    )
    assert shown["status"] == "unverifiable"
    _problem(
        client.post(f"{API}/incidents/{iid}/publish", headers=_as(team, "publisher")),
        422,
        "only verified incidents are published",
    )
    _problem(client.post(f"{API}/incidents/{iid}/publish", headers=ver), 403, "publish")


def test_an_update_names_its_revision_and_a_stale_one_is_refused(
    team: Team, client: TestClient
) -> None:
    inv = _as(team, "investigator")
    iid = _ok(client.post(f"{API}/incidents", json=_new_incident(), headers=inv), 201)["id"]
    shown = _ok(
        client.patch(
            f"{API}/incidents/{iid}",
            json={"revision": 1, "casualties": {"killed": {"min": 3, "max": 5}}},
            headers=inv,
        )
    )
    assert shown["revision"] == 2 and shown["killed"] == {"min": 3, "max": 5}
    _problem(
        client.patch(f"{API}/incidents/{iid}", json={"revision": 1, "title": "X"}, headers=inv),
        409,
        "revision 2, not 1",
        "Reload",
    )
    _problem(
        client.patch(f"{API}/incidents/{iid}", json={"narrative": shown["narrative"]}, headers=inv),
        422,
        "nothing changed",
    )


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"bbox": "a,b,c,d"}, ["bbox west 'a' is not a number", "west,south,east,north"]),
        ({"bbox": "22,52,40,44"}, ["south 52 is north of north 44"]),
        ({"bbox": "22,44,40"}, ["not 4"]),
        (
            {"start": "2022-03-10T00:00:00Z", "end": "2022-03-01T00:00:00Z"},
            ["ends before it starts"],
        ),
        ({"incident_type": "banana"}, ["Unknown incident type 'banana'", "missile_strike"]),
        ({"weapon": "trebuchet"}, ["Unknown weapon", "iskander_m"]),
        ({"status": "done"}, ["Unknown status 'done'", "verified"]),
        ({"limit": "100000"}, ["limit", "5000"]),
        ({"start": "yesterday"}, ["start", "datetime"]),
        ({"start": "2022-03-01T00:00:00"}, ["has no timezone", "with an offset"]),
    ],
)
def test_bad_map_queries_get_problems_that_say_what_to_fix(
    team: Team, client: TestClient, params: dict[str, str], words: list[str]
) -> None:
    r = client.get(f"{API}/incidents.geojson", params=params, headers=_as(team, "viewer"))
    _problem(r, 422, *words)


def test_the_map_covers_the_viewport_page_by_page(
    team: Team, client: TestClient, places: Gazetteer, tmp_path: Path
) -> None:
    made = [
        create_incident(
            team.ws,
            incident_doc(lat=48.0 + i * 0.1, lon=30.0 + i * 0.1, title=f"Strike {i}"),
            actor="investigator",
            places=places,
        )["id"]
        for i in range(12)
    ]
    outside = create_incident(
        team.ws, incident_doc(lat=47.0, lon=30.0), actor="investigator", places=places
    )["id"]
    viewer = _as(team, "viewer")
    url: str | None = f"{API}/incidents.geojson?bbox=29.95,47.95,31.2,49.2&limit=5"
    seen: list[int] = []
    pages = 0
    while url:
        r = client.get(url, headers=viewer)
        assert r.headers["content-type"] == "application/geo+json"
        doc = r.json()
        assert len(doc["features"]) <= 5
        for f in doc["features"]:
            lon, lat = f["geometry"]["coordinates"]
            assert 29.95 <= lon <= 31.2 and 47.95 <= lat <= 49.2
        seen += [f["id"] for f in doc["features"]]
        url = doc["next"]
        pages += 1
        if url:
            assert "bbox=29.95%2C47.95%2C31.2%2C49.2" in url and "limit=5" in url
    assert pages == 3 and sorted(seen) == sorted(made) and outside not in seen
    # GDAL reads the answer as GeoJSON, with the points where they are
    path = tmp_path / "page.geojson"
    path.write_text(
        client.get(f"{API}/incidents.geojson", params={"limit": 20}, headers=viewer).text
    )
    info = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "Feature Count: 13" in info and "Extent: (30.000000, 47.000000)" in info


def test_list_totals_series_places_and_facets(
    team: Team, client: TestClient, places: Gazetteer
) -> None:
    inv = _as(team, "investigator")
    for i, kind in enumerate(("missile strike", "shelling", "shelling")):
        create_incident(
            team.ws,
            incident_doc(
                incident_type=kind, title=f"Attack {i}", casualties={"injured": {"min": i}}
            ),
            actor="investigator",
            places=places,
        )
    listing = _ok(client.get(f"{API}/incidents", params={"incident_type": "shelling"}, headers=inv))
    assert listing["total"] == 2 and {i["title"] for i in listing["incidents"]} == {
        "Attack 1",
        "Attack 2",
    }
    page = _ok(client.get(f"{API}/incidents", params={"limit": 1, "offset": 2}, headers=inv))
    assert page["total"] == 3 and len(page["incidents"]) == 1
    totals = _ok(client.get(f"{API}/incidents/totals", params={"oblast": "Kharkiv"}, headers=inv))
    assert totals["incidents"] == 3 and totals["injured"] == {
        "incidents_with_figure": 3,
        "min": 3,
        "max": 3,
    }
    series = _ok(client.get(f"{API}/incidents/series", params={"period": "week"}, headers=inv))
    assert series["series"] == [
        {
            "period": "2022-03-07",
            "incidents": 3,
            "killed": {"incidents_with_figure": 0, "min": 0, "max": 0},
            "injured": {"incidents_with_figure": 3, "min": 3, "max": 3},
        }
    ]
    facets = _ok(client.get(f"{API}/incidents/facets", headers=_as(team, "viewer")))
    assert "in_review" in facets["statuses"] and "Kharkiv Oblast" in facets["oblasts"]
    assert {"code": "hospital", "label": "Hospital or clinic"} in facets["objects"]
    term = _ok(
        client.post(
            f"{API}/vocabulary",
            json={"kind": "weapon", "label": "Kh-59"},
            headers=_as(team, "admin"),
        ),
        201,
    )
    assert term == {"kind": "weapon", "code": "kh_59", "label": "Kh-59", "builtin": False}
    weapons = _ok(client.get(f"{API}/incidents/facets", headers=inv))["weapons"]
    assert {"code": "kh_59", "label": "Kh-59"} in weapons
    near = _ok(client.get(f"{API}/incidents/{listing['incidents'][0]['id']}/places", headers=inv))
    assert near["places"] == [] and near["radius_m"] == 700.0  # 500 m + the 200 m precision


def test_objects_of_others_cannot_be_reached_through_ids(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    inv = _as(team, "investigator")
    iid = _ok(client.post(f"{API}/incidents", json=_new_incident(), headers=inv), 201)["id"]
    first = _upload_photo(client, team, tmp_path, seed=1)
    second = _upload_photo(client, team, tmp_path, seed=2)
    record = _ok(
        client.post(
            f"{API}/evidence/{first}/verification/records",
            json={"kind": "source", "content": {"account": "@kharkiv_now"}},
            headers=inv,
        ),
        201,
    )
    # a record of one item cannot be superseded through another item
    _problem(
        client.post(
            f"{API}/evidence/{second}/verification/records",
            json={"kind": "source", "content": {"account": "@x"}, "supersedes": record["id"]},
            headers=inv,
        ),
        404,
        f"has no verification record {record['id']}",
    )
    _problem(client.get(f"{API}/incidents/999999", headers=inv), 404, "No incident 999999")
    _problem(
        client.post(
            f"{API}/incidents/{iid}/evidence/{second}/unlink", json={"reason": "x"}, headers=inv
        ),
        422,
        "is not linked",
    )
    _problem(
        client.post(f"{API}/incidents/{iid}/evidence", json={"sha256": "f" * 64}, headers=inv),
        404,
    )
    _problem(
        client.post(
            f"{API}/incidents",
            json={**_new_incident(), "internal_secret": "x"},
            headers=inv,
        ),
        422,
        "internal_secret",
    )


def test_suggestions_are_confirmed_or_dismissed(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    inv = _as(team, "investigator")
    iid = _ok(client.post(f"{API}/incidents", json=_new_incident(), headers=inv), 201)["id"]
    other = _ok(
        client.post(
            f"{API}/incidents",
            json=_new_incident(title="Second strike on the hospital"),
            headers=inv,
        ),
        201,
    )["id"]
    sha = _upload_photo(client, team, tmp_path)
    decided = _ok(
        client.post(
            f"{API}/evidence/{sha}/suggestions/{other}",
            json={"decision": "dismissed", "reason": "another day"},
            headers=inv,
        )
    )
    assert decided["decision"] == "dismissed"
    left = _ok(client.get(f"{API}/evidence/{sha}/suggestions", headers=inv))["suggestions"]
    assert [s["incident"]["id"] for s in left] == [iid]
    _ok(
        client.post(
            f"{API}/evidence/{sha}/suggestions/{iid}", json={"decision": "confirmed"}, headers=inv
        )
    )
    linked = _ok(client.get(f"{API}/incidents/{iid}", headers=inv))["evidence"]
    assert [e["sha256"] for e in linked] == [sha]


def test_the_old_visibility_route_is_a_deprecated_alias_of_the_publication_service(
    team: Team, client: TestClient, tmp_path: Path, places: Gazetteer
) -> None:
    """One publish path: the documented `/visibility` route calls the publication service,
    so it answers, limits and audits as `/publish` and `/withdraw` do (it audited a
    withdrawal as "incident-unpublish" and left out the media still to redact)."""
    from civwatch.incidents.service import link_evidence
    from civwatch.incidents.workflow import review_incident, set_incident_status
    from tests.incidents.helpers import verify_item

    pub = _as(team, "publisher")
    iid = create_incident(team.ws, incident_doc(), actor="investigator", places=places)["id"]
    sha = verify_item(
        team.ws, _upload_photo(client, team, tmp_path), author="investigator", reviewer="verifier"
    )
    link_evidence(team.ws, iid, sha, role="primary", actor="investigator")
    for target in ("under_verification", "verified"):
        set_incident_status(team.ws, iid, target, actor="investigator")
    review_incident(team.ws, iid, "approve", actor="verifier")
    url = f"{API}/incidents/{iid}/visibility"
    published = _ok(client.post(url, json={"visibility": "public", "reason": "first"}, headers=pub))
    assert published["visibility"] == "public" and published["unredacted_media"] == [sha]
    _problem(client.post(url, json={"visibility": "internal"}, headers=pub), 422, "The reason")
    too_long = {"visibility": "internal", "reason": "x" * 5001}
    assert client.post(url, json=too_long, headers=pub).status_code == 422
    withdrawn = _ok(client.post(url, json={"visibility": "internal", "reason": "x"}, headers=pub))
    assert withdrawn["visibility"] == "internal"
    audit = client.get(f"{API}/audit", params={"limit": 100}, headers=_as(team, "admin")).json()
    actions = [a["action"] for a in audit if a["target"] == f"incident:{iid}"]
    assert actions == ["incident-withdraw", "incident-publish"]  # newest first
    schema = client.get(f"{API}/openapi.json").json()
    assert schema["paths"]["/api/v1/incidents/{incident_id}/visibility"]["post"]["deprecated"]


def test_the_schema_documents_every_route_and_its_problems(client: TestClient) -> None:
    schema = client.get(f"{API}/openapi.json").json()
    mine = {
        p: ops for p, ops in schema["paths"].items() if "/incidents" in p or "/verification" in p
    }
    assert len(mine) >= 12
    for path, ops in mine.items():
        for method, op in ops.items():
            assert {"401", "403", "422"} <= set(op["responses"]), f"{method} {path}"
            assert op.get("description") or op.get("summary"), f"{method} {path}"
    geo = schema["paths"]["/api/v1/incidents.geojson"]["get"]
    assert "application/geo+json" in geo["responses"]["200"]["content"]
    names = {p["name"] for p in geo["parameters"]}
    assert {"bbox", "start", "end", "status", "oblast", "incident_type", "object", "limit"} <= names
    assert "409" in schema["paths"]["/api/v1/incidents/{incident_id}"]["patch"]["responses"]
    json.dumps(schema)

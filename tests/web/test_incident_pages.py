"""The incident pages through the app (TestClient): list, new-incident form, incident page
and its forms, map page without JavaScript, timeline, review queue."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from civwatch.accounts import add_user
from civwatch.accounts.credentials import set_password
from civwatch.incidents.service import (
    create_incident,
    get_incident,
    list_incidents,
    update_incident,
)
from civwatch.incidents.verification import add_record, review_item, set_item_status
from civwatch.incidents.workflow import set_incident_status
from civwatch.web import incident_lists
from civwatch.web.app import create_app
from tests.conftest import run_cli
from tests.incidents.helpers import KHARKIV, incident_doc, ingest_photo, seed_cache
from tests.web.conftest import BASE, PASSWORD, Team, bearer, sign_in

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
GEO = {
    "lat": KHARKIV[0],
    "lon": KHARKIV[1],
    "precision_m": 30,
    "method": "matched the facade to satellite imagery",
}
CHRONO = {
    "window_start": "2022-03-09T10:30:00+00:00",
    "window_end": "2022-03-09T11:30:00+00:00",
    "method": "shadow bearing",
}
FORM = {
    "title": "Shelling of a market in Kharkiv",
    "narrative": "Rockets hit the central market at noon.",
    "start": "2022-03-10T12:00",
    "end": "",
    "time_precision": "hour",
    "lat": "49.9935",
    "lon": "36.2304",
    "radius_m": "300",
    "settlement": "",
    "oblast": "",
    "incident_type": "shelling",
    "weapons": ["bm_21_grad"],
    "objects": ["market", "residential"],
    "killed": "2-4",
    "killed_source": "Regional administration",
    "injured": "7",
    "injured_source": "",
    "perpetrator": "",
    "perpetrator_confidence": "",
}


@pytest.fixture
def crew(team: Team, gazetteer_cache: Path) -> Team:
    """The web team with passwords for every page user, a second verifier, and the
    gazetteer in the data folder (so creating an incident through a form is quick)."""
    seed_cache(gazetteer_cache, team.ws.settings.data_dir)
    add_user(team.ws, "vera", "Vera Second", ["verifier"], actor="admin")
    for name in ("verifier", "publisher", "viewer", "vera"):
        set_password(team.ws, name, PASSWORD, actor="admin")
    return team


def _client(team: Team) -> TestClient:
    return TestClient(create_app(team.ws.settings), base_url=BASE)


class Sessions(dict[str, tuple[TestClient, str]]):
    """A signed-in browser session per user, opened on first use: name -> (client, CSRF)."""

    def __init__(self, team: Team) -> None:
        super().__init__()
        self.team = team

    def __missing__(self, name: str) -> tuple[TestClient, str]:
        c = _client(self.team).__enter__()
        self[name] = (c, sign_in(c, name))
        return self[name]


@pytest.fixture
def clients(crew: Team) -> Iterator[Sessions]:
    opened = Sessions(crew)
    try:
        yield opened
    finally:
        for c, _ in opened.values():
            c.__exit__(None, None, None)


def _post(who: tuple[TestClient, str], url: str, data: dict[str, Any]) -> Any:
    c, token = who
    return c.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def _alert(html: str) -> str:
    found = re.search(r'role="alert"[^>]*>(.*?)</p>', html, re.S)
    return unescape(found.group(1)) if found else ""


def test_list_shows_ranges_filters_and_pages(
    crew: Team, clients: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = crew.ws
    create_incident(ws, incident_doc(), actor="investigator")
    create_incident(
        ws,
        incident_doc(
            title="Drone attack on an energy site in Odesa",
            lat=46.4825,
            lon=30.7233,
            incident_type="drone attack",
            objects=["energy"],
            casualties={"injured": {"min": 1, "max": 1}},
        ),
        actor="investigator",
    )
    c, _ = clients["viewer"]
    page = c.get("/incidents")
    assert page.status_code == 200
    assert "2 incidents" in page.text
    assert "2–4 killed" in page.text and "1 injured" in page.text
    assert "Record a new incident" not in page.text  # a viewer does not write
    only_odesa = c.get("/incidents", params={"oblast": "Odesa Oblast"})
    assert "1 incident " in only_odesa.text
    assert "Drone attack on an energy site" in only_odesa.text
    assert "Missile strike on a hospital" not in only_odesa.text
    by_object = c.get("/incidents", params={"object": "hospital", "status": "reported"})
    assert (
        "Missile strike on a hospital" in by_object.text and "Drone attack on" not in by_object.text
    )
    dated = c.get("/incidents", params={"start": "2022-03-09", "end": "2022-03-09"})
    assert "2 incidents" in dated.text  # the 'to' day is included
    assert "0 incidents" in c.get("/incidents", params={"start": "2022-03-10"}).text
    bad = c.get("/incidents", params={"start": "9 March"})
    assert bad.status_code == 422
    assert "is not a date such as 2022-03-09" in _alert(bad.text)
    unknown = c.get("/incidents", params={"incident_type": "meteor"})
    assert unknown.status_code == 422 and "Unknown incident type" in _alert(unknown.text)
    monkeypatch.setattr(incident_lists, "PAGE_SIZE", 1)
    first = c.get("/incidents", params={"oblast": "", "visibility": "internal"})
    assert "Page 1 of 2" in first.text and "Missile strike on a hospital" not in first.text
    link = re.search(r'href="(/incidents\?[^"]*page=2[^"]*)"', first.text)
    assert link and "visibility=internal" in link.group(1)
    second = c.get(link.group(1).replace("&amp;", "&"))
    assert "Page 2 of 2" in second.text and "Drone attack on" not in second.text


def test_new_incident_form_records_it_or_shows_the_error_keeping_values(
    crew: Team, clients: Sessions
) -> None:
    investigator = clients["investigator"]
    c, _ = investigator
    form_page = c.get("/incidents")
    assert "Record a new incident" in form_page.text
    assert 'name="csrf_token"' in form_page.text
    wrong = _post(investigator, "/incidents", {**FORM, "lat": "north of Kharkiv"})
    assert wrong.status_code == 422
    assert "The latitude 'north of Kharkiv' is not a number" in _alert(wrong.text)
    assert 'value="Shelling of a market in Kharkiv"' in wrong.text  # what was typed stays
    assert 'value="north of Kharkiv"' in wrong.text
    assert re.search(r'value="market" checked', wrong.text)
    inverted = _post(investigator, "/incidents", {**FORM, "killed": "5-2"})
    assert inverted.status_code == 422 and "inverted" in _alert(inverted.text)
    done = _post(investigator, "/incidents", FORM)
    assert done.status_code == 303
    url = done.headers["location"]
    assert re.fullmatch(r"/incidents/\d+\?done=created", url)
    page = c.get(url)
    assert "The incident was recorded." in page.text
    assert "2–4 killed" in page.text and "Regional administration" in page.text
    assert "7 injured" in page.text and "no source given" in page.text
    assert "Kharkiv Oblast" in page.text  # filled from the gazetteer
    assert "BM-21 Grad" in page.text and "Market or shop" in page.text
    incident = get_incident(crew.ws, int(url.split("/")[2].split("?")[0]))
    assert incident["start"] == "2022-03-10T12:00:00+00:00"  # the form's time is UTC
    assert incident["created_by"] == "investigator"
    # no CSRF token: refused; a viewer may not write at all
    no_token = c.post("/incidents", data=FORM, follow_redirects=False)
    assert no_token.status_code == 403 and "security token" in no_token.text
    assert _post(clients["viewer"], "/incidents", FORM).status_code == 403


def test_script_in_titles_and_narratives_is_shown_as_text(crew: Team, clients: Sessions) -> None:
    ws = crew.ws
    made = create_incident(
        ws,
        incident_doc(title=XSS, narrative=XSS, settlement=XSS),
        actor="investigator",
    )
    set_incident_status(ws, made["id"], "under_verification", actor="investigator")
    set_incident_status(ws, made["id"], "unverifiable", actor="investigator", reason=XSS)
    c, _ = clients["verifier"]
    for url in (
        "/incidents",
        f"/incidents/{made['id']}",
        "/incidents/map",
        "/incidents/timeline",
        "/review",
    ):
        html = c.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(" in html, url


def _verified_item(crew: Team, folder: Path, seed: int = 1) -> str:
    sha = ingest_photo(crew.ws, folder, seed=seed)
    add_record(crew.ws, sha, "geolocation", GEO, actor="investigator")
    add_record(crew.ws, sha, "chronolocation", CHRONO, actor="investigator")
    set_item_status(crew.ws, sha, "verified", actor="investigator")
    review_item(crew.ws, sha, "approve", actor="verifier")
    return sha


def test_the_verification_workflow_through_the_incident_page(
    crew: Team, clients: Sessions, tmp_path: Path
) -> None:
    ws = crew.ws
    sha = _verified_item(crew, tmp_path / "photos")
    incident = create_incident(ws, incident_doc(), actor="investigator")
    url = f"/incidents/{incident['id']}"
    investigator, verifier, vera, publisher = (
        clients[n] for n in ("investigator", "verifier", "vera", "publisher")
    )
    # link by a prefix of the hash; a wrong hash is explained
    missing = _post(investigator, url + "/evidence", {"sha256": "ab" * 6, "role": "primary"})
    assert missing.status_code == 404 and "No evidence item" in _alert(missing.text)
    assert f'value="{"ab" * 6}"' in missing.text
    linked = _post(investigator, url + "/evidence", {"sha256": sha[:12], "role": "primary"})
    assert linked.status_code == 303 and linked.headers["location"] == url + "?done=linked"
    page = investigator[0].get(url).text
    assert f"/evidence/{sha}" in page and "1 independent source" in page
    assert "primary" in page
    # start verification, propose verified
    assert _post(investigator, url + "/status", {"target": "under_verification"}).status_code == 303
    assert "Propose an outcome" in investigator[0].get(url).text
    proposed = _post(investigator, url + "/status", {"target": "verified", "reason": "two sources"})
    assert proposed.status_code == 303
    page = investigator[0].get(url).text
    assert "awaiting a second verifier" in page and "proposed by investigator" in page
    assert "Record my decision" not in page  # an investigator does not review
    # content is frozen in review
    assert "its content can change once a reviewer" in page
    # a verifier rejects without a reason: the reason is asked for, nothing changes
    rejected = _post(verifier, url + "/review", {"decision": "reject", "reason": ""})
    assert rejected.status_code == 422 and "needs a reason" in _alert(rejected.text)
    assert get_incident(ws, incident["id"])["status"] == "in_review"
    approved = _post(verifier, url + "/review", {"decision": "approve"})
    assert approved.status_code == 303 and approved.headers["location"] == url + "?done=approved"
    page = vera[0].get(url).text
    assert "You approved" not in page and "verified" in page
    # the publisher publishes, and must say why to unpublish
    assert "Publish this incident" in publisher[0].get(url).text
    assert "Publish this incident" not in investigator[0].get(url).text
    assert _post(publisher, url + "/visibility", {"visibility": "public"}).status_code == 303
    assert get_incident(ws, incident["id"])["visibility"] == "public"
    no_reason = _post(publisher, url + "/visibility", {"visibility": "internal"})
    assert no_reason.status_code == 422 and "reason must not be empty" in _alert(no_reason.text)
    assert (
        _post(publisher, url + "/visibility", {"visibility": "internal", "reason": "a correction"})
    ).status_code == 303
    history = publisher[0].get(url).text
    acts = re.findall(r'data-label="What">(\w+)', history)
    assert acts == ["unpublish", "publish", "approve", "submit", "start"]  # newest first
    assert "a correction" in history
    # reopen needs a reason; then unlink needs one too
    reopen = _post(investigator, url + "/status", {"target": "under_verification"})
    assert reopen.status_code == 422 and "reopen needs a reason" in _alert(reopen.text)
    assert (
        _post(
            investigator, url + "/status", {"target": "under_verification", "reason": "new video"}
        )
    ).status_code == 303
    unlink = _post(investigator, url + "/evidence/unlink", {"sha256": sha, "reason": ""})
    assert unlink.status_code == 422 and "must not be empty" in _alert(unlink.text)
    assert (
        _post(investigator, url + "/evidence/unlink", {"sha256": sha, "reason": "wrong place"})
    ).status_code == 303
    assert get_incident(ws, incident["id"])["evidence"] == []


def test_a_verifier_cannot_review_their_own_proposal(crew: Team, clients: Sessions) -> None:
    ws = crew.ws
    incident = create_incident(ws, incident_doc(), actor="investigator")
    url = f"/incidents/{incident['id']}"
    verifier, vera = clients["verifier"], clients["vera"]
    assert _post(verifier, url + "/status", {"target": "under_verification"}).status_code == 303
    assert _post(verifier, url + "/status", {"target": "unverifiable"}).status_code == 303
    own = verifier[0].get(url).text
    assert "Record my decision" not in own and "a second verifier must review it" in own
    refused = _post(verifier, url + "/review", {"decision": "approve"})
    assert refused.status_code == 403 and "cannot review it" in _alert(refused.text)
    assert "Record my decision" in vera[0].get(url).text
    assert _post(vera, url + "/review", {"decision": "approve"}).status_code == 303
    assert get_incident(ws, incident["id"])["status"] == "unverifiable"


def test_review_queue_lists_work_in_review_apart_from_ones_own(
    crew: Team, clients: Sessions, tmp_path: Path
) -> None:
    ws = crew.ws
    theirs = create_incident(
        ws, incident_doc(title="Proposed by the investigator"), actor="investigator"
    )
    mine = create_incident(ws, incident_doc(title="Proposed by the verifier"), actor="investigator")
    idle = create_incident(ws, incident_doc(title="Not in review"), actor="investigator")
    for iid, who in ((theirs["id"], "investigator"), (mine["id"], "verifier")):
        set_incident_status(ws, iid, "under_verification", actor=who)
        set_incident_status(ws, iid, "unverifiable", actor=who)
    item = ingest_photo(ws, tmp_path / "p", seed=3)
    add_record(ws, item, "geolocation", GEO, actor="verifier")  # the verifier wrote a record
    add_record(ws, item, "chronolocation", CHRONO, actor="investigator")
    set_item_status(ws, item, "verified", actor="investigator")
    c, _ = clients["verifier"]
    page = c.get("/review").text
    to_review, own = page.split("Your own work in review")
    assert "Proposed by the investigator" in to_review and "Proposed by the verifier" in own
    assert "Not in review" not in page and idle["title"] not in page
    assert f"/evidence/{item}" in own and "you wrote verification records" in own
    assert "Evidence items to review (0)" in to_review
    other = clients["vera"][0].get("/review").text
    assert "Incidents to review (2)" in other and "Evidence items to review (1)" in other
    assert f"/evidence/{item}#verification" in other and "Your own work" not in other
    assert f"/incidents/{theirs['id']}#verification" in other
    viewer = clients["viewer"][0].get("/review")
    assert viewer.status_code == 200 and "Only verifiers can decide" in viewer.text


def test_map_page_lists_the_filtered_incidents_with_coordinates(
    crew: Team, clients: Sessions
) -> None:
    ws = crew.ws
    create_incident(ws, incident_doc(), actor="investigator")
    create_incident(
        ws,
        incident_doc(title="Strike in Lviv", lat=49.8397, lon=24.0297, objects=["cultural"]),
        actor="investigator",
    )
    c, _ = clients["viewer"]
    page = c.get("/incidents/map", params={"object": "cultural", "start": "2022-03-01"})
    assert page.status_code == 200
    assert "Strike in Lviv" in page.text and "Missile strike on a hospital" not in page.text
    assert "49.83970, 24.02970" in page.text  # coordinates for readers without JavaScript
    geojson = re.search(r'data-geojson="([^"]+)"', page.text)
    assert geojson
    api = geojson.group(1).replace("&amp;", "&")
    assert api.startswith("/api/v1/incidents.geojson?")
    assert "object=cultural" in api and "start=2022-03-01T00%3A00%3A00%2B00%3A00" in api
    assert 'data-tiles=""' in page.text  # no tile server configured: plain background
    assert re.search(r'<div id="incident-map"[^>]* hidden', page.text)  # shown by the script
    for asset in ("/static/map.js", "/static/vendor/leaflet/leaflet.js"):
        assert asset in page.text
        assert c.get(asset).status_code == 200
    # the URL the script starts from answers with GeoJSON
    assert c.get(api + "&bbox=22,44,41,53").json()["type"] == "FeatureCollection"


def test_timeline_groups_by_day_and_month_with_ranges(crew: Team, clients: Sessions) -> None:
    ws = crew.ws
    create_incident(ws, incident_doc(), actor="investigator")  # 9 March, 2-4 killed
    create_incident(
        ws,
        incident_doc(
            title="Second strike that day",
            start=datetime(2022, 3, 9, 18, 0, tzinfo=UTC),
            casualties={"killed": {"min": 1, "max": 1}},
        ),
        actor="investigator",
    )
    create_incident(
        ws,
        incident_doc(title="April strike", start=datetime(2022, 4, 2, 8, 0, tzinfo=UTC)),
        actor="investigator",
    )
    c, _ = clients["viewer"]
    days = c.get("/incidents/timeline").text
    assert days.index("2022-04-02") < days.index("2022-03-09")  # newest first
    march = days[days.index('id="g-2022-03-09"') :]
    assert "2 incidents · 3–5 killed" in march
    months = c.get("/incidents/timeline", params={"by": "month"}).text
    assert 'id="g-2022-03"' in months and 'id="g-2022-04"' in months
    assert "2 incidents · 3–5 killed" in months
    filtered = c.get("/incidents/timeline", params={"start": "2022-04-01"}).text
    assert "April strike" in filtered and "Second strike" not in filtered


def test_edit_form_records_a_revision_and_keeps_casualty_breakdowns(
    crew: Team, clients: Sessions
) -> None:
    ws = crew.ws
    doc = incident_doc(
        casualties={
            "killed": {
                "min": 2,
                "max": 4,
                "source": "Regional administration",
                "groups": {"children": {"min": 1, "max": 1}},
            }
        }
    )
    incident = create_incident(ws, doc, actor="investigator")
    url = f"/incidents/{incident['id']}"
    investigator = clients["investigator"]
    page = investigator[0].get(url).text
    form = {
        key: value
        for key, value in re.findall(
            r'<input id="edit-[^"]*" name="([^"]+)"[^>]*value="([^"]*)"', page
        )
    }
    assert form["title"] == incident["title"] and form["killed"] == "2-4"
    form.update(
        time_zone="Europe/Kyiv",  # the select (not read above) the times are shown in
        narrative="Revised.",
        incident_type="missile_strike",
        time_precision="hour",
        weapons="iskander_m",
        objects="hospital",
        killed="3-4",
    )
    same = _post(
        investigator, url + "/edit", {**form, "killed": "2-4", "narrative": doc["narrative"]}
    )
    assert same.status_code == 422 and "Nothing to change" in _alert(same.text)
    saved = _post(investigator, url + "/edit", form)
    assert saved.status_code == 303, _alert(saved.text)
    after = get_incident(ws, incident["id"])
    assert after["revision"] == 2 and after["narrative"] == "Revised."
    assert after["casualties"]["killed"]["min"] == 3
    assert after["casualties"]["killed"]["groups"]["children"] == {
        "min": 1,
        "max": 1,
        "source": None,
    }
    assert after["start"] == incident["start"] and after["settlement"] == incident["settlement"]
    assert "3–4 killed" in investigator[0].get(url).text
    bad = _post(investigator, url + "/edit", {**form, "start": "yesterday"})
    assert bad.status_code == 422 and 'value="yesterday"' in bad.text
    assert re.search(r"<details open>\s*<summary>Edit this incident", bad.text)


def test_an_edit_from_a_stale_page_does_not_undo_someone_elses_change(
    crew: Team, clients: Sessions
) -> None:
    ws = crew.ws
    incident = create_incident(ws, incident_doc(), actor="investigator")
    url = f"/incidents/{incident['id']}"
    investigator = clients["investigator"]
    page = investigator[0].get(url).text
    form = dict(re.findall(r'<input id="edit-[^"]*" name="([^"]+)"[^>]*value="([^"]*)"', page))
    (revision,) = re.findall(r'<input type="hidden" name="revision" value="(\d+)">', page)
    form.update(revision=revision, incident_type="missile_strike", time_precision="hour")
    # Someone else changes the title after this page was loaded ...
    update_incident(ws, incident["id"], {"title": "Retitled by a colleague"}, actor="investigator")
    # ... so sending the stale form (which still holds the old title) is refused.
    stale = _post(investigator, url + "/edit", {**form, "narrative": "Mine."})
    assert stale.status_code == 409 and "someone changed it" in _alert(stale.text)
    assert get_incident(ws, incident["id"])["title"] == "Retitled by a colleague"
    # The form comes back with what was typed, now against the current revision.
    assert 'name="revision" value="2"' in stale.text and "Mine." in stale.text
    again = _post(investigator, url + "/edit", {**form, "revision": "2", "narrative": "Mine."})
    assert again.status_code == 303, _alert(again.text)
    after = get_incident(ws, incident["id"])
    assert after["revision"] == 3 and after["narrative"] == "Mine."


def test_suggested_evidence_can_be_confirmed_or_dismissed(
    crew: Team, clients: Sessions, tmp_path: Path
) -> None:
    ws = crew.ws
    incident = create_incident(ws, incident_doc(), actor="investigator")
    near = ingest_photo(ws, tmp_path / "a", seed=11)  # EXIF: Kharkiv, the same day
    also = ingest_photo(ws, tmp_path / "b", seed=12)
    far = ingest_photo(  # elsewhere, a year earlier
        ws, tmp_path / "c", seed=13, lat=48.0, lon=24.0, taken=datetime(2021, 3, 1, tzinfo=UTC)
    )
    url = f"/incidents/{incident['id']}"
    investigator = clients["investigator"]
    page = investigator[0].get(url).text
    section = page[page.index("Evidence that may belong here") :]
    assert near in section and also in section and far not in section
    assert "from the incident (EXIF GPS" in section
    assert "Evidence that may belong here" not in clients["viewer"][0].get(url).text
    ok = _post(
        investigator,
        url + "/suggestions",
        {"sha256": near, "decision": "confirmed", "role": "primary"},
    )
    assert ok.status_code == 303 and ok.headers["location"].endswith("?done=confirmed")
    dismissed = _post(
        investigator,
        url + "/suggestions",
        {"sha256": also, "decision": "dismissed", "reason": "other day"},
    )
    assert dismissed.status_code == 303
    after = get_incident(ws, incident["id"])
    assert [(e["sha256"], e["role"]) for e in after["evidence"]] == [(near, "primary")]
    section = investigator[0].get(url).text.split("Evidence that may belong here")[1]
    assert also not in section.split("Verification")[0]
    assert "No unlinked evidence looks related" in section
    again = _post(investigator, url + "/suggestions", {"sha256": near, "decision": "confirmed"})
    assert again.status_code == 422 and "already linked" in _alert(again.text)


def test_unknown_incident_is_a_clear_page(crew: Team, clients: Sessions) -> None:
    c, _ = clients["viewer"]
    r = c.get("/incidents/424242")
    assert r.status_code == 404 and "No incident 424242" in r.text
    stranger = _client(crew)
    with stranger:
        away = stranger.get("/incidents/map", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"].startswith("/signin?next=")


def test_bearer_token_reads_pages(crew: Team) -> None:
    link_target = create_incident(crew.ws, incident_doc(), actor="investigator")
    with _client(crew) as c:
        page = c.get(f"/incidents/{link_target['id']}", headers=bearer(crew.tokens["viewer"]))
    assert page.status_code == 200 and "Missile strike on a hospital" in page.text
    assert f'action="/incidents/{link_target["id"]}/' not in page.text  # no form for a viewer


#: The same bad incident input as the form, the API and the command line spell it, and the
#: one sentence all three refuse it with.
SAME_REFUSALS = [
    (
        {"lat": "95"},
        {"lat": 95},
        ["--lat", "95"],
        "The latitude 95 is not a number from -90 to 90 (such as 49.99).",
    ),
    (
        {"start": "9 March"},
        {"start": "9 March"},
        ["--start", "9 March"],
        "The start '9 March' is not a date and time with its time zone, such as "
        "2022-03-09T14:05:00+02:00.",
    ),
    (
        {"killed": "5-2"},
        {"casualties": {"killed": {"min": 5, "max": 2}}},
        ["--figure", "killed=5-2"],
        "The range 5-2 is inverted: the minimum must not exceed the maximum.",
    ),
    (
        {"title": "x" * 301},
        {"title": "x" * 301},
        ["--title", "x" * 301],
        "The title must be text of at most 300 characters.",
    ),
    (
        {"title": ""},
        {"title": ""},
        ["--title", ""],
        "The title must not be empty.",
    ),
]


@pytest.mark.parametrize(("form", "body", "options", "sentence"), SAME_REFUSALS)
def test_the_same_bad_incident_is_refused_alike_by_form_api_and_command(
    crew: Team,
    clients: Sessions,
    cli_env: dict[str, str],
    form: dict[str, str],
    body: dict[str, Any],
    options: list[str],
    sentence: str,
) -> None:
    page = _post(clients["investigator"], "/incidents", {**FORM, **form})
    assert page.status_code == 422
    assert _alert(page.text) == f"The incident was not recorded: {sentence}"
    c, _ = clients["investigator"]
    good = {
        "title": "Shelling of a market in Kharkiv",
        "start": "2022-03-10T12:00:00+00:00",
        "lat": 49.9935,
        "lon": 36.2304,
        "incident_type": "shelling",
    }
    api = c.post(
        "/api/v1/incidents",
        json={**good, **body},
        headers=bearer(crew.tokens["investigator"]),
    )
    assert api.status_code == 422 and api.json()["detail"] == sentence
    env = {**cli_env, "CIVWATCH_TOKEN": crew.tokens["investigator"]}
    given = {
        "--title": good["title"],
        "--start": good["start"],
        "--lat": "49.9935",
        "--lon": "36.2304",
        "--type": "shelling",
        **dict(zip(options[::2], options[1::2], strict=True)),
    }
    proc = run_cli(env, "incident", "create", *[part for pair in given.items() for part in pair])
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert sentence in " ".join(proc.stderr.split()), proc.stderr
    assert list_incidents(crew.ws)["total"] == 0

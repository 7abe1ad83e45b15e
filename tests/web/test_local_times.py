"""Incident times are entered in the place's local time (Kyiv time for Ukraine) with the
UTC shown beside them, and stored in UTC; the edit form shows them back in local time."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, get_incident
from tests.incidents.helpers import incident_doc, seed_cache
from tests.web.conftest import Team, bearer, csrf_of

FORM = {
    "title": "Shelling of a market in Kharkiv",
    "time_zone": "Europe/Kyiv",
    "start": "2022-03-10T14:00",
    "end": "2022-07-01T13:30",
    "time_precision": "hour",
    "lat": "49.9935",
    "lon": "36.2304",
    "radius_m": "300",
    "incident_type": "shelling",
}


def test_times_entered_in_kyiv_time_are_stored_in_utc(
    team: Team, client: TestClient, gazetteer_cache: Path
) -> None:
    seed_cache(gazetteer_cache, team.ws.settings.data_dir)
    auth = bearer(team.tokens["investigator"])
    new = client.get("/incidents", headers=auth).text
    # the new-incident form asks for Kyiv time and says where the UTC will show
    assert re.search(r'<option value="Europe/Kyiv" selected>Kyiv time', new)
    assert "In UTC:" in new and "local time of the place" in new
    r = client.post(
        "/incidents",
        data={**FORM, "csrf_token": csrf_of(new)},
        headers=auth,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    incident_id = int(r.headers["location"].split("/")[-1].split("?")[0])
    stored = get_incident(team.ws, incident_id)
    assert stored["start"] == "2022-03-10T12:00:00+00:00"  # winter: UTC+2
    assert stored["end"] == "2022-07-01T10:30:00+00:00"  # summer: UTC+3
    page = client.get(f"/incidents/{incident_id}", headers=auth).text
    edit = page[page.index(f'action="/incidents/{incident_id}/edit"') :]
    assert (
        'name="start" type="datetime-local" step="1" required value="2022-03-10T14:00:00"' in edit
    )
    assert "2022-03-10 12:00:00 UTC" in edit and "2022-07-01 10:30:00 UTC" in edit
    # UTC chosen: taken as typed
    utc = client.post(
        "/incidents",
        data={**FORM, "time_zone": "UTC", "csrf_token": csrf_of(new)},
        headers=auth,
        follow_redirects=False,
    )
    other = int(utc.headers["location"].split("/")[-1].split("?")[0])
    assert get_incident(team.ws, other)["start"] == "2022-03-10T14:00:00+00:00"
    bad = client.post(
        "/incidents",
        data={**FORM, "time_zone": "Mars/Olympus", "csrf_token": csrf_of(new)},
        headers=auth,
    )
    assert bad.status_code == 422 and "Choose the time zone" in bad.text


def test_a_place_outside_ukraine_is_edited_in_utc(
    team: Team, client: TestClient, places: Gazetteer
) -> None:
    abroad = create_incident(
        team.ws,
        incident_doc(lat=52.2297, lon=21.0122, settlement="Warsaw", oblast="Masovia"),
        actor="investigator",
        places=places,
    )
    page = client.get(f"/incidents/{abroad['id']}", headers=bearer(team.tokens["investigator"]))
    assert re.search(r'<option value="UTC" selected>UTC', page.text)

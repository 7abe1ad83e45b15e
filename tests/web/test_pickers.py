"""Pickers instead of typed hashes: the item page's "link to an incident" form (suggested
incidents first, then a title search in any spelling) and the incident page's evidence
picker (search the items, tick, link); both work without JavaScript."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, get_incident
from tests.incidents.helpers import incident_doc
from tests.support.files import noise_jpeg, photo
from tests.web.conftest import Team, bearer, csrf_of


def _ingest(team: Team, path: Path, caption: str | None = None) -> str:
    (outcome,) = Ingest(team.ws, source=SourceInfo(caption=caption), collector="alice").run(
        [Candidate(path, path.name)]
    )
    assert outcome.sha256, outcome
    return outcome.sha256


def test_item_page_links_to_an_incident_found_by_title(
    team: Team, client: TestClient, places: Gazetteer, tmp_path: Path
) -> None:
    sha = _ingest(team, noise_jpeg(tmp_path / "ruins.jpg"))
    hospital = create_incident(team.ws, incident_doc(), actor="investigator", places=places)
    school = create_incident(
        team.ws,
        incident_doc(title="Удар по школі в Харкові", narrative="Зруйновано спортзал."),
        actor="investigator",
        places=places,
    )
    auth = bearer(team.tokens["investigator"])
    page = client.get(f"/evidence/{sha}", headers=auth).text
    assert "Link to an incident" in page and "The newest incidents" in page
    assert hospital["title"] in page and "Удар по школі" in page
    # the title search folds case and the Latin "i" typed for the Ukrainian "і"
    found = client.get(f"/evidence/{sha}", params={"incident_q": "ШКОЛi"}, headers=auth).text
    assert "Удар по школі" in found and hospital["title"] not in found
    both = client.get(f"/evidence/{sha}", params={"incident_q": "HOSPITAL харків"}, headers=auth)
    assert hospital["title"] in both.text and "Удар по школі" not in both.text
    none = client.get(f"/evidence/{sha}", params={"incident_q": "Odesa port"}, headers=auth)
    assert "No incident title matches “Odesa port”." in none.text
    r = client.post(
        f"/evidence/{sha}/incidents",
        data={
            "incident_id": str(school["id"]),
            "role": "primary",
            "note": "same yard",
            "csrf_token": csrf_of(page),
        },
        headers=auth,
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("done=linked#incidents")
    linked = get_incident(team.ws, school["id"])["evidence"]
    assert [(e["sha256"], e["role"]) for e in linked] == [(sha, "primary")]
    after = client.get(f"/evidence/{sha}?done=linked", headers=auth).text
    assert "The item was linked to the incident." in after
    # the linked incident is no longer offered
    assert f'name="incident_id" value="{school["id"]}"' not in after
    # nothing chosen: a message, not a 500
    bad = client.post(
        f"/evidence/{sha}/incidents", data={"csrf_token": csrf_of(page)}, headers=auth
    )
    assert bad.status_code == 422 and "Choose the incident" in bad.text
    # a reader sees the links but not the form
    viewer = client.get(f"/evidence/{sha}", headers=bearer(team.tokens["viewer"])).text
    assert "Удар по школі" in viewer and "Link to an incident" not in viewer


def test_item_page_offers_the_suggested_incident_first(
    team: Team, client: TestClient, places: Gazetteer, tmp_path: Path
) -> None:
    create_incident(team.ws, incident_doc(title="Shelling of a market"), actor="investigator",
                    places=places)  # fmt: skip
    near = create_incident(team.ws, incident_doc(), actor="investigator", places=places)
    sha = _ingest(
        team,
        photo(tmp_path / "near.jpg", lat=49.99, lon=36.23),
        caption="Missile hit the hospital in Kharkiv",
    )
    page = client.get(f"/evidence/{sha}", headers=bearer(team.tokens["investigator"])).text
    radios = re.findall(r'name="incident_id" value="(\d+)"( required checked)?', page)
    assert radios[0] == (str(near["id"]), " required checked")
    assert "Suggested for this item" in page


def test_incident_page_links_ticked_items_found_by_search(
    team: Team, client: TestClient, places: Gazetteer, tmp_path: Path
) -> None:
    school = _ingest(team, noise_jpeg(tmp_path / "school-yard.jpg", seed=1), "school yard")
    roof = _ingest(team, noise_jpeg(tmp_path / "roof.jpg", seed=2), "school roof")
    market = _ingest(team, noise_jpeg(tmp_path / "market.jpg", seed=3), "market")
    incident = create_incident(team.ws, incident_doc(), actor="investigator", places=places)
    auth = bearer(team.tokens["investigator"])
    url = f"/incidents/{incident['id']}"
    page = client.get(url, headers=auth).text
    assert "The newest items: tick those to link" in page
    assert page.count('name="pick"') == 3 and f"/evidence/{market}/thumbnail" in page
    found = client.get(url, params={"evidence_q": "school"}, headers=auth).text
    assert f'value="{school}"' in found and f'value="{roof}"' in found
    assert f'value="{market}"' not in found
    r = client.post(
        f"{url}/evidence",
        data={"pick": [school, roof], "role": "primary", "csrf_token": csrf_of(page)},
        headers=auth,
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("done=linked-many")
    linked = {e["sha256"]: e["role"] for e in get_incident(team.ws, incident["id"])["evidence"]}
    assert linked == {school: "primary", roof: "primary"}
    after = client.get(f"{url}?done=linked-many", headers=auth).text
    assert "The ticked evidence items were linked." in after
    assert after.count('name="pick"') == 1  # the linked ones are not offered again
    # the typed SHA-256 remains for those who have one
    typed = client.post(
        f"{url}/evidence",
        data={"sha256": market[:12].upper(), "csrf_token": csrf_of(page)},
        headers=auth,
        follow_redirects=False,
    )
    assert typed.status_code == 303
    assert len(get_incident(team.ws, incident["id"])["evidence"]) == 3
    empty = client.post(f"{url}/evidence", data={"csrf_token": csrf_of(page)}, headers=auth)
    assert empty.status_code == 422 and "Tick the items to link" in empty.text

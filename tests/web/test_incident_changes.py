"""A change to a concluded incident through the pages and the API (TestClient): the edit
form proposes it, the incident page shows what would change field by field and who proposed
it, the review queue lists it, a verifier who is not an author approves or rejects it, and
for a public incident the publisher publishes it as a correction."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest

from civwatch.i18n import use_language
from civwatch.incidents.service import create_incident, get_incident, link_evidence, update_incident
from civwatch.incidents.workflow import review_incident, set_incident_status
from civwatch.publish.public import public_incident
from civwatch.publish.publication import publish_incident
from civwatch.web.incident_changes import value_text
from tests.incidents.helpers import incident_doc
from tests.web import test_incident_pages as pages
from tests.web.conftest import Team, bearer
from tests.web.test_incident_pages import FORM, Sessions, _alert, _post, _verified_item

#: The web team with passwords and a second verifier (vera), as in test_incident_pages.
crew = pages.crew


@pytest.fixture
def clients(crew: Team) -> Iterator[Sessions]:
    opened = Sessions(crew)
    try:
        yield opened
    finally:
        for c, _ in opened.values():
            c.__exit__(None, None, None)


def _verified_incident(crew: Team, folder: Path, *, edited_by: str | None = None) -> int:
    """A verified incident: recorded and proposed by the investigator (edited on the way by
    ``edited_by``), approved by the first verifier."""
    ws = crew.ws
    sha = _verified_item(crew, folder)
    incident = create_incident(ws, incident_doc(), actor="investigator")
    if edited_by:
        update_incident(ws, incident["id"], {"narrative": "Checked."}, actor=edited_by)
    link_evidence(ws, incident["id"], sha, role="primary", actor="investigator")
    set_incident_status(ws, incident["id"], "under_verification", actor="investigator")
    set_incident_status(ws, incident["id"], "verified", actor="investigator")
    review_incident(ws, incident["id"], "approve", actor="verifier")
    return int(incident["id"])


def _edit_form(**over: str) -> dict[str, object]:
    form: dict[str, object] = {
        **FORM,
        "title": "Missile strike on a hospital in Kharkiv",
        "start": "2022-03-09T11:05",
        "incident_type": "missile_strike",
        "weapons": ["iskander_m"],
        "objects": ["hospital"],
        "killed": "2-4",
        "killed_source": "Regional administration",
        "injured": "",
        "narrative": "A missile hit the regional hospital in the morning.",
        "radius_m": "200",
        "time_precision": "hour",
    }
    form.update(over)
    return form


def _section(html: str, anchor: str) -> str:
    found = re.search(rf'<section[^>]*id="{anchor}".*?</section>', html, re.S)
    assert found, f"no section #{anchor}"
    return unescape(found.group(0))


def test_a_change_is_proposed_shown_and_decided_through_the_pages(
    crew: Team,
    clients: Sessions,
    tmp_path: Path,
) -> None:
    ws = crew.ws
    inc = _verified_incident(crew, tmp_path / "p")
    url = f"/incidents/{inc}"
    investigator, verifier, vera, viewer = (
        clients[n] for n in ("investigator", "verifier", "vera", "viewer")
    )
    sent = _post(
        investigator,
        url + "/edit",
        _edit_form(title="Strike on a maternity ward", killed="40", revision="1"),
    )
    assert sent.status_code == 303 and sent.headers["location"] == url + "?done=proposed"
    assert get_incident(ws, inc)["title"] == "Missile strike on a hospital in Kharkiv"
    done = investigator[0].get(sent.headers["location"]).text
    assert "waits for a second verifier" in done

    # Everyone who reads the incident sees what would change, field by field, and who
    # proposed it; the edit form is closed meanwhile.
    page = viewer[0].get(url).text
    change = _section(page, "change")
    assert "proposed by investigator" in change
    assert "Missile strike on a hospital in Kharkiv" in change
    assert "Strike on a maternity ward" in change
    assert "2–4 killed" in change and "40 killed" in change
    assert "Narrative" not in change  # unchanged fields are not listed
    assert "Record my decision" not in page  # a viewer does not decide
    assert "Propose the change for review" not in investigator[0].get(url).text

    # The review queue lists it; for the proposer it is their own work.
    assert "Changes to review (1)" in vera[0].get("/review").text
    own = investigator[0].get("/review").text
    assert "Changes to review (0)" in own
    # vera may decide (she authored nothing of the incident); a rejection
    # needs a reason and keeps the approved version.
    assert "Record my decision" in _section(vera[0].get(url).text, "change")
    no_reason = _post(vera, url + "/review", {"decision": "reject", "reason": ""})
    assert no_reason.status_code == 422 and "needs a reason" in _alert(no_reason.text)
    rejected = _post(vera, url + "/review", {"decision": "reject", "reason": "no source for 40"})
    assert (
        rejected.status_code == 303
        and rejected.headers["location"] == url + "?done=change-rejected"
    )
    after = vera[0].get(url).text
    assert 'id="change"' not in after
    assert "Propose the change for review" in investigator[0].get(url).text
    assert get_incident(ws, inc)["revisions"][-1]["state"] == "rejected"

    # A second proposal, approved by the verifier who approved the outcome (a review is not
    # authorship): an internal incident takes it at once.
    _post(investigator, url + "/edit", _edit_form(title="Strike on the hospital", revision="1"))
    approved = _post(verifier, url + "/review", {"decision": "approve"})
    assert (
        approved.status_code == 303
        and approved.headers["location"] == url + "?done=change-approved"
    )
    assert get_incident(ws, inc)["title"] == "Strike on the hospital"


def test_an_author_sees_no_decision_form_and_is_refused(
    crew: Team,
    clients: Sessions,
    tmp_path: Path,
) -> None:
    inc = _verified_incident(crew, tmp_path / "p", edited_by="vera")
    url = f"/incidents/{inc}"
    vera = clients["vera"]
    _post(clients["investigator"], url + "/edit", _edit_form(title="Retitled", revision="2"))
    # vera wrote a revision on the way: she is an author and may not decide.
    page = vera[0].get(url).text
    assert "Record my decision" not in _section(page, "change")
    assert "you wrote" in _section(page, "change").lower()
    refused = _post(vera, url + "/review", {"decision": "approve"})
    assert refused.status_code == 403 and "vera wrote a revision" in _alert(refused.text)
    assert "Changes to review (0)" in vera[0].get("/review").text


def test_a_public_incident_changes_in_public_only_through_the_correction(
    crew: Team,
    clients: Sessions,
    tmp_path: Path,
) -> None:
    ws = crew.ws
    inc = _verified_incident(crew, tmp_path / "p")
    publish_incident(ws, inc, actor="publisher")
    url = f"/incidents/{inc}"
    investigator, verifier, publisher = (
        clients[n] for n in ("investigator", "verifier", "publisher")
    )
    _post(investigator, url + "/edit", _edit_form(title="Strike on the hospital", revision="1"))
    assert _post(verifier, url + "/review", {"decision": "approve"}).status_code == 303
    assert public_incident(ws, inc)["title"] == "Missile strike on a hospital in Kharkiv"
    page = publisher[0].get(url).text
    change = _section(page, "change")
    assert "approved by verifier" in change and "waits for a publisher" in change
    publication = _section(page, "publication")
    assert "Strike on the hospital" in publication  # the correction form says what it makes public
    corrected = _post(publisher, url + "/corrections", {"note": "The title was corrected."})
    assert corrected.status_code == 303
    assert public_incident(ws, inc)["title"] == "Strike on the hospital"
    public = publisher[0].get(f"/public/incidents/{inc}").text
    assert "Strike on the hospital" in public and "The title was corrected." in public


def test_the_api_shows_the_change_and_decides_on_it(crew: Team, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from civwatch.web.app import create_app
    from tests.web.conftest import BASE

    ws = crew.ws
    inc = _verified_incident(crew, tmp_path / "p")
    with TestClient(create_app(ws.settings), base_url=BASE) as c:
        sent = c.patch(
            f"/api/v1/incidents/{inc}",
            json={"title": "Retitled", "revision": 1},
            headers=bearer(crew.tokens["investigator"]),
        )
        assert sent.status_code == 200, sent.text
        body = sent.json()
        assert body["title"] != "Retitled" and body["change"]["state"] == "pending"
        assert body["change"]["diff"] == [
            {
                "field": "title",
                "before": "Missile strike on a hospital in Kharkiv",
                "after": "Retitled",
            }
        ]
        assert body["change"]["proposed_by"] == "investigator"
        listed = c.get("/api/v1/incidents", headers=bearer(crew.tokens["viewer"])).json()
        assert listed["incidents"][0]["change"]["state"] == "pending"
        decided = c.post(
            f"/api/v1/incidents/{inc}/review",
            json={"decision": "approve"},
            headers=bearer(crew.tokens["verifier"]),
        )
        assert decided.status_code == 200, decided.text
        assert decided.json()["title"] == "Retitled" and decided.json()["change"] is None


def test_the_change_table_names_the_attribution_confidence_in_the_readers_language() -> None:
    """The diff of a change shows the confidence of the attribution as a word of the page's
    language ("імовірно"), not as its stored code ("likely")."""
    with use_language("uk"):
        shown = value_text("perpetrator_confidence", "likely", {}, {}, str)
    assert shown == "імовірно"

"""Publishing through the pages (TestClient): an investigator makes a redacted copy of a
linked photo on its item page, a second person (a publisher) approves it, the incident page
then publishes without warning about hidden media, changes the public location precision,
records a correction and withdraws it; self-approval is refused with a readable message;
a viewer sees the information but none of the forms, and is refused if it posts them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from civwatch.accounts import add_user
from civwatch.accounts.credentials import set_password
from civwatch.accounts.models import AuditRecord
from civwatch.evidence.ingest import SourceInfo, ingest_paths
from civwatch.incidents.service import create_incident, get_incident, link_evidence
from civwatch.incidents.verification import add_record, review_item, set_item_status
from civwatch.incidents.workflow import review_incident, set_incident_status
from civwatch.publish.redaction import list_redactions
from civwatch.web.media import MEDIA_CSP
from tests.incidents.helpers import incident_doc, seed_cache
from tests.publish.test_redaction import astronaut_jpeg
from tests.web.conftest import PASSWORD, Team
from tests.web.test_incident_pages import CHRONO, GEO, XSS, Sessions, _alert, _post

REGION = "10,400,100,60"

#: The "find and blur faces" box, ticked.
BLUR_FACES_TICKED = re.compile(r'name="blur_faces" value="1"[^>]*\bchecked')


@pytest.fixture
def crew(team: Team, gazetteer_cache: Path) -> Team:
    """The web team with passwords for every page user (as in test_incident_pages)."""
    seed_cache(gazetteer_cache, team.ws.settings.data_dir)
    for name in ("verifier", "publisher", "viewer"):
        set_password(team.ws, name, PASSWORD, actor="admin")
    return team


@pytest.fixture
def clients(crew: Team) -> Iterator[Sessions]:
    opened = Sessions(crew)
    try:
        yield opened
    finally:
        for c, _ in opened.values():
            c.__exit__(None, None, None)


@pytest.fixture
def photo_incident(crew: Team, tmp_path: Path) -> tuple[int, str]:
    """A verified, internal incident whose only evidence is a verified photo of a face."""
    ws = crew.ws
    path = astronaut_jpeg(tmp_path / "astronaut.jpg")
    (outcome,) = ingest_paths(ws, [path], source=SourceInfo(), collector="test")
    sha = outcome.sha256
    assert sha is not None
    add_record(ws, sha, "geolocation", GEO, actor="investigator")
    add_record(ws, sha, "chronolocation", CHRONO, actor="investigator")
    set_item_status(ws, sha, "verified", actor="investigator")
    review_item(ws, sha, "approve", actor="verifier")
    incident = create_incident(ws, incident_doc(), actor="investigator")
    link_evidence(ws, incident["id"], sha, role="primary", actor="investigator")
    set_incident_status(ws, incident["id"], "under_verification", actor="investigator")
    set_incident_status(ws, incident["id"], "verified", actor="investigator")
    review_incident(ws, incident["id"], "approve", actor="verifier")
    return incident["id"], sha


def _actions(crew: Team) -> list[tuple[str, str, str]]:
    with crew.ws.sessions() as session:
        return [
            (r.action, r.actor or "", r.outcome)
            for r in session.scalars(select(AuditRecord).order_by(AuditRecord.id))
        ]


def test_redact_approve_publish_correct_and_withdraw_through_the_pages(
    crew: Team, clients: Sessions, photo_incident: tuple[int, str]
) -> None:
    incident_id, sha = photo_incident
    item_url, url = f"/evidence/{sha}", f"/incidents/{incident_id}"
    investigator, publisher = clients["investigator"], clients["publisher"]

    # the item page offers the draft form, faces ticked by default
    page = investigator[0].get(item_url).text
    assert "Redaction for publication" in page and "No redacted copy yet." in page
    assert BLUR_FACES_TICKED.search(page)
    assert "Approve redacted copy" not in page
    # a region that is not four numbers is explained, and what was typed is kept
    bad = _post(investigator, item_url + "/redactions", {"regions": "10,400,100", "graphic": "1"})
    assert bad.status_code == 422
    assert "Region line 1" in _alert(bad.text) and "four numbers" in _alert(bad.text)
    assert ">10,400,100</textarea>" in bad.text
    assert 'name="graphic" value="1" checked' in bad.text
    assert not BLUR_FACES_TICKED.search(bad.text)  # it was left unticked
    outside = _post(investigator, item_url + "/redactions", {"regions": "900,900,10,10"})
    assert outside.status_code == 422 and "lies outside the picture" in _alert(outside.text)
    # the face boxes the script says were removed are checked like the areas typed
    junk = _post(investigator, item_url + "/redactions", {"removed_faces": "<b>1,2</b>"})
    assert junk.status_code == 422 and "four numbers" in _alert(junk.text)
    assert "<b>1,2</b>" not in junk.text
    # the draft: faces blurred, one region by hand
    made = _post(investigator, item_url + "/redactions", {"blur_faces": "1", "regions": REGION})
    assert made.status_code == 303, _alert(made.text)
    assert made.headers["location"] == item_url + "?done=redaction#redaction"
    (draft,) = list_redactions(crew.ws, sha)
    assert draft["status"] == "draft" and draft["faces_found"] >= 1
    assert draft["regions"] == [{"x": 10, "y": 400, "w": 100, "h": 60}]
    assert draft["created_by"] == "investigator" and not draft["graphic"]
    rid = draft["id"]

    # the publisher sees the draft, its preview and the approval form
    page = publisher[0].get(item_url).text
    assert f"Redacted copy {rid}" in page and "draft, not approved" in page
    assert f'src="/api/v1/redactions/{rid}/preview"' in page
    n = draft["faces_found"]
    assert (f"{n} face found and blurred" if n == 1 else f"{n} faces found and blurred") in page
    assert "1 area: 10,400 100×60" in page
    assert f"Approve redacted copy {rid}" in page
    preview = publisher[0].get(f"/api/v1/redactions/{rid}/preview")
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"
    assert preview.headers["content-security-policy"] == MEDIA_CSP
    assert preview.headers["x-content-type-options"] == "nosniff"

    # before approval, publishing warns that the photo will not be shown
    page = publisher[0].get(url).text
    assert 'id="unredacted-warning"' in page and "will not be shown" in page
    assert f'href="/evidence/{sha}#redaction"' in page and "a draft waits for approval" in page
    assert "Publish this incident" in page
    assert "Publish this incident" not in investigator[0].get(url).text

    approved = _post(publisher, f"{item_url}/redactions/{rid}/approve", {"note": "checked"})
    assert approved.status_code == 303
    assert approved.headers["location"] == item_url + "?done=redaction-approved#redaction"
    assert list_redactions(crew.ws, sha)[0]["decided_by"] == "publisher"
    page = publisher[0].get(item_url + "?done=redaction-approved").text
    assert "You approved the redacted copy" in page
    assert "approved: the public sees this" in page and "publisher, " in page
    assert "Approve redacted copy" not in page

    # now nothing is hidden: publish with a note
    page = publisher[0].get(url).text
    assert 'id="unredacted-warning"' not in page
    assert "Every linked photo and video has an approved redacted copy" in page
    assert "1 of 1 shown publicly" in page
    published = _post(publisher, url + "/visibility", {"visibility": "public", "reason": "first"})
    assert published.status_code == 303 and published.headers["location"] == url + "?done=published"
    assert get_incident(crew.ws, incident_id)["visibility"] == "public"

    # the public location precision
    unknown = _post(publisher, url + "/location-precision", {"precision": "street"})
    assert unknown.status_code == 422 and "location precision" in _alert(unknown.text)
    coarser = _post(
        publisher, url + "/location-precision", {"precision": "raion", "reason": "one street"}
    )
    assert coarser.status_code == 303 and coarser.headers["location"] == url + "?done=precision"
    shown = get_incident(crew.ws, incident_id)["public_location"]
    assert shown["precision"] == "raion"
    page = publisher[0].get(url).text
    assert '<option value="raion" selected>' in page
    assert f"{shown['lat']:.5f}, {shown['lon']:.5f}" in page

    # a correction needs a note; the note is shown as text in the public history
    empty = _post(publisher, url + "/corrections", {"note": "  "})
    assert empty.status_code == 422 and "must not be empty" in _alert(empty.text)
    corrected = _post(publisher, url + "/corrections", {"note": "Figures updated " + XSS})
    assert corrected.status_code == 303
    page = publisher[0].get(url + "?done=corrected").text
    assert "The correction notice is on the public page." in page
    assert "<strong>corrected</strong>" in page and "Figures updated &lt;script&gt;" in page
    assert "<script>alert" not in page and "<img src=x" not in page

    # withdraw: a reason is required and shown (as text) in the history
    assert "Withdraw" in page
    no_reason = _post(publisher, url + "/visibility", {"visibility": "internal", "reason": ""})
    assert no_reason.status_code == 422 and "reason must not be empty" in _alert(no_reason.text)
    withdrawn = _post(publisher, url + "/visibility", {"visibility": "internal", "reason": XSS})
    assert withdrawn.status_code == 303
    assert get_incident(crew.ws, incident_id)["visibility"] == "internal"
    page = publisher[0].get(url).text
    kinds = [k for k in ("published", "corrected", "withdrawn") if f"<strong>{k}</strong>" in page]
    assert kinds == ["published", "corrected", "withdrawn"]
    assert page.index("<strong>published</strong>") < page.index("<strong>withdrawn</strong>")
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "Publish this incident" in page  # it can be published again

    # every act, refused or done, is in the audit log
    acts = _actions(crew)
    for action, actor in (
        ("redaction-create", "investigator"),
        ("redaction-approve", "publisher"),
        ("incident-publish", "publisher"),
        ("incident-location-precision", "publisher"),
        ("incident-correct", "publisher"),
        ("incident-withdraw", "publisher"),
    ):
        assert (action, actor, "ok") in acts, action
    assert ("redaction-create", "investigator", "failed") in acts
    assert ("incident-correct", "publisher", "failed") in acts


def test_the_maker_of_a_draft_cannot_approve_it(
    crew: Team, clients: Sessions, photo_incident: tuple[int, str]
) -> None:
    _, sha = photo_incident
    add_user(crew.ws, "pia", "Pia Both", ["investigator", "publisher"], actor="admin")
    set_password(crew.ws, "pia", PASSWORD, actor="admin")
    pia = clients["pia"]
    item_url = f"/evidence/{sha}"
    made = _post(pia, item_url + "/redactions", {"regions": REGION})  # faces unticked
    assert made.status_code == 303
    (draft,) = list_redactions(crew.ws, sha)
    assert draft["created_by"] == "pia" and not draft["blur_faces"]
    page = pia[0].get(item_url).text
    assert "not looked for" in page
    assert "You made this draft: another publisher must check and approve it." in page
    assert f"Approve redacted copy {draft['id']}" not in page
    refused = _post(pia, f"{item_url}/redactions/{draft['id']}/approve", {})
    assert refused.status_code == 403
    assert _alert(refused.text) == (
        f"pia made redaction {draft['id']} and cannot approve it: a second person must "
        "check the preview."
    )
    assert list_redactions(crew.ws, sha)[0]["status"] == "draft"
    # a redaction number from another item's page is not found there
    other = _post(
        clients["publisher"], f"/evidence/{'ab' * 32}/redactions/{draft['id']}/approve", {}
    )
    assert other.status_code == 404
    assert list_redactions(crew.ws, sha)[0]["status"] == "draft"


def test_a_viewer_sees_the_publication_but_no_forms_and_cannot_post(
    crew: Team, clients: Sessions, photo_incident: tuple[int, str]
) -> None:
    incident_id, sha = photo_incident
    _post(clients["investigator"], f"/evidence/{sha}/redactions", {"regions": REGION})
    (draft,) = list_redactions(crew.ws, sha)
    viewer = clients["viewer"]
    page = viewer[0].get(f"/incidents/{incident_id}").text
    assert "Publication" in page and "Public history" in page and "Never published." in page
    assert "not shown</strong>: draft" in page
    for form in ("/visibility", "/location-precision", "/corrections"):
        assert f'action="/incidents/{incident_id}{form}"' not in page
    page = viewer[0].get(f"/evidence/{sha}").text
    assert "Redaction for publication" in page and f"Redacted copy {draft['id']}" in page
    assert "/redactions" not in page.split("Redaction for publication")[1].split("</section>")[0]
    assert viewer[0].get(f"/api/v1/redactions/{draft['id']}/preview").status_code == 403
    posts: list[tuple[str, dict[str, Any]]] = [
        (f"/incidents/{incident_id}/visibility", {"visibility": "public"}),
        (f"/incidents/{incident_id}/location-precision", {"precision": "oblast"}),
        (f"/incidents/{incident_id}/corrections", {"note": "x"}),
        (f"/evidence/{sha}/redactions", {"regions": REGION}),
        (f"/evidence/{sha}/redactions/{draft['id']}/approve", {}),
    ]
    for path, data in posts:
        assert _post(viewer, path, data).status_code == 403, path
    assert len(list_redactions(crew.ws, sha)) == 1
    assert list_redactions(crew.ws, sha)[0]["status"] == "draft"
    assert get_incident(crew.ws, incident_id)["visibility"] == "internal"

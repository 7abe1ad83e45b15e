"""Changes to concluded incidents, tried the way someone might try to slip one past review:
an edit to a verified (or otherwise concluded) incident waits for a second person, a public
one changes in public only through a publisher's correction, nobody approves their own
work, and a public incident never stays up without verified evidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from civwatch.custody.models import CustodyLeaf
from civwatch.errors import NotFoundError, PermissionDeniedError, RejectedInputError
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.document import incident_doc
from civwatch.incidents.models import Incident, IncidentRevision
from civwatch.incidents.service import (
    create_incident,
    get_incident,
    link_evidence,
    unlink_evidence,
    update_incident,
)
from civwatch.incidents.verification import add_record, set_item_status
from civwatch.incidents.versions import public_version
from civwatch.incidents.workflow import review_incident, set_incident_status
from civwatch.publish.public import public_incident, public_map
from civwatch.publish.publication import (
    correct_incident,
    get_public_history,
    publish_incident,
    set_location_precision,
    withdraw_incident,
)
from civwatch.workspace import Workspace
from tests.incidents.helpers import incident_doc as make_doc
from tests.incidents.helpers import ingest_photo, verify_item
from tests.publish.published import published_incident, verified_item

EDIT = {
    "title": "Strike on a maternity ward in Kharkiv",
    "narrative": "Rewritten: a maternity ward was hit.",
    "casualties": {"killed": {"min": 40, "max": 40, "source": "Nobody"}},
}


def _version(ws: Workspace) -> str:
    with ws.sessions() as session:
        return public_version(session)


def _entries(ws: Workspace) -> list[dict[str, Any]]:
    with ws.sessions() as session:
        return [json.loads(leaf.entry) for leaf in session.scalars(select(CustodyLeaf))]


def _row_matches_its_revision(ws: Workspace, incident_id: int) -> None:
    """The invariant `civwatch verify` checks: the incident row holds the document of
    revision number ``incident.revision``."""
    with ws.sessions() as session:
        incident = session.get_one(Incident, incident_id)
        revision = session.scalars(
            select(IncidentRevision).where(
                IncidentRevision.incident_id == incident_id,
                IncidentRevision.revision == incident.revision,
            )
        ).one()
        assert revision.doc == incident_doc(session, incident)
        assert revision.state == "applied"


def _concluded(ws: Workspace, places: Gazetteer, folder: Path, outcome: str = "verified") -> int:
    """An internal incident concluded by two people (ivan proposes, vera approves)."""
    inc = create_incident(ws, make_doc(), actor="ivan", places=places)["id"]
    set_incident_status(ws, inc, "under_verification", actor="ivan")
    if outcome == "verified":
        link_evidence(ws, inc, verified_item(ws, folder), role="primary", actor="ivan")
    set_incident_status(ws, inc, outcome, actor="ivan")
    review_incident(ws, inc, "approve", actor="vera")
    return int(inc)


def test_an_edit_to_a_published_incident_waits_for_review_and_a_correction(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    sha = verified_item(team, tmp_path / "v")
    inc = published_incident(team, places, sha)
    before = public_incident(team, inc)
    version = _version(team)

    # The attack: one investigator rewrites title, narrative and casualty figures.
    shown = update_incident(team, inc, EDIT, actor="ivan", places=places)
    assert public_incident(team, inc)["title"] == before["title"]
    assert public_incident(team, inc)["casualties"] == before["casualties"]
    assert _version(team) == version  # nothing public changed
    assert shown["title"] == before["title"] and shown["revision"] == 1
    change = shown["change"]
    assert change["state"] == "pending" and change["revision"] == 2
    assert change["base_revision"] == 1 and change["proposed_by"] == "ivan"
    diff = {d["field"]: (d["before"], d["after"]) for d in change["diff"]}
    assert set(diff) == {"title", "narrative", "casualties"}
    assert diff["title"] == (before["title"], EDIT["title"])
    _row_matches_its_revision(team, inc)

    # No second edit while one waits, and the proposer cannot approve it.
    with pytest.raises(RejectedInputError, match="change in review"):
        update_incident(team, inc, {"title": "Another"}, actor="viktor")
    with pytest.raises(PermissionDeniedError, match="verifier role"):
        review_incident(team, inc, "approve", actor="ivan")

    # A second person approves; the public still sees the last published version.
    approved = review_incident(team, inc, "approve", actor="vera")
    assert approved["change"]["state"] == "approved"
    assert approved["title"] == before["title"]
    assert public_incident(team, inc)["title"] == before["title"]
    assert _version(team) == version
    with pytest.raises(RejectedInputError, match="waits for a publisher"):
        update_incident(team, inc, {"title": "Another"}, actor="ivan")

    # Only the publisher's correction makes it public, with "corrected on ...".
    corrected = correct_incident(team, inc, "The casualty figures were revised.", actor="pat")
    assert corrected["title"] == EDIT["title"] and corrected["revision"] == 2
    assert corrected["change"] is None
    public = public_incident(team, inc)
    assert public["title"] == EDIT["title"]
    assert public["casualties"]["killed"]["min"] == 40
    assert [h["kind"] for h in public["history"]] == ["published", "corrected"]
    assert _version(team) != version
    _row_matches_its_revision(team, inc)

    acts = [e for e in _entries(team) if e.get("incident") == inc]
    names = [e["act"] for e in acts]
    assert names[-4:] == [
        "incident-change-propose",
        "incident-change-approve",
        "incident-change-apply",
        "incident-correction",
    ]
    propose = next(e for e in acts if e["act"] == "incident-change-propose")
    assert propose["actor"] == "ivan" and propose["revision"] == 2
    apply = next(e for e in acts if e["act"] == "incident-change-apply")
    assert apply["actor"] == "pat" and apply["doc_sha256"] == propose["doc_sha256"]


@pytest.mark.parametrize("outcome", ["verified", "unverifiable", "false_or_misattributed"])
def test_every_concluded_incident_changes_only_with_a_second_person(
    team: Workspace, places: Gazetteer, tmp_path: Path, outcome: str
) -> None:
    inc = _concluded(team, places, tmp_path / "v", outcome)
    shown = update_incident(team, inc, {"title": "Retitled"}, actor="ivan", places=places)
    assert shown["title"] != "Retitled" and shown["change"]["state"] == "pending"
    assert get_incident(team, inc)["title"] != "Retitled"
    approved = review_incident(team, inc, "approve", actor="vera")
    # Not public: an approved change applies at once.
    assert approved["title"] == "Retitled" and approved["revision"] == 2
    assert approved["change"] is None and approved["status"] == outcome
    _row_matches_its_revision(team, inc)


def test_a_rejected_change_is_discarded_and_the_approved_version_kept(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    inc = _concluded(team, places, tmp_path / "v")
    update_incident(team, inc, EDIT, actor="ivan", places=places)
    with pytest.raises(RejectedInputError, match="needs a reason"):
        review_incident(team, inc, "reject", actor="vera")
    rejected = review_incident(team, inc, "reject", actor="vera", reason="no source for 40")
    assert rejected["change"] is None and rejected["title"] == make_doc()["title"]
    with team.sessions() as session:
        states = dict(
            session.execute(
                select(IncidentRevision.revision, IncidentRevision.state).where(
                    IncidentRevision.incident_id == inc
                )
            ).all()
        )
    assert states == {1: "applied", 2: "rejected"}
    with pytest.raises(RejectedInputError, match="nothing to approve"):
        review_incident(team, inc, "approve", actor="vera")
    # The next proposal gets a new number; the rejected one stays on record.
    again = update_incident(team, inc, {"title": "Better"}, actor="ivan", places=places)
    assert again["change"]["revision"] == 3
    done = review_incident(team, inc, "approve", actor="vera")
    assert done["revision"] == 3 and done["title"] == "Better"
    assert [(r["revision"], r["state"]) for r in done["revisions"]] == [
        (1, "applied"),
        (2, "rejected"),
        (3, "applied"),
    ]
    reject = next(e for e in _entries(team) if e["act"] == "incident-change-reject")
    assert reject["reason"] == "no source for 40" and reject["revision"] == 2
    _row_matches_its_revision(team, inc)


def test_work_in_progress_is_still_edited_directly(team: Workspace, places: Gazetteer) -> None:
    inc = create_incident(team, make_doc(), actor="ivan", places=places)["id"]
    shown = update_incident(team, inc, {"title": "Retitled"}, actor="ivan")
    assert shown["title"] == "Retitled" and shown["revision"] == 2 and shown["change"] is None
    set_incident_status(team, inc, "under_verification", actor="ivan")
    assert update_incident(team, inc, {"title": "Again"}, actor="ivan")["revision"] == 3


def test_a_reopening_waits_for_a_change_in_review(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    inc = _concluded(team, places, tmp_path / "v")
    update_incident(team, inc, {"title": "Retitled"}, actor="ivan", places=places)
    with pytest.raises(RejectedInputError, match="change in review"):
        set_incident_status(team, inc, "under_verification", actor="ivan", reason="doubts")


def test_a_withdrawal_applies_an_approved_change_waiting_for_a_correction(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    sha = verified_item(team, tmp_path / "v")
    inc = published_incident(team, places, sha)
    update_incident(team, inc, {"title": "Retitled"}, actor="ivan", places=places)
    review_incident(team, inc, "approve", actor="vera")
    withdrawn = withdraw_incident(team, inc, reason="Figures disputed.", actor="pat")
    assert withdrawn["visibility"] == "internal" and withdrawn["title"] == "Retitled"
    assert withdrawn["change"] is None
    _row_matches_its_revision(team, inc)
    with pytest.raises(NotFoundError):
        public_incident(team, inc)


# --- who may approve ----------------------------------------------------------------------------


def test_the_creator_of_an_incident_cannot_approve_it(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    # viktor (verifier and investigator) records the incident; ivan proposes the outcome.
    inc = create_incident(team, make_doc(), actor="viktor", places=places)["id"]
    set_incident_status(team, inc, "under_verification", actor="ivan")
    link_evidence(team, inc, verified_item(team, tmp_path / "v"), role="primary", actor="ivan")
    set_incident_status(team, inc, "verified", actor="ivan")
    with pytest.raises(PermissionDeniedError, match="viktor recorded incident"):
        review_incident(team, inc, "approve", actor="viktor")
    assert get_incident(team, inc)["status"] == "in_review"
    assert review_incident(team, inc, "approve", actor="vera")["status"] == "verified"


def test_a_writer_of_a_revision_cannot_approve_the_incident(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    inc = create_incident(team, make_doc(), actor="ivan", places=places)["id"]
    update_incident(team, inc, {"title": "Retitled by Vera"}, actor="viktor")
    set_incident_status(team, inc, "under_verification", actor="ivan")
    link_evidence(team, inc, verified_item(team, tmp_path / "v"), role="primary", actor="ivan")
    set_incident_status(team, inc, "verified", actor="ivan")
    with pytest.raises(PermissionDeniedError, match="wrote a revision"):
        review_incident(team, inc, "approve", actor="viktor")


def test_an_author_of_verification_records_of_linked_evidence_cannot_approve(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    sha = ingest_photo(team, tmp_path / "v", seed=4)
    add_record(team, sha, "source", {"account": "@city"}, actor="viktor")
    verify_item(team, sha, author="ivan", reviewer="vera")
    inc = create_incident(team, make_doc(), actor="ivan", places=places)["id"]
    set_incident_status(team, inc, "under_verification", actor="ivan")
    link_evidence(team, inc, sha, role="primary", actor="ivan")
    set_incident_status(team, inc, "verified", actor="ivan")
    with pytest.raises(PermissionDeniedError, match="wrote verification records"):
        review_incident(team, inc, "approve", actor="viktor")


def test_a_writer_of_a_pending_change_cannot_approve_it(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    inc = _concluded(team, places, tmp_path / "v")
    update_incident(team, inc, {"title": "Retitled"}, actor="viktor", places=places)
    with pytest.raises(PermissionDeniedError, match="viktor"):
        review_incident(team, inc, "approve", actor="viktor")
    with pytest.raises(PermissionDeniedError, match="viktor"):
        review_incident(team, inc, "reject", actor="viktor", reason="changed my mind")
    assert review_incident(team, inc, "approve", actor="vera")["title"] == "Retitled"


# --- no public incident without verified evidence -----------------------------------------------


def test_the_last_verified_item_of_a_public_incident_cannot_be_unlinked(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    sha = verified_item(team, tmp_path / "v", seed=1)
    inc = published_incident(team, places, sha)
    with pytest.raises(RejectedInputError, match="last verified evidence"):
        unlink_evidence(team, inc, sha, reason="tidying up", actor="ivan")
    assert public_incident(team, inc)["sources_count"] == 1
    # With a second verified item linked, either may go.
    other = verified_item(team, tmp_path / "w", seed=2)
    link_evidence(team, inc, other, role="corroborating", actor="ivan")
    unlink_evidence(team, inc, sha, reason="a copy of the other", actor="ivan")
    with pytest.raises(RejectedInputError, match="last verified evidence"):
        unlink_evidence(team, inc, other, reason="tidying up", actor="ivan")


def test_reopening_the_last_verified_item_withdraws_its_public_incidents(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    sha = verified_item(team, tmp_path / "v", seed=1)
    other = verified_item(team, tmp_path / "w", seed=2)
    alone = published_incident(team, places, sha, title="Only this item")
    backed = published_incident(team, places, sha, title="Two items")
    link_evidence(team, backed, other, role="corroborating", actor="ivan")
    version = _version(team)
    set_item_status(team, sha, "under_verification", actor="ivan", reason="looks staged")
    with pytest.raises(NotFoundError):
        public_incident(team, alone)
    assert public_incident(team, backed)["title"] == "Two items"
    assert get_incident(team, alone)["visibility"] == "internal"
    history = get_public_history(team, alone)
    assert [h["kind"] for h in history] == ["published", "withdrawn"]
    assert "evidence" in history[-1]["note"] and sha[:12] not in history[-1]["note"]
    assert _version(team) != version
    assert alone not in {f["id"] for f in public_map(team)["features"]}
    unpublish = [e for e in _entries(team) if e["act"] == "incident-unpublish"]
    assert unpublish[-1]["incident"] == alone and unpublish[-1]["item"] == sha
    # Publishing it again needs verified evidence.
    with pytest.raises(RejectedInputError, match="no linked evidence item that is verified"):
        publish_incident(team, alone, actor="pat")


# --- the public version ---------------------------------------------------------------------


def test_the_public_version_moves_only_with_public_content(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    sha = verified_item(team, tmp_path / "v")
    inc = published_incident(team, places, sha)
    version = _version(team)
    internal = create_incident(team, make_doc(title="Internal"), actor="ivan", places=places)
    update_incident(team, internal["id"], {"title": "Internal, retitled"}, actor="ivan")
    set_incident_status(team, internal["id"], "under_verification", actor="ivan")
    set_location_precision(team, internal["id"], "oblast", actor="ivan", places=places)
    update_incident(team, inc, {"title": "Pending"}, actor="ivan", places=places)
    review_incident(team, inc, "reject", actor="vera", reason="no")
    assert _version(team) == version
    set_location_precision(team, inc, "oblast", actor="ivan", places=places)
    moved = _version(team)
    assert moved != version
    withdraw_incident(team, inc, reason="Doubts.", actor="pat")
    assert _version(team) != moved

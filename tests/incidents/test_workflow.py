"""The verification workflow, tried the way someone might try to cheat it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from civwatch.custody.models import CustodyLeaf
from civwatch.errors import PermissionDeniedError, RejectedInputError
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, get_incident, link_evidence
from civwatch.incidents.verification import (
    add_record,
    item_verification,
    review_item,
    set_item_status,
)
from civwatch.incidents.workflow import review_incident, set_incident_status
from civwatch.publish.publication import publish_incident
from civwatch.workspace import Workspace
from tests.incidents.helpers import (
    CHRONO,
    GEO,
    incident_doc,
    ingest_photo,
    verify_item,
)


def verified_item(ws: Workspace, folder: Path, author: str = "ivan", seed: int = 1) -> str:
    return verify_item(ws, ingest_photo(ws, folder, seed=seed), author=author, reviewer="vera")


def test_item_two_person_rule(team: Workspace, tmp_path: Path) -> None:
    sha = ingest_photo(team, tmp_path / "in")
    add_record(team, sha, "geolocation", GEO, actor="viktor")
    add_record(team, sha, "chronolocation", CHRONO, actor="ivan")
    with pytest.raises(RejectedInputError, match="nothing to approve"):
        review_item(team, sha, "approve", actor="vera")
    set_item_status(team, sha, "verified", actor="ivan")
    # The submitter cannot review, nor can any author of a record, nor a non-verifier.
    with pytest.raises(PermissionDeniedError, match="verifier role"):
        review_item(team, sha, "approve", actor="ivan")
    with pytest.raises(PermissionDeniedError, match="wrote verification records"):
        review_item(team, sha, "approve", actor="viktor")
    with pytest.raises(PermissionDeniedError, match="verifier role"):
        review_item(team, sha, "approve", actor="pat")
    with pytest.raises(RejectedInputError, match="in review"):
        add_record(team, sha, "content", {"damage": "roof"}, actor="ivan")
    with pytest.raises(RejectedInputError, match="needs a reason"):
        review_item(team, sha, "reject", actor="vera")
    back = review_item(team, sha, "reject", actor="vera", reason="window too wide")
    assert back["status"] == "under_verification"
    set_item_status(team, sha, "verified", actor="ivan")
    done = review_item(team, sha, "approve", actor="vera")
    assert done["status"] == "verified"
    assert [h["act"] for h in done["history"]] == ["start", "submit", "reject", "submit", "approve"]
    with team.sessions() as session:
        for h in done["history"]:
            entry = session.get_one(CustodyLeaf, h["custody_leaf"]).entry
            assert f'"act":"item-{h["act"]}"'.encode() in entry and sha.encode() in entry


def test_self_approval_by_a_verifier_is_refused(team: Workspace, tmp_path: Path) -> None:
    sha = ingest_photo(team, tmp_path / "in")
    add_record(team, sha, "geolocation", GEO, actor="vera")
    add_record(team, sha, "chronolocation", CHRONO, actor="vera")
    set_item_status(team, sha, "verified", actor="vera")
    with pytest.raises(PermissionDeniedError, match="cannot review it"):
        review_item(team, sha, "approve", actor="vera")
    assert item_verification(team, sha)["status"] == "in_review"


def test_items_cannot_skip_states(team: Workspace, tmp_path: Path) -> None:
    sha = ingest_photo(team, tmp_path / "in")
    with pytest.raises(RejectedInputError, match="without verification"):
        set_item_status(team, sha, "verified", actor="ivan")
    add_record(
        team, sha, "source", {"account": "@city", "reliability": "usually reliable"}, actor="ivan"
    )
    with pytest.raises(RejectedInputError, match="without a chronolocation and a geolocation"):
        set_item_status(team, sha, "verified", actor="ivan")
    set_item_status(team, sha, "unverifiable", actor="ivan")
    review_item(team, sha, "approve", actor="vera")
    with pytest.raises(RejectedInputError, match="reopen it"):
        add_record(team, sha, "geolocation", GEO, actor="ivan")
    with pytest.raises(RejectedInputError, match="needs a reason"):
        set_item_status(team, sha, "under_verification", actor="ivan")
    again = set_item_status(team, sha, "under_verification", actor="ivan", reason="new video")
    assert again["status"] == "under_verification"


def test_records_are_superseded_never_edited(team: Workspace, tmp_path: Path) -> None:
    sha = ingest_photo(team, tmp_path / "in", lat=50.0, lon=36.3)
    first = add_record(team, sha, "geolocation", GEO, actor="ivan")
    second = add_record(
        team, sha, "geolocation", {**GEO, "precision_m": 10}, actor="ivan", supersedes=first["id"]
    )
    with pytest.raises(RejectedInputError, match="already superseded"):
        add_record(team, sha, "geolocation", GEO, actor="ivan", supersedes=first["id"])
    with pytest.raises(RejectedInputError, match="cannot supersede"):
        add_record(team, sha, "chronolocation", CHRONO, actor="ivan", supersedes=second["id"])
    view = item_verification(team, sha)
    assert [r["superseded"] for r in view["records"]] == [True, False]
    assert view["records"][0]["content"]["precision_m"] == 30
    assert view["current_records"] == [second["id"]]
    (check,) = view["checks"]
    assert check["check"] == "location" and check["flagged"] is True  # EXIF ~5 km away


@pytest.mark.parametrize(
    ("kind", "content", "message"),
    [
        ("geolocation", {**GEO, "lat": 123}, "between -90 and 90"),
        ("geolocation", {**GEO, "precision_m": -1}, "must not be negative"),
        ("geolocation", {**GEO, "confidence": "total"}, "Unknown confidence"),
        ("chronolocation", {**CHRONO, "window_end": "2022-03-09T09:00:00+00:00"}, "ends before"),
        ("chronolocation", {**CHRONO, "window_start": "2022-03-09T10:30:00"}, "no timezone"),
        ("content", {"weapon": "Phaser"}, "Unknown weapon"),
        ("content", {}, "at least one of"),
        ("source", {"account": "@a", "colour": "red"}, "no field"),
        ("astrology", {}, "Unknown verification record kind"),
    ],
)
def test_bad_records_are_refused(
    team: Workspace, tmp_path: Path, kind: str, content: dict[str, object], message: str
) -> None:
    sha = ingest_photo(team, tmp_path / "in")
    with pytest.raises(RejectedInputError, match=message):
        add_record(team, sha, kind, content, actor="ivan")
    assert item_verification(team, sha)["records"] == []


def test_incident_from_reported_to_verified_and_published(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    inc = create_incident(team, incident_doc(), actor="ivan", places=places)["id"]
    with pytest.raises(RejectedInputError, match="without verification"):
        set_incident_status(team, inc, "verified", actor="ivan")
    with pytest.raises(RejectedInputError, match="nothing to approve"):
        review_incident(team, inc, "approve", actor="vera")
    set_incident_status(team, inc, "under_verification", actor="ivan")
    with pytest.raises(RejectedInputError, match="no linked evidence item that is verified"):
        set_incident_status(team, inc, "verified", actor="ivan")
    sha = verified_item(team, tmp_path / "in")
    link_evidence(team, inc, sha, role="primary", actor="ivan")
    with pytest.raises(RejectedInputError, match="only verified incidents"):
        publish_incident(team, inc, actor="pat")
    set_incident_status(team, inc, "verified", actor="viktor")
    with pytest.raises(PermissionDeniedError, match="cannot review it"):
        review_incident(team, inc, "approve", actor="viktor")
    with pytest.raises(PermissionDeniedError, match="verifier role"):
        review_incident(team, inc, "approve", actor="ivan")
    with pytest.raises(RejectedInputError, match="in review"):
        set_incident_status(team, inc, "unverifiable", actor="ivan")
    review_incident(team, inc, "approve", actor="vera")
    with pytest.raises(PermissionDeniedError, match="publisher role"):
        publish_incident(team, inc, actor="vera")
    shown = publish_incident(team, inc, actor="pat")
    assert (shown["status"], shown["visibility"]) == ("verified", "public")
    assert [h["act"] for h in shown["history"]] == ["start", "submit", "approve", "publish"]
    reopened = set_incident_status(
        team, inc, "under_verification", actor="ivan", reason="casualty figures disputed"
    )
    assert reopened["visibility"] == "internal"
    assert get_incident(team, inc)["history"][-1]["reason"] == "casualty figures disputed"


def test_every_incident_act_is_in_the_custody_log_with_actor(
    team: Workspace, places: Gazetteer
) -> None:
    inc = create_incident(
        team, incident_doc(start=datetime(2022, 5, 1, tzinfo=UTC)), actor="ivan", places=places
    )["id"]
    set_incident_status(team, inc, "under_verification", actor="ivan")
    set_incident_status(team, inc, "false_or_misattributed", actor="ivan")
    review_incident(team, inc, "approve", actor="vera")
    with team.sessions() as session:
        entries = [e.decode() for e in session.scalars(select(CustodyLeaf.entry))]
    acts = [e for e in entries if '"incident":' in e]
    assert len(acts) == 4
    assert '"act":"incident-approve"' in acts[-1] and '"actor":"vera"' in acts[-1]

"""Incidents: creation with gazetteer fill, validation, revisions, links, independent sources."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from civwatch.custody.models import CustodyLeaf
from civwatch.errors import ConflictError, PermissionDeniedError, RejectedInputError
from civwatch.evidence.models import EvidenceItem, MediaClusterMember, MediaMatch
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import (
    create_incident,
    get_incident,
    link_evidence,
    list_incidents,
    unlink_evidence,
    update_incident,
)
from civwatch.incidents.terms import add_term
from civwatch.workspace import Workspace
from tests.incidents.helpers import WHEN, incident_doc, ingest_photo


def test_create_fills_place_from_gazetteer_and_logs_the_revision(
    team: Workspace, places: Gazetteer
) -> None:
    doc = create_incident(team, incident_doc(), actor="ivan", places=places)
    assert doc["settlement"] == "Kharkiv" and doc["oblast"] == "Kharkiv Oblast"
    assert doc["status"] == "reported" and doc["visibility"] == "internal"
    assert doc["incident_type"] == "missile_strike"
    assert doc["weapons"] == ["iskander_m"] and doc["objects"] == ["hospital"]
    assert doc["killed"] == {"min": 2, "max": 4}
    leaf = doc["revisions"][0]["custody_leaf"]
    with team.sessions() as session:
        entry = session.get_one(CustodyLeaf, leaf).entry
    assert (
        b'"act":"incident-create"' in entry and doc["revisions"][0]["doc_sha256"].encode() in entry
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"incident_type": "asteroid"}, "Unknown incident type 'asteroid'"),
        ({"weapons": ["Death Star"]}, "Unknown weapon 'Death Star'"),
        ({"objects": ["moon base"]}, "Unknown object 'moon base'"),
        ({"casualties": {"killed": {"min": -1, "max": 3}}}, "cannot be negative"),
        ({"casualties": {"killed": {"min": 5, "max": 3}}}, "inverted"),
        ({"casualties": {"missing": {"min": 1}}}, "Unknown casualty kind"),
        (
            {"casualties": {"killed": {"min": 1, "max": 2, "groups": {"children": {"min": 3}}}}},
            "more than the at most 2 killed",
        ),
        ({"end": WHEN - timedelta(hours=1)}, "before the start"),
        ({"start": datetime(2022, 3, 9, 11, 5)}, "no timezone"),
        ({"start": datetime.now(UTC) + timedelta(days=30)}, "in the future"),
        ({"lat": 91.0}, "between -90 and 90"),
        ({"radius_m": -5}, "must not be negative"),
        ({"title": "  "}, "title must not be empty"),
        ({"time_precision": "sometime"}, "Unknown time precision"),
        ({"perpetrator": "Unit X", "perpetrator_confidence": "certain"}, "Unknown perpetrator"),
    ],
)
def test_bad_incidents_are_refused_with_a_clear_error(
    team: Workspace, places: Gazetteer, change: dict[str, object], message: str
) -> None:
    with pytest.raises(RejectedInputError, match=message):
        create_incident(team, incident_doc(**change), actor="ivan", places=places)
    assert list_incidents(team)["total"] == 0


def test_only_investigators_and_verifiers_create(team: Workspace, places: Gazetteer) -> None:
    for who in ("val", "pat", None, "nobody"):
        with pytest.raises(PermissionDeniedError):
            create_incident(team, incident_doc(), actor=who, places=places)


def test_vocabulary_can_be_extended_by_an_admin(team: Workspace, places: Gazetteer) -> None:
    with pytest.raises(PermissionDeniedError):
        add_term(team, "weapon", "Kh-59", actor="ivan")
    add_term(team, "weapon", "Kh-59", actor="ada")
    with pytest.raises(RejectedInputError, match="already has 'bm_21_grad'"):
        add_term(team, "weapon", "BM-21 Grad", actor="ada")
    doc = create_incident(team, incident_doc(weapons=["kh-59"]), actor="ivan", places=places)
    assert doc["weapons"] == ["kh_59"]


def test_update_is_a_new_revision_and_the_old_one_is_kept(
    team: Workspace, places: Gazetteer
) -> None:
    doc = create_incident(team, incident_doc(), actor="ivan", places=places)
    updated = update_incident(
        team,
        doc["id"],
        {"casualties": {"killed": {"min": 3, "max": 3, "source": "Prosecutor"}}},
        actor="viktor",
        places=places,
    )
    assert updated["killed"] == {"min": 3, "max": 3} and updated["revision"] == 2
    assert [r["actor"] for r in updated["revisions"]] == ["ivan", "viktor"]
    with pytest.raises(RejectedInputError, match="nothing changed"):
        update_incident(team, doc["id"], {"title": doc["title"]}, actor="ivan")
    moved = update_incident(
        team, doc["id"], {"lat": 50.4501, "lon": 30.5234}, actor="ivan", places=places
    )
    assert moved["settlement"] == "Kyiv"
    with pytest.raises(ConflictError, match="revision 3, not 2"):
        update_incident(team, doc["id"], {"title": "Stale"}, actor="ivan", expected_revision=2)
    assert get_incident(team, doc["id"])["title"] == doc["title"]
    fresh = update_incident(team, doc["id"], {"title": "Fresh"}, actor="ivan", expected_revision=3)
    assert fresh["revision"] == 4


def test_links_count_independent_sources_once_per_media_cluster(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    doc = create_incident(team, incident_doc(), actor="ivan", places=places)
    a = ingest_photo(team, tmp_path / "a", seed=1)
    b = ingest_photo(team, tmp_path / "b", seed=2)
    c = ingest_photo(team, tmp_path / "c", seed=3)
    with team.sessions() as session, session.begin():
        ids = {i.sha256: i.id for i in session.scalars(select(EvidenceItem))}
        session.add(
            MediaMatch(item_id=ids[b], other_id=ids[a], distance=4, transform="none", method="test")
        )
        # Copy finding labels the items it matched with one cluster (evidence.clusters).
        session.add_all(MediaClusterMember(item_id=ids[s], cluster_id=ids[a]) for s in (a, b))
    for sha, role in ((a, "primary"), (b, "corroborating"), (c, "context")):
        shown = link_evidence(team, doc["id"], sha, role=role, note="seen", actor="ivan")
    assert len(shown["evidence"]) == 3
    assert shown["independent_sources"] == 2
    with pytest.raises(RejectedInputError, match="already linked"):
        link_evidence(team, doc["id"], a, role="primary", note="seen", actor="ivan")
    with pytest.raises(RejectedInputError, match="Unknown link role"):
        link_evidence(team, doc["id"], a, role="decorative", actor="ivan")
    relinked = link_evidence(team, doc["id"], c, role="corroborating", note="better", actor="ivan")
    assert {e["sha256"]: e["role"] for e in relinked["evidence"]}[c] == "corroborating"
    after = unlink_evidence(team, doc["id"], c, reason="wrong street", actor="ivan")
    assert {e["sha256"] for e in after["evidence"]} == {a, b}
    assert after["independent_sources"] == 1
    with pytest.raises(RejectedInputError, match="not linked"):
        unlink_evidence(team, doc["id"], c, reason="again", actor="ivan")
    assert get_incident(team, doc["id"])["independent_sources"] == 1

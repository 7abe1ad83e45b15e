"""Suggestions: scored, explained, multilingual, never linking by themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from civwatch.errors import RejectedInputError
from civwatch.evidence.models import EvidenceItem, MediaClusterMember, MediaMatch
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, get_incident, link_evidence
from civwatch.incidents.suggestions import decide, suggest_incidents
from civwatch.incidents.text import similarity, text_key
from civwatch.workspace import Workspace
from tests.incidents.helpers import WHEN, incident_doc, ingest_photo


def test_captions_match_across_languages_and_scripts() -> None:
    english = text_key("Missile strike on a hospital in Kharkiv, three killed")
    ukrainian = text_key("Ракетний удар по лікарні в Харкові, загинули троє")
    russian = text_key("Ракетный удар по больнице в Харькове")
    unrelated = text_key("Обстрел рынка в Херсоне")
    assert similarity(english, ukrainian) > 0.4
    assert similarity(english, russian) > 0.4
    assert similarity(english, unrelated) < 0.15


def test_the_right_incident_comes_first_with_reasons(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    right = create_incident(team, incident_doc(), actor="ivan", places=places)["id"]
    far = create_incident(
        team,
        incident_doc(title="Shelling of Odesa port", lat=46.48, lon=30.72),
        actor="ivan",
        places=places,
    )["id"]
    later = create_incident(
        team,
        incident_doc(
            title="Drone attack on a substation",
            start=WHEN + timedelta(days=5),
            lat=50.01,
            lon=36.25,
        ),
        actor="ivan",
        places=places,
    )["id"]
    sha = ingest_photo(team, tmp_path / "in", caption="Удар по лікарні в Харкові")
    doc = suggest_incidents(team, sha)
    ids = [s["incident"]["id"] for s in doc["suggestions"]]
    assert ids[0] == right and far not in ids
    top = doc["suggestions"][0]
    assert top["parts"]["distance"] > 0.9 and top["parts"]["time"] == 1.0
    assert top["parts"]["caption"] > 0.2
    assert any("from the incident (EXIF GPS" in r for r in top["reasons"])
    if later in ids:
        assert doc["suggestions"][ids.index(later)]["score"] < top["score"]
    assert get_incident(team, right)["evidence"] == []  # nothing linked by suggesting

    decide(team, sha, later, "dismissed", actor="ivan", reason="different day")
    decide(team, sha, right, "confirmed", actor="ivan", role="primary")
    again = [s["incident"]["id"] for s in suggest_incidents(team, sha)["suggestions"]]
    assert right not in again and later not in again
    assert get_incident(team, right)["evidence"][0]["role"] == "primary"
    with pytest.raises(RejectedInputError, match="already linked"):
        decide(team, sha, right, "confirmed", actor="ivan")


def test_a_copy_in_the_same_cluster_points_to_its_incident(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    inc = create_incident(
        team, incident_doc(start=datetime(2023, 1, 1, tzinfo=UTC)), actor="ivan", places=places
    )["id"]
    original = ingest_photo(team, tmp_path / "a", seed=1, lat=48.0, lon=25.0)
    copy = ingest_photo(team, tmp_path / "b", seed=2, lat=48.0, lon=25.0)
    link_evidence(team, inc, original, role="primary", actor="ivan")
    assert suggest_incidents(team, copy)["suggestions"] == []  # far in space and time
    with team.sessions() as session, session.begin():
        ids = {i.sha256: i.id for i in session.scalars(select(EvidenceItem))}
        session.add(
            MediaMatch(
                item_id=ids[copy],
                other_id=ids[original],
                distance=3,
                transform="none",
                method="test",
            )
        )
        # Copy finding labels the items it matched with one cluster (evidence.clusters).
        session.add_all(
            MediaClusterMember(item_id=ids[sha], cluster_id=ids[original])
            for sha in (original, copy)
        )
    (only,) = suggest_incidents(team, copy)["suggestions"]
    assert only["incident"]["id"] == inc and only["parts"]["cluster"] == 1.0
    assert any("same cluster" in r for r in only["reasons"])

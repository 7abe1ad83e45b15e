"""Publishing incidents: the coarsened public location, publication, correction,
withdrawal and the public history; internal fields stay internal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from civwatch.custody.models import CustodyLeaf
from civwatch.errors import NotFoundError, PermissionDeniedError, RejectedInputError
from civwatch.geo.coarsening import coarsen
from civwatch.geo.distance import haversine_m
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.internal_fields import (
    add_witness,
    internal_fields,
    remove_witness,
    set_internal_notes,
)
from civwatch.incidents.service import create_incident, get_incident, link_evidence, update_incident
from civwatch.incidents.workflow import review_incident, set_incident_status
from civwatch.publish.publication import (
    correct_incident,
    get_public_history,
    publish_incident,
    set_location_precision,
    withdraw_incident,
)
from civwatch.workspace import Workspace
from tests.incidents import helpers
from tests.incidents.helpers import KHARKIV, incident_doc
from tests.incidents.test_workflow import verified_item

#: Fixtures shared with the incident tests.
gazetteer_cache, places, team = helpers.gazetteer_cache, helpers.places, helpers.team

MARKER = "MARKER-7f3c9e-WITNESS"


def verified_incident(ws: Workspace, places: Gazetteer, folder: Path, **doc: object) -> int:
    """An incident taken through two-person verification (ivan, viktor, vera)."""
    inc = create_incident(ws, incident_doc(**doc), actor="ivan", places=places)["id"]
    set_incident_status(ws, inc, "under_verification", actor="ivan")
    link_evidence(ws, inc, verified_item(ws, folder), role="primary", actor="ivan")
    set_incident_status(ws, inc, "verified", actor="viktor")
    review_incident(ws, inc, "approve", actor="vera")
    return int(inc)


def _entries(ws: Workspace) -> list[dict[str, object]]:
    with ws.sessions() as session:
        return [json.loads(leaf.entry) for leaf in session.scalars(select(CustodyLeaf))]


def test_a_new_incident_is_shown_at_its_settlement_not_at_its_point(
    team: Workspace, places: Gazetteer
) -> None:
    # 2.2 km from Kharkiv's centre, in the city
    point = (KHARKIV[0] + 0.015, KHARKIV[1] + 0.025)
    shown = create_incident(
        team, incident_doc(lat=point[0], lon=point[1]), actor="ivan", places=places
    )
    loc = shown["public_location"]
    assert set(loc) == {"lat", "lon", "precision", "place"}
    assert loc["precision"] == "settlement"
    assert loc["place"].startswith("Kharkiv")
    kharkiv = places.lookup("Kharkiv")[0]
    assert (loc["lat"], loc["lon"]) == (round(kharkiv.lat, 5), round(kharkiv.lon, 5))
    assert haversine_m(point[0], point[1], loc["lat"], loc["lon"]) > 1000


def test_precision_exact_raion_oblast_and_who_may_change_it(
    team: Workspace, places: Gazetteer
) -> None:
    inc = create_incident(team, incident_doc(), actor="ivan", places=places)["id"]
    with pytest.raises(PermissionDeniedError, match="Only a publisher"):
        set_location_precision(team, inc, "exact", actor="ivan", places=places)
    exact = set_location_precision(team, inc, "exact", actor="pat", places=places)
    assert exact["public_location"]["lat"] == round(KHARKIV[0], 5)
    assert exact["public_location"]["lon"] == round(KHARKIV[1], 5)
    # an investigator may always make it coarser
    raion = set_location_precision(
        team, inc, "raion", actor="ivan", reason="witness lives next door", places=places
    )["public_location"]
    assert raion["precision"] == "raion"
    assert abs(raion["lat"] - KHARKIV[0]) <= 0.25 and abs(raion["lon"] - KHARKIV[1]) <= 0.25
    assert (raion["lat"] * 4) % 2 == pytest.approx(1.0)  # a 0.5 degree cell's centre
    oblast = set_location_precision(team, inc, "oblast", actor="vera", places=places)
    loc = oblast["public_location"]
    assert loc["place"] == "Kharkiv Oblast"
    assert 20_000 < haversine_m(KHARKIV[0], KHARKIV[1], loc["lat"], loc["lon"]) < 150_000
    with pytest.raises(RejectedInputError, match="already shown at oblast"):
        set_location_precision(team, inc, "oblast", actor="pat", places=places)
    with pytest.raises(RejectedInputError, match="use one of: exact, settlement"):
        set_location_precision(team, inc, "street", actor="pat", places=places)
    acts = [(e["act"], e.get("from"), e.get("to")) for e in _entries(team)]
    assert ("incident-precision", "settlement", "exact") in acts
    assert ("incident-precision", "exact", "raion") in acts
    assert ("incident-precision", "raion", "oblast") in acts


def test_moving_an_incident_moves_its_public_location(team: Workspace, places: Gazetteer) -> None:
    inc = create_incident(team, incident_doc(), actor="ivan", places=places)["id"]
    lviv = places.lookup("Lviv")[0]
    moved = update_incident(
        team, inc, {"lat": lviv.lat + 0.01, "lon": lviv.lon}, actor="ivan", places=places
    )
    assert moved["public_location"]["place"].startswith("Lviv")
    assert moved["public_location"]["lat"] == round(lviv.lat, 5)


def test_coarsening_without_a_gazetteer_only_ever_loses_precision() -> None:
    loc = coarsen(49.9935, 36.2304, "settlement", settlement="Kharkiv", oblast="Kharkiv Oblast")
    assert (loc["lat"], loc["lon"]) == (49.95, 36.25)
    assert loc["place"] == "Kharkiv, Kharkiv Oblast"
    far = coarsen(49.9935, 36.2304, "oblast", oblast="Kharkiv Oblast")
    assert (far["lat"], far["lon"]) == (49.0, 37.0)


def test_publish_correct_withdraw_and_the_public_history(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    inc = verified_incident(team, places, tmp_path / "in")
    with pytest.raises(RejectedInputError, match="not published"):
        correct_incident(team, inc, "Casualty figures revised.", actor="pat")
    with pytest.raises(PermissionDeniedError, match="publisher role"):
        publish_incident(team, inc, actor="ivan")
    shown = publish_incident(team, inc, actor="pat", note="First publication.")
    assert shown["visibility"] == "public"
    # the linked photo has no approved redaction yet: it is not published
    assert len(shown["unredacted_media"]) == 1
    corrected = correct_incident(
        team, inc, "Casualty figures revised after the hospital's report.", actor="pat"
    )
    assert corrected["visibility"] == "public"
    correct_incident(team, inc, "Time corrected to 11:05.", actor="pat")
    with pytest.raises(RejectedInputError, match="must not be empty"):
        correct_incident(team, inc, "   ", actor="pat")
    with pytest.raises(RejectedInputError, match="must not be empty"):
        withdraw_incident(team, inc, reason="", actor="pat")
    withdraw_incident(team, inc, reason="Doubts about the location.", actor="pat")
    assert get_incident(team, inc)["visibility"] == "internal"
    history = get_public_history(team, inc)
    assert [h["kind"] for h in history] == ["published", "corrected", "corrected", "withdrawn"]
    assert history[1]["note"] == "Casualty figures revised after the hospital's report."
    assert history[-1]["note"] == "Doubts about the location."
    assert all(set(h) == {"at", "kind", "note"} for h in history)
    assert [h["at"] for h in history] == sorted(h["at"] for h in history)
    acts = [e["act"] for e in _entries(team)]
    assert acts.count("incident-correction") == 2
    assert "incident-publish" in acts and "incident-unpublish" in acts
    with pytest.raises(NotFoundError):
        get_public_history(team, 999)


def test_reopening_a_published_incident_counts_as_a_withdrawal(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    inc = verified_incident(team, places, tmp_path / "in")
    publish_incident(team, inc, actor="pat")
    set_incident_status(team, inc, "under_verification", actor="ivan", reason="new video")
    history = get_public_history(team, inc)
    assert [h["kind"] for h in history] == ["published", "withdrawn"]
    assert history[1]["note"] == "Reopened for verification: new video"


def test_internal_fields_never_reach_the_incident_record_or_the_custody_log(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    inc = verified_incident(team, places, tmp_path / "in")
    set_internal_notes(team, inc, f"Source is {MARKER}, keep away from press.", actor="ivan")
    witness = add_witness(
        team,
        inc,
        f"Olena {MARKER}",
        contact=f"+380 {MARKER}",
        lat=49.99,
        lon=36.23,
        note=f"saw it from {MARKER}",
        actor="ivan",
    )
    with pytest.raises(PermissionDeniedError, match="investigator or verifier"):
        add_witness(team, inc, "Someone", actor="pat")
    with pytest.raises(PermissionDeniedError):
        internal_fields(team, inc, actor="val")
    with pytest.raises(RejectedInputError, match="both the latitude and the longitude"):
        add_witness(team, inc, "Someone", lat=49.0, actor="ivan")
    inside = internal_fields(team, inc, actor="vera")
    assert MARKER in inside["internal_notes"]
    assert inside["witnesses"][0]["contact"] == f"+380 {MARKER}"
    publish_incident(team, inc, actor="pat")
    correct_incident(team, inc, "Figures revised.", actor="pat")
    record = json.dumps(get_incident(team, inc))
    assert MARKER not in record and "Olena" not in record
    log = json.dumps(_entries(team))
    assert MARKER not in log and "Olena" not in log
    assert MARKER not in json.dumps(get_public_history(team, inc))
    after = remove_witness(team, inc, witness["id"], actor="ivan")
    assert after["witnesses"] == []
    with pytest.raises(NotFoundError):
        remove_witness(team, inc, witness["id"], actor="ivan")
    acts = [e["act"] for e in _entries(team)]
    assert {"incident-internal-notes", "incident-witness-add", "incident-witness-remove"} <= set(
        acts
    )

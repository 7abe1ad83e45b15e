"""The public map's cells: counts of exactly what the public map shows (published incidents
at their coarsened points), never a hidden, withdrawn or unpublished one, never an exact
point or an internal field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents import map_grid
from civwatch.incidents.service import create_incident
from civwatch.incidents.workflow import set_incident_status
from civwatch.publish.public import PublicFilter, public_map, public_map_cells
from civwatch.publish.publication import withdraw_incident
from civwatch.workspace import Workspace
from tests.incidents.helpers import incident_doc
from tests.publish.published import (
    EXACT,
    EXACT_TEXTS,
    MARKER,
    marked_incident,
    published_incident,
    verified_item,
)

UKRAINE = "22,44.2,40.3,52.4"
ODESA = (46.4825, 30.7233)
LVIV = (49.8397, 24.0297)


def _total(answer: dict[str, object]) -> int:
    features = answer["features"]
    assert isinstance(features, list)
    return sum(int(f["properties"]["count"]) for f in features)


def test_cells_count_only_what_the_public_map_shows(
    team: Workspace, places: Gazetteer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marked = marked_incident(team, places, tmp_path / "in")
    sha = verified_item(team, tmp_path / "v")
    shown = [
        published_incident(team, places, sha, title="Odesa", lat=ODESA[0], lon=ODESA[1]),
        published_incident(team, places, sha, title="Lviv", lat=LVIV[0], lon=LVIV[1]),
        marked.incident_id,
    ]
    withdrawn = published_incident(team, places, sha, title="Gone", lat=LVIV[0], lon=LVIV[1])
    withdraw_incident(team, withdrawn, reason="a witness could be identified", actor="pat")
    reopened = published_incident(team, places, sha, title="Again", lat=ODESA[0], lon=ODESA[1])
    set_incident_status(team, reopened, "under_verification", actor="ivan", reason="new video")
    for n in range(3):  # drafts and internal incidents at the marked point and elsewhere
        create_incident(
            team,
            incident_doc(title=f"Draft {MARKER}", lat=EXACT[0] + n / 100, lon=EXACT[1]),
            actor="ivan",
            places=places,
        )
    wide = PublicFilter.parse(bbox=UKRAINE)
    # the choice counts only what the public map shows: 3 published, 8 incidents in all
    monkeypatch.setattr(map_grid, "CELLS_OVER", 3)
    assert public_map(team, wide, kind="auto")["kind"] == "points"
    monkeypatch.setattr(map_grid, "CELLS_OVER", 2)
    answer = public_map(team, wide, kind="auto")
    assert answer["kind"] == "cells" and answer["next_cursor"] is None
    assert _total(answer) == len(shown) == 3
    text = json.dumps(answer)
    for secret in [*marked.secrets, *EXACT_TEXTS, MARKER]:
        assert secret not in text, secret
    # every count equals the markers the public map gives for that cell
    markers = public_map(team, wide, kind="points")["features"]
    assert sorted(f["id"] for f in markers) == sorted(shown)
    for cell in answer["features"]:
        west, south, east, north = cell["properties"]["bounds"]
        inside = [
            f
            for f in markers
            if west <= f["geometry"]["coordinates"][0] < east
            and south <= f["geometry"]["coordinates"][1] < north
        ]
        assert cell["properties"]["count"] == len(inside)
        # placed at the cell's centre, never at an incident's own (even coarsened) point
        assert cell["geometry"]["coordinates"] == [(west + east) / 2, (south + north) / 2]


def test_the_marked_incident_is_counted_at_its_coarsened_point_not_its_exact_one(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    marked = marked_incident(team, places, tmp_path / "in")
    (marker,) = public_map(team, PublicFilter.parse(bbox=UKRAINE), kind="points")["features"]
    lon, lat = marker["geometry"]["coordinates"]
    assert (lat, lon) != EXACT
    # the finest cells round the coarsened point: the one counted holds it, not the exact one
    box = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    (cell,) = public_map_cells(team, PublicFilter.parse(bbox=box))["features"]
    west, south, east, north = cell["properties"]["bounds"]
    assert cell["properties"]["count"] == 1 and marked.incident_id == marker["id"]
    assert west <= lon < east and south <= lat < north
    assert not (west <= EXACT[1] < east and south <= EXACT[0] < north)


def test_filters_and_a_narrow_box_behave_as_before(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    sha = verified_item(team, tmp_path / "v")
    lviv = published_incident(
        team, places, sha, title="Lviv", lat=LVIV[0], lon=LVIV[1], incident_type="drone attack"
    )
    published_incident(team, places, sha, title="Odesa", lat=ODESA[0], lon=ODESA[1])
    drones = PublicFilter.parse(bbox=UKRAINE, incident_type="drone attack")
    assert _total(public_map(team, drones, kind="cells")) == 1
    narrow = public_map(team, PublicFilter.parse(bbox="23.9,49.7,24.2,49.95"), kind="auto")
    assert narrow["kind"] == "points"
    assert [f["id"] for f in narrow["features"]] == [lviv]

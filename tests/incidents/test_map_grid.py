"""Wide map viewports answered with counts per grid cell: the grid, the switch between
cells and points, and counts that equal the points in each cell (SQLite and PostgreSQL)."""

from __future__ import annotations

import random

import pytest

from civwatch.errors import RejectedInputError
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents import map_grid
from civwatch.incidents.geojson import BBox, MapQuery, incidents_geojson, parse_bbox
from civwatch.incidents.map_grid import (
    CELLS_FROM_SPAN,
    CELLS_OVER,
    check_kind,
    grid_for,
    incident_cells,
    team_map_wants_cells,
    wants_cells,
    wide,
)
from civwatch.incidents.service import create_incident
from civwatch.incidents.workflow import set_incident_status
from civwatch.workspace import Workspace
from tests.incidents.helpers import incident_doc

UKRAINE = "22,44.2,40.3,52.4"


def test_the_grid_is_a_power_of_two_and_covers_the_box_with_whole_cells() -> None:
    for text in (UKRAINE, "30,50,33,52", "-180,-90,180,90", "36.1,49.9,36.4,50.1"):
        box = parse_bbox(text)
        grid = grid_for(box)
        assert grid.size == 2.0 ** round(__import__("math").log2(grid.size))
        across = max(box.east - box.west, box.north - box.south) / grid.size
        assert 12 <= across < 24 or grid.size in (2.0**-10, 32.0)
        g = grid.box
        assert g.west <= box.west and g.south <= box.south
        assert g.east >= box.east and g.north >= box.north
        for edge, offset in ((g.west, 180), (g.south, 90)):
            assert ((edge + offset) / grid.size).is_integer()
    # viewports panned a little share their cells (and so their answers)
    assert grid_for(parse_bbox("22.01,44.2,40.3,52.4")) == grid_for(
        parse_bbox("22.02,44.21,40.31,52.4")
    )


def test_a_grid_across_the_antimeridian_stays_across_it() -> None:
    grid = grid_for(parse_bbox("170,-50,-170,-30"))
    assert grid.box.crosses_antimeridian
    assert grid.box.west <= 170 and grid.box.east >= -170


def test_wide_crowded_boxes_get_cells_narrow_ones_and_later_pages_points() -> None:
    wide, narrow = parse_bbox(UKRAINE), parse_bbox("36.1,49.9,36.4,50.1")
    asked: list[int] = []

    def crowded(most: int) -> int:
        asked.append(most)
        return most

    assert wants_cells("auto", wide, None, crowded) and asked == [CELLS_OVER + 1]
    assert not wants_cells("auto", wide, None, lambda most: CELLS_OVER)  # all fit: points
    assert not wants_cells("auto", narrow, None, crowded)
    assert not wants_cells("auto", wide, 1234, crowded)  # a client following "next": points
    assert not wants_cells("auto", None, None, crowded)  # no box: the whole set, by pages
    assert not wants_cells("points", wide, None, crowded)
    assert wants_cells("cells", narrow, None, lambda most: 0)
    assert asked == [CELLS_OVER + 1]  # only a wide box left to the server is counted
    edge = BBox(30.0, 50.0, 30.0 + CELLS_FROM_SPAN, 50.5)
    assert wide_box(edge) is False and wide_box(wide) is None
    with pytest.raises(RejectedInputError, match="auto, points or cells"):
        check_kind("heatmap")


def wide_box(box: BBox) -> bool | None:
    return wide("auto", box, None)


@pytest.fixture
def scattered(team: Workspace, places: Gazetteer) -> list[tuple[float, float]]:
    """Incidents at random points over Ukraine, the first one under verification."""
    rng = random.Random(7)
    points = [(rng.uniform(44.5, 52.0), rng.uniform(22.5, 40.0)) for _ in range(14)]
    points += [(50.45, 30.52), (50.46, 30.53)]  # two in one cell
    ids = []
    for lat, lon in points:
        doc = incident_doc(lat=lat, lon=lon, title=f"Strike at {lat:.3f},{lon:.3f}")
        ids.append(create_incident(team, doc, actor="ivan", places=places)["id"])
    set_incident_status(team, ids[0], "under_verification", actor="ivan")
    return points


def _points_in(team: Workspace, bounds: list[float]) -> int:
    box = BBox(*bounds)
    page = incidents_geojson(team, MapQuery(bbox=box, limit=5000))
    # the points query's box is closed; a cell is closed at its west and south only
    return sum(
        1
        for f in page.as_dict()["features"]
        if f["geometry"]["coordinates"][0] < box.east
        and f["geometry"]["coordinates"][1] < box.north
    )


def test_cell_counts_equal_the_points_in_each_cell(
    team: Workspace, scattered: list[tuple[float, float]], monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = incident_cells(team, MapQuery(bbox=parse_bbox(UKRAINE)))
    assert answer["kind"] == "cells" and answer["next"] is None
    cells = answer["features"]
    assert sum(c["properties"]["count"] for c in cells) == len(scattered)
    assert answer["number_returned"] == len(cells)
    for cell in cells:
        west, south, east, north = cell["properties"]["bounds"]
        assert east - west == answer["cell_size"] == north - south
        assert cell["geometry"]["coordinates"] == [(west + east) / 2, (south + north) / 2]
        assert cell["properties"]["count"] == _points_in(team, cell["properties"]["bounds"])
    assert max(c["properties"]["count"] for c in cells) >= 2
    # the server chooses cells once the box holds more than CELLS_OVER incidents
    asked = MapQuery(bbox=parse_bbox(UKRAINE))
    assert not team_map_wants_cells(team, asked, "auto")
    monkeypatch.setattr(map_grid, "CELLS_OVER", len(scattered) - 1)
    assert team_map_wants_cells(team, asked, "auto")
    # the filters of the points apply to the cells
    checked = incident_cells(
        team, MapQuery(bbox=parse_bbox(UKRAINE), statuses=("under_verification",))
    )
    assert [c["properties"]["count"] for c in checked["features"]] == [1]
    assert checked["filter"]["statuses"] == ["under_verification"]


def test_an_empty_box_has_no_cells_and_a_box_across_the_antimeridian_counts_both_sides(
    team: Workspace, places: Gazetteer
) -> None:
    for lat, lon in ((-17.0, 179.9), (-17.0, -179.9), (-17.5, 175.0)):
        create_incident(team, incident_doc(lat=lat, lon=lon), actor="ivan", places=places)
    assert incident_cells(team, MapQuery(bbox=parse_bbox("0,0,10,10")))["features"] == []
    answer = incident_cells(team, MapQuery(bbox=parse_bbox("170,-20,-170,-10")))
    assert sum(c["properties"]["count"] for c in answer["features"]) == 3
    assert len(answer["features"]) >= 2

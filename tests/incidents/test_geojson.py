"""Incidents as GeoJSON for a map viewport: the bbox, filters and keyset pages."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from civwatch.errors import RejectedInputError
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.geojson import BBox, MapQuery, incidents_geojson, parse_bbox
from civwatch.incidents.service import create_incident
from civwatch.incidents.workflow import set_incident_status
from civwatch.workspace import Workspace
from tests.incidents.helpers import incident_doc


def test_a_bbox_is_four_numbers_in_order() -> None:
    assert parse_bbox("22.1, 44.3,40.2,52.4") == BBox(22.1, 44.3, 40.2, 52.4)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1,2,3", "3 value(s), not 4"),
        ("west,44,40,52", "bbox west 'west' is not a number"),
        ("22,44,nan,52", "finite"),
        ("22,95,40,96", "not a latitude"),
        ("22,52,40,44", "south 52 is north of north 44"),
        ("22,44,600,52", "not a longitude"),
        ("200,44,190,52", "is east of east"),
    ],
)
def test_a_bad_bbox_is_refused_with_what_to_do(text: str, says: str) -> None:
    with pytest.raises(RejectedInputError) as err:
        parse_bbox(text)
    assert says in err.value.message
    assert "west,south,east,north" in err.value.message


def test_longitudes_round_the_world_are_wrapped_and_may_cross_the_antimeridian() -> None:
    assert parse_bbox("170,-50,-170,-30").crosses_antimeridian
    assert parse_bbox("170,-50,190,-30") == BBox(170, -50, -170, -30)
    assert parse_bbox("-190,-50,-170,-30") == BBox(170, -50, -170, -30)
    assert parse_bbox("-300,-10,300,10") == BBox(-180, -10, 180, 10)
    assert not parse_bbox("-180,-90,180,90").crosses_antimeridian


def _ids(doc: dict[str, object]) -> list[int]:
    features = doc["features"]
    assert isinstance(features, list)
    return [f["id"] for f in features]


@pytest.fixture
def spread(team: Workspace, places: Gazetteer) -> dict[str, int]:
    """Incidents at named points: Kharkiv, Lviv, and on both sides of the antimeridian."""
    points = {
        "kharkiv": (49.9935, 36.2304),
        "lviv": (49.8397, 24.0297),
        "fiji_west": (-17.0, 179.9),
        "fiji_east": (-17.0, -179.9),
        "on_edge": (44.0, 22.0),
    }
    ids = {}
    for name, (lat, lon) in points.items():
        doc = incident_doc(lat=lat, lon=lon, title=f"Strike at {name}")
        if name == "lviv":
            doc.update(incident_type="drone attack", weapons=["Shahed-136"], objects=["energy"])
        ids[name] = create_incident(team, doc, actor="ivan", places=places)["id"]
    return ids


def test_features_are_points_in_lon_lat_order_with_the_map_properties(
    team: Workspace, spread: dict[str, int]
) -> None:
    doc = incidents_geojson(team, MapQuery(bbox=parse_bbox("22,44,41,53"))).as_dict()
    assert doc["type"] == "FeatureCollection"
    by_id = {f["id"]: f for f in doc["features"]}
    assert set(by_id) == {spread["kharkiv"], spread["lviv"], spread["on_edge"]}
    kharkiv = by_id[spread["kharkiv"]]
    assert kharkiv["geometry"] == {"type": "Point", "coordinates": [36.2304, 49.9935]}
    props = kharkiv["properties"]
    assert props["killed"] == {"min": 2, "max": 4} and props["injured"] is None
    assert props["url"] == f"/incidents/{spread['kharkiv']}"
    assert props["oblast"] == "Kharkiv Oblast"
    assert {"id", "title", "start", "status", "visibility", "incident_type"} <= set(props)
    assert doc["next"] is None and doc["number_returned"] == 3


def test_the_bbox_is_exact_on_every_side(team: Workspace, spread: dict[str, int]) -> None:
    def inside(box: str) -> set[int]:
        return set(_ids(incidents_geojson(team, MapQuery(bbox=parse_bbox(box))).as_dict()))

    kharkiv, edge = spread["kharkiv"], spread["on_edge"]
    assert kharkiv in inside("36.2304,49.9935,36.2304,49.9935")  # edges are inside
    assert kharkiv not in inside("36.2305,49,40,51")  # just east of the west edge
    assert kharkiv not in inside("30,49,36.2303,51")  # just west of the east edge
    assert kharkiv not in inside("30,49.9936,40,51")  # south edge north of it
    assert kharkiv not in inside("30,49,40,49.9934")  # north edge south of it
    assert edge in inside("22,44,23,45") and edge not in inside("22.0001,44,23,45")


def test_a_box_across_the_antimeridian_finds_both_sides(
    team: Workspace, spread: dict[str, int]
) -> None:
    found = set(
        _ids(incidents_geojson(team, MapQuery(bbox=parse_bbox("179,-18,-179,-16"))).as_dict())
    )
    assert found == {spread["fiji_west"], spread["fiji_east"]}
    west_only = set(
        _ids(incidents_geojson(team, MapQuery(bbox=parse_bbox("179,-18,180,-16"))).as_dict())
    )
    assert west_only == {spread["fiji_west"]}


def test_facet_filters_narrow_the_map(team: Workspace, spread: dict[str, int]) -> None:
    def ids(**kw: object) -> set[int]:
        return set(_ids(incidents_geojson(team, MapQuery(**kw)).as_dict()))  # type: ignore[arg-type]

    assert ids(weapon="shahed 136") == {spread["lviv"]}
    assert ids(object_="energy", incident_type="drone_attack") == {spread["lviv"]}
    assert ids(oblast="Lviv") == {spread["lviv"]}
    set_incident_status(team, spread["kharkiv"], "under_verification", actor="ivan")
    assert ids(statuses=("under_verification",)) == {spread["kharkiv"]}
    with pytest.raises(RejectedInputError, match="known terms"):
        ids(weapon="trebuchet")


def test_pages_cover_every_incident_once(team: Workspace, spread: dict[str, int]) -> None:
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        page = incidents_geojson(team, MapQuery(limit=2, cursor=cursor))
        seen += _ids(page.as_dict())
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(spread.values()) and len(seen) == len(set(seen))


def test_limits_are_checked(team: Workspace) -> None:
    with pytest.raises(RejectedInputError, match="limit must be 1-5000"):
        incidents_geojson(team, MapQuery(limit=5001))


def test_gdal_reads_the_collection(team: Workspace, spread: dict[str, int], tmp_path: Path) -> None:
    page = incidents_geojson(team, MapQuery(bbox=parse_bbox("22,44,41,53")))
    path = tmp_path / "map.geojson"
    path.write_text(page.text())
    out = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "Feature Count: 3" in out
    assert "Extent: (22.000000, 44.000000) - (36.230400, 49.993500)" in out


def test_dense_and_sparse_viewports_give_the_same_answer(
    team: Workspace, spread: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from civwatch.incidents import geojson

    def ids(box: str) -> list[int]:
        return _ids(incidents_geojson(team, MapQuery(bbox=parse_bbox(box), limit=2)).as_dict())

    sparse = [ids(b) for b in ("22,44,41,53", "179,-18,-179,-16", "-180,-90,180,90")]
    monkeypatch.setattr(geojson, "DENSE", 1)
    assert [ids(b) for b in ("22,44,41,53", "179,-18,-179,-16", "-180,-90,180,90")] == sparse
    assert sparse[0] == sorted([spread["kharkiv"], spread["lviv"]])


def test_times_are_rfc3339_utc_as_the_service_writes_them(
    team: Workspace, places: Gazetteer
) -> None:
    from datetime import UTC, datetime

    exact = create_incident(team, incident_doc(), actor="ivan", places=places)
    fine = create_incident(
        team,
        incident_doc(start=datetime(2022, 3, 9, 11, 5, 7, 250000, tzinfo=UTC)),
        actor="ivan",
        places=places,
    )
    starts = {
        f["id"]: f["properties"]["start"]
        for f in incidents_geojson(team, MapQuery()).as_dict()["features"]
    }
    assert starts == {exact["id"]: exact["start"], fine["id"]: fine["start"]}
    assert starts[fine["id"]] == "2022-03-09T11:05:07.250000+00:00"

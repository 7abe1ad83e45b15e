"""Imports of shelters from real-format files written here: OSM XML and PBF, the Ukrainian
open-data CSV and JSON, GeoJSON and CSV. Re-imports never duplicate; shelters a data set
stops listing are marked, not deleted; bad rows are reported with line and reason."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from civwatch.errors import PermissionDeniedError, RejectedInputError
from civwatch.shelters.importing import import_file
from civwatch.shelters.models import Shelter
from civwatch.shelters.nearest import nearest
from civwatch.shelters.osm_source import ring_centroid
from civwatch.shelters.registry import get_shelter, hromadas, public_shelter, shelters_in
from civwatch.workspace import Workspace
from tests.shelters.conftest import PrincipalOf
from tests.shelters.samples import (
    BOMB,
    KEY_HOLDER,
    KEY_PHONE,
    kyiv_osm,
    relation_osm,
    ua_rows,
    write_csv,
    write_geojson,
    write_osm,
    write_ua_csv,
    write_ua_json,
)


def _by_source(ws: Workspace) -> dict[str, object]:
    from civwatch.shelters.models import ShelterSource

    with ws.sessions() as session:
        rows = session.execute(
            select(ShelterSource.kind, ShelterSource.source_id, ShelterSource.shelter_id)
        )
        return {f"{k}:{s}": get_shelter(session, i) for k, s, i in rows}


def _count(ws: Workspace) -> int:
    with ws.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Shelter)) or 0)


@pytest.mark.parametrize("name", ["kyiv.osm", "kyiv.osm.pbf"])
def test_an_osm_extract_gives_its_bomb_shelters_and_reports_the_rest(
    workspace: Workspace, tmp_path: Path, name: str
) -> None:
    result = import_file(workspace, kyiv_osm(tmp_path / name))
    assert (result.added, result.updated, result.unchanged) == (3, 0, 0)
    # The bus shelter is no bomb shelter: not imported, not a bad row. Paris is.
    assert [line for line, _reason in result.skipped] == [4]
    assert "outside Ukraine" in result.skipped[0][1]
    found = _by_source(workspace)
    maidan = found["osm:node/1"]
    assert maidan.name == "Укриття на Майдані" and maidan.name_en == "Maidan"
    assert (maidan.capacity, maidan.step_free, maidan.underground) == (150, True, True)
    assert (maidan.opening_kind, maidan.level) == ("always", "-1")
    assert maidan.address == "Хрещатик 22"
    bunker = found["osm:node/2"]
    # "about 80" is no number: unknown, never 0; "no" wheelchair is known as no.
    assert bunker.capacity is None and bunker.step_free is False and bunker.pets is True
    school = found["osm:way/100"]
    assert school.lat == pytest.approx(50.4604, abs=1e-3)
    assert school.registry_status == "closed"  # access=no


@pytest.mark.parametrize("name", ["blocks.osm", "blocks.osm.pbf"])
def test_shelters_mapped_as_multipolygon_relations_are_read_at_their_centroid(
    workspace: Workspace, tmp_path: Path, name: str
) -> None:
    path = relation_osm(tmp_path / name)
    result = import_file(workspace, path)
    assert (result.added, result.updated, result.unchanged) == (2, 0, 0)
    # the relation without its way is reported, the car park is no shelter at all
    assert [line for line, _reason in result.skipped] == [302]
    assert "relation 302" in result.skipped[0][1] and "no outline" in result.skipped[0][1]
    found = _by_source(workspace)
    block = found["osm:relation/300"]
    assert (block.name, block.capacity) == ("Сховище у дворі", 400)
    # the courtyard (a hole off the centre) moves the centroid away from it
    assert block.lat == pytest.approx(50.400864, abs=2e-6)
    assert block.lon == pytest.approx(30.500964, abs=2e-6)
    halves = found["osm:relation/301"]
    assert (halves.lat, halves.lon) == (pytest.approx(50.4105), pytest.approx(30.505))
    assert [n.name for n in nearest(workspace, 50.4009, 30.5010, limit=1)] == ["Сховище у дворі"]
    again = import_file(workspace, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


def test_a_polygon_centroid_weighs_its_area_and_holes() -> None:
    square = [(0.0, 0.0), (0.0, 2.0), (2.0, 2.0), (2.0, 0.0)]
    assert ring_centroid([square], []) == (pytest.approx(1.0), pytest.approx(1.0, rel=1e-3))
    # winding either way, a hole in the upper right corner pulls the centroid down left
    hole = [(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 2.0)]
    lat, lon = ring_centroid([square[::-1]], [hole])  # type: ignore[misc]
    assert lat == pytest.approx(5 / 6, rel=1e-3) and lon < 1.0
    # a line encloses nothing: the mean of its corners; nothing at all: no centroid
    assert ring_centroid([[(1.0, 1.0), (3.0, 1.0)]], []) == (2.0, 1.0)
    assert ring_centroid([], []) is None


def test_unknown_accessibility_stays_unknown(workspace: Workspace, tmp_path: Path) -> None:
    write_osm(tmp_path / "a.osm", [(5, 50.45, 30.52, BOMB)])
    import_file(workspace, tmp_path / "a.osm")
    (view,) = _by_source(workspace).values()
    assert view.step_free is None and view.capacity is None and view.pets is None


def test_a_re_import_updates_never_duplicates_and_marks_what_left(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = kyiv_osm(tmp_path / "kyiv.osm.pbf")
    import_file(workspace, path)
    again = import_file(workspace, path)
    assert (again.added, again.updated, again.unchanged, again.marked_gone) == (0, 0, 3, 0)
    assert _count(workspace) == 3
    # The next edition: the Maidan shelter grows, the bunker is gone.
    write_osm(
        path,
        [
            (1, 50.4501, 30.5234, {**BOMB, "name": "Укриття на Майдані", "capacity": "200"}),
            (10, 50.46, 30.51, {}),
            (11, 50.46, 30.511, {}),
            (12, 50.461, 30.511, {}),
        ],
        [(100, [10, 11, 12, 10], {**BOMB, "name": "Сховище школи № 5", "access": "no"})],
    )
    edition = import_file(workspace, path)
    assert (edition.added, edition.updated, edition.unchanged, edition.marked_gone) == (0, 2, 0, 1)
    assert _count(workspace) == 3  # nothing deleted
    found = _by_source(workspace)
    assert found["osm:node/1"].capacity == 200
    assert found["osm:node/2"].gone_from_source_at is not None
    assert found["osm:node/2"].id not in [n.id for n in nearest(workspace, 50.447, 30.521)]
    # It comes back: found again, no longer gone.
    kyiv_osm(path)
    back = import_file(workspace, path)
    assert back.marked_gone == 0 and _count(workspace) == 3
    assert _by_source(workspace)["osm:node/2"].gone_from_source_at is None


def test_another_data_set_marks_nothing_of_the_first(workspace: Workspace, tmp_path: Path) -> None:
    import_file(workspace, kyiv_osm(tmp_path / "kyiv.osm"))
    other = write_osm(tmp_path / "lviv.osm", [(900, 49.84, 24.03, BOMB)])
    result = import_file(workspace, other)
    assert (result.added, result.marked_gone) == (1, 0)


@pytest.mark.parametrize("writer", [write_ua_csv, write_ua_json])
def test_the_ukrainian_open_data_schema(
    workspace: Workspace, tmp_path: Path, writer: object
) -> None:
    suffix = ".csv" if writer is write_ua_csv else ".json"
    path = writer(tmp_path / f"kharkiv{suffix}")  # type: ignore[operator]
    result = import_file(workspace, path)
    assert result.added == 2
    reasons = dict(result.skipped)
    # CSV lines count the header; JSON records count from 1.
    first = 2 if suffix == ".csv" else 1
    assert reasons[first + 2] == "no coordinates"
    assert "outside Ukraine" in reasons[first + 3]
    assert reasons[first + 4] == f"duplicate id UA-SH-0001 (first on line {first})"
    found = _by_source(workspace)
    sumska = found["ua-opendata:UA-SH-0001"]
    assert sumska.type == "shelter" and sumska.capacity == 300 and sumska.step_free is True
    # The source gives the city's own code; the registry keeps its hromada's, so the city's
    # shelters and those placed by the nearest settlement land in one hromada.
    assert sumska.katottg == "UA63120270000028556"
    assert sumska.address == "Харківська область, м. Харків, вул. Сумська, 10"
    assert sumska.responsible_body == "КП «Жилкомсервіс»"
    assert (sumska.key_holder, sumska.key_holder_contact) == (KEY_HOLDER, KEY_PHONE)
    nauky = found["ua-opendata:UA-SH-0002"]
    assert nauky.type == "simple" and nauky.lat == pytest.approx(50.005)
    assert nauky.capacity is None and nauky.step_free is False
    with workspace.sessions() as session:
        assert hromadas(session) == [("UA63120270000028556", "Харківська міська громада")]
        listed = shelters_in(session, ["UA63120270000028556"])
    assert {v.id for v in listed} == {sumska.id, nauky.id}


def test_the_public_never_sees_who_holds_the_key(workspace: Workspace, tmp_path: Path) -> None:
    import_file(workspace, write_ua_json(tmp_path / "k.json"))
    for view in _by_source(workspace).values():
        shown = repr(public_shelter(view))
        assert "KEYHOLDERMARKER" not in shown and "KEYMARKER" not in shown
    near = repr(nearest(workspace, 49.99, 36.23))
    assert "KEYHOLDERMARKER" not in near and "KEYMARKER" not in near


def test_geojson_and_csv_with_the_documented_columns(workspace: Workspace, tmp_path: Path) -> None:
    rows = [
        {
            "id": "g1",
            "name": "Паркінг ТРЦ",
            "lat": 50.40,
            "lon": 30.60,
            "type": "parking",
            "capacity": "500",
            "step_free": "yes",
            "pets": "yes",
            "opening": "on-alert",
            "katottg": "UA80000000000093317",
            "hromada": "Київ",
        },
        {
            "id": "g2",
            "name": "Станція метро Хрещатик",
            "lat": 50.447,
            "lon": 30.522,
            "type": "metro",
            "step_free": "no",
        },
        {"id": "g3", "name": "No point"},
    ]
    geo = import_file(workspace, write_geojson(tmp_path / "kyiv.geojson", rows))
    assert geo.added == 2 and geo.skipped == [(3, "no coordinates")]
    table = [{**r, "id": f"c{r['id']}"} for r in rows[:2]]
    table.append({"id": "cg1", "name": "again", "lat": 50.1, "lon": 30.1})
    csv_result = import_file(workspace, write_csv(tmp_path / "list.csv", table))
    assert csv_result.added == 2
    assert csv_result.skipped == [(4, "duplicate id cg1 (first on line 2)")]
    found = _by_source(workspace)
    parking = found["geojson:g1"]
    assert (parking.type, parking.capacity, parking.step_free, parking.pets) == (
        "parking",
        500,
        True,
        True,
    )
    assert parking.opening_kind == "on-alert"
    assert found["csv:cg2"].type == "metro" and found["csv:cg2"].step_free is False


def test_a_settlement_code_is_raised_to_its_hromada(workspace: Workspace, tmp_path: Path) -> None:
    """Registries give a settlement's KATOTTG code as often as its hromada's: the registry
    keeps the hromada's, so one hromada's list and bundle hold all its shelters. A code the
    codifier does not hold, or one above hromadas, is kept as given."""
    point = {"lat": 49.99, "lon": 36.23}
    rows = [
        {"id": "city", "name": "Сумська, 10", **point, "katottg": "UA63120270010096107"},
        {
            "id": "named",
            "name": "Наукова",
            **point,
            "katottg": "UA63120270010096107",
            "hromada": "Харківська громада",
        },
        {"id": "hromada", "name": "Пушкінська", **point, "katottg": "UA63120270000028556"},
        {
            "id": "kyiv",
            "name": "Хрещатик",
            "lat": 50.447,
            "lon": 30.522,
            "katottg": "UA80000000000093317",
        },
        {"id": "unknown", "name": "Невідомо", **point, "katottg": "UA99999999999999999"},
        {"id": "oblast", "name": "Область", **point, "katottg": "UA63000000000041885"},
    ]
    assert import_file(workspace, write_geojson(tmp_path / "codes.geojson", rows)).added == 6
    found = {k.split(":")[1]: v for k, v in _by_source(workspace).items()}
    kharkiv = ("UA63120270000028556", "Харківська міська громада")
    assert (found["city"].katottg, found["city"].hromada) == kharkiv
    assert (found["named"].katottg, found["named"].hromada) == (kharkiv[0], "Харківська громада")
    assert found["hromada"].katottg == kharkiv[0]
    assert (found["kyiv"].katottg, found["kyiv"].hromada) == ("UA80000000000093317", "Київ")
    assert found["unknown"].katottg == "UA99999999999999999" and found["unknown"].hromada is None
    assert found["oblast"].katottg == "UA63000000000041885"


def test_a_broken_file_is_refused_and_imports_nothing(workspace: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 10)
    with pytest.raises(RejectedInputError):
        import_file(workspace, bad)
    bad_json = tmp_path / "broken.json"
    bad_json.write_text("{not json")
    with pytest.raises(RejectedInputError):
        import_file(workspace, bad_json)
    assert _count(workspace) == 0


def test_only_coordinators_and_admins_import(
    crew: Workspace, principal: PrincipalOf, tmp_path: Path
) -> None:
    path = kyiv_osm(tmp_path / "kyiv.osm")
    with pytest.raises(PermissionDeniedError):
        import_file(crew, path, actor=principal("val"))
    assert _count(crew) == 0
    assert import_file(crew, path, actor=principal("sofia")).added == 3
    assert import_file(crew, path, actor=principal("ada")).unchanged == 3


def test_ua_rows_sample_has_the_real_columns() -> None:
    assert {
        "uid",
        "type",
        "CATUTTC",
        "lat",
        "lon",
        "ownershipForm",
        "balanceHolderName",
        "responsiblePersonName",
    } <= set(ua_rows()[0])


@pytest.mark.parametrize("csv_limit", [None, 2**31 - 1])
def test_a_csv_the_reader_chokes_on_is_refused_with_its_line(
    workspace: Workspace, tmp_path: Path, csv_limit: int | None
) -> None:
    """Attack: a 200 KB field made the csv module raise out of the import (a traceback, not
    a message); with the module's limit raised (reverse_geocode raises it for the whole
    process), the import's own limit still refuses it."""
    before = csv.field_size_limit(csv_limit) if csv_limit else csv.field_size_limit()
    path = tmp_path / "bad.csv"
    path.write_bytes(b"id,name,lat,lon\nx0,A,50.1,30.1\nx1," + b"A" * 200_000 + b",50.1,30.1\n")
    try:
        with pytest.raises(RejectedInputError, match="line 3"):
            import_file(workspace, path, "csv")
    finally:
        csv.field_size_limit(before)
    assert _count(workspace) == 0


def test_a_nul_byte_is_dropped_not_stored(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"id,name,lat,lon\nx2,B\x00B,50.2,30.2\n")
    assert import_file(workspace, path, "csv").added == 1
    (view,) = _by_source(workspace).values()
    assert view.name == "BB"

"""The maps' data: the offline basemap's layers and labels (shipped files, gzip, cacheable),
the operator's PMTiles archive with range requests, and place search over the gazetteer."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from matplotlib.path import Path as Outline

from civwatch.geo import basemap
from civwatch.web.app import create_app
from civwatch.web.map_routes import background
from civwatch.workspace import Workspace
from tests.incidents.helpers import gazetteer_cache, places, seed_cache  # noqa: F401
from tests.web.conftest import BASE, Team, bearer

KYIV = (50.4501, 30.5234)
KHARKIV = (49.9935, 36.2304)
LVIV = (49.8397, 24.0297)
BLACK_SEA = (43.5, 34.0)


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    return [polygon[0] for polygon in geometry["coordinates"]]


def _holds(feature: dict[str, Any], lat: float, lon: float) -> bool:
    """Whether a (multi)polygon's outer rings hold the point (holes ignored)."""
    return any(Outline(ring).contains_point((lon, lat)) for ring in _rings(feature["geometry"]))


@pytest.fixture
def seeded(workspace: Workspace, gazetteer_cache: Path) -> Workspace:  # noqa: F811
    seed_cache(gazetteer_cache, workspace.settings.data_dir)
    return workspace


def test_a_layer_is_gzip_cacheable_and_answers_304_when_unchanged(client: TestClient) -> None:
    r = client.get("/map/basemap/oblasts.geojson", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geo+json"
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["cache-control"] == "public, max-age=86400"
    raw = basemap.layer_bytes("oblasts")
    assert int(r.headers["content-length"]) < len(raw) / 3  # compressed on the wire
    again = client.get("/map/basemap/oblasts.geojson", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and not again.content
    plain = client.get("/map/basemap/oblasts.geojson", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == raw


def test_an_unknown_layer_is_not_found_and_never_a_file_elsewhere(client: TestClient) -> None:
    for name in ("roads", "..%2F..%2Fconfig", "labels.geojson%00"):
        assert client.get(f"/map/basemap/{name}.geojson").status_code == 404
    with pytest.raises(KeyError):
        basemap.layer_bytes("../../config")


def test_oblasts_hold_their_cities_and_land_stops_at_the_sea(client: TestClient) -> None:
    layer = client.get("/map/basemap/oblasts.geojson").json()
    oblasts = {f["properties"]["name"]: f for f in layer["features"]}
    assert len(oblasts) == 27  # 24 oblasts, Crimea, Kyiv and Sevastopol
    assert _holds(oblasts["Kharkiv"], *KHARKIV)
    assert _holds(oblasts["Lviv"], *LVIV)
    assert _holds(oblasts["Kyiv City"], *KYIV)
    assert not _holds(oblasts["Kharkiv"], *LVIV)
    (land,) = client.get("/map/basemap/land.geojson").json()["features"]
    assert _holds(land, *KYIV) and _holds(land, *LVIV)
    assert not _holds(land, *BLACK_SEA)
    for name in ("borders", "rivers"):
        (lines,) = client.get(f"/map/basemap/{name}.geojson").json()["features"]
        assert lines["geometry"]["type"] == "MultiLineString"
        assert len(lines["geometry"]["coordinates"]) > 20


def test_the_basemap_weighs_little_on_the_wire() -> None:
    """All four layers, gzip: under 300 kB (measured 214 kB)."""
    total = sum(len(gzip.compress(basemap.layer_bytes(n), 9)) for n in basemap.LAYERS)
    assert total < 300_000


def test_labels_come_from_the_gazetteer_in_both_scripts_bigger_places_first(
    seeded: Workspace, client: TestClient
) -> None:
    r = client.get("/map/basemap/labels.geojson", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    features = r.json()["features"]
    by_name = {f["properties"]["name"]: f["properties"] for f in features}
    assert by_name["Kyiv"]["name_uk"] == "Київ" and by_name["Kyiv"]["minzoom"] == 4
    assert by_name["Kharkiv"]["name_uk"] == "Харків"
    assert by_name["Bucha"]["minzoom"] > by_name["Kharkiv"]["minzoom"]
    populations = [f["properties"]["population"] for f in features]
    assert populations == sorted(populations, reverse=True)
    # villages stay off the map; neighbours' towns too
    assert min(p for f in features if (p := f["properties"]["population"])) >= 5_000
    assert basemap.label_zoom(50_000, "PL") is None and basemap.label_zoom(4_999, "UA") is None


def test_pmtiles_is_served_with_range_requests_only_when_configured(
    workspace: Workspace, client: TestClient, tmp_path: Path
) -> None:
    assert client.get("/map/tiles.pmtiles").status_code == 404
    archive = tmp_path / "ukraine.pmtiles"
    # a PMTiles v3 header (magic, version) and tile bytes after it
    archive.write_bytes(b"PMTiles\x03" + bytes(range(256)) * 64)
    settings = workspace.settings.model_copy(update={"map_pmtiles_path": archive})
    assert background(settings)["pmtiles_url"] == "/map/tiles.pmtiles"
    with TestClient(create_app(settings), base_url=BASE) as c:
        r = c.get("/map/tiles.pmtiles", headers={"Range": "bytes=0-126"})
        assert r.status_code == 206
        assert r.headers["content-range"] == f"bytes 0-126/{archive.stat().st_size}"
        assert r.content == archive.read_bytes()[:127] and r.content.startswith(b"PMTiles\x03")
        tail = c.get("/map/tiles.pmtiles", headers={"Range": "bytes=1000-1009"})
        assert tail.status_code == 206 and tail.content == archive.read_bytes()[1000:1010]
        page = c.get("/public")
        assert 'data-pmtiles="/map/tiles.pmtiles"' in page.text
        assert "/static/protomaps/protomaps-leaflet.js" in page.text
    # a tile server, when set, wins over the archive
    tiles = settings.model_copy(update={"map_tile_url": "http://tiles.local/{z}/{x}/{y}.png"})
    assert background(tiles)["pmtiles_url"] == ""


def test_without_an_archive_the_maps_draw_the_offline_basemap(client: TestClient) -> None:
    page = client.get("/public")
    assert 'data-pmtiles=""' in page.text
    assert "/static/basemap.js" in page.text
    assert "protomaps-leaflet.js" not in page.text


def _search(c: TestClient, token: str, **params: str) -> Any:
    return c.get("/api/v1/places", params=params, headers=bearer(token))


def test_place_search_finds_a_city_by_its_russian_ukrainian_and_latin_names(
    seeded: Workspace, team: Team, client: TestClient
) -> None:
    token = team.tokens["investigator"]
    for spelling in ("Харьков", "Харків", "Kharkiv", "Kharkov"):
        r = _search(client, token, q=spelling, limit="3")
        assert r.status_code == 200, r.text
        first = r.json()["places"][0]
        assert first["name_latin"] == "Kharkiv" and first["name_uk"] == "Харків"
        assert abs(first["lat"] - KHARKIV[0]) < 0.05 and abs(first["lon"] - KHARKIV[1]) < 0.05
        assert first["oblast"] == "Kharkiv Oblast" and first["oblast_uk"] == "Харківська область"
    ukrainian = _search(client, token, q="Bucha", limit="1", lang="uk").json()["places"][0]
    english = _search(client, token, q="Буча", limit="1", lang="en").json()["places"][0]
    assert ukrainian["name"] == "Буча" and english["name"] == "Bucha"
    assert len(_search(client, token, q="Kyiv", limit="2").json()["places"]) == 2


def test_place_search_is_for_the_team_that_records_incidents(
    seeded: Workspace, team: Team, client: TestClient
) -> None:
    assert client.get("/api/v1/places", params={"q": "Kyiv"}).status_code == 401
    assert _search(client, team.tokens["viewer"], q="Kyiv").status_code == 403
    token = team.tokens["investigator"]
    for params in ({"q": ""}, {"q": "Kyiv", "limit": "101"}, {"q": "x" * 201}):
        r = _search(client, token, **params)
        assert r.status_code == 422, params
    r = _search(client, token, q="   ", lang="uk")  # the gazetteer's own refusal, translated
    assert r.status_code == 422 and "назву" in json.loads(r.text)["detail"]


def test_place_search_takes_a_codifier_code(
    seeded: Workspace, team: Team, client: TestClient
) -> None:
    """A KATOTTG code finds its settlement; a hromada's, raion's or oblast's code finds the
    places in that unit, the biggest first; a code the codifier lacks finds nothing."""
    token = team.tokens["investigator"]
    bakhmut = _search(client, token, q="UA14020010010059145").json()["places"]
    assert [(p["name_latin"], p["katottg"], p["code_of"]) for p in bakhmut] == [
        ("Bakhmut", "UA14020010010059145", "UA14020010010059145")
    ]
    for unit in ("UA14020010000088496", "ua 14020000000013572"):  # hromada, raion
        inside = _search(client, token, q=unit, limit="3").json()["places"]
        assert inside[0]["name_latin"] == "Bakhmut"
        assert {p["code_of"] for p in inside} == {unit.upper().replace(" ", "")}
    assert _search(client, token, q="UA00000000000000000").json()["places"] == []

"""Open data exports, read back with GDAL (an independent client), and never leaking what
is internal."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from civwatch.geo.gazetteer import Gazetteer
from civwatch.i18n import gettext, use_language
from civwatch.incidents.service import create_incident
from civwatch.incidents.vocabulary import BUILTIN
from civwatch.publish.opendata import (
    CSV_COLUMNS,
    FORMATS,
    export_chunks,
    export_to,
    flat_record,
    geojson_feature,
    kml_placemark,
    safe_cell,
    timemap_associations,
    timemap_event,
    timemap_sources,
)
from civwatch.publish.public import PublicFilter, iter_public_incidents, public_incident
from civwatch.publish.publication import withdraw_incident
from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.incidents.helpers import incident_doc, seed_cache
from tests.publish.published import marked_incident, published_incident, verified_item

pytestmark = pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="needs gdal-bin")

ODESA = (46.4825, 30.7233)
LVIV = (49.8397, 24.0297)


@pytest.fixture
def dataset(team: Workspace, places: Gazetteer, tmp_path: Path) -> dict[str, Any]:
    """Three published incidents, one internal, one withdrawn; one marked incident."""
    marked = marked_incident(team, places, tmp_path / "m")
    sha = verified_item(team, tmp_path / "v", seed=3)
    odesa = published_incident(
        team,
        places,
        sha,
        title='=HYPERLINK("http://evil.example","click") <b>&amp;</b>',
        narrative='+SUM(1;2)\nsecond line, with "quotes" and a \x0b control character',
        lat=ODESA[0],
        lon=ODESA[1],
        casualties={"injured": {"min": 0, "max": 2, "source": "@City council"}},
    )
    lviv = published_incident(
        team, places, sha, title="Drone attack in Lviv", lat=LVIV[0], lon=LVIV[1]
    )
    internal = create_incident(
        team, incident_doc(title="Internal only"), actor="ivan", places=places
    )
    withdrawn = published_incident(team, places, sha, title="Withdrawn later")
    withdraw_incident(team, withdrawn, reason="figures disputed", actor="pat")
    public_ids = {marked.incident_id, odesa, lviv}
    return {
        "marked": marked,
        "public": public_ids,
        "hidden": {int(internal["id"]), withdrawn},
        "odesa": odesa,
        "locations": {i: public_incident(team, i)["location"] for i in public_ids},
    }


def _export(ws: Workspace, fmt: str, folder: Path, **options: Any) -> Path:
    path = folder / f"export.{FORMATS[fmt].extension}"
    result = export_to(ws, fmt, path, base_url="https://civwatch.example", **options)
    assert result.bytes == path.stat().st_size and result.incidents == 3
    return path


def _ogr_geojson(source: Path, *options: str) -> dict[str, Any]:
    """Read ``source`` with GDAL and give it back as GeoJSON."""
    proc = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(source), *options],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


def _ogrinfo(source: Path, *options: str) -> str:
    return subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", str(source), *options],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


def _check_points(doc: dict[str, Any], id_key: str, dataset: dict[str, Any]) -> None:
    got = {}
    for feature in doc["features"]:
        lon, lat = feature["geometry"]["coordinates"][:2]
        got[int(feature["properties"][id_key])] = (lat, lon)
    assert set(got) == dataset["public"]
    for incident_id, (lat, lon) in got.items():
        expected = dataset["locations"][incident_id]
        assert lat == pytest.approx(expected["lat"], abs=1e-9)
        assert lon == pytest.approx(expected["lon"], abs=1e-9)


def test_geojson_read_back_with_gdal(
    team: Workspace, dataset: dict[str, Any], tmp_path: Path
) -> None:
    path = _export(team, "geojson", tmp_path)
    assert "Feature Count: 3" in _ogrinfo(path)
    doc = _ogr_geojson(path)
    _check_points(doc, "event_id", dataset)
    odesa = next(f for f in doc["features"] if f["properties"]["event_id"] == dataset["odesa"])
    assert odesa["properties"]["title"].startswith("=HYPERLINK(")  # JSON is not a spreadsheet
    assert odesa["properties"]["injured_max"] == 2
    assert odesa["properties"]["fatalities_min"] is None  # not known is not zero
    # RFC 7946: [longitude, latitude]; no crs member
    ours = json.loads(path.read_text("utf-8"))
    assert "crs" not in ours and ours["type"] == "FeatureCollection"


def test_csv_read_back_with_gdal(team: Workspace, dataset: dict[str, Any], tmp_path: Path) -> None:
    path = _export(team, "csv", tmp_path)
    options = [
        "-oo", "X_POSSIBLE_NAMES=longitude",
        "-oo", "Y_POSSIBLE_NAMES=latitude",
        "-oo", "AUTODETECT_TYPE=YES",
        "-oo", "KEEP_GEOM_COLUMNS=NO",
    ]  # fmt: skip
    info = _ogrinfo(path, *options)
    assert "Feature Count: 3" in info
    assert "fatalities_min: Integer" in info and "latitude" not in info.split("Layer SRS")[-1]
    _check_points(_ogr_geojson(path, *options), "event_id", dataset)
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8"), newline="")))
    assert list(rows[0]) == list(CSV_COLUMNS)
    odesa = next(r for r in rows if int(r["event_id"]) == dataset["odesa"])
    assert odesa["title"].startswith("'=HYPERLINK(")
    assert odesa["notes"].startswith("'+SUM(1;2)\nsecond line")
    assert odesa["casualty_sources"] == "'@City council"
    assert odesa["fatalities_min"] == "" and odesa["injured_max"] == "2"
    # codes are the keys; the label is English and a Ukrainian label sits beside it
    for row in rows:
        label = BUILTIN["incident_type"][row["event_type"]]
        assert row["event_type_label"] == label
        assert row["event_type_label_uk"] == gettext(label, "uk") != label
        assert re.search("[а-яіїєґ]", row["event_type_label_uk"], re.I)
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
    (tmp_path / "excel").mkdir()
    excel = _export(team, "csv", tmp_path / "excel", bom=True)
    assert excel.read_bytes().startswith(b"\xef\xbb\xbfevent_id,")
    assert "Feature Count: 3" in _ogrinfo(excel, *options)


def test_open_data_is_the_same_whatever_the_language_in_force(
    team: Workspace, dataset: dict[str, Any]
) -> None:
    """An export made during a Ukrainian request (or command) keeps English labels beside
    the Ukrainian ones: a data set's columns do not change with its downloader."""

    def made() -> list[Any]:
        incidents = list(iter_public_incidents(team, PublicFilter()))
        return [
            (flat_record(i), geojson_feature(i), timemap_event(i), ET.tostring(kml_placemark(i)))
            for i in incidents
        ] + [timemap_associations(incidents)]

    english = made()
    with use_language("uk"):
        assert made() == english and len(english) > 1


def test_formula_cells_are_neutralised_and_numbers_kept() -> None:
    for text in ("=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell(-30.5) == -30.5 and safe_cell(0) == 0
    assert safe_cell(["=a", "b"]) == "'=a; b" and safe_cell(["a", "=b"]) == "a; =b"
    assert safe_cell(None) == "" and safe_cell("plain") == "plain"


def test_kml_read_back_with_gdal(team: Workspace, dataset: dict[str, Any], tmp_path: Path) -> None:
    path = _export(team, "kml", tmp_path)
    root = ET.parse(path).getroot()  # well-formed despite <, &, quotes and a control character
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    names = [n.text for n in root.iterfind(".//k:Placemark/k:name", ns)]
    assert '=HYPERLINK("http://evil.example","click") <b>&amp;</b>' in names
    assert "Feature Count: 3" in _ogrinfo(path)
    doc = _ogr_geojson(path)
    assert len(doc["features"]) == 3
    _check_points(doc, "event_id", dataset)


def test_timemap_shapes(team: Workspace, dataset: dict[str, Any], tmp_path: Path) -> None:
    doc = json.loads(_export(team, "timemap", tmp_path).read_text("utf-8"))
    events, associations, sources = doc["events"], doc["associations"], doc["sources"]
    assert {int(e["id"]) for e in events} == dataset["public"]
    known = {a["id"] for a in associations}
    for event in events:
        assert re.fullmatch(r"\d\d/\d\d/\d{4}", event["date"])
        assert re.fullmatch(r"\d\d:\d\d", event["time"])
        for key in ("description", "location", "latitude", "longitude", "category"):
            assert isinstance(event[key], str), key
        float(event["latitude"]), float(event["longitude"])
        assert set(event["associations"]) <= known
        assert all(s in sources for s in event["sources"])
    for association in associations:
        assert association["mode"] == "FILTER" and len(association["filter_paths"]) == 2
    for key, source in sources.items():
        assert (
            source["id"] == key and source["paths"] == [] and source["url"].startswith("https://")
        )
    incidents = list(iter_public_incidents(team))
    assert timemap_associations(incidents) == associations
    assert timemap_sources(incidents, "https://civwatch.example") == sources


def test_no_export_shows_internal_fields_or_hidden_incidents(
    team: Workspace, dataset: dict[str, Any]
) -> None:
    secrets = dataset["marked"].secrets
    for fmt in FORMATS:
        text = "".join(export_chunks(team, fmt))
        for secret in secrets:
            assert secret not in text, f"{fmt} shows {secret!r}"
        for title in ("Internal only", "Withdrawn later"):
            assert title not in text, f"{fmt} shows an unpublished incident"


def test_exports_follow_filters(team: Workspace, dataset: dict[str, Any]) -> None:
    odesa_only = PublicFilter.parse(bbox="30,46,31,47")
    rows = list(csv.DictReader(io.StringIO("".join(export_chunks(team, "csv", odesa_only)))))
    assert [int(r["event_id"]) for r in rows] == [dataset["odesa"]]


def test_cli_export(
    team: Workspace,
    dataset: dict[str, Any],
    cli_env: dict[str, str],
    gazetteer_cache: Path,
    tmp_path: Path,
) -> None:
    seed_cache(gazetteer_cache, team.settings.data_dir)
    out = tmp_path / "cli.geojson"
    proc = run_cli(cli_env, "export", "geojson", "--out", str(out), "--json", check=True)
    assert json.loads(proc.stdout)["incidents"] == 3
    assert "Feature Count: 3" in _ogrinfo(out)
    bad = run_cli(cli_env, "export", "shapefile", "--out", str(out))
    assert bad.returncode != 0 and "geojson" in bad.stderr

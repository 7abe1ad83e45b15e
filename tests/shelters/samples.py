"""Real-format samples of shelter sources, written in the tests: OSM extracts (XML and
PBF, through osmium's writer), the Ukrainian open-data schema (CSV and JSON with its own
column names), GeoJSON and CSV with civwatch's column names."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import osmium


def write_osm(
    path: Path,
    nodes: Iterable[tuple[int, float, float, Mapping[str, str]]],
    ways: Iterable[tuple[int, list[int], Mapping[str, str]]] = (),
) -> Path:
    """An OSM extract at ``path`` (.osm for XML, .osm.pbf for PBF) with ``nodes``
    (id, lat, lon, tags) and ``ways`` (id, node ids, tags)."""
    if path.exists():
        path.unlink()
    with osmium.SimpleWriter(str(path)) as writer:
        for node_id, lat, lon, tags in nodes:
            writer.add_node(
                osmium.osm.mutable.Node(id=node_id, location=(lon, lat), tags=dict(tags), version=1)
            )
        for way_id, refs, tags in ways:
            writer.add_way(
                osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=dict(tags), version=1)
            )
    return path


BOMB = {"amenity": "shelter", "shelter_type": "bomb_shelter"}


def kyiv_osm(path: Path) -> Path:
    """A small extract: 3 bomb shelters (2 nodes, 1 way), a bus shelter, a shelter out of
    the country."""
    nodes = [
        (
            1,
            50.4501,
            30.5234,
            {
                **BOMB,
                "name": "Укриття на Майдані",
                "name:en": "Maidan",
                "capacity": "150",
                "wheelchair": "yes",
                "location": "underground",
                "opening_hours": "24/7",
                "addr:street": "Хрещатик",
                "addr:housenumber": "22",
                "level": "-1",
            },
        ),
        (
            2,
            50.4470,
            30.5210,
            {
                "military": "bunker",
                "bunker_type": "bomb_shelter",
                "capacity": "about 80",
                "wheelchair": "no",
                "dog": "yes",
            },
        ),
        (3, 50.4520, 30.5300, {"amenity": "shelter", "shelter_type": "public_transport"}),
        (4, 48.8566, 2.3522, {**BOMB, "name": "Paris"}),
        # The corners of a building whose basement is a shelter (the way below).
        (10, 50.4600, 30.5100, {}),
        (11, 50.4600, 30.5110, {}),
        (12, 50.4610, 30.5110, {}),
        (13, 50.4610, 30.5100, {}),
    ]
    ways = [(100, [10, 11, 12, 13, 10], {**BOMB, "name": "Сховище школи № 5", "access": "no"})]
    return write_osm(path, nodes, ways)


#: The Ukrainian open-data shelter schema's columns, as its files spell them.
UA_COLUMNS = (
    "uid",
    "type",
    "CATUTTC",
    "addressRegion",
    "addressCommunity",
    "addressLocality",
    "addressStreet",
    "addressBuilding",
    "lat",
    "lon",
    "capacity",
    "ownershipForm",
    "balanceHolderName",
    "responsiblePersonName",
    "responsiblePersonPhone",
    "isInclusive",
)

KEY_HOLDER = "KEYHOLDERMARKER Петренко"
KEY_PHONE = "+380 44 000 KEYMARKER"


def ua_rows() -> list[dict[str, Any]]:
    """Kharkiv's shelters as the open data lists them: two good rows, one without
    coordinates, one outside Ukraine, one repeating an uid."""
    base = {
        "addressRegion": "Харківська область",
        "addressCommunity": "Харківська міська громада",
        "addressLocality": "м. Харків",
        "CATUTTC": "UA63120270010096107",
        "ownershipForm": "комунальна",
        "balanceHolderName": "КП «Жилкомсервіс»",
        "responsiblePersonName": KEY_HOLDER,
        "responsiblePersonPhone": KEY_PHONE,
    }
    return [
        {
            **base,
            "uid": "UA-SH-0001",
            "type": "Сховище",
            "addressStreet": "вул. Сумська",
            "addressBuilding": "10",
            "lat": "49.9935",
            "lon": "36.2304",
            "capacity": "300",
            "isInclusive": "так",
        },
        {
            **base,
            "uid": "UA-SH-0002",
            "type": "Найпростіше укриття",
            "addressStreet": "просп. Науки",
            "addressBuilding": "4",
            "lat": "50,0050",
            "lon": "36,2290",
            "capacity": "",
            "isInclusive": "ні",
        },
        {
            **base,
            "uid": "UA-SH-0003",
            "type": "Підвал",
            "addressStreet": "вул. Пушкінська",
            "addressBuilding": "1",
            "lat": "",
            "lon": "",
            "capacity": "40",
            "isInclusive": "",
        },
        {
            **base,
            "uid": "UA-SH-0004",
            "type": "Сховище",
            "addressStreet": "вул. Гоголя",
            "addressBuilding": "2",
            "lat": "0",
            "lon": "0",
            "capacity": "10",
            "isInclusive": "",
        },
        {
            **base,
            "uid": "UA-SH-0001",
            "type": "Сховище",
            "addressStreet": "вул. Сумська",
            "addressBuilding": "10",
            "lat": "49.9935",
            "lon": "36.2304",
            "capacity": "300",
            "isInclusive": "так",
        },
    ]


def write_ua_csv(path: Path, rows: list[dict[str, Any]] | None = None) -> Path:
    """The open-data rows as a semicolon-separated CSV (as the portals publish them)."""
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=UA_COLUMNS, delimiter=";")
        writer.writeheader()
        for row in ua_rows() if rows is None else rows:
            writer.writerow(row)
    return path


def write_ua_json(path: Path, rows: list[dict[str, Any]] | None = None) -> Path:
    """The open-data rows as JSON (a list of objects)."""
    path.write_text(json.dumps(ua_rows() if rows is None else rows, ensure_ascii=False))
    return path


def write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    """A GeoJSON FeatureCollection of ``features`` given as (properties with lat and lon)."""
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f.get("id"),
                "geometry": None
                if f.get("lat") is None
                else {"type": "Point", "coordinates": [f["lon"], f["lat"]]},
                "properties": {k: v for k, v in f.items() if k not in {"lat", "lon", "id"}},
            }
            for f in features
        ],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False))
    return path


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    """A CSV with civwatch's column names (docs/shelters.md)."""
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path

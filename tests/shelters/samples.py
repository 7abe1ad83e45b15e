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
    relations: Iterable[tuple[int, list[tuple[str, int, str]], Mapping[str, str]]] = (),
) -> Path:
    """An OSM extract at ``path`` (.osm for XML, .osm.pbf for PBF) with ``nodes``
    (id, lat, lon, tags), ``ways`` (id, node ids, tags) and ``relations`` (id, members as
    (type "n"/"w"/"r", id, role), tags)."""
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
        for relation_id, members, tags in relations:
            writer.add_relation(
                osmium.osm.mutable.Relation(
                    id=relation_id, members=members, tags=dict(tags), version=1
                )
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


def relation_osm(path: Path) -> Path:
    """Shelters mapped as multipolygon relations: a square block (100 m a side, untagged
    outer way) with a square courtyard (an inner way) off its centre, the same building made
    of two outer halves, and a relation whose member way is missing."""
    square = [(20, 50.4000, 30.5000), (21, 50.4000, 30.5020), (22, 50.4018, 30.5020)]
    square += [(23, 50.4018, 30.5000)]
    hole = [(30, 50.4012, 30.5012), (31, 50.4012, 30.5018), (32, 50.4016, 30.5018)]
    hole += [(33, 50.4016, 30.5012)]
    halves = [(40, 50.41, 30.50), (41, 50.41, 30.51), (42, 50.411, 30.51), (43, 50.411, 30.50)]
    nodes = [(i, lat, lon, {}) for i, lat, lon in square + hole + halves]
    ways: list[tuple[int, list[int], Mapping[str, str]]] = [
        (200, [20, 21, 22, 23, 20], {}),
        (201, [30, 31, 32, 33, 30], {}),
        (202, [40, 41, 42], {}),
        (203, [42, 43, 40], {}),
    ]
    multipolygon = {"type": "multipolygon", **BOMB}
    relations: list[tuple[int, list[tuple[str, int, str]], Mapping[str, str]]] = [
        (
            300,
            [("w", 200, "outer"), ("w", 201, "inner")],
            {**multipolygon, "name": "Сховище у дворі", "capacity": "400", "building": "yes"},
        ),
        (301, [("w", 202, "outer"), ("w", 203, "outer")], {**multipolygon, "name": "Дві половини"}),
        (302, [("w", 999, "outer")], {**multipolygon, "name": "Без контуру"}),
        (303, [("w", 200, "outer")], {"type": "multipolygon", "amenity": "parking"}),
    ]
    return write_osm(path, nodes, ways, relations)

"""Tables of shelters: the Ukrainian open-data schema (CSV or JSON), GeoJSON, and CSV with
civwatch's column names (docs/shelters.md lists the mappings)."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import orjson

from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.shelters.source_values import (
    RowRefused,
    SourceRecord,
    checked_point,
    clean_text,
    known_facilities,
    opening_kind,
    shelter_type,
    whole_number,
    yes_no,
)

#: The largest JSON or CSV file read (OSM extracts are streamed and have no limit).
MAX_TABLE_BYTES: Final = 512 * 1024 * 1024

#: The fields an import sets on a shelter (the fingerprint covers them).


def _read_table_bytes(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise RejectedInputError(
            _(
                "%(name)s is %(mb)s MB; tables of shelters up to %(max)s MB are read.",
                name=path.name,
                mb=size // 2**20,
                max=MAX_TABLE_BYTES // 2**20,
            )
        )
    return path.read_bytes()


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    data = _read_table_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError as error:
            raise RejectedInputError(
                _("%(name)s is neither UTF-8 nor Windows-1251 text.", name=path.name)
            ) from error
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            # The reader cannot go on past such a line (a field over the csv module's
            # limit; line_num still counts the lines before it): the file is refused.
            raise RejectedInputError(
                _(
                    "%(name)s cannot be read at line %(line)s: %(error)s",
                    name=path.name,
                    line=reader.line_num + 1,
                    error=str(error),
                )
            ) from error
        yield (
            reader.line_num,
            {(k or "").strip(): (v if isinstance(v, str) else "") for k, v in row.items()},
        )


def _json_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        doc = orjson.loads(_read_table_bytes(path))
    except orjson.JSONDecodeError as error:
        raise RejectedInputError(
            _("%(name)s is not JSON: %(error)s", name=path.name, error=str(error))
        ) from error
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list)]
        doc = lists[0] if len(lists) == 1 else None
    if not isinstance(doc, list):
        raise RejectedInputError(_("%(name)s holds no list of shelters.", name=path.name))
    for n, row in enumerate(doc, start=1):
        yield n, row if isinstance(row, dict) else {}


def _ua_values(row: Mapping[str, Any]) -> dict[str, Any]:
    lat, lon = checked_point(row.get("lat"), row.get("lon"))
    parts = [
        clean_text(row.get(k))
        for k in sorted(row, key=_address_order)
        if k.startswith("address") and k != "addressCommunity"
    ]
    address = ", ".join(p for p in parts if p) or None
    hours = clean_text(row.get("workingHours") or row.get("openingHours"), 255)
    return {
        "name": clean_text(row.get("name")) or address or "",
        "name_en": clean_text(row.get("nameEn")),
        "address": address,
        "lat": lat,
        "lon": lon,
        "type": shelter_type(row.get("type")),
        "capacity": whole_number(row.get("capacity")),
        "underground": yes_no(row.get("isUnderground")),
        "level": clean_text(row.get("floor") or row.get("level"), 32),
        "step_free": yes_no(row.get("isInclusive") or row.get("inclusivity")),
        "ramp": yes_no(row.get("hasRamp")),
        "lift": yes_no(row.get("hasElevator")),
        "accessible_toilet": yes_no(row.get("hasAccessibleToilet")),
        "facilities": {},
        "opening_kind": opening_kind(None, hours),
        "opening_hours": hours,
        "key_holder": clean_text(row.get("responsiblePersonName")),
        "key_holder_contact": clean_text(row.get("responsiblePersonPhone")),
        "responsible_body": clean_text(row.get("balanceHolderName")),
        "katottg": clean_text(row.get("CATUTTC"), 32),
        "hromada": clean_text(row.get("addressCommunity")),
        "registry_status": None,
    }


#: The order address parts are joined in (region first, building last).
_ADDRESS_PARTS: Final = (
    "addressRegion",
    "addressDistrict",
    "addressLocality",
    "addressStreet",
    "addressBuilding",
)


def _address_order(key: str) -> tuple[int, str]:
    return (_ADDRESS_PARTS.index(key) if key in _ADDRESS_PARTS else len(_ADDRESS_PARTS), key)


def _plain_values(pick: Callable[[str], Any], lat: Any, lon: Any) -> dict[str, Any]:
    y, x = checked_point(lat, lon)
    hours = clean_text(pick("opening_hours"), 255)
    return {
        "name": clean_text(pick("name")) or clean_text(pick("address")) or "",
        "name_en": clean_text(pick("name_en")),
        "address": clean_text(pick("address"), 1000),
        "lat": y,
        "lon": x,
        "type": shelter_type(pick("type")),
        "capacity": whole_number(pick("capacity")),
        "underground": yes_no(pick("underground")),
        "level": clean_text(pick("level"), 32),
        "step_free": yes_no(pick("step_free")),
        "ramp": yes_no(pick("ramp")),
        "lift": yes_no(pick("lift")),
        "accessible_toilet": yes_no(pick("accessible_toilet")),
        "facilities": known_facilities(lambda code: pick(code.replace("-", "_"))),
        "opening_kind": opening_kind(pick("opening"), hours),
        "opening_hours": hours,
        "key_holder": clean_text(pick("key_holder")),
        "key_holder_contact": clean_text(pick("key_holder_contact")),
        "responsible_body": clean_text(pick("responsible_body")),
        "katottg": clean_text(pick("katottg"), 32),
        "hromada": clean_text(pick("hromada")),
        "registry_status": None,
    }


def _derived_id(values: Mapping[str, Any]) -> str:
    """An id for a row without one: its name and its point to about a metre."""
    key = f"{values['name']}|{values['lat']:.5f}|{values['lon']:.5f}"
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _records(
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    read: Callable[[Mapping[str, Any]], dict[str, Any]],
    id_key: str,
) -> Iterator[SourceRecord | tuple[int, str]]:
    for line, row in rows:
        try:
            values = read(row)
        except RowRefused as refused:
            yield (line, str(refused))
            continue
        given = clean_text(row.get(id_key), 128)
        yield SourceRecord(line, given or _derived_id(values), values)


def read_ua(path: Path) -> Iterator[SourceRecord | tuple[int, str]]:
    """The rows of a Ukrainian open-data file (CSV, or JSON by its suffix)."""
    rows: Iterable[tuple[int, Mapping[str, Any]]] = (
        _json_rows(path) if path.suffix.casefold() == ".json" else _csv_rows(path)
    )
    return _records(rows, _ua_values, "uid")


def read_csv(path: Path) -> Iterator[SourceRecord | tuple[int, str]]:
    """The rows of a CSV with civwatch's column names."""
    return _records(
        _csv_rows(path), lambda row: _plain_values(row.get, row.get("lat"), row.get("lon")), "id"
    )


def _geojson_rows(path: Path) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for n, feature in _json_rows(path):
        props = feature.get("properties")
        row: dict[str, Any] = dict(props) if isinstance(props, dict) else {}
        geometry = feature.get("geometry")
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if (
            isinstance(geometry, dict)
            and geometry.get("type") == "Point"
            and isinstance(coords, list)
            and len(coords) >= 2
        ):
            row["lon"], row["lat"] = coords[0], coords[1]
        else:
            row.pop("lat", None)
            row.pop("lon", None)
        if feature.get("id") is not None:
            row.setdefault("id", feature["id"])
        yield n, row


def read_geojson(path: Path) -> Iterator[SourceRecord | tuple[int, str]]:
    """The point features of a GeoJSON FeatureCollection."""
    return _records(
        _geojson_rows(path),
        lambda row: _plain_values(row.get, row.get("lat"), row.get("lon")),
        "id",
    )

"""Imports of shelters: OpenStreetMap extracts (read with pyosmium), the Ukrainian
open-data shelter schema (CSV or JSON), and GeoJSON or CSV with civwatch's column names.

Every import is idempotent: a record is found again by its source key (kind, source id),
so a re-import updates (or leaves unchanged) what it added before, never duplicates it;
a shelter a new import of the same data set no longer lists is marked gone, never
deleted. Bad rows (no coordinates, coordinates outside Ukraine, a duplicate id) are skipped
and reported with their line (their record number in JSON, their id in OSM) and reason;
nothing else is lost. The whole import is one transaction: an interrupted import leaves
nothing half done, and running it again does it all. docs/shelters.md lists the mappings.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import orjson
from sqlalchemy import Table, and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.db import utcnow
from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.shelters.models import Shelter, ShelterImport, ShelterSource
from civwatch.shelters.registry import new_id, registry_changed
from civwatch.shelters.reports import authorise
from civwatch.shelters.vocabulary import FACILITIES, OPENING_KINDS, SHELTER_TYPES

if TYPE_CHECKING:
    from civwatch.workspace import Workspace

_SHELTERS: Final[Table] = Shelter.__table__  # type: ignore[assignment]
_SOURCES: Final[Table] = ShelterSource.__table__  # type: ignore[assignment]

FORMATS: Final = ("osm", "ua-opendata", "geojson", "csv")
#: Ukraine's bounding box (south, west, north, east), a little wide: a point outside it is
#: a mistake of the source (swapped coordinates, a zero), not a shelter.
UKRAINE_BOUNDS: Final = (44.0, 22.0, 52.6, 40.5)
#: Records imported per round trip to the database.
CHUNK: Final = 2000
#: The largest JSON or CSV file read (OSM extracts are streamed and have no limit).
MAX_TABLE_BYTES: Final = 512 * 1024 * 1024

#: The fields an import sets on a shelter (the fingerprint covers them).
FIELDS: Final = (
    "name",
    "name_en",
    "address",
    "lat",
    "lon",
    "type",
    "capacity",
    "underground",
    "level",
    "step_free",
    "ramp",
    "lift",
    "accessible_toilet",
    "facilities",
    "opening_kind",
    "opening_hours",
    "key_holder",
    "key_holder_contact",
    "responsible_body",
    "katottg",
    "hromada",
    "registry_status",
)

#: The kinds of shelter in the Ukrainian open data (and their English codes), by name.
UA_TYPES: Final[dict[str, str]] = {
    "сховище": "shelter",
    "протирадіаційне укриття": "anti-radiation",
    "пру": "anti-radiation",
    "найпростіше укриття": "simple",
    "споруда подвійного призначення": "dual-purpose",
    "підвал": "basement",
    "підвальне приміщення": "basement",
    "підземний паркінг": "parking",
    "станція метро": "metro",
    "метрополітен": "metro",
    "підземний перехід": "underpass",
    "інше": "other",
}

_TRUE = frozenset({"yes", "true", "1", "так", "y", "t", "+"})
_FALSE = frozenset({"no", "false", "0", "ні", "n", "f", "-"})


@dataclass
class ImportResult:
    """What an import did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_gone: int = 0
    #: (line, reason in the language in force) of each row skipped: the line of a CSV
    #: file, the record's number in a JSON file, the object's id in an OSM extract.
    skipped: list[tuple[int, str]] = field(default_factory=list)
    #: The import's id (in shelter_imports).
    import_id: str = ""


@dataclass
class _Record:
    """One shelter read from a source, before it meets the registry."""

    line: int
    source_id: str
    values: dict[str, Any]


class _Skip(Exception):  # a row refused, not an error of the import
    """A row that cannot be imported, with the reason."""


# --- values -------------------------------------------------------------------------


def _text(value: Any, limit: int = 300) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).replace("\x00", "").split())
    return text[:limit] or None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value)
    if text is None:
        return None
    folded = text.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    return None


def _int(value: Any) -> int | None:
    text = _text(value)
    if text is None:
        return None
    try:
        number = int(float(text.replace(" ", "").replace(",", ".")))
    except ValueError:
        return None
    return number if number >= 0 else None


def _coordinate(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _point(lat: Any, lon: Any) -> tuple[float, float]:
    """The checked point, or the reason it is refused."""
    y, x = _coordinate(lat), _coordinate(lon)
    if y is None or x is None:
        raise _Skip(_("no coordinates"))
    south, west, north, east = UKRAINE_BOUNDS
    if not (south <= y <= north and west <= x <= east):
        raise _Skip(_("coordinates %(lat)s, %(lon)s are outside Ukraine", lat=y, lon=x))
    return y, x


def _type(value: Any) -> str:
    text = _text(value)
    if text is None:
        return "other"
    folded = text.casefold().replace("_", "-")
    if folded in SHELTER_TYPES:
        return folded
    return UA_TYPES.get(folded, "other")


def _opening(value: Any, hours: str | None) -> str | None:
    text = (_text(value) or "").casefold().replace("_", "-")
    if text in OPENING_KINDS:
        return text
    if hours:
        return "always" if hours.replace(" ", "") == "24/7" else "hours"
    return None


def _facilities(pick: Callable[[str], Any]) -> dict[str, bool]:
    known: dict[str, bool] = {}
    for code in FACILITIES:
        value = _bool(pick(code))
        if value is not None:
            known[code] = value
    return known


def _fingerprint(values: Mapping[str, Any]) -> str:
    doc = {name: values.get(name) for name in FIELDS}
    return hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()


# --- OpenStreetMap -------------------------------------------------------------------


def _osm_tags(tags: Mapping[str, str]) -> bool:
    return (tags.get("amenity") == "shelter" and tags.get("shelter_type") == "bomb_shelter") or (
        tags.get("military") == "bunker" and tags.get("bunker_type") == "bomb_shelter"
    )


def _osm_values(tags: Mapping[str, str], lat: float, lon: float) -> dict[str, Any]:
    street = " ".join(
        p for p in (tags.get("addr:street"), tags.get("addr:housenumber")) if p
    ).strip()
    city = tags.get("addr:city")
    address = ", ".join(p for p in (street, city) if p) or None
    level = _text(tags.get("level"), 32)
    underground: bool | None = None
    if tags.get("location") == "underground" or (level or "").lstrip().startswith("-"):
        underground = True
    elif tags.get("location") in {"surface", "overground", "roof"}:
        underground = False
    wheelchair = tags.get("wheelchair")
    hours = _text(tags.get("opening_hours"), 255)
    stated = None
    if tags.get("disused") == "yes" or tags.get("abandoned") == "yes":
        stated = "unusable"
    elif tags.get("access") == "no":
        stated = "closed"
    facilities: dict[str, bool] = {}
    if tags.get("drinking_water") in {"yes", "no"}:
        facilities["water"] = tags["drinking_water"] == "yes"
    if tags.get("toilets") in {"yes", "no"}:
        facilities["toilet"] = tags["toilets"] == "yes"
    if tags.get("dog") in {"yes", "no", "leashed"} or tags.get("pets") in {"yes", "no"}:
        facilities["pets"] = tags.get("dog", tags.get("pets")) in {"yes", "leashed"}
    if tags.get("internet_access") in {"wlan", "yes", "no"}:
        facilities["internet"] = tags["internet_access"] != "no"
    return {
        "name": _text(tags.get("name:uk") or tags.get("name")) or address or "",
        "name_en": _text(tags.get("name:en")),
        "address": address,
        "lat": lat,
        "lon": lon,
        "type": "parking" if tags.get("parking") == "underground" else "shelter",
        "capacity": _int(tags.get("capacity")),
        "underground": underground,
        "level": level,
        "step_free": {"yes": True, "no": False, "limited": False}.get(wheelchair or ""),
        "ramp": _bool(tags.get("ramp:wheelchair") or tags.get("ramp")),
        "lift": _bool(tags.get("elevator")),
        "accessible_toilet": _bool(tags.get("toilets:wheelchair")),
        "facilities": facilities,
        "opening_kind": _opening(None, hours),
        "opening_hours": hours,
        "key_holder": None,
        "key_holder_contact": None,
        "responsible_body": _text(tags.get("operator")),
        "katottg": None,
        "hromada": None,
        "registry_status": stated,
    }


def _read_osm(path: Path) -> Iterator[_Record | tuple[int, str]]:
    import osmium

    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("amenity", "military"))
    )
    for obj in processor:
        if not isinstance(obj, osmium.osm.Node | osmium.osm.Way):
            continue
        tags = {t.k: t.v for t in obj.tags}
        if not _osm_tags(tags):
            continue
        kind = "node" if isinstance(obj, osmium.osm.Node) else "way"
        try:
            if isinstance(obj, osmium.osm.Node):
                if not obj.location.valid():
                    raise _Skip(_("no coordinates"))
                lat, lon = _point(obj.location.lat, obj.location.lon)
            else:
                points = [n.location for n in obj.nodes if n.location.valid()]
                if not points:
                    raise _Skip(_("no coordinates"))
                lat, lon = _point(
                    sum(p.lat for p in points) / len(points),
                    sum(p.lon for p in points) / len(points),
                )
        except _Skip as refused:
            yield (
                obj.id,
                _("%(kind)s %(id)s: %(reason)s", kind=kind, id=obj.id, reason=str(refused)),
            )
            continue
        yield _Record(obj.id, f"{kind}/{obj.id}", _osm_values(tags, lat, lon))


# --- tables (CSV and JSON) -----------------------------------------------------------


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
    for row in reader:
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
    lat, lon = _point(row.get("lat"), row.get("lon"))
    parts = [
        _text(row.get(k))
        for k in sorted(row, key=_address_order)
        if k.startswith("address") and k != "addressCommunity"
    ]
    address = ", ".join(p for p in parts if p) or None
    hours = _text(row.get("workingHours") or row.get("openingHours"), 255)
    return {
        "name": _text(row.get("name")) or address or "",
        "name_en": _text(row.get("nameEn")),
        "address": address,
        "lat": lat,
        "lon": lon,
        "type": _type(row.get("type")),
        "capacity": _int(row.get("capacity")),
        "underground": _bool(row.get("isUnderground")),
        "level": _text(row.get("floor") or row.get("level"), 32),
        "step_free": _bool(row.get("isInclusive") or row.get("inclusivity")),
        "ramp": _bool(row.get("hasRamp")),
        "lift": _bool(row.get("hasElevator")),
        "accessible_toilet": _bool(row.get("hasAccessibleToilet")),
        "facilities": {},
        "opening_kind": _opening(None, hours),
        "opening_hours": hours,
        "key_holder": _text(row.get("responsiblePersonName")),
        "key_holder_contact": _text(row.get("responsiblePersonPhone")),
        "responsible_body": _text(row.get("balanceHolderName")),
        "katottg": _text(row.get("CATUTTC"), 32),
        "hromada": _text(row.get("addressCommunity")),
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
    y, x = _point(lat, lon)
    hours = _text(pick("opening_hours"), 255)
    return {
        "name": _text(pick("name")) or _text(pick("address")) or "",
        "name_en": _text(pick("name_en")),
        "address": _text(pick("address"), 1000),
        "lat": y,
        "lon": x,
        "type": _type(pick("type")),
        "capacity": _int(pick("capacity")),
        "underground": _bool(pick("underground")),
        "level": _text(pick("level"), 32),
        "step_free": _bool(pick("step_free")),
        "ramp": _bool(pick("ramp")),
        "lift": _bool(pick("lift")),
        "accessible_toilet": _bool(pick("accessible_toilet")),
        "facilities": _facilities(lambda code: pick(code.replace("-", "_"))),
        "opening_kind": _opening(pick("opening"), hours),
        "opening_hours": hours,
        "key_holder": _text(pick("key_holder")),
        "key_holder_contact": _text(pick("key_holder_contact")),
        "responsible_body": _text(pick("responsible_body")),
        "katottg": _text(pick("katottg"), 32),
        "hromada": _text(pick("hromada")),
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
) -> Iterator[_Record | tuple[int, str]]:
    for line, row in rows:
        try:
            values = read(row)
        except _Skip as refused:
            yield (line, str(refused))
            continue
        given = _text(row.get(id_key), 128)
        yield _Record(line, given or _derived_id(values), values)


def _read_ua(path: Path) -> Iterator[_Record | tuple[int, str]]:
    rows: Iterable[tuple[int, Mapping[str, Any]]] = (
        _json_rows(path) if path.suffix.casefold() == ".json" else _csv_rows(path)
    )
    return _records(rows, _ua_values, "uid")


def _read_csv(path: Path) -> Iterator[_Record | tuple[int, str]]:
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


def _read_geojson(path: Path) -> Iterator[_Record | tuple[int, str]]:
    return _records(
        _geojson_rows(path),
        lambda row: _plain_values(row.get, row.get("lat"), row.get("lon")),
        "id",
    )


_READERS: Final[dict[str, Callable[[Path], Iterator[_Record | tuple[int, str]]]]] = {
    "osm": _read_osm,
    "ua-opendata": _read_ua,
    "geojson": _read_geojson,
    "csv": _read_csv,
}


def detect_format(path: Path) -> str:
    """The format of ``path`` from its name and, for JSON and CSV, its first bytes."""
    name = path.name.casefold()
    if name.endswith((".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz", ".osm.xml")):
        return "osm"
    if name.endswith(".geojson"):
        return "geojson"
    with path.open("rb") as handle:
        head = handle.read(65536)
    text = head.decode("utf-8", errors="ignore")
    if name.endswith(".json"):
        return "geojson" if '"FeatureCollection"' in text.replace(" ", "") else "ua-opendata"
    if name.endswith(".csv"):
        first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
        return "ua-opendata" if "CATUTTC" in first or "uid" in first.split(",;\t"[0]) else "csv"
    raise RejectedInputError(
        _(
            "Cannot tell the format of %(name)s: give --format, one of %(formats)s.",
            name=path.name,
            formats=", ".join(FORMATS),
        )
    )


def dataset_of(path: Path) -> str:
    """The data set a file is an edition of: its name without extensions."""
    name = path.name
    while "." in name:
        name = name.rsplit(".", 1)[0]
    return name or path.name


# --- writing -------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_chunk(
    session: Session,
    kind: str,
    dataset: str,
    import_id: str,
    records: list[_Record],
    result: ImportResult,
) -> None:
    now = utcnow()
    ids = [r.source_id for r in records]
    known: dict[str, str] = {
        source_id: shelter_id
        for source_id, shelter_id in session.execute(
            select(ShelterSource.source_id, ShelterSource.shelter_id).where(
                ShelterSource.kind == kind, ShelterSource.source_id.in_(ids)
            )
        )
    }
    current = {
        row.id: (row.fingerprint, row.gone_from_source_at)
        for row in session.execute(
            select(Shelter.id, Shelter.fingerprint, Shelter.gone_from_source_at).where(
                Shelter.id.in_(list(known.values()))
            )
        )
    }
    new_shelters: list[dict[str, Any]] = []
    new_sources: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []
    for record in records:
        values = record.values
        print_ = _fingerprint(values)
        shelter_id = known.get(record.source_id)
        if shelter_id is None:
            shelter_id = new_id("sh_")
            new_shelters.append(
                {
                    "id": shelter_id,
                    **values,
                    "fingerprint": print_,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            new_sources.append(
                {
                    "kind": kind,
                    "source_id": record.source_id,
                    "shelter_id": shelter_id,
                    "dataset": dataset,
                    "last_import_id": import_id,
                    "last_seen_at": now,
                }
            )
            result.added += 1
            continue
        seen.append(
            {
                "kind": kind,
                "source_id": record.source_id,
                "dataset": dataset,
                "last_import_id": import_id,
                "last_seen_at": now,
            }
        )
        fingerprint, gone = current.get(shelter_id, (None, None))
        if fingerprint == print_ and gone is None:
            result.unchanged += 1
            continue
        row = {"id": shelter_id, **values, "fingerprint": print_, "updated_at": now}
        row["gone_from_source_at"] = None
        changed.append(row)
        result.updated += 1
    if new_shelters:
        # Core executemany: one statement for the chunk (the ORM's bulk insert splits rows
        # by the columns they leave empty, thousands of statements for a chunk).
        session.connection().execute(insert(_SHELTERS), new_shelters)
        session.connection().execute(insert(_SOURCES), new_sources)
    if changed:
        session.connection().execute(
            update(_SHELTERS).where(_SHELTERS.c.id == bindparam("b_id")),
            [{**{k: v for k, v in row.items() if k != "id"}, "b_id": row["id"]} for row in changed],
        )
    if seen:
        session.connection().execute(
            update(_SOURCES)
            .where(_SOURCES.c.kind == bindparam("b_kind"))
            .where(_SOURCES.c.source_id == bindparam("b_source_id"))
            .values(
                dataset=bindparam("dataset"),
                last_import_id=bindparam("last_import_id"),
                last_seen_at=bindparam("last_seen_at"),
            ),
            [{**row, "b_kind": row["kind"], "b_source_id": row["source_id"]} for row in seen],
        )


def import_file(
    ws: Workspace,
    path: Path,
    fmt: str | None = None,
    *,
    actor: Principal | None = None,
    dataset: str | None = None,
) -> ImportResult:
    """Import the shelters of ``path`` (format ``fmt``, or told from the file) as an edition
    of ``dataset`` (default: the file's name without extensions). ``actor`` must hold
    shelters.coordinate; None is whoever holds the data folder (the command line)."""
    if not path.is_file():
        raise RejectedInputError(_("%(path)s is not a file.", path=str(path)))
    chosen = fmt.strip().casefold() if fmt else detect_format(path)
    if chosen not in _READERS:
        raise RejectedInputError(
            _(
                "%(format)s is not a shelter format; use one of %(formats)s.",
                format=repr(fmt),
                formats=", ".join(FORMATS),
            )
        )
    edition = _text(dataset, 200) or dataset_of(path)
    result = ImportResult(import_id=new_id("shi_"))
    digest = _sha256(path)
    first_line: dict[str, int] = {}
    with ws.sessions() as session, session.begin():
        if actor is not None:
            authorise(session, actor, Permission.SHELTERS_COORDINATE)
        session.add(
            ShelterImport(
                id=result.import_id,
                format=chosen,
                file_name=path.name[:255],
                sha256=digest,
                dataset=edition,
                at=utcnow(),
                by=None if actor is None else actor.user_id,
            )
        )
        session.flush()
        batch: list[_Record] = []
        try:
            for item in _READERS[chosen](path):
                if isinstance(item, tuple):
                    result.skipped.append(item)
                    continue
                if item.source_id in first_line:
                    result.skipped.append(
                        (
                            item.line,
                            _(
                                "duplicate id %(id)s (first on line %(first)s)",
                                id=item.source_id,
                                first=first_line[item.source_id],
                            ),
                        )
                    )
                    continue
                first_line[item.source_id] = item.line
                batch.append(item)
                if len(batch) >= CHUNK:
                    _write_chunk(session, chosen, edition, result.import_id, batch, result)
                    batch = []
        except RuntimeError as error:  # pyosmium's error for a broken or foreign file
            raise RejectedInputError(
                _("%(name)s cannot be read: %(error)s", name=path.name, error=str(error))
            ) from error
        if batch:
            _write_chunk(session, chosen, edition, result.import_id, batch, result)
        result.marked_gone = _mark_gone(session, chosen, edition, result.import_id)
        record = session.get(ShelterImport, result.import_id)
        assert record is not None
        record.added, record.updated, record.unchanged = (
            result.added,
            result.updated,
            result.unchanged,
        )
        record.marked_gone, record.skipped = result.marked_gone, len(result.skipped)
        if result.added or result.updated or result.marked_gone:
            registry_changed(session)
    return result


def _mark_gone(session: Session, kind: str, dataset: str, import_id: str) -> int:
    """Mark the shelters of (kind, dataset) this import did not see; returns how many."""
    missing = select(ShelterSource.shelter_id).where(
        ShelterSource.kind == kind,
        ShelterSource.dataset == dataset,
        or_(ShelterSource.last_import_id.is_(None), ShelterSource.last_import_id != import_id),
    )
    done = session.execute(
        update(Shelter)
        .where(and_(Shelter.id.in_(missing), Shelter.gone_from_source_at.is_(None)))
        .values(gone_from_source_at=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(done, "rowcount", 0) or 0)

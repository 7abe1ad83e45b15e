"""Open data: published incidents as GeoJSON, CSV, KML and Forensic Architecture's TimeMap.

Every export reads incidents through :mod:`civwatch.publish.public` (verified, published,
allow-listed fields, coarsened locations) and is written as a stream of text chunks, so
100,000 incidents never sit in memory as one document. The columns and properties are
described in docs/open-data.md (the data dictionary).

- GeoJSON (RFC 7946): a FeatureCollection of Points, WGS 84, [longitude, latitude].
- CSV (RFC 4180, UTF-8, comma, CRLF): one row per incident, columns in the spirit of
  conflict-event datasets (ACLED-like: event_id, event_date, admin1-3, latitude, longitude,
  event_type, actor, fatalities...). Lists are joined with "; ". Text cells that a
  spreadsheet would run as a formula (starting with = + - @ tab or carriage return) get a
  leading apostrophe (OWASP "CSV injection"); numbers are never altered. No byte order
  mark by default (data tools read plain UTF-8); ``bom=True`` adds one for Excel users.
- KML 2.2 for Google Earth: one Placemark per incident with its time span and the same
  fields as ExtendedData; text is escaped by the XML serialiser and characters XML 1.0
  forbids are dropped.
- TimeMap: ``events`` (MM/DD/YYYY date, HH:mm UTC time, latitude/longitude as text),
  ``associations`` (filters by type, weapon, object, oblast) and ``sources`` (the public
  incident record and the casualty sources), the shapes TimeMap's validators accept.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from civwatch.errors import RejectedInputError
from civwatch.files import atomic_writer
from civwatch.geo.regions import UKRAINE_ADMIN1
from civwatch.i18n import SOURCE_LANGUAGE, _, use_language
from civwatch.incidents import vocabulary
from civwatch.publish.public import PublicFilter, iter_public_incidents
from civwatch.workspace import Workspace

#: Chunks handed to the response are about this many characters.
CHUNK = 64 * 1024
KML_NS = "http://www.opengis.net/kml/2.2"
_OBLASTS = {english for english, _ in UKRAINE_ADMIN1.values()}
#: Characters XML 1.0 does not allow (control characters other than tab, LF, CR).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: Cell starts a spreadsheet treats as a formula (OWASP CSV injection).
_FORMULA_FIRST = frozenset("=+-@\t\r")

#: CSV columns, in order (the data dictionary in docs/open-data.md describes each).
CSV_COLUMNS = (
    "event_id",
    "event_date",
    "start",
    "end",
    "time_precision",
    "geo_precision",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "event_type",
    "event_type_label",
    "event_type_label_uk",
    "weapons",
    "objects_affected",
    "actor",
    "actor_confidence",
    "ihl_concerns",
    "fatalities_min",
    "fatalities_max",
    "injured_min",
    "injured_max",
    "casualty_sources",
    "sources_count",
    "title",
    "notes",
    "corrections",
    "url",
    "published",
    "updated",
)


def term_label(kind: str, code: str | None, language: str = SOURCE_LANGUAGE) -> str:
    """A vocabulary code's label in ``language`` ("missile_strike" -> "Missile strike",
    "Ракетний удар" in ``uk``). Open data keeps the code as its key and English labels in
    every column but the ``_uk`` ones, whatever the reader's language."""
    with use_language(language):
        return str(vocabulary.term_label(kind, code))


def _country(incident: Mapping[str, Any]) -> str | None:
    return "Ukraine" if incident.get("oblast") in _OBLASTS else None


def _range(incident: Mapping[str, Any], kind: str, end: str) -> int | None:
    figure = (incident.get("casualties") or {}).get(kind)
    return None if figure is None else int(figure[end])


def _casualty_sources(incident: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for kind in ("killed", "injured"):
        figure = (incident.get("casualties") or {}).get(kind) or {}
        for doc in (figure, *(figure.get("groups") or {}).values()):
            source = doc.get("source")
            if source and source not in found:
                found.append(source)
    return found


def _corrections(incident: Mapping[str, Any]) -> list[str]:
    return [
        f"{h['at'][:10]}: {h['note']}" if h.get("note") else h["at"][:10]
        for h in incident.get("history") or ()
        if h.get("kind") == "corrected"
    ]


def _url(incident: Mapping[str, Any], base_url: str) -> str:
    return base_url.rstrip("/") + str(incident["url"])


def flat_record(incident: Mapping[str, Any], base_url: str = "") -> dict[str, Any]:
    """The export fields of a public incident (CSV columns, GeoJSON and KML properties)."""
    loc = incident["location"]
    start = str(incident["start"])
    return {
        "event_id": incident["id"],
        "event_date": start[:10],
        "start": start,
        "end": incident.get("end"),
        "time_precision": incident.get("time_precision"),
        "geo_precision": loc["precision"],
        "country": _country(incident),
        "admin1": incident.get("oblast"),
        "admin2": incident.get("raion"),
        "admin3": incident.get("settlement"),
        "location": loc.get("place") or None,
        "latitude": loc["lat"],
        "longitude": loc["lon"],
        "event_type": incident.get("incident_type"),
        "event_type_label": term_label("incident_type", incident.get("incident_type")),
        "event_type_label_uk": term_label("incident_type", incident.get("incident_type"), "uk"),
        "weapons": list(incident.get("weapons") or ()),
        "objects_affected": list(incident.get("objects") or ()),
        "actor": incident.get("perpetrator"),
        "actor_confidence": incident.get("perpetrator_confidence"),
        "ihl_concerns": list(incident.get("ihl_concerns") or ()),
        "fatalities_min": _range(incident, "killed", "min"),
        "fatalities_max": _range(incident, "killed", "max"),
        "injured_min": _range(incident, "injured", "min"),
        "injured_max": _range(incident, "injured", "max"),
        "casualty_sources": _casualty_sources(incident),
        "sources_count": incident.get("sources_count", 0),
        "title": incident.get("title"),
        "notes": incident.get("narrative") or None,
        "corrections": _corrections(incident),
        "url": _url(incident, base_url),
        "published": incident.get("published_at"),
        "updated": incident.get("updated_at"),
    }


def _chunked(parts: Iterable[str]) -> Iterator[str]:
    """Parts joined into chunks of about :data:`CHUNK` characters."""
    buffer: list[str] = []
    size = 0
    for part in parts:
        buffer.append(part)
        size += len(part)
        if size >= CHUNK:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


#: ``json.dumps(doc, ensure_ascii=False, separators=(",", ":"))`` without making a new
#: encoder for each of 100,000 features.
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_text = json.JSONEncoder(ensure_ascii=False).encode


# --- GeoJSON ----------------------------------------------------------------------------------


def geojson_feature(incident: Mapping[str, Any], base_url: str = "") -> dict[str, Any]:
    """One incident as an RFC 7946 Feature (a Point at the coarsened location)."""
    props = flat_record(incident, base_url)
    lon, lat = props.pop("longitude"), props.pop("latitude")
    props["history"] = list(incident.get("history") or ())
    return {
        "type": "Feature",
        "id": incident["id"],
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def geojson_chunks(incidents: Iterable[Mapping[str, Any]], base_url: str = "") -> Iterator[str]:
    """A FeatureCollection, streamed."""

    def parts() -> Iterator[str]:
        yield '{"type":"FeatureCollection","features":['
        first = True
        for incident in incidents:
            text = _compact(geojson_feature(incident, base_url))
            yield text if first else "," + text
            first = False
        yield "]}\n"

    return _chunked(parts())


# --- CSV --------------------------------------------------------------------------------------


def safe_cell(value: Any) -> Any:
    """A value for a CSV cell: lists joined, text that could run as a formula neutralised."""
    kind = type(value)  # exact types first: this runs for every cell of every row
    if kind is int or kind is float:
        return value
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    if isinstance(value, str) and value[:1] in _FORMULA_FIRST:
        return "'" + value
    return value


def _csv_row(record: Mapping[str, Any]) -> list[Any]:
    """:func:`safe_cell` of every column, inlined (it runs 3 million times per export)."""
    out: list[Any] = []
    for column in CSV_COLUMNS:
        value = record[column]
        kind = type(value)
        if kind is str:
            out.append("'" + value if value[:1] in _FORMULA_FIRST else value)
        elif value is None:
            out.append("")
        elif kind is int or kind is float:
            out.append(value)
        else:
            out.append(safe_cell(value))
    return out


#: Rows written between two chunks of a CSV stream.
CSV_ROWS_PER_CHUNK = 200


def csv_chunks(
    incidents: Iterable[Mapping[str, Any]], base_url: str = "", *, bom: bool = False
) -> Iterator[str]:
    """One header row and one row per incident (RFC 4180), streamed."""

    def parts() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        head = buffer.getvalue()
        yield ("\ufeff" + head) if bom else head
        buffer.seek(0)
        buffer.truncate()
        for rows, incident in enumerate(incidents, 1):
            record = flat_record(incident, base_url)
            writer.writerow(_csv_row(record))
            if rows % CSV_ROWS_PER_CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        if buffer.tell():
            yield buffer.getvalue()

    return _chunked(parts())


# --- KML --------------------------------------------------------------------------------------


def xml_text(value: Any) -> str:
    """Text XML 1.0 can hold (forbidden control characters dropped)."""
    return _NOT_XML.sub("", "" if value is None else str(value))


def _kml_description(incident: Mapping[str, Any]) -> str:
    lines = [str(incident.get("narrative") or "")]
    for kind, label in (("killed", "Killed"), ("injured", "Injured")):
        figure = (incident.get("casualties") or {}).get(kind)
        if figure is not None:
            span = str(figure["min"])
            if figure["max"] != figure["min"]:
                span = f"{figure['min']}-{figure['max']}"
            source = f" (source: {figure['source']})" if figure.get("source") else ""
            lines.append(f"{label}: {span}{source}")
    lines.extend(f"Corrected on {c}" for c in _corrections(incident))
    return "\n".join(line for line in lines if line)


def kml_placemark(incident: Mapping[str, Any], base_url: str = "") -> ET.Element:
    """One incident as a KML Placemark with its time span and ExtendedData."""
    mark = ET.Element("Placemark", id=f"incident-{incident['id']}")
    ET.SubElement(mark, "name").text = xml_text(incident.get("title"))
    ET.SubElement(mark, "description").text = xml_text(_kml_description(incident))
    span = ET.SubElement(mark, "TimeSpan")
    ET.SubElement(span, "begin").text = xml_text(incident.get("start"))
    ET.SubElement(span, "end").text = xml_text(incident.get("end") or incident.get("start"))
    data = ET.SubElement(mark, "ExtendedData")
    record = flat_record(incident, base_url)
    for key in CSV_COLUMNS:
        value = record[key]
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        field = ET.SubElement(data, "Data", name=key)
        ET.SubElement(field, "value").text = xml_text(value)
    point = ET.SubElement(mark, "Point")
    ET.SubElement(point, "coordinates").text = f"{record['longitude']},{record['latitude']}"
    return mark


def kml_chunks(
    incidents: Iterable[Mapping[str, Any]], base_url: str = "", *, title: str = "civwatch"
) -> Iterator[str]:
    """A KML 2.2 document with one Placemark per incident, streamed."""

    def parts() -> Iterator[str]:
        name = ET.Element("name")
        name.text = xml_text(f"{title}: published incidents")
        yield (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<kml xmlns="{KML_NS}"><Document>' + ET.tostring(name, encoding="unicode")
        )
        for incident in incidents:
            yield ET.tostring(kml_placemark(incident, base_url), encoding="unicode")
        yield "</Document></kml>\n"

    return _chunked(parts())


# --- TimeMap ----------------------------------------------------------------------------------

#: TimeMap filter trees: the association id prefix, the filter path's root, the vocabulary.
_FILTERS = (
    ("type", "Incident type", "incident_type"),
    ("weapon", "Weapon", "weapon"),
    ("object", "Object affected", "object"),
)


def _association_ids(incident: Mapping[str, Any]) -> list[str]:
    ids = [f"type:{incident['incident_type']}"]
    ids += [f"weapon:{w}" for w in incident.get("weapons") or ()]
    ids += [f"object:{o}" for o in incident.get("objects") or ()]
    if incident.get("oblast"):
        ids.append(f"oblast:{incident['oblast']}")
    return ids


def _association(association_id: str) -> dict[str, Any]:
    prefix, _, code = association_id.partition(":")
    if prefix == "oblast":
        return {
            "id": association_id,
            "title": code,
            "desc": "",
            "mode": "FILTER",
            "filter_paths": ["Oblast", code],
        }
    root, kind = next((r, k) for p, r, k in _FILTERS if p == prefix)
    label = term_label(kind, code)
    return {
        "id": association_id,
        "title": label,
        "desc": "",
        "mode": "FILTER",
        "filter_paths": [root, label],
    }


def timemap_event(incident: Mapping[str, Any], base_url: str = "") -> dict[str, Any]:
    """One incident as a TimeMap event (date MM/DD/YYYY and time HH:mm, in UTC)."""
    start = datetime.fromisoformat(str(incident["start"]))
    loc = incident["location"]
    return {
        "id": str(incident["id"]),
        "title": incident.get("title") or "",
        "description": _kml_description(incident) or str(incident.get("title") or ""),
        "date": start.strftime("%m/%d/%Y"),
        "time": start.strftime("%H:%M"),
        "time_precision": str(incident.get("time_precision") or ""),
        "location": str(loc.get("place") or ""),
        "latitude": repr(float(loc["lat"])),
        "longitude": repr(float(loc["lon"])),
        "type": str(incident.get("incident_type") or ""),
        "category": term_label("incident_type", incident.get("incident_type")),
        "associations": _association_ids(incident),
        "sources": [f"incident-{incident['id']}"],
        "url": _url(incident, base_url),
    }


def timemap_source(incident: Mapping[str, Any], base_url: str = "") -> dict[str, Any]:
    """The public record of an incident as a TimeMap source."""
    casualty_sources = _casualty_sources(incident)
    description = f"{incident.get('sources_count', 0)} independent source(s) verified."
    if casualty_sources:
        description += " Casualty figures: " + "; ".join(casualty_sources) + "."
    published = incident.get("published_at")
    return {
        "id": f"incident-{incident['id']}",
        "title": str(incident.get("title") or ""),
        "type": "Incident record",
        "paths": [],
        "url": _url(incident, base_url),
        "description": description,
        "date": datetime.fromisoformat(published).strftime("%m/%d/%Y") if published else "",
    }


def timemap_events_chunks(
    incidents: Iterable[Mapping[str, Any]], base_url: str = ""
) -> Iterator[str]:
    """The TimeMap ``events`` endpoint: a JSON array, streamed."""

    def parts() -> Iterator[str]:
        yield "["
        for n, incident in enumerate(incidents):
            text = _text(timemap_event(incident, base_url))
            yield text if n == 0 else "," + text
        yield "]\n"

    return _chunked(parts())


def timemap_associations(incidents: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The TimeMap ``associations`` endpoint: one filter per term the incidents use."""
    seen: dict[str, None] = {}
    for incident in incidents:
        for association_id in _association_ids(incident):
            seen.setdefault(association_id, None)
    return [_association(a) for a in sorted(seen)]


def timemap_sources(
    incidents: Iterable[Mapping[str, Any]], base_url: str = ""
) -> dict[str, dict[str, Any]]:
    """The TimeMap ``sources`` endpoint: an object keyed by source id."""
    out: dict[str, dict[str, Any]] = {}
    for incident in incidents:
        source = timemap_source(incident, base_url)
        out[source["id"]] = source
    return out


def timemap_chunks(incidents: Iterable[Mapping[str, Any]], base_url: str = "") -> Iterator[str]:
    """Events, associations and sources in one document (for a file export), streamed."""

    def parts() -> Iterator[str]:
        associations: dict[str, None] = {}
        sources: list[tuple[str, str]] = []
        yield '{"events":['
        for n, incident in enumerate(incidents):
            event = timemap_event(incident, base_url)
            for a in event["associations"]:
                associations.setdefault(a, None)
            source = timemap_source(incident, base_url)
            sources.append((source["id"], _text(source)))
            text = _text(event)
            yield text if n == 0 else "," + text
        yield '],"associations":'
        yield json.dumps([_association(a) for a in sorted(associations)], ensure_ascii=False)
        yield ',"sources":{'
        for n, (key, text) in enumerate(sources):
            yield ("" if n == 0 else ",") + f"{json.dumps(key)}:{text}"
        yield "}}\n"

    return _chunked(parts())


# --- formats ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFormat:
    """An open data format: its name, file extension, media type and writer."""

    name: str
    extension: str
    media_type: str
    write: Callable[..., Iterator[str]]


FORMATS: dict[str, ExportFormat] = {
    "geojson": ExportFormat("geojson", "geojson", "application/geo+json", geojson_chunks),
    "csv": ExportFormat("csv", "csv", "text/csv; charset=utf-8; header=present", csv_chunks),
    "kml": ExportFormat("kml", "kml", "application/vnd.google-earth.kml+xml", kml_chunks),
    "timemap": ExportFormat("timemap", "json", "application/json", timemap_chunks),
}


def filename(fmt: ExportFormat, when: datetime) -> str:
    """The download's file name, e.g. civwatch-incidents-2024-05-01.geojson."""
    return f"civwatch-incidents-{when:%Y-%m-%d}.{fmt.extension}"


def export_chunks(
    ws: Workspace,
    fmt: str,
    filters: PublicFilter | None = None,
    *,
    base_url: str = "",
    **options: Any,
) -> Iterator[str]:
    """Every published incident (matching ``filters``) in format ``fmt``, streamed."""
    if fmt not in FORMATS:
        raise RejectedInputError(
            _(
                "Unknown export format %(fmt)s; choose one of %(names)s.",
                fmt=repr(fmt),
                names=", ".join(FORMATS),
            )
        )
    return FORMATS[fmt].write(iter_public_incidents(ws, filters), base_url, **options)


@dataclass(frozen=True)
class ExportResult:
    """What an export to a file wrote."""

    path: Path
    format: str
    incidents: int
    bytes: int


def export_to(
    ws: Workspace,
    fmt: str,
    path: Path,
    filters: PublicFilter | None = None,
    *,
    base_url: str = "",
    **options: Any,
) -> ExportResult:
    """Write an export to ``path`` durably: a temporary file, fsync, then a rename, so a
    crash leaves the old file or the new one, never half of one."""
    if fmt not in FORMATS:
        raise RejectedInputError(
            _(
                "Unknown export format %(fmt)s; choose one of %(names)s.",
                fmt=repr(fmt),
                names=", ".join(FORMATS),
            )
        )
    counted = 0

    def counting() -> Iterator[dict[str, Any]]:
        nonlocal counted
        for incident in iter_public_incidents(ws, filters):
            counted += 1
            yield incident

    target = path.resolve()
    written = 0
    with atomic_writer(target, mode=0o644) as out:
        for chunk in FORMATS[fmt].write(counting(), base_url, **options):
            data = chunk.encode("utf-8")
            out.write(data)
            written += len(data)
    return ExportResult(target, fmt, counted, written)

"""OpenStreetMap extracts (``.osm``, ``.osm.pbf``), read with pyosmium: the bomb shelters
and the tags mapped to the registry's fields (docs/shelters.md)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from civwatch.i18n import _
from civwatch.shelters.source_values import (
    RowRefused,
    SourceRecord,
    checked_point,
    clean_text,
    opening_kind,
    whole_number,
    yes_no,
)


def _is_bomb_shelter(tags: Mapping[str, str]) -> bool:
    return (tags.get("amenity") == "shelter" and tags.get("shelter_type") == "bomb_shelter") or (
        tags.get("military") == "bunker" and tags.get("bunker_type") == "bomb_shelter"
    )


def _osm_values(tags: Mapping[str, str], lat: float, lon: float) -> dict[str, Any]:
    street = " ".join(
        p for p in (tags.get("addr:street"), tags.get("addr:housenumber")) if p
    ).strip()
    city = tags.get("addr:city")
    address = ", ".join(p for p in (street, city) if p) or None
    level = clean_text(tags.get("level"), 32)
    underground: bool | None = None
    if tags.get("location") == "underground" or (level or "").lstrip().startswith("-"):
        underground = True
    elif tags.get("location") in {"surface", "overground", "roof"}:
        underground = False
    wheelchair = tags.get("wheelchair")
    hours = clean_text(tags.get("opening_hours"), 255)
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
        "name": clean_text(tags.get("name:uk") or tags.get("name")) or address or "",
        "name_en": clean_text(tags.get("name:en")),
        "address": address,
        "lat": lat,
        "lon": lon,
        "type": "parking" if tags.get("parking") == "underground" else "shelter",
        "capacity": whole_number(tags.get("capacity")),
        "underground": underground,
        "level": level,
        "step_free": {"yes": True, "no": False, "limited": False}.get(wheelchair or ""),
        "ramp": yes_no(tags.get("ramp:wheelchair") or tags.get("ramp")),
        "lift": yes_no(tags.get("elevator")),
        "accessible_toilet": yes_no(tags.get("toilets:wheelchair")),
        "facilities": facilities,
        "opening_kind": opening_kind(None, hours),
        "opening_hours": hours,
        "key_holder": None,
        "key_holder_contact": None,
        "responsible_body": clean_text(tags.get("operator")),
        "katottg": None,
        "hromada": None,
        "registry_status": stated,
    }


Point = tuple[float, float]


def ring_centroid(outer: list[list[Point]], inner: list[list[Point]]) -> Point | None:
    """The centroid (lat, lon) of a polygon with ``outer`` rings and ``inner`` rings
    (holes), each a list of (lat, lon) corners: area-weighted on a plane tangent at its
    first corner (a building or a block spans metres, where the plane is exact enough);
    the mean of the outer corners when the rings enclose no area. None without a corner."""
    corners = [p for ring in outer for p in ring]
    if not corners:
        return None
    lat0, lon0 = corners[0]
    scale = math.cos(math.radians(lat0))
    area = cx = cy = 0.0
    for sign, rings in ((1.0, outer), (-1.0, inner)):
        for ring in rings:
            xy = [((lon - lon0) * scale, lat - lat0) for lat, lon in ring]
            ring_area = ring_cx = ring_cy = 0.0
            for (x1, y1), (x2, y2) in zip(xy, xy[1:] + xy[:1], strict=True):
                cross = x1 * y2 - x2 * y1
                ring_area += cross
                ring_cx += (x1 + x2) * cross
                ring_cy += (y1 + y2) * cross
            # outer rings and holes may wind either way: each counts by its own size
            direction = sign if ring_area >= 0 else -sign
            area += direction * ring_area
            cx += direction * ring_cx
            cy += direction * ring_cy
    if abs(area) < 1e-18:
        return (
            sum(lat for lat, _lon in corners) / len(corners),
            sum(lon for _lat, lon in corners) / len(corners),
        )
    return lat0 + cy / (3.0 * area), lon0 + cx / (3.0 * area) / scale


def _area_centroid(area: Any) -> Point | None:
    """The centroid of a multipolygon assembled by pyosmium (its outer rings less their
    inner rings)."""
    outer: list[list[Point]] = []
    inner: list[list[Point]] = []
    for ring in area.outer_rings():
        outer.append([(n.location.lat, n.location.lon) for n in ring if n.location.valid()])
        for hole in area.inner_rings(ring):
            inner.append([(n.location.lat, n.location.lon) for n in hole if n.location.valid()])
    return ring_centroid([r for r in outer if r], [r for r in inner if r])


def read_osm(path: Path) -> Iterator[SourceRecord | tuple[int, str]]:
    """The bomb shelters of an OSM extract, or (id, reason) for those refused: nodes at
    their position, ways at the mean of their nodes, multipolygon relations (a building or
    an area mapped as a relation) at their centroid."""
    import osmium

    tagged = osmium.filter.TagFilter(("amenity", "shelter"), ("military", "bunker"))
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_areas(tagged)  # only tagged relations are assembled into areas
        .with_filter(tagged)
    )
    relations: set[int] = set()  # the shelters mapped as relations ...
    assembled: set[int] = set()  # ... and those whose outline became an area
    for obj in processor:
        tags = {t.k: t.v for t in obj.tags}
        if not _is_bomb_shelter(tags):
            continue
        if isinstance(obj, osmium.osm.Area):
            if obj.from_way():  # a closed way: read as a way below
                continue
            kind, source = "relation", obj.orig_id()
            assembled.add(source)
        elif isinstance(obj, osmium.osm.Node):
            kind, source = "node", obj.id
        elif isinstance(obj, osmium.osm.Way):
            kind, source = "way", obj.id
        else:  # a relation itself: its area (above) holds its geometry
            relations.add(obj.id)
            continue
        try:
            if isinstance(obj, osmium.osm.Node):
                if not obj.location.valid():
                    raise RowRefused(_("no coordinates"))
                lat, lon = checked_point(obj.location.lat, obj.location.lon)
            elif isinstance(obj, osmium.osm.Way):
                points = [n.location for n in obj.nodes if n.location.valid()]
                if not points:
                    raise RowRefused(_("no coordinates"))
                lat, lon = checked_point(
                    sum(p.lat for p in points) / len(points),
                    sum(p.lon for p in points) / len(points),
                )
            else:
                centre = _area_centroid(obj)
                if centre is None:
                    raise RowRefused(_("no coordinates"))
                lat, lon = checked_point(*centre)
        except RowRefused as refused:
            yield (
                source,
                _("%(kind)s %(id)s: %(reason)s", kind=kind, id=source, reason=str(refused)),
            )
            continue
        yield SourceRecord(source, f"{kind}/{source}", _osm_values(tags, lat, lon))
    for source in sorted(relations - assembled):
        reason = _("no outline: not a multipolygon, or its ways are missing or do not close")
        yield (
            source,
            _("%(kind)s %(id)s: %(reason)s", kind="relation", id=source, reason=reason),
        )

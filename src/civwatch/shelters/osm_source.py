"""OpenStreetMap extracts (``.osm``, ``.osm.pbf``), read with pyosmium: the bomb shelters
and the tags mapped to the registry's fields (docs/shelters.md)."""

from __future__ import annotations

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


def read_osm(path: Path) -> Iterator[SourceRecord | tuple[int, str]]:
    """The bomb shelters of an OSM extract, or (id, reason) for those refused."""
    import osmium

    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.TagFilter(("amenity", "shelter"), ("military", "bunker")))
    )
    for obj in processor:
        if not isinstance(obj, osmium.osm.Node | osmium.osm.Way):
            continue
        tags = {t.k: t.v for t in obj.tags}
        if not _is_bomb_shelter(tags):
            continue
        kind = "node" if isinstance(obj, osmium.osm.Node) else "way"
        try:
            if isinstance(obj, osmium.osm.Node):
                if not obj.location.valid():
                    raise RowRefused(_("no coordinates"))
                lat, lon = checked_point(obj.location.lat, obj.location.lon)
            else:
                points = [n.location for n in obj.nodes if n.location.valid()]
                if not points:
                    raise RowRefused(_("no coordinates"))
                lat, lon = checked_point(
                    sum(p.lat for p in points) / len(points),
                    sum(p.lon for p in points) / len(points),
                )
        except RowRefused as refused:
            yield (
                obj.id,
                _("%(kind)s %(id)s: %(reason)s", kind=kind, id=obj.id, reason=str(refused)),
            )
            continue
        yield SourceRecord(obj.id, f"{kind}/{obj.id}", _osm_values(tags, lat, lon))

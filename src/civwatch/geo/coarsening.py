"""Coarsening a location: the point and place label shown in place of an exact point.

========== ==================================================================
exact      the recorded point (rounded to 5 decimals, about 1 m)
settlement the centre of the settlement (gazetteer); else a 0.1 degree cell centre
raion      the centre of a 0.5 degree cell (about 55 x 35 km; raions are not in the
           gazetteer)
oblast     the mean position of the gazetteer's places in the oblast
========== ==================================================================

Geometry only: which precision an incident is shown at is a publication decision
(:mod:`civwatch.publish.publication`), and the incidents domain stores the result on each
incident (:mod:`civwatch.incidents.public_location`).
"""

from __future__ import annotations

import math
from typing import Any, Final

from civwatch.errors import NotFoundError, RejectedInputError
from civwatch.geo.gazetteer import Gazetteer, Place
from civwatch.i18n import _

#: From the most to the least precise.
PRECISIONS: Final = ("exact", "settlement", "raion", "oblast")
DEFAULT_PRECISION: Final = "settlement"
#: Cell sizes (degrees) used when the gazetteer has nothing better.
SETTLEMENT_CELL_DEG = 0.1
RAION_CELL_DEG = 0.5
OBLAST_CELL_DEG = 2.0
#: How far the gazetteer may look for the settlement of a point.
SETTLEMENT_SEARCH_M = 30_000.0
#: How far the gazetteer may look for a place that names a point's oblast.
OBLAST_SEARCH_M = 100_000.0

#: (id of the gazetteer, country, admin1 code) -> mean (lat, lon) of its places.
_OBLAST_CENTRES: dict[tuple[int, str, str], tuple[float, float]] = {}


def cell_centre(lat: float, lon: float, size: float) -> tuple[float, float]:
    """The centre of the ``size``-degree grid cell holding the point."""
    clat = (math.floor(lat / size) + 0.5) * size
    clon = (math.floor(lon / size) + 0.5) * size
    return round(min(max(clat, -90.0), 90.0), 6), round(((clon + 180.0) % 360.0) - 180.0, 6)


def place_label(*parts: str | None) -> str:
    """The given place names, each once, in order, joined with commas."""
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return ", ".join(seen)


def settlement_of(places: Gazetteer, lat: float, lon: float, name: str | None) -> Place | None:
    """The settlement a point is in: the named one if the gazetteer has it near the point,
    else the one at or nearest to the point (within ``SETTLEMENT_SEARCH_M``)."""
    from civwatch.geo.facilities import haversine_many

    if name:
        try:
            found = places.lookup(name, limit=10)
        except RejectedInputError:
            found = []
        if found:
            import numpy as np

            distances = haversine_many(
                lat,
                lon,
                np.array([p.lat for p in found], dtype=np.float64),
                np.array([p.lon for p in found], dtype=np.float64),
            )
            best = int(np.argmin(distances))
            if float(distances[best]) <= SETTLEMENT_SEARCH_M:
                return found[best]
    try:
        return places.reverse(lat, lon, max_distance_m=SETTLEMENT_SEARCH_M)
    except NotFoundError:
        return None


def oblast_centre(places: Gazetteer, place: Place) -> tuple[float, float]:
    """The mean position of the gazetteer's places in ``place``'s oblast (cached)."""
    key = (id(places), place.country_code, place.admin1_code)
    if key not in _OBLAST_CENTRES:
        members = [
            (p.lat, p.lon)
            for p in places.places
            if p.country_code == place.country_code and p.admin1_code == place.admin1_code
        ]
        lat = sum(m[0] for m in members) / len(members)
        lon = sum(m[1] for m in members) / len(members)
        _OBLAST_CENTRES[key] = (round(lat, 4), round(lon, 4))
    return _OBLAST_CENTRES[key]


def coarsen(
    lat: float,
    lon: float,
    precision: str,
    *,
    settlement: str | None = None,
    raion: str | None = None,
    oblast: str | None = None,
    places: Gazetteer | None = None,
) -> dict[str, Any]:
    """The coarse form of a location: ``{"lat", "lon", "precision", "place"}``.

    Without a gazetteer it can only be less precise, never more."""
    if precision not in PRECISIONS:
        raise RejectedInputError(
            _(
                "Unknown location precision %(precision)s; use one of: %(names)s.",
                precision=repr(precision),
                names=", ".join(PRECISIONS),
            )
        )
    if precision == "exact":
        return {
            "lat": round(lat, 5),
            "lon": round(lon, 5),
            "precision": precision,
            "place": place_label(settlement, oblast),
        }
    if precision == "settlement":
        place = None if places is None else settlement_of(places, lat, lon, settlement)
        if place is not None:
            return {
                "lat": round(place.lat, 5),
                "lon": round(place.lon, 5),
                "precision": precision,
                "place": place_label(place.name, oblast or place.oblast),
            }
        clat, clon = cell_centre(lat, lon, SETTLEMENT_CELL_DEG)
        return {
            "lat": clat,
            "lon": clon,
            "precision": precision,
            "place": place_label(settlement, oblast),
        }
    if precision == "raion":
        clat, clon = cell_centre(lat, lon, RAION_CELL_DEG)
        return {
            "lat": clat,
            "lon": clon,
            "precision": precision,
            "place": place_label(raion, oblast),
        }
    # oblast
    near = None
    if places is not None:
        try:
            near = places.reverse(lat, lon, max_distance_m=OBLAST_SEARCH_M)
        except NotFoundError:
            near = None
    if places is not None and near is not None and near.admin1_code:
        clat, clon = oblast_centre(places, near)
        label = oblast or near.oblast
    else:
        clat, clon = cell_centre(lat, lon, OBLAST_CELL_DEG)
        label = oblast
    return {"lat": clat, "lon": clon, "precision": precision, "place": place_label(label)}

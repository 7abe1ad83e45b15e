"""Distances, bearings and bounding boxes on the Earth.

``haversine_m`` uses a sphere of the mean Earth radius (error up to about 0.5 %), fast and
vectorisable; ``geodesic_m`` and ``bearing_deg`` use the WGS84 ellipsoid through
GeographicLib (Karney's algorithm, accurate to nanometres).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from geographiclib.geodesic import Geodesic  # type: ignore[import-untyped,unused-ignore]

from civwatch.geo import validation
from civwatch.i18n import _

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8

_WGS84 = Geodesic.WGS84


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points on a sphere."""
    lat1, lon1 = validation.point(lat1, lon1, _("First point"))
    lat2, lon2 = validation.point(lat2, lon2, _("Second point"))
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def geodesic_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Shortest distance in metres on the WGS84 ellipsoid."""
    lat1, lon1 = validation.point(lat1, lon1, _("First point"))
    lat2, lon2 = validation.point(lat2, lon2, _("Second point"))
    result = _WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)
    return float(result["s12"])


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial compass bearing (0 = north, 90 = east) from the first point to the second."""
    lat1, lon1 = validation.point(lat1, lon1, _("First point"))
    lat2, lon2 = validation.point(lat2, lon2, _("Second point"))
    result = _WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.AZIMUTH)
    return float(result["azi1"]) % 360.0


def destination(lat: float, lon: float, bearing: float, distance_m: float) -> tuple[float, float]:
    """The point reached going ``distance_m`` metres from (lat, lon) on ``bearing`` (WGS84)."""
    lat, lon = validation.point(lat, lon)
    bearing = validation.bearing(bearing)
    distance_m = validation.non_negative(distance_m, _("Distance"))
    result = _WGS84.Direct(lat, lon, bearing, distance_m)
    lon2 = (float(result["lon2"]) + 180.0) % 360.0 - 180.0
    return float(result["lat2"]), lon2


def bearing_difference_deg(a: float, b: float) -> float:
    """Smallest angle between two bearings, 0..180 degrees."""
    d = abs(validation.finite(a, _("Bearing")) - validation.finite(b, _("Bearing"))) % 360.0
    return 360.0 - d if d > 180.0 else d


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """A latitude/longitude box. ``min_lon > max_lon`` means it crosses the 180th meridian."""

    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    @property
    def crosses_antimeridian(self) -> bool:
        return self.min_lon > self.max_lon

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the point lies inside the box (edges included)."""
        if not self.min_lat <= lat <= self.max_lat:
            return False
        if self.crosses_antimeridian:
            return lon >= self.min_lon or lon <= self.max_lon
        return self.min_lon <= lon <= self.max_lon


def bounding_box(lat: float, lon: float, radius_m: float) -> BoundingBox:
    """Smallest box holding every point within ``radius_m`` metres of (lat, lon) on the sphere.

    A slightly generous prefilter: exact distances are checked afterwards.
    """
    lat, lon = validation.point(lat, lon, _("Centre"))
    radius_m = validation.non_negative(radius_m, _("Radius"))
    # 0.5 % margin covers the sphere-versus-ellipsoid difference.
    angular = radius_m * 1.005 / EARTH_RADIUS_M
    dlat = math.degrees(angular)
    min_lat, max_lat = lat - dlat, lat + dlat
    if min_lat <= -90.0 or max_lat >= 90.0 or angular >= math.pi / 2:
        return BoundingBox(max(min_lat, -90.0), -180.0, min(max_lat, 90.0), 180.0)
    dlon = math.degrees(math.asin(min(1.0, math.sin(angular) / math.cos(math.radians(lat)))))
    min_lon, max_lon = lon - dlon, lon + dlon
    if dlon >= 180.0:
        return BoundingBox(min_lat, -180.0, max_lat, 180.0)
    if min_lon < -180.0:
        min_lon += 360.0
    if max_lon > 180.0:
        max_lon -= 360.0
    return BoundingBox(min_lat, min_lon, max_lat, max_lon)

"""Geo engine: offline gazetteer, distances, sun position and shadow times, metadata checks.

Knows nothing of incidents or evidence; domain packages call it with plain numbers and times.
"""

from __future__ import annotations

from civwatch.geo.checks import LocationCheck, TimeCheck, check_location, check_time
from civwatch.geo.distance import (
    BoundingBox,
    bearing_deg,
    bearing_difference_deg,
    bounding_box,
    geodesic_m,
    haversine_m,
)
from civwatch.geo.facilities import FacilityIndex, RadiusHit, within_radius
from civwatch.geo.gazetteer import Candidate, Gazetteer, Place, default_gazetteer
from civwatch.geo.sun import SunPosition, TimeWindow, shadow_times, sun_position

__all__ = [
    "BoundingBox",
    "Candidate",
    "FacilityIndex",
    "Gazetteer",
    "LocationCheck",
    "Place",
    "RadiusHit",
    "SunPosition",
    "TimeCheck",
    "TimeWindow",
    "bearing_deg",
    "bearing_difference_deg",
    "bounding_box",
    "check_location",
    "check_time",
    "default_gazetteer",
    "geodesic_m",
    "haversine_m",
    "shadow_times",
    "sun_position",
    "within_radius",
]

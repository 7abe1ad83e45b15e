"""Geo engine: offline gazetteer, distances, sun position and shadow times, metadata checks.

Knows nothing of incidents or evidence; domain packages call it with plain numbers and times.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Where each name of the package lives. They are imported on first use (PEP 562), not
#: with the package: importing ``civwatch.geo.regions`` (the language formatting does, so
#: every command and page) would otherwise load the gazetteer and SciPy's KD-tree (~1 s).
_HOMES = {
    "checks": ("LocationCheck", "TimeCheck", "check_location", "check_time"),
    "distance": (
        "BoundingBox",
        "bearing_deg",
        "bearing_difference_deg",
        "bounding_box",
        "geodesic_m",
        "haversine_m",
    ),
    "facilities": ("FacilityIndex", "RadiusHit", "within_radius"),
    "gazetteer": ("Candidate", "Gazetteer", "Place", "default_gazetteer"),
    "sun": ("SunPosition", "TimeWindow", "shadow_times", "sun_position"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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

"""Points within a radius of a centre: the pure part of "protected places near an incident".

The facility table itself (hospitals, schools, shelters) belongs to a domain package; these
helpers take plain coordinates and answer with indices into what they were given, nearest
first, with the great-circle distance in metres.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from civwatch.errors import RejectedInputError
from civwatch.geo import validation
from civwatch.geo.distance import EARTH_RADIUS_M, bounding_box
from civwatch.i18n import _

Points = Sequence[tuple[float, float]] | NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class RadiusHit:
    """One point inside the radius: its position in the input and its distance."""

    index: int
    distance_m: float


def _as_array(points: Points) -> NDArray[np.float64]:
    array = np.asarray(points, dtype=np.float64)
    if array.size == 0:
        return np.empty((0, 2), dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise RejectedInputError(_("Points must be (latitude, longitude) pairs."))
    if not np.isfinite(array).all():
        raise RejectedInputError(_("Every point needs finite latitude and longitude."))
    if (np.abs(array[:, 0]) > 90).any() or (np.abs(array[:, 1]) > 180).any():
        raise RejectedInputError(_("A point lies outside latitude -90..90 or longitude -180..180."))
    return array


def haversine_many(
    lat: float, lon: float, lats: NDArray[np.float64], lons: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Great-circle distances in metres from one point to many (no input checks)."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    h = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    result: NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return result


def _unit_vectors(lats: NDArray[np.float64], lons: NDArray[np.float64]) -> NDArray[np.float64]:
    la, lo = np.radians(lats), np.radians(lons)
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


def _hits(indices: NDArray[np.intp], distances: NDArray[np.float64]) -> list[RadiusHit]:
    order = np.argsort(distances, kind="stable")
    return [RadiusHit(int(indices[i]), float(distances[i])) for i in order]


def within_radius(points: Points, center: tuple[float, float], radius_m: float) -> list[RadiusHit]:
    """Points within ``radius_m`` metres of ``center``, nearest first (one-off query).

    A bounding-box prefilter, then exact great-circle distances on what is left.
    """
    lat, lon = validation.point(center[0], center[1], _("Centre"))
    radius_m = validation.non_negative(radius_m, _("Radius"))
    array = _as_array(points)
    box = bounding_box(lat, lon, radius_m)
    lats, lons = array[:, 0], array[:, 1]
    in_lat = (lats >= box.min_lat) & (lats <= box.max_lat)
    if box.crosses_antimeridian:
        in_lon = (lons >= box.min_lon) | (lons <= box.max_lon)
    else:
        in_lon = (lons >= box.min_lon) & (lons <= box.max_lon)
    candidates = np.flatnonzero(in_lat & in_lon)
    distances = haversine_many(lat, lon, lats[candidates], lons[candidates])
    keep = distances <= radius_m
    return _hits(candidates[keep], distances[keep])


class FacilityIndex:
    """A KD-tree over fixed points for many radius queries (build once, query often)."""

    def __init__(self, points: Points) -> None:
        self._points = _as_array(points)
        # SciPy loads here, not with the module (~1 s): most commands never build a tree.
        from scipy.spatial import cKDTree  # type: ignore[import-untyped,unused-ignore]

        self._tree = cKDTree(_unit_vectors(self._points[:, 0], self._points[:, 1]))

    def __len__(self) -> int:
        return int(self._points.shape[0])

    def within(self, center: tuple[float, float], radius_m: float) -> list[RadiusHit]:
        """Points within ``radius_m`` metres of ``center``, nearest first."""
        lat, lon = validation.point(center[0], center[1], _("Centre"))
        radius_m = validation.non_negative(radius_m, _("Radius"))
        if len(self) == 0:
            return []
        angle = min(math.pi, radius_m / EARTH_RADIUS_M)
        chord = 2 * math.sin(angle / 2) * (1 + 1e-9)
        query = _unit_vectors(np.array([lat]), np.array([lon]))[0]
        found = np.asarray(self._tree.query_ball_point(query, chord), dtype=np.intp)
        if found.size == 0:
            return []
        distances = haversine_many(lat, lon, self._points[found, 0], self._points[found, 1])
        keep = distances <= radius_m
        return _hits(found[keep], distances[keep])

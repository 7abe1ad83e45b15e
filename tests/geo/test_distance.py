"""Distances, bearings, bounding boxes and radius queries."""

from __future__ import annotations

import math
import random

import pytest

from civwatch.errors import RejectedInputError
from civwatch.geo.distance import (
    bearing_deg,
    bearing_difference_deg,
    bounding_box,
    destination,
    geodesic_m,
    haversine_m,
)
from civwatch.geo.facilities import FacilityIndex, within_radius

KYIV = (50.4501, 30.5234)
KHARKIV = (49.9935, 36.2304)
LVIV = (49.8397, 24.0297)


def test_kyiv_to_kharkiv_is_about_410_km_on_both_models() -> None:
    sphere = haversine_m(*KYIV, *KHARKIV)
    ellipsoid = geodesic_m(*KYIV, *KHARKIV)
    assert 405_000 < sphere < 415_000
    assert abs(sphere - ellipsoid) / ellipsoid < 0.005


def test_one_degree_of_latitude_on_wgs84() -> None:
    # Meridian radius of curvature at 50 N, M = a(1 - e2) / (1 - e2 sin2(50))^1.5 with
    # a = 6378137 m, e2 = 0.00669438: M * pi / 180 = 111,228.6 m per degree.
    assert geodesic_m(49.5, 30.0, 50.5, 30.0) == pytest.approx(111_228.6, abs=2.0)


def test_bearings_point_the_right_way() -> None:
    assert bearing_difference_deg(bearing_deg(*KYIV, *KHARKIV), 100.0) < 10  # east-south-east
    assert bearing_difference_deg(bearing_deg(*KYIV, *LVIV), 265.0) < 10  # west
    assert bearing_deg(50.0, 30.0, 51.0, 30.0) == pytest.approx(0.0, abs=1e-9)
    assert bearing_difference_deg(350.0, 10.0) == pytest.approx(20.0)
    assert bearing_difference_deg(-90.0, 270.0) == pytest.approx(0.0)


def test_destination_then_distance_round_trips() -> None:
    lat, lon = destination(*KYIV, 123.0, 25_000.0)
    assert geodesic_m(*KYIV, lat, lon) == pytest.approx(25_000.0, abs=0.01)
    assert bearing_deg(*KYIV, lat, lon) == pytest.approx(123.0, abs=1e-6)


def test_bounding_box_holds_every_point_of_the_circle() -> None:
    box = bounding_box(*KYIV, 10_000.0)
    for bearing in range(0, 360, 5):
        lat, lon = destination(*KYIV, float(bearing), 10_000.0)
        assert box.contains(lat, lon), bearing
    assert not box.contains(*KHARKIV)


def test_bounding_box_across_the_antimeridian_and_at_the_pole() -> None:
    box = bounding_box(65.0, 179.9, 50_000.0)
    assert box.crosses_antimeridian
    assert box.contains(65.0, -179.8) and box.contains(65.0, 179.5)
    assert not box.contains(65.0, 0.0)
    polar = bounding_box(89.9, 0.0, 50_000.0)
    assert polar.max_lat == 90.0 and polar.min_lon == -180.0 and polar.max_lon == 180.0


def _random_points(count: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(rng.uniform(44.0, 52.5), rng.uniform(22.0, 40.5)) for _ in range(count)]


def test_within_radius_finds_exactly_what_a_brute_force_scan_finds() -> None:
    points = _random_points(5_000, seed=5)
    centre, radius = KHARKIV, 60_000.0
    expected = sorted(
        (i for i, p in enumerate(points) if haversine_m(*centre, *p) <= radius),
        key=lambda i: haversine_m(*centre, *points[i]),
    )
    hits = within_radius(points, centre, radius)
    assert [hit.index for hit in hits] == expected
    assert expected, "the test data should put some points inside"
    assert all(hit.distance_m <= radius for hit in hits)
    index = FacilityIndex(points)
    assert [hit.index for hit in index.within(centre, radius)] == expected


def test_radius_queries_on_empty_and_single_point_lists() -> None:
    assert within_radius([], KYIV, 1000.0) == []
    assert FacilityIndex([]).within(KYIV, 1000.0) == []
    (hit,) = within_radius([KYIV], KYIV, 0.0)
    assert hit.index == 0 and hit.distance_m == 0.0


@pytest.mark.parametrize(
    "call",
    [
        lambda: haversine_m(95.0, 30.0, 50.0, 30.0),
        lambda: geodesic_m(50.0, 181.0, 50.0, 30.0),
        lambda: bearing_deg(math.nan, 30.0, 50.0, 30.0),
        lambda: bounding_box(50.0, 30.0, -1.0),
        lambda: within_radius([(50.0, 30.0), (91.0, 0.0)], KYIV, 10.0),
        lambda: within_radius([(50.0, math.inf)], KYIV, 10.0),
        lambda: within_radius([(50.0, 30.0, 1.0)], KYIV, 10.0),  # type: ignore[list-item]
        lambda: FacilityIndex([(50.0, 30.0)]).within((50.0, 30.0), math.nan),
        lambda: haversine_m("50", 30.0, 50.0, 30.0),  # type: ignore[arg-type]
    ],
)
def test_bad_coordinates_get_a_clear_error(call: object) -> None:
    with pytest.raises(RejectedInputError, match=r"\w"):
        call()  # type: ignore[operator]

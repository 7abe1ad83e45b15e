"""Sun position against NREL SPA, and the shadow-time inverse."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from civwatch.errors import CivwatchError, RejectedInputError
from civwatch.geo.distance import bearing_difference_deg
from civwatch.geo.sun import shadow_times, sun_position

# Reference: NREL Solar Position Algorithm (Reda & Andreas 2004) as implemented in pvlib
# 0.16.1, ``pvlib.solarposition.get_solarposition(..., method="nrel_numpy", altitude=0)``
# with its defaults (1013.25 hPa, 12 °C); columns azimuth and apparent_elevation.
# Computed once with pvlib in a separate environment and kept here as literals.
# (place, lat, lon, UTC time, azimuth deg, apparent elevation deg)
SPA_REFERENCE = [
    ("Kyiv", 50.4501, 30.5234, "2024-03-20T09:00:00Z", 159.187, 37.785),
    ("Kyiv", 50.4501, 30.5234, "2024-06-21T04:30:00Z", 80.011, 22.592),
    ("Kharkiv", 49.9935, 36.2304, "2022-02-24T05:00:00Z", 109.829, 4.150),
    ("Kharkiv", 49.9935, 36.2304, "2023-07-15T14:10:00Z", 267.318, 30.840),
    ("Odesa", 46.4825, 30.7233, "2023-12-21T10:00:00Z", 181.221, 20.115),
    ("Odesa", 46.4825, 30.7233, "2022-09-23T15:20:00Z", 264.491, 5.051),
    ("Lviv", 49.8397, 24.0297, "2024-01-10T11:45:00Z", 197.808, 16.379),
    ("Mariupol", 47.0971, 37.5434, "2022-03-16T12:00:00Z", 223.200, 32.288),
    ("Mariupol", 47.0971, 37.5434, "2022-05-01T06:30:00Z", 116.063, 41.437),
    ("Zaporizhzhia", 47.8388, 35.1396, "2023-10-05T08:15:00Z", 157.587, 35.114),
    ("Dnipro", 48.4647, 35.0462, "2024-08-01T16:00:00Z", 284.483, 11.048),
    ("Kherson", 46.6354, 32.6169, "2022-11-11T09:30:00Z", 179.066, 25.933),
    ("Uzhhorod", 48.6208, 22.2879, "2025-04-14T13:00:00Z", 231.270, 40.122),
    ("Chernihiv", 51.4982, 31.2893, "2022-03-03T10:40:00Z", 189.673, 31.345),
    ("Sumy", 50.9077, 34.7981, "2024-12-01T07:20:00Z", 149.400, 11.860),
    ("Bakhmut", 48.5956, 38.0003, "2023-05-20T17:00:00Z", 300.771, 0.751),
]


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(("place", "lat", "lon", "when", "azimuth", "elevation"), SPA_REFERENCE)
def test_sun_position_agrees_with_nrel_spa_within_half_a_degree(
    place: str, lat: float, lon: float, when: str, azimuth: float, elevation: float
) -> None:
    position = sun_position(lat, lon, _utc(when))
    assert bearing_difference_deg(position.azimuth_deg, azimuth) < 0.5, place
    assert abs(position.elevation_deg - elevation) < 0.5, place


def test_local_time_gives_the_same_position_as_utc() -> None:
    utc = datetime(2024, 6, 21, 9, 0, tzinfo=UTC)
    local = utc.astimezone(ZoneInfo("Europe/Kyiv"))
    assert sun_position(50.45, 30.52, utc) == sun_position(50.45, 30.52, local)


def test_shadow_points_away_from_the_sun_and_lengthens_as_it_sinks() -> None:
    noon = sun_position(50.45, 30.52, datetime(2024, 6, 21, 9, 30, tzinfo=UTC))
    evening = sun_position(50.45, 30.52, datetime(2024, 6, 21, 16, 30, tzinfo=UTC))
    assert noon.shadow_bearing_deg is not None and evening.shadow_bearing_deg is not None
    assert bearing_difference_deg(noon.shadow_bearing_deg, 0.0) < 20  # north at midday
    assert bearing_difference_deg(evening.shadow_bearing_deg, 90.0) < 45  # east-ish at dusk
    assert noon.shadow_length_ratio is not None and evening.shadow_length_ratio is not None
    assert noon.shadow_length_ratio < 1.0 < evening.shadow_length_ratio


def test_json_form_has_the_fields_the_cli_promises() -> None:
    data = sun_position(50.45, 30.52, datetime(2024, 6, 21, 9, 30, tzinfo=UTC)).to_dict()
    assert data["time_local"] == "2024-06-21T12:30:00+03:00"
    assert isinstance(data["azimuth_deg"], float) and isinstance(data["elevation_deg"], float)
    assert data["shadow_bearing_deg"] is not None


def test_no_shadow_at_night() -> None:
    night = sun_position(50.45, 30.52, datetime(2024, 1, 10, 23, 0, tzinfo=UTC))
    assert night.elevation_deg < 0
    assert night.shadow_bearing_deg is None and night.shadow_length_ratio is None


ROUND_TRIPS = [
    (50.4501, 30.5234, "2024-03-20T09:13:00Z"),
    (49.9935, 36.2304, "2022-02-24T07:40:00Z"),
    (46.4825, 30.7233, "2023-12-21T13:05:00Z"),
    (47.0971, 37.5434, "2022-03-16T05:50:00Z"),
    (48.5956, 38.0003, "2023-06-21T16:45:00Z"),
    (51.4982, 31.2893, "2022-10-30T11:00:00Z"),  # the day clocks went back
]


@pytest.mark.parametrize(("lat", "lon", "when"), ROUND_TRIPS)
def test_shadow_bearing_of_a_moment_leads_back_to_that_moment(
    lat: float, lon: float, when: str
) -> None:
    moment = _utc(when)
    position = sun_position(lat, lon, moment)
    assert position.shadow_bearing_deg is not None
    local_day = moment.astimezone(ZoneInfo("Europe/Kyiv")).date()
    windows = shadow_times(lat, lon, local_day, position.shadow_bearing_deg, tolerance_deg=2.0)
    assert any(window.contains(moment) for window in windows), windows
    assert len(windows) == 1
    (window,) = windows
    assert abs((window.best_utc - moment).total_seconds()) <= 60
    assert str(window.start_local.tzinfo) == "Europe/Kyiv"
    assert window.start_local == window.start_utc

    with_ratio = shadow_times(
        lat,
        lon,
        local_day,
        position.shadow_bearing_deg,
        length_ratio=position.shadow_length_ratio,
        tolerance_deg=2.0,
        elevation_tolerance_deg=0.5,
    )
    assert len(with_ratio) == 1 and with_ratio[0].contains(moment)
    assert with_ratio[0].duration <= window.duration


def test_window_edges_are_where_the_error_reaches_the_tolerance() -> None:
    (window,) = shadow_times(50.45, 30.52, date(2024, 6, 21), 0.0, tolerance_deg=5.0)
    for edge in (window.start_utc, window.end_utc):
        shadow = sun_position(50.45, 30.52, edge).shadow_bearing_deg
        assert shadow is not None
        assert 4.8 <= bearing_difference_deg(shadow, 0.0) <= 5.0
    outside = window.end_utc + timedelta(seconds=10)
    shadow = sun_position(50.45, 30.52, outside).shadow_bearing_deg
    assert shadow is not None and bearing_difference_deg(shadow, 0.0) > 5.0
    # Local noon in Kyiv in summer is near 13:00 local (UTC+3), the shadow pointing north.
    assert window.best_local.hour in (12, 13)
    assert str(window.to_dict()["start_local"]).endswith("+03:00")


def test_a_shadow_pointing_at_the_sun_never_fits() -> None:
    # At 50 N the sun is never in the north at midday in summer, so shadows never point
    # south around noon; a south bearing with a short shadow has no answer.
    assert shadow_times(50.45, 30.52, date(2024, 6, 21), 180.0, length_ratio=0.3) == []


def test_length_ratio_that_needs_the_sun_higher_than_it_gets_has_no_window() -> None:
    # In Kyiv in December the sun peaks near 16 degrees: shadows are at least 3.4x as long.
    assert shadow_times(50.45, 30.52, date(2024, 12, 21), 0.0, length_ratio=1.0) == []
    assert shadow_times(50.45, 30.52, date(2024, 12, 21), 0.0, length_ratio=3.6) != []


@pytest.mark.parametrize(
    "call",
    [
        lambda: sun_position(95.0, 30.0, datetime(2024, 1, 1, tzinfo=UTC)),
        lambda: sun_position(50.0, math.nan, datetime(2024, 1, 1, tzinfo=UTC)),
        lambda: sun_position(50.0, 30.0, datetime(2024, 1, 1)),  # no timezone
        lambda: shadow_times(50.0, 30.0, date(2024, 1, 1), math.inf),
        lambda: shadow_times(50.0, 30.0, date(2024, 1, 1), 10.0, length_ratio=-1.0),
        lambda: shadow_times(50.0, 30.0, date(2024, 1, 1), 10.0, tolerance_deg=0.0),
        lambda: shadow_times(50.0, 30.0, date(2024, 1, 1), 10.0, tz="Mars/Olympus"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(call: object) -> None:
    with pytest.raises(RejectedInputError) as caught:
        call()  # type: ignore[operator]
    assert isinstance(caught.value, CivwatchError) and str(caught.value)

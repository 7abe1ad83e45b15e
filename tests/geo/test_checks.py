"""EXIF metadata against claimed place and time."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from civwatch.errors import RejectedInputError
from civwatch.geo.checks import check_location, check_time, parse_exif_datetime

KHARKIV_CENTRE = (49.9935, 36.2304)
SALTIVKA = (50.0330, 36.3230)  # north-east Kharkiv, about 8 km away


def test_gps_at_the_claimed_place_passes() -> None:
    result = check_location((49.9940, 36.2310), KHARKIV_CENTRE, threshold_m=500.0)
    assert not result.flagged
    assert result.distance_m < 100
    assert "within" in result.explanation


def test_gps_far_from_the_claim_is_flagged_with_the_distance() -> None:
    result = check_location(SALTIVKA, KHARKIV_CENTRE, threshold_m=1000.0)
    assert result.flagged
    assert 7_000 < result.distance_m < 9_000
    assert "km from the claimed place" in result.explanation
    assert "1.0 km" in result.explanation


def test_claim_precision_widens_the_allowance() -> None:
    result = check_location(
        SALTIVKA, KHARKIV_CENTRE, threshold_m=1000.0, claimed_precision_m=10_000
    )
    assert not result.flagged
    assert result.threshold_m == 11_000.0
    assert "precision" in result.explanation


def test_exif_local_time_is_read_as_kyiv_time() -> None:
    # 10:00 in Kyiv in March 2022 is 08:00 UTC (UTC+2, before the switch to summer time).
    exif = parse_exif_datetime("2022:03:16 10:00:00")
    assert exif.tzinfo is None
    result = check_time(exif, datetime(2022, 3, 16, 8, 5, tzinfo=UTC))
    assert not result.flagged
    assert result.exif_utc == datetime(2022, 3, 16, 8, 0, tzinfo=UTC)
    assert result.difference == timedelta(minutes=-5)
    assert "Europe/Kyiv" in result.explanation


def test_capture_time_a_day_off_is_flagged() -> None:
    exif = parse_exif_datetime("2022:03:15 10:00:00", offset="+02:00")
    result = check_time(exif, datetime(2022, 3, 16, 10, 0), threshold=timedelta(hours=2))
    assert result.flagged
    assert result.difference == timedelta(days=-1)
    assert "1 d 0 h 0 min before the claimed time" in result.explanation


def test_summer_time_is_applied_to_local_times() -> None:
    # 10:00 Kyiv in July is 07:00 UTC (UTC+3).
    result = check_time(datetime(2023, 7, 1, 10, 0), datetime(2023, 7, 1, 7, 0, tzinfo=UTC))
    assert result.difference == timedelta(0) and not result.flagged


def test_wall_times_that_clocks_skip_or_repeat_are_explained() -> None:
    skipped = check_time(datetime(2024, 3, 31, 3, 30), datetime(2024, 3, 31, 1, 0, tzinfo=UTC))
    assert "does not exist" in skipped.explanation
    repeated = check_time(datetime(2024, 10, 27, 3, 30), datetime(2024, 10, 27, 0, 30, tzinfo=UTC))
    assert "happened twice" in repeated.explanation
    assert repeated.difference == timedelta(0)  # read as the first, UTC+3


def test_exif_date_forms() -> None:
    assert parse_exif_datetime("2022:02:24 05:01:02.5+02:00") == datetime(
        2022, 2, 24, 5, 1, 2, 500000, tzinfo=timezone(timedelta(hours=2))
    )
    assert parse_exif_datetime("2022-02-24T05:01:02Z").tzinfo is UTC
    assert parse_exif_datetime("2022:02:24 05:01:02", "-0130").utcoffset() == timedelta(
        hours=-1, minutes=-30
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: parse_exif_datetime("yesterday"),
        lambda: parse_exif_datetime("2022:02:30 10:00:00"),
        lambda: parse_exif_datetime("2022:02:24 10:00:00", offset="+25:00"),
        lambda: parse_exif_datetime("0000:00:00 00:00:00"),
        lambda: check_location((95.0, 30.0), KHARKIV_CENTRE),
        lambda: check_location((50.0, math.nan), KHARKIV_CENTRE),
        lambda: check_location(KHARKIV_CENTRE, KHARKIV_CENTRE, threshold_m=-5),
        lambda: check_time(datetime(2022, 1, 1), datetime(2022, 1, 1), timedelta(hours=-1)),
        lambda: check_time("2022-01-01", datetime(2022, 1, 1)),  # type: ignore[arg-type]
        lambda: check_time(datetime(2022, 1, 1), datetime(2022, 1, 1), local_tz="Nowhere/City"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(call: object) -> None:
    with pytest.raises(RejectedInputError, match=r"\w"):
        call()  # type: ignore[operator]

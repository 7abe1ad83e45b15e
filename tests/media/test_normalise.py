"""Normalisation rules on exiftool objects written here (cases hard to produce as files)."""

from __future__ import annotations

from typing import Any

from civwatch.media.normalise import NORMALISED_KEYS, normalise


def _norm(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str], list[str]]:
    normalised, warnings, errors = normalise(raw)
    assert tuple(normalised) == NORMALISED_KEYS
    return normalised, warnings, errors


def test_southern_and_western_hemispheres_and_below_sea_level() -> None:
    n, _, _ = _norm(
        {
            "GPS:GPSLatitudeRef": "S",
            "GPS:GPSLatitude": 33.8688,
            "GPS:GPSLongitudeRef": "W",
            "GPS:GPSLongitude": 70.6693,
            "GPS:GPSAltitudeRef": 1,
            "GPS:GPSAltitude": 12.5,
        }
    )
    assert (n["gps_lat"], n["gps_lon"], n["gps_alt"]) == (-33.8688, -70.6693, -12.5)


def test_placeholder_and_impossible_positions_are_dropped() -> None:
    n, warnings, _ = _norm({"GPS:GPSLatitude": 0, "GPS:GPSLongitude": 0})
    assert n["gps_lat"] is None and "placeholder" in warnings[0]
    n, warnings, _ = _norm({"Composite:GPSLatitude": 95.0, "Composite:GPSLongitude": 30.0})
    assert n["gps_lat"] is None and "outside the globe" in warnings[0]


def test_zero_and_broken_dates() -> None:
    n, warnings, _ = _norm({"ExifIFD:DateTimeOriginal": "0000:00:00 00:00:00"})
    assert n["captured_at"] is None and n["captured_at_is_local"] is None and warnings == []
    n, warnings, _ = _norm(
        {
            "ExifIFD:DateTimeOriginal": "2022:13:45 99:00:00",
            "ExifIFD:CreateDate": "2022:02:24 05:00:00",
        }
    )
    assert n["captured_at"] == "2022-02-24T05:00:00"
    assert "is not a date" in warnings[0]


def test_quicktime_time_is_utc_and_zero_is_unknown() -> None:
    n, _, _ = _norm({"QuickTime:CreateDate": "2022:02:24 03:40:00"})
    assert n["captured_at"] == "2022-02-24T03:40:00+00:00"
    assert n["captured_at_is_local"] is False
    n, _, _ = _norm({"QuickTime:CreateDate": "0000:00:00 00:00:00"})
    assert n["captured_at"] is None


def test_gps_time_alone_is_used() -> None:
    n, _, _ = _norm({"GPS:GPSDateStamp": "2022:03:16", "GPS:GPSTimeStamp": "07:10:05"})
    assert n["captured_at"] == "2022-03-16T07:10:05+00:00"


def test_xmp_time_with_zone() -> None:
    n, _, _ = _norm({"XMP-photoshop:DateCreated": "2023:06:06 02:50:00+03:00"})
    assert n["captured_at"] == "2023-06-06T02:50:00+03:00"
    assert n["captured_at_is_local"] is False


def test_suspicious_times() -> None:
    _, warnings, _ = _norm({"ExifIFD:DateTimeOriginal": "2098:01:01 00:00:00"})
    assert "in the future" in warnings[0]
    _, warnings, _ = _norm({"ExifIFD:DateTimeOriginal": "1970:01:01 00:00:00"})
    assert "implausibly early" in warnings[0]


def test_orientation_out_of_range() -> None:
    n, warnings, _ = _norm({"IFD0:Orientation": 9})
    assert n["orientation"] is None and "not valid" in warnings[0]


def test_exiftool_warnings_and_errors_are_reported() -> None:
    _, warnings, errors = _norm(
        {
            "ExifTool:Warning": "Bad IFD0 directory",
            "ExifTool:Warning #2": "Truncated 'mdat' data",
            "ExifTool:Error": "File format error",
        }
    )
    assert warnings == ["exiftool: Bad IFD0 directory", "exiftool: Truncated 'mdat' data"]
    assert errors == ["exiftool: File format error"]

"""From exiftool's raw JSON (``-n -G1``) to the few fields investigators sort and map by.

Every field is ``None`` when the file does not tell it. Times keep the zone only
when the file states it (``OffsetTimeOriginal``, GPS time, QuickTime UTC fields);
otherwise they are naive local times and ``captured_at_is_local`` is True.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from civwatch.media.location import parse_coordinates

NORMALISED_KEYS: tuple[str, ...] = (
    "captured_at",
    "captured_at_is_local",
    "gps_lat",
    "gps_lon",
    "gps_alt",
    "device_make",
    "device_model",
    "software",
    "width",
    "height",
    "duration_s",
    "orientation",
    "c2pa",
)

_DATE = re.compile(
    r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(\.\d+)?\s*"
    r"(Z|[+\-]\d{2}:?\d{2})?"
)
_OFFSET = re.compile(r"^\s*(Z|[+\-]\d{2}:?\d{2})\s*$")
_EDITORS = (
    "photoshop",
    "lightroom",
    "gimp",
    "snapseed",
    "picsart",
    "facetune",
    "affinity",
    "pixelmator",
    "capture one",
    "canva",
)
_EARLIEST_PLAUSIBLE = datetime(1990, 1, 1)
#: Largest gap accepted between camera clock and GPS time when inferring a time zone.
_MAX_ZONE = timedelta(hours=14)


def first(raw: Mapping[str, Any], keys: Iterable[str]) -> Any:
    """The first of ``keys`` that is present with a non-empty value."""
    for key in keys:
        value = raw.get(key)
        if value is not None and value != "":
            return value
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
        if value is None:
            return None
    text = str(value).strip().strip("\x00").strip()
    return text or None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().split()[0])
        except (ValueError, IndexError):
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _zone(text: str | None) -> timezone | None:
    if not text:
        return None
    match = _OFFSET.match(text)
    if match is None:
        return None
    spec = match[1]
    if spec == "Z":
        return UTC
    sign = -1 if spec[0] == "-" else 1
    digits = spec[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if delta > _MAX_ZONE:
        return None
    return timezone(sign * delta)


def parse_exif_datetime(value: Any) -> datetime | None:
    """``YYYY:MM:DD HH:MM:SS[.fff][zone]`` or ISO 8601; ``None`` for zero or invalid dates."""
    text = _text(value)
    if text is None:
        return None
    match = _DATE.match(text)
    if match is None:
        return None
    year, month, day, hour, minute = (int(match[i]) for i in range(1, 6))
    second = int(match[6] or 0)
    micro = round(float(match[7]) * 1_000_000) if match[7] else 0
    if year == 0 or month == 0 or day == 0:
        return None
    try:
        moment = datetime(year, month, day, hour, minute, second, min(micro, 999_999))
    except ValueError:
        return None
    zone = _zone(match[8]) if match[8] else None
    return moment.replace(tzinfo=zone) if zone else moment


def _subseconds(moment: datetime, composite: Any, value: Any) -> datetime:
    """Add sub-second digits: from exiftool's composite time when it agrees (it keeps
    leading zeros, which ``-n`` drops from the raw tag), else from the raw tag."""
    if moment.microsecond:
        return moment
    joined = parse_exif_datetime(composite)
    if joined is not None and joined.replace(microsecond=0, tzinfo=None) == moment:
        return moment.replace(microsecond=joined.microsecond)
    text = _text(value)
    if text is None or not text.isdigit():
        return moment
    return moment.replace(microsecond=min(int(float("0." + text) * 1_000_000), 999_999))


def _gps_time(raw: Mapping[str, Any]) -> datetime | None:
    """UTC time of the GPS fix, from GPSDateStamp + GPSTimeStamp or Composite:GPSDateTime."""
    composite = parse_exif_datetime(raw.get("Composite:GPSDateTime"))
    if composite is not None:
        return composite.replace(tzinfo=UTC) if composite.tzinfo is None else composite
    date = _text(raw.get("GPS:GPSDateStamp"))
    clock = _text(raw.get("GPS:GPSTimeStamp"))
    if date is None or clock is None:
        return None
    moment = parse_exif_datetime(f"{date} {clock}")
    return moment.replace(tzinfo=UTC) if moment is not None else None


def _zone_from_gps(local: datetime, gps_utc: datetime) -> timezone | None:
    """The UTC offset implied by a naive camera time and the GPS fix, to 15 minutes."""
    gap = local.replace(tzinfo=UTC) - gps_utc
    quarter = timedelta(minutes=15)
    rounded = round(gap / quarter) * quarter
    if abs(rounded) > _MAX_ZONE or abs(gap - rounded) > timedelta(minutes=5):
        return None
    return timezone(rounded)


def captured_at(raw: Mapping[str, Any], warnings: list[str]) -> tuple[datetime | None, bool]:
    """When the photo or video was taken, and whether that time's zone is unknown."""
    apple = parse_exif_datetime(raw.get("Keys:CreationDate"))
    if apple is not None:
        return apple, apple.tzinfo is None
    gps = _gps_time(raw)
    for stamp, joined, subsec, offset in (
        (
            "ExifIFD:DateTimeOriginal",
            "Composite:SubSecDateTimeOriginal",
            "ExifIFD:SubSecTimeOriginal",
            "ExifIFD:OffsetTimeOriginal",
        ),
        (
            "ExifIFD:CreateDate",
            "Composite:SubSecCreateDate",
            "ExifIFD:SubSecTimeDigitized",
            "ExifIFD:OffsetTimeDigitized",
        ),
    ):
        moment = parse_exif_datetime(raw.get(stamp))
        if moment is None:
            if _text(raw.get(stamp)) is not None and not str(raw[stamp]).startswith("0000"):
                warnings.append(f"The {stamp.split(':')[1]} value {raw[stamp]!r} is not a date.")
            continue
        moment = _subseconds(moment, raw.get(joined), raw.get(subsec))
        zone = _zone(_text(raw.get(offset)))
        if zone is not None:
            moment = moment.replace(tzinfo=zone)
            if gps is not None and abs(moment - gps) > timedelta(minutes=15):
                minutes = int(abs(moment - gps).total_seconds() // 60)
                warnings.append(f"The camera clock and the GPS time disagree by {minutes} minutes.")
            return moment, False
        if gps is not None:
            gps_zone = _zone_from_gps(moment, gps)
            if gps_zone is not None:
                return moment.replace(tzinfo=gps_zone), False
        return moment, True
    for key in ("XMP-exif:DateTimeOriginal", "XMP-photoshop:DateCreated", "XMP-xmp:CreateDate"):
        moment = parse_exif_datetime(raw.get(key))
        if moment is not None:
            return moment, moment.tzinfo is None
    # QuickTime header times are UTC by specification.
    for key in ("QuickTime:CreateDate", "Keys:CreationTime", "Track1:MediaCreateDate"):
        moment = parse_exif_datetime(raw.get(key))
        if moment is not None:
            return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment), False
    if gps is not None:
        return gps, False
    return None, False


def _position(
    raw: Mapping[str, Any], warnings: list[str]
) -> tuple[float | None, float | None, float | None]:
    lat = _number(raw.get("GPS:GPSLatitude"))
    lon = _number(raw.get("GPS:GPSLongitude"))
    alt: float | None = None
    if lat is not None and lon is not None:
        if str(raw.get("GPS:GPSLatitudeRef", "N")).upper().startswith("S"):
            lat = -abs(lat)
        if str(raw.get("GPS:GPSLongitudeRef", "E")).upper().startswith("W"):
            lon = -abs(lon)
        alt = _number(raw.get("GPS:GPSAltitude"))
        if alt is not None and str(raw.get("GPS:GPSAltitudeRef", 0)) in ("1", "Below Sea Level"):
            alt = -abs(alt)
    else:
        lat = _number(raw.get("XMP-exif:GPSLatitude"))
        lon = _number(raw.get("XMP-exif:GPSLongitude"))
        alt = _number(raw.get("XMP-exif:GPSAltitude"))
        if lat is None or lon is None:
            lat = lon = alt = None
            for key in (
                "Keys:GPSCoordinates",
                "UserData:GPSCoordinates",
                "ItemList:GPSCoordinates",
                "Keys:LocationISO6709",
                "UserData:LocationInformation",
            ):
                found = parse_coordinates(raw.get(key))
                if found is not None:
                    lat, lon, alt = found
                    break
    if lat is None or lon is None:
        lat = _number(raw.get("Composite:GPSLatitude"))
        lon = _number(raw.get("Composite:GPSLongitude"))
        alt = _number(raw.get("Composite:GPSAltitude"))
        if lat is None or lon is None:
            return None, None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        warnings.append(f"The GPS position {lat}, {lon} is outside the globe and was ignored.")
        return None, None, None
    if lat == 0 and lon == 0:
        warnings.append("The GPS position is 0, 0, a placeholder rather than a real place.")
        return None, None, None
    return lat, lon, alt


def _size(raw: Mapping[str, Any]) -> tuple[int | None, int | None]:
    composite = _text(raw.get("Composite:ImageSize"))
    if composite is not None:
        parts = re.split(r"[ x]", composite)
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            return int(parts[0]), int(parts[1])
    for group in ("File", "PNG", "GIF", "RIFF", "BMP", "QuickTime", "Track1", "Track2", "IFD0"):
        width = _number(raw.get(f"{group}:ImageWidth"))
        height = _number(raw.get(f"{group}:ImageHeight"))
        if width is not None and height is not None:
            return int(width), int(height)
    return None, None


def _duration(raw: Mapping[str, Any]) -> float | None:
    value = _number(
        first(
            raw,
            (
                "QuickTime:Duration",
                "Composite:Duration",
                "Matroska:Duration",
                "RIFF:Duration",
                "GIF:Duration",
                "Track1:TrackDuration",
            ),
        )
    )
    if value is None:
        for key, candidate in raw.items():
            if key.endswith(":Duration"):
                value = _number(candidate)
                if value is not None:
                    break
    return value if value is not None and value >= 0 else None


def normalise(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str], list[str]]:
    """The normalised fields, warnings and errors for one exiftool object.

    ``c2pa`` is left ``None``; the extractor fills it in.
    """
    warnings: list[str] = []
    errors: list[str] = []
    for key, value in raw.items():
        group_tag = key.split(" #")[0]
        if group_tag == "ExifTool:Warning":
            warnings.append(f"exiftool: {value}")
        elif group_tag == "ExifTool:Error":
            errors.append(f"exiftool: {value}")

    moment, is_local = captured_at(raw, warnings)
    if moment is not None:
        naive = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
        if naive > datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1):
            warnings.append(f"The capture time {moment.isoformat()} is in the future.")
        elif naive < _EARLIEST_PLAUSIBLE:
            warnings.append(
                f"The capture time {moment.isoformat()} is implausibly early "
                "(the camera clock was probably not set)."
            )
    lat, lon, alt = _position(raw, warnings)
    width, height = _size(raw)

    software = _text(
        first(
            raw,
            (
                "IFD0:Software",
                "Keys:Software",
                "XMP-xmp:CreatorTool",
                "UserData:Software",
                "ItemList:Encoder",
                "Keys:Encoder",
                "UserData:Encoder",
            ),
        )
    )
    if software is not None and any(name in software.lower() for name in _EDITORS):
        warnings.append(f"The file was saved by image-editing software ({software}).")

    orientation_value = _number(first(raw, ("IFD0:Orientation", "XMP-tiff:Orientation")))
    orientation: int | None = None
    if orientation_value is not None:
        if orientation_value.is_integer() and 1 <= orientation_value <= 8:
            orientation = int(orientation_value)
        else:
            warnings.append(f"The EXIF orientation {orientation_value:g} is not valid (1 to 8).")

    normalised: dict[str, Any] = {
        "captured_at": moment.isoformat() if moment is not None else None,
        "captured_at_is_local": is_local if moment is not None else None,
        "gps_lat": lat,
        "gps_lon": lon,
        "gps_alt": alt,
        "device_make": _text(
            first(
                raw,
                (
                    "IFD0:Make",
                    "Keys:Make",
                    "UserData:Make",
                    "XMP-tiff:Make",
                    "Keys:AndroidManufacturer",
                    "ItemList:Make",
                ),
            )
        ),
        "device_model": _text(
            first(
                raw,
                (
                    "IFD0:Model",
                    "Keys:Model",
                    "UserData:Model",
                    "XMP-tiff:Model",
                    "Keys:AndroidModel",
                    "ItemList:Model",
                ),
            )
        ),
        "software": software,
        "width": width,
        "height": height,
        "duration_s": _duration(raw),
        "orientation": orientation,
        "c2pa": None,
    }
    return normalised, warnings, errors

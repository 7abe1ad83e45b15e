"""Positions written by phones into videos: ISO 6709 strings and their exiftool forms."""

from __future__ import annotations

import re

_NUMBER = r"[+-]\d+(?:\.\d*)?"
_ISO6709 = re.compile(
    rf"^\s*(?P<lat>{_NUMBER})(?P<lon>{_NUMBER})(?P<alt>{_NUMBER})?(?:CRS[^/]*)?/?\s*$"
)
_PLAIN = re.compile(r"^\s*(-?\d+(?:\.\d+)?)[ ,]+(-?\d+(?:\.\d+)?)(?:[ ,]+(-?\d+(?:\.\d+)?))?\s*$")
_LOCI = re.compile(r"Lat=(-?\d+(?:\.\d+)?)\s+Lon=(-?\d+(?:\.\d+)?)(?:\s+Alt=(-?\d+(?:\.\d+)?))?")


def _iso_angle(text: str, degree_digits: int) -> float:
    """``±DD.DD``, ``±DDMM.MM`` or ``±DDMMSS.SS`` (``DDD`` for longitude) to degrees."""
    sign = -1.0 if text[0] == "-" else 1.0
    body = text[1:]
    whole, _, fraction = body.partition(".")
    frac = float("0." + fraction) if fraction else 0.0
    digits = len(whole)
    if digits == degree_digits:
        value = int(whole) + frac
    elif digits == degree_digits + 2:
        value = int(whole[:degree_digits]) + (int(whole[degree_digits:]) + frac) / 60
    elif digits == degree_digits + 4:
        minutes = int(whole[degree_digits : degree_digits + 2])
        seconds = int(whole[degree_digits + 2 :]) + frac
        value = int(whole[:degree_digits]) + minutes / 60 + seconds / 3600
    else:
        raise ValueError(f"not an ISO 6709 angle: {text!r}")
    return sign * value


def parse_iso6709(text: str) -> tuple[float, float, float | None] | None:
    """Latitude, longitude and altitude from an ISO 6709 string such as
    ``+50.4501+030.5234+150.000/``; ``None`` when it is not one."""
    match = _ISO6709.match(text)
    if match is None:
        return None
    try:
        lat = _iso_angle(match["lat"], 2)
        lon = _iso_angle(match["lon"], 3)
    except ValueError:
        return None
    alt = float(match["alt"]) if match["alt"] else None
    return lat, lon, alt


def parse_coordinates(value: object) -> tuple[float, float, float | None] | None:
    """A position from any of the textual forms found in video metadata: ISO 6709,
    exiftool's numeric ``"lat lon [alt]"``, or a 3GPP ``loci`` summary (``Lat=.. Lon=..``)."""
    if not isinstance(value, str):
        return None
    iso = parse_iso6709(value)
    if iso is not None:
        return iso
    plain = _PLAIN.match(value)
    if plain is not None:
        alt = float(plain[3]) if plain[3] is not None else None
        return float(plain[1]), float(plain[2]), alt
    loci = _LOCI.search(value)
    if loci is not None:
        alt = float(loci[3]) if loci[3] is not None else None
        return float(loci[1]), float(loci[2]), alt
    return None

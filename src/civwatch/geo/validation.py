"""Checks on coordinates, angles and times that come from outside."""

from __future__ import annotations

import math
from datetime import datetime
from numbers import Real

from civwatch.errors import RejectedInputError
from civwatch.i18n import _


def finite(value: object, what: str) -> float:
    """``value`` as a float, or a clear error if it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise RejectedInputError(
            _("%(what)s must be a number, got %(value)s.", what=what, value=repr(value))
        )
    number = float(value)
    if not math.isfinite(number):
        raise RejectedInputError(
            _("%(what)s must be a finite number, got %(value)s.", what=what, value=repr(value))
        )
    return number


def latitude(value: object, what: str | None = None) -> float:
    """A latitude in degrees, -90..90 (``what`` names it in messages)."""
    what = what or _("Latitude")
    lat = finite(value, what)
    if not -90.0 <= lat <= 90.0:
        raise RejectedInputError(
            _(
                "%(what)s must be between -90 and 90 degrees, got %(lat)s.",
                what=what,
                lat=format(lat, "g"),
            )
        )
    return lat


def longitude(value: object, what: str | None = None) -> float:
    """A longitude in degrees, -180..180 (``what`` names it in messages)."""
    what = what or _("Longitude")
    lon = finite(value, what)
    if not -180.0 <= lon <= 180.0:
        raise RejectedInputError(
            _(
                "%(what)s must be between -180 and 180 degrees, got %(lon)s.",
                what=what,
                lon=format(lon, "g"),
            )
        )
    return lon


def point(lat: object, lon: object, what: str | None = None) -> tuple[float, float]:
    """A (latitude, longitude) pair, both checked (``what`` names the point in messages)."""
    what = what or _("Point")
    # TRANSLATORS: %(what)s names a point, e.g. "Incident location"; the phrase starts a
    # sentence such as "... must be between -90 and 90 degrees".
    lat_name = _("%(what)s latitude", what=what)
    # TRANSLATORS: as "%(what)s latitude", for the longitude.
    lon_name = _("%(what)s longitude", what=what)
    return latitude(lat, lat_name), longitude(lon, lon_name)


def non_negative(value: object, what: str) -> float:
    """A finite number >= 0 (a radius, a threshold)."""
    number = finite(value, what)
    if number < 0:
        raise RejectedInputError(
            _(
                "%(what)s must not be negative, got %(number)s.",
                what=what,
                number=format(number, "g"),
            )
        )
    return number


def bearing(value: object, what: str | None = None) -> float:
    """A compass bearing in degrees, normalised to 0..360."""
    return finite(value, what or _("Bearing")) % 360.0


def aware(when: object, what: str | None = None) -> datetime:
    """A timezone-aware datetime; naive times are refused because they are ambiguous."""
    what = what or _("Time")
    if not isinstance(when, datetime):
        raise RejectedInputError(
            _("%(what)s must be a date and time, got %(when)s.", what=what, when=repr(when))
        )
    if when.tzinfo is None or when.utcoffset() is None:
        raise RejectedInputError(
            _(
                "%(what)s %(when)s has no timezone; give it in UTC or with an offset.",
                what=what,
                when=when.isoformat(),
            )
        )
    return when

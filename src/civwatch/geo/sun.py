"""Sun position for chronolocation, and the inverse: when does a shadow point this way?

Positions come from Astral (NOAA solar equations, apparent elevation with atmospheric
refraction; agrees with NREL SPA to a few hundredths of a degree away from the horizon, see
the test table). A shadow on level ground points away from the sun: its bearing is the
sun's azimuth + 180 degrees, and its length divided by the object's height is
1 / tan(elevation).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from astral import Observer
from astral.sun import zenith_and_azimuth

from civwatch.errors import RejectedInputError
from civwatch.geo import validation
from civwatch.geo.distance import bearing_difference_deg
from civwatch.i18n import _

#: Timezone used for "local" times unless told otherwise.
DEFAULT_TZ = "Europe/Kyiv"


def zone(name: str) -> ZoneInfo:
    """The IANA timezone ``name``, or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise RejectedInputError(_("Unknown timezone %(name)s.", name=repr(name))) from err


@dataclass(frozen=True, slots=True)
class SunPosition:
    """Where the sun stands for an observer: azimuth from north, apparent elevation."""

    time_utc: datetime
    azimuth_deg: float
    elevation_deg: float

    @property
    def above_horizon(self) -> bool:
        return self.elevation_deg > 0.0

    @property
    def shadow_bearing_deg(self) -> float | None:
        """Bearing a shadow on level ground points to; None when the sun is down."""
        return (self.azimuth_deg + 180.0) % 360.0 if self.above_horizon else None

    @property
    def shadow_length_ratio(self) -> float | None:
        """Shadow length / object height on level ground; None when the sun is down."""
        if not self.above_horizon:
            return None
        return 1.0 / math.tan(math.radians(self.elevation_deg))

    def to_dict(self, tz: str = DEFAULT_TZ) -> dict[str, object]:
        """Plain JSON-ready form, with the time in UTC and in ``tz``."""
        ratio = self.shadow_length_ratio
        bearing = self.shadow_bearing_deg
        return {
            "time_utc": self.time_utc.isoformat(),
            "time_local": self.time_utc.astimezone(zone(tz)).isoformat(),
            "azimuth_deg": round(self.azimuth_deg, 3),
            "elevation_deg": round(self.elevation_deg, 3),
            "shadow_bearing_deg": None if bearing is None else round(bearing, 3),
            "shadow_length_ratio": None if ratio is None else round(ratio, 4),
        }


def _position(observer: Observer, when_utc: datetime) -> SunPosition:
    zenith, azimuth = zenith_and_azimuth(observer, when_utc, with_refraction=True)
    return SunPosition(when_utc, float(azimuth) % 360.0, 90.0 - float(zenith))


def sun_position(lat: float, lon: float, when: datetime) -> SunPosition:
    """Sun azimuth and apparent elevation at (lat, lon) for a timezone-aware time."""
    lat, lon = validation.point(lat, lon)
    when = validation.aware(when)
    return _position(Observer(lat, lon, 0.0), when.astimezone(UTC))


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A stretch of time whose sun fits a measured shadow, with the best-fitting moment."""

    start_utc: datetime
    end_utc: datetime
    best_utc: datetime
    best_azimuth_deg: float
    best_elevation_deg: float
    best_bearing_error_deg: float
    tz: str = DEFAULT_TZ

    @property
    def start_local(self) -> datetime:
        return self.start_utc.astimezone(zone(self.tz))

    @property
    def end_local(self) -> datetime:
        return self.end_utc.astimezone(zone(self.tz))

    @property
    def best_local(self) -> datetime:
        return self.best_utc.astimezone(zone(self.tz))

    @property
    def duration(self) -> timedelta:
        return self.end_utc - self.start_utc

    def contains(self, when: datetime) -> bool:
        """Whether a timezone-aware time falls in the window."""
        return self.start_utc <= validation.aware(when) <= self.end_utc

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form (ISO 8601 times, UTC and local)."""
        return {
            "start_utc": self.start_utc.isoformat(),
            "end_utc": self.end_utc.isoformat(),
            "start_local": self.start_local.isoformat(),
            "end_local": self.end_local.isoformat(),
            "best_utc": self.best_utc.isoformat(),
            "best_local": self.best_local.isoformat(),
            "tz": self.tz,
            "best_azimuth_deg": round(self.best_azimuth_deg, 3),
            "best_elevation_deg": round(self.best_elevation_deg, 3),
            "best_bearing_error_deg": round(self.best_bearing_error_deg, 3),
        }


def _bisect(fits: Callable[[datetime], bool], outside: datetime, inside: datetime) -> datetime:
    """The first fitting time between a non-fitting and a fitting one, to one second."""
    while abs((inside - outside).total_seconds()) > 1.0:
        middle = outside + (inside - outside) / 2
        if fits(middle):
            inside = middle
        else:
            outside = middle
    whole = inside.replace(microsecond=0)
    if inside > outside and whole < inside:
        return whole + timedelta(seconds=1)  # a start: round up, staying inside
    return whole  # an end: round down, staying inside


def shadow_times(
    lat: float,
    lon: float,
    day: date,
    bearing_deg: float,
    length_ratio: float | None = None,
    tolerance_deg: float = 5.0,
    *,
    elevation_tolerance_deg: float | None = None,
    tz: str = DEFAULT_TZ,
    step_s: int = 60,
) -> list[TimeWindow]:
    """Times on the local calendar ``day`` (in ``tz``) when a shadow points along ``bearing_deg``.

    ``bearing_deg`` is the measured direction from the object's foot to the shadow's tip,
    from north, clockwise; it fits when within ``tolerance_deg`` of sun azimuth + 180.
    ``length_ratio`` (shadow length / object height), if given, must also fit: the sun's
    elevation must be within ``elevation_tolerance_deg`` (default ``tolerance_deg``) of
    atan(1 / length_ratio). Sun below the horizon never fits. Windows come in time order;
    their edges are exact to about one second. The day is scanned every ``step_s`` seconds,
    so a window shorter than that (tolerances well under half a degree) can be missed.
    """
    lat, lon = validation.point(lat, lon)
    if not isinstance(day, date) or isinstance(day, datetime):
        raise RejectedInputError(_("Day must be a calendar date, got %(day)s.", day=repr(day)))
    bearing = validation.bearing(bearing_deg, _("Shadow bearing"))
    tolerance = validation.finite(tolerance_deg, _("Bearing tolerance"))
    if not 0.0 < tolerance <= 90.0:
        raise RejectedInputError(_("Bearing tolerance must be more than 0 and at most 90 degrees."))
    target_elevation: float | None = None
    elevation_tolerance = tolerance
    if length_ratio is not None:
        ratio = validation.finite(length_ratio, _("Shadow length ratio"))
        if ratio <= 0.0:
            raise RejectedInputError(_("Shadow length ratio must be more than 0."))
        target_elevation = math.degrees(math.atan(1.0 / ratio))
        if elevation_tolerance_deg is not None:
            elevation_tolerance = validation.finite(
                elevation_tolerance_deg, _("Elevation tolerance")
            )
            if not 0.0 < elevation_tolerance <= 90.0:
                raise RejectedInputError(
                    _("Elevation tolerance must be more than 0 and at most 90 degrees.")
                )
    if not 1 <= step_s <= 3600:
        raise RejectedInputError(_("Step must be between 1 and 3600 seconds."))
    local = zone(tz)
    observer = Observer(lat, lon, 0.0)

    def error(when: datetime) -> tuple[float, SunPosition] | None:
        """Worst error as a fraction of its tolerance (<= 1 fits), or None if the sun is down."""
        position = _position(observer, when)
        if not position.above_horizon:
            return None
        worst = bearing_difference_deg(position.azimuth_deg + 180.0, bearing) / tolerance
        if target_elevation is not None:
            off = abs(position.elevation_deg - target_elevation) / elevation_tolerance
            worst = max(worst, off)
        return worst, position

    def fits(when: datetime) -> bool:
        found = error(when)
        return found is not None and found[0] <= 1.0

    start = datetime.combine(day, time(0), tzinfo=local).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=local).astimezone(UTC)
    step = timedelta(seconds=step_s)
    samples: list[datetime] = []
    moment = start
    while moment < end:
        samples.append(moment)
        moment += step
    samples.append(end - timedelta(seconds=1))

    windows: list[TimeWindow] = []
    run: list[tuple[datetime, float, SunPosition]] = []
    previous: datetime | None = None
    for when in samples:
        found = error(when)
        if found is not None and found[0] <= 1.0:
            run.append((when, found[0], found[1]))
        elif run:
            windows.append(_window(run, fits, bearing, previous, when, tz))
            run = []
        if not run:
            previous = when
    if run:
        windows.append(_window(run, fits, bearing, previous, None, tz))
    return windows


def _window(
    run: list[tuple[datetime, float, SunPosition]],
    fits: Callable[[datetime], bool],
    bearing: float,
    previous_out: datetime | None,
    next_out: datetime | None,
    tz: str,
) -> TimeWindow:
    first, last = run[0][0], run[-1][0]
    start = _bisect(fits, previous_out, first) if previous_out is not None else first
    end = _bisect(fits, next_out, last) if next_out is not None else last
    best_time, _, best = min(run, key=lambda item: item[1])
    bearing_error = bearing_difference_deg(best.azimuth_deg + 180.0, bearing)
    return TimeWindow(
        start_utc=start,
        end_utc=end,
        best_utc=best_time,
        best_azimuth_deg=best.azimuth_deg,
        best_elevation_deg=best.elevation_deg,
        best_bearing_error_deg=bearing_error,
        tz=tz,
    )

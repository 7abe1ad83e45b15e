"""Metadata against claims: is the GPS near the claimed place, the clock near the claimed time?

Each check answers with the measured gap, the threshold it was held to, whether it is flagged,
and an explanation an investigator can paste into a verification note. A flag is a reason to
look closer, not a verdict: phones record the time zone of the device, not of the scene, and
GPS fixes can be stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from civwatch.errors import RejectedInputError
from civwatch.geo import validation
from civwatch.geo.distance import geodesic_m
from civwatch.geo.sun import DEFAULT_TZ, zone
from civwatch.i18n import _

_EXIF_TIME = re.compile(
    r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?"
    r"\s*(Z|[+\-]\d{2}:?\d{2})?\s*$"
)
_OFFSET = re.compile(r"^\s*(Z|[+\-]\d{2}:?\d{2})\s*$")


def _parse_offset(text: str) -> timezone:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 14 or minutes > 59:
        raise RejectedInputError(_("Time offset %(text)s is out of range.", text=repr(text)))
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_exif_datetime(value: str, offset: str | None = None) -> datetime:
    """Read an EXIF/XMP date ("2022:03:01 10:15:00", optional fraction and offset).

    ``offset`` is EXIF OffsetTimeOriginal ("+02:00") when it is stored separately. Without
    any offset the result is naive: a local time of unknown zone.
    """
    match = _EXIF_TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise RejectedInputError(
            _("Cannot read %(value)s as an EXIF date and time.", value=repr(value))
        )
    year, month, day, hour, minute, second, fraction, inline = match.groups()
    try:
        parsed = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0").ljust(6, "0")),
        )
    except ValueError as err:
        raise RejectedInputError(
            _("%(value)s is not a real date and time.", value=repr(value))
        ) from err
    given = inline
    if offset is not None and offset.strip():
        offset_match = _OFFSET.match(offset)
        if offset_match is None:
            raise RejectedInputError(
                _("Cannot read %(offset)s as a time offset.", offset=repr(offset))
            )
        given = offset_match.group(1)
    return parsed.replace(tzinfo=_parse_offset(given)) if given else parsed


@dataclass(frozen=True, slots=True)
class LocationCheck:
    """Distance between where the file says it was taken and where it is claimed to show."""

    distance_m: float
    threshold_m: float
    flagged: bool
    explanation: str


def _metres(value: float) -> str:
    return f"{value / 1000:.1f} km" if value >= 1000 else f"{value:.0f} m"


def check_location(
    exif: tuple[float, float],
    claimed: tuple[float, float],
    threshold_m: float = 1000.0,
    claimed_precision_m: float = 0.0,
) -> LocationCheck:
    """Flag when the EXIF GPS point is more than ``threshold_m`` (+ claim precision) away."""
    exif_lat, exif_lon = validation.point(exif[0], exif[1], _("EXIF GPS"))
    claim_lat, claim_lon = validation.point(claimed[0], claimed[1], _("Claimed place"))
    threshold = validation.non_negative(threshold_m, _("Distance threshold"))
    precision = validation.non_negative(claimed_precision_m, _("Claimed precision"))
    distance = geodesic_m(exif_lat, exif_lon, claim_lat, claim_lon)
    allowed = threshold + precision
    flagged = distance > allowed
    allowance = _metres(threshold) + (
        f" plus the claim's {_metres(precision)} precision" if precision else ""
    )
    if flagged:
        explanation = (
            f"The EXIF GPS position is {_metres(distance)} from the claimed place, "
            f"more than the {allowance} allowed: the file may not have been recorded "
            "there, or its GPS fix was stale or edited."
        )
    else:
        explanation = (
            f"The EXIF GPS position is {_metres(distance)} from the claimed place, "
            f"within the {allowance} allowed."
        )
    return LocationCheck(distance, allowed, flagged, explanation)


@dataclass(frozen=True, slots=True)
class TimeCheck:
    """Gap between the file's capture time and the claimed time (positive: file is later)."""

    difference: timedelta
    threshold: timedelta
    flagged: bool
    explanation: str
    exif_utc: datetime
    claimed_utc: datetime


def _local_to_utc(naive: datetime, tz: str) -> tuple[datetime, str]:
    """A naive local time in ``tz`` as UTC, with a note when the wall time is odd (DST)."""
    local = zone(tz)
    first = naive.replace(tzinfo=local, fold=0)
    second = naive.replace(tzinfo=local, fold=1)
    note = ""
    if first.utcoffset() != second.utcoffset():
        round_trip = first.astimezone(UTC).astimezone(local).replace(tzinfo=None)
        if round_trip != naive:
            note = (
                f" {naive:%Y-%m-%d %H:%M} does not exist in {tz} (clocks jumped forward);"
                " it was read as the earlier offset."
            )
        else:
            note = (
                f" {naive:%Y-%m-%d %H:%M} happened twice in {tz} (clocks went back);"
                " it was read as the first."
            )
    return first.astimezone(UTC), note


def _duration(delta: timedelta) -> str:
    seconds = int(abs(delta).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if hours or days:
        parts.append(f"{hours} h")
    parts.append(f"{minutes} min")
    if not days and not hours:
        parts.append(f"{seconds} s")
    return " ".join(parts)


def check_time(
    exif_time: datetime,
    claimed_time: datetime,
    threshold: timedelta = timedelta(hours=1),
    local_tz: str = DEFAULT_TZ,
) -> TimeCheck:
    """Flag when the capture time differs from the claimed time by more than ``threshold``.

    Naive times (EXIF usually has no offset) are read as wall-clock time in ``local_tz``
    (Europe/Kyiv unless told otherwise); aware times are compared as they are.
    """
    for value, what in ((exif_time, "EXIF capture time"), (claimed_time, "Claimed time")):
        if not isinstance(value, datetime):
            raise RejectedInputError(
                _("%(what)s must be a date and time, got %(value)s.", what=what, value=repr(value))
            )
    if not isinstance(threshold, timedelta) or threshold < timedelta(0):
        raise RejectedInputError(_("Time threshold must be a non-negative duration."))
    notes: list[str] = []
    if exif_time.tzinfo is None:
        exif_utc, note = _local_to_utc(exif_time, local_tz)
        notes.append(f"The capture time has no offset and was read as {local_tz} time.{note}")
    else:
        exif_utc = exif_time.astimezone(UTC)
    if claimed_time.tzinfo is None:
        claimed_utc, note = _local_to_utc(claimed_time, local_tz)
        notes.append(f"The claimed time has no offset and was read as {local_tz} time.{note}")
    else:
        claimed_utc = claimed_time.astimezone(UTC)
    difference = exif_utc - claimed_utc
    flagged = abs(difference) > threshold
    direction = "after" if difference > timedelta(0) else "before"
    gap = (
        "matches the claimed time"
        if difference == timedelta(0)
        else f"is {_duration(difference)} {direction} the claimed time"
    )
    verdict = (
        f"more than the {_duration(threshold)} allowed"
        if flagged
        else f"within the {_duration(threshold)} allowed"
    )
    explanation = f"The capture time {gap}, {verdict}."
    if flagged:
        explanation += (
            " The file may be from another moment, or the device clock or time zone was wrong."
        )
    if notes:
        explanation += " " + " ".join(notes)
    return TimeCheck(difference, threshold, flagged, explanation, exif_utc, claimed_utc)

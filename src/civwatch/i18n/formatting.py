"""Dates, times, numbers, ranges and sizes written for the reader's language (Babel).

Times are stored in UTC. An incident in Ukraine is shown in Kyiv time (Europe/Kyiv) and
everything else in UTC, always with the zone named; :func:`utc_text` gives the exact UTC
time for a ``title`` (hover) and ``datetime`` attributes. Exports stay UTC ISO 8601.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_interval, format_skeleton, format_timedelta
from babel.numbers import format_decimal

from civwatch.geo.regions import UKRAINE_ADMIN1
from civwatch.i18n.messages import N_, _, current_language

KYIV = ZoneInfo("Europe/Kyiv")
_SIZE_UNITS = (
    N_("%(size)s bytes"),
    N_("%(size)s kB"),
    N_("%(size)s MB"),
    N_("%(size)s GB"),
    N_("%(size)s TB"),
)
_UKRAINIAN_REGIONS = frozenset(n for pair in UKRAINE_ADMIN1.values() for n in pair)


def as_datetime(value: Any) -> datetime | None:
    """A stored time (datetime, or ISO 8601 text) as an aware UTC datetime; None if empty."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        at = value
    elif isinstance(value, date):
        at = datetime(value.year, value.month, value.day)
    else:
        text = str(value)
        if len(text) == 7:  # a month, "2022-04"
            text += "-01"
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)


def in_ukraine(place: Mapping[str, Any] | None) -> bool:
    """Whether an incident (or place) is in Ukraine: its oblast is a Ukrainian one, or its
    country is Ukraine."""
    if not place:
        return False
    if str(place.get("country_code") or place.get("country") or "") in ("UA", "Ukraine"):
        return True
    return str(place.get("oblast") or "") in _UKRAINIAN_REGIONS


#: The Babel locale that writes dates and numbers for a language, where it is not the
#: language itself: English pages write dates day first ("9 March 2022"), as in Europe.
FORMAT_LOCALES = {"en": "en_GB"}


def _language(language: str | None) -> str:
    chosen = language or current_language()
    return FORMAT_LOCALES.get(chosen, chosen)


def format_date(value: Any, *, kyiv: bool = False, language: str | None = None) -> str:
    """ "9 березня 2022 р." / "9 March 2022" (the day in Kyiv when ``kyiv``)."""
    at = as_datetime(value)
    if at is None:
        return ""
    zone = KYIV if kyiv else UTC
    return str(format_skeleton("yMMMMd", at, tzinfo=zone, locale=_language(language)))


def format_date_range(first: date, last: date, *, language: str | None = None) -> str:
    """Two days as one range, as the language writes it: "4–10 березня 2024 р." /
    "4–10 March 2024" (both days included; calendar days, no time zone)."""
    return str(format_interval(first, last, "yMMMMd", locale=_language(language)))


def format_short_date(value: Any, *, language: str | None = None) -> str:
    """ "9 бер. 2022 р." / "9 Mar 2022" (UTC)."""
    at = as_datetime(value)
    if at is None:
        return ""
    return str(format_skeleton("yMMMd", at, tzinfo=UTC, locale=_language(language)))


def format_month(value: Any, *, language: str | None = None) -> str:
    """ "березень 2022 р." / "March 2022" (UTC)."""
    at = as_datetime(value)
    if at is None:
        return ""
    return str(format_skeleton("yMMMM", at, tzinfo=UTC, locale=_language(language)))


def format_short_month(value: Any, *, language: str | None = None) -> str:
    """ "бер. 2022 р." / "Mar 2022" (UTC), for chart labels."""
    at = as_datetime(value)
    if at is None:
        return ""
    return str(format_skeleton("yMMM", at, tzinfo=UTC, locale=_language(language)))


def format_datetime(value: Any, *, kyiv: bool = False, language: str | None = None) -> str:
    """Date and 24-hour time with the zone named: "9 березня 2022 р., 13:05 за київським
    часом" (``kyiv``) or "9 березня 2022 р., 11:05 UTC"."""
    at = as_datetime(value)
    if at is None:
        return ""
    lang = language or current_language()
    zone = KYIV if kyiv else UTC
    day = format_skeleton("yMMMMd", at, tzinfo=zone, locale=_language(lang))
    time = format_skeleton("Hm", at, tzinfo=zone, locale=_language(lang))
    if kyiv:
        return _("%(date)s, %(time)s Kyiv time", date=day, time=time).in_language(lang)
    return _("%(date)s, %(time)s UTC", date=day, time=time).in_language(lang)


def format_time(value: Any, *, kyiv: bool = False, language: str | None = None) -> str:
    """The 24-hour time alone ("13:05"), in Kyiv or UTC."""
    at = as_datetime(value)
    if at is None:
        return ""
    zone = KYIV if kyiv else UTC
    return str(format_skeleton("Hm", at, tzinfo=zone, locale=_language(language)))


def utc_text(value: Any) -> str:
    """The exact time in UTC for a hover title: "2022-03-09 11:05:00 UTC"."""
    at = as_datetime(value)
    return "" if at is None else at.strftime("%Y-%m-%d %H:%M:%S UTC")


def iso(value: Any) -> str:
    """The time as ISO 8601 in UTC (for ``<time datetime>``)."""
    at = as_datetime(value)
    return "" if at is None else at.isoformat()


def format_number(value: Any, *, language: str | None = None) -> str:
    """A number with the language's digit grouping and decimal sign ("1 234,5")."""
    if value is None or value == "":
        return ""
    return str(format_decimal(value, locale=_language(language)))


def format_range(low: Any, high: Any = None, *, language: str | None = None) -> str:
    """ "3" or "3–5" (en dash) with the numbers formatted for the language."""
    if low is None:
        return ""
    if high is None or high == low:
        return format_number(low, language=language)
    return f"{format_number(low, language=language)}–{format_number(high, language=language)}"


def format_figure(figure: Mapping[str, Any] | None, *, language: str | None = None) -> str:
    """A casualty figure {min, max} as a range; "" when there is none."""
    if not figure or figure.get("min") is None:
        return ""
    return format_range(figure["min"], figure.get("max"), language=language)


def format_size(size: Any, *, language: str | None = None) -> str:
    """A file size in bytes as "2,4 МБ" / "2.4 MB" (powers of 1000)."""
    lang = language or current_language()
    number = float(size or 0)
    step = 0
    while number >= 1000 and step < len(_SIZE_UNITS) - 1:
        number /= 1000
        step += 1
    shown = format_decimal(round(number, 1 if step else 0), locale=_language(lang))
    return _(_SIZE_UNITS[step], size=shown).in_language(lang)


def format_age(value: Any, *, now: datetime | None = None, language: str | None = None) -> str:
    """How long ago ``value`` was, in words ("5 годин", "3 days")."""
    at = as_datetime(value)
    if at is None:
        return ""
    delta = (now or datetime.now(UTC)) - at
    return str(
        format_timedelta(max(delta, timedelta(0)), threshold=1.5, locale=_language(language))
    )

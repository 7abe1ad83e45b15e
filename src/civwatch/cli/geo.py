"""The investigator's geo tools: gazetteer look-ups, sun position, shadow times."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from civwatch.cli.common import (
    AsJson,
    DataDir,
    emit,
    fail,
    out,
    parse_time,
    progress_bar,
    settings_for,
)
from civwatch.i18n import _

if TYPE_CHECKING:
    from civwatch.geo.gazetteer import Gazetteer

app = typer.Typer(no_args_is_help=True, help="Gazetteer, sun position and shadow times.")


def _gazetteer(data_dir: Path | None) -> Gazetteer:
    from civwatch.geo import default_gazetteer

    settings = settings_for(data_dir)
    cache = settings.data_dir / "cache" if settings.data_dir.is_dir() else None
    return default_gazetteer(cache)


@app.command()
def lookup(
    name: Annotated[str, typer.Argument(help="A place name in Ukrainian, Russian or Latin.")],
    limit: Annotated[int, typer.Option(help="Most candidates to show.")] = 10,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Places matching a name, best first, with their hromada, raion and oblast."""
    found = _gazetteer(data_dir).find(name, limit)
    docs = [f.to_dict() for f in found]
    if as_json:
        emit(docs)
        return
    if not docs:
        fail(_("No place matches %(name)s.", name=repr(name)))
    for d in docs:
        out.print(escape(_place_line(d)))


def _named(d: dict[str, object], key: str) -> str:
    """The name under ``key`` in the language in force (``key_uk`` in Ukrainian)."""
    from civwatch.i18n import current_language

    value = d.get(f"{key}_uk") if current_language() == "uk" else None
    return str(value or d.get(key) or _("not known"))


def _place_line(d: dict[str, object]) -> str:
    """One candidate as a line, names in the language in force."""

    def named(key: str) -> str:
        return _named(d, key)

    where = (
        f"{d['lat']:.5f}, {d['lon']:.5f}"
        if isinstance(d.get("lat"), float) and isinstance(d.get("lon"), float)
        else str(_("coordinates not known"))
    )
    if d.get("katottg") is None:
        # TRANSLATORS: a place outside Ukraine's codifier: name, coordinates, its first-level
        # division, and what of it matched the name asked for (a code).
        return str(
            _(
                "%(name)s  %(where)s  %(oblast)s  (%(match)s)",
                name=str(d["name"]),
                where=where,
                oblast=named("oblast"),
                match=d["match"],
            )
        )
    parts = [named("hromada"), named("raion")] if d.get("hromada") else []
    line = _(
        # TRANSLATORS: a Ukrainian settlement found: its name, the units it lies in (hromada,
        # raion, oblast), its KATOTTG code, coordinates, and how it matched (a code).
        "%(settlement)s  %(units)s  KATOTTG %(code)s  %(where)s  (%(match)s)",
        settlement=named("settlement"),
        units=", ".join([*parts, named("oblast")]),
        code=d["katottg"],
        where=where,
        match=d["match"],
    )
    if d.get("former_name"):
        return str(_("%(line)s, formerly %(former)s", line=line, former=d["former_name"]))
    return str(line)


@app.command("import-geonames")
def import_geonames(
    file: Annotated[Path, typer.Argument(help="GeoNames' country dump: UA.txt or UA.zip.")],
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Load GeoNames' dump of Ukraine: coordinates for the codifier's settlements."""
    import zipfile

    from civwatch.geo.geonames_dump import import_geonames as run_import

    settings = settings_for(data_dir)
    if not settings.data_dir.is_dir():
        fail(
            _(
                "No data folder at %(path)s: run civwatch init first.",
                path=str(settings.data_dir),
            )
        )
    total = None if zipfile.is_zipfile(file) else file.stat().st_size if file.is_file() else None
    with progress_bar() as bar:
        task = bar.add_task(str(_("Reading the GeoNames file")), total=total)
        report = run_import(
            file,
            settings.data_dir,
            settings.data_dir / "cache",
            lambda done: bar.update(task, completed=done),
        )
    doc = report.to_dict()
    if as_json:
        emit(doc)
        return
    out.print(
        escape(
            str(
                _(
                    "%(lines)s lines read: %(places)s populated places of Ukraine, "
                    "%(malformed)s lines that are not GeoNames records (skipped).",
                    lines=_count(doc["lines"]),
                    places=_count(doc["places"]),
                    malformed=_count(doc["malformed"]),
                )
            )
        )
    )
    out.print(
        escape(
            str(
                _(
                    "Joined to the codifier: %(joined)s places (%(rate)s); %(covered)s of "
                    "%(settlements)s KATOTTG settlements now have coordinates (%(coverage)s).",
                    joined=_count(doc["joined_places"]),
                    rate=_percent(report.place_join_rate),
                    covered=_count(doc["katottg_settlements_with_coordinates"]),
                    settlements=_count(doc["katottg_settlements"]),
                    coverage=_percent(report.settlement_coverage),
                )
            )
        )
    )
    if report.counts.first_malformed is not None:
        out.print(
            escape(
                str(
                    _(
                        "The first line that is not a record is line %(line)s.",
                        line=_count(report.counts.first_malformed),
                    )
                )
            )
        )


def _percent(value: float | None) -> str:
    from babel.numbers import format_percent

    from civwatch.i18n import current_language

    if value is None:
        return str(_("not known"))
    return str(format_percent(value, "#,##0.0%", locale=current_language()))


def _count(value: object) -> str:
    from civwatch.i18n.formatting import format_number

    return format_number(value)


@app.command()
def reverse(
    lat: Annotated[float, typer.Argument(help="Latitude, degrees.")],
    lon: Annotated[float, typer.Argument(help="Longitude, degrees.")],
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """The settlement at or nearest to a point, and its hromada, raion and oblast."""
    place = _gazetteer(data_dir).reverse(lat, lon).to_dict()
    if as_json:
        emit(place)
        return
    units = [_named(place, key) for key in ("hromada", "raion") if place.get(key)]
    out.print(
        _(
            "%(name)s, %(oblast)s (%(distance)s m away)",
            name=escape(
                _named(place, "settlement") if place.get("katottg") else str(place["name"])
            ),
            oblast=escape(", ".join([*units, _named(place, "oblast")])),
            distance=place["distance_m"],
        )
    )


@app.command()
def sun(
    lat: Annotated[float, typer.Option(help="Latitude, degrees.")],
    lon: Annotated[float, typer.Option(help="Longitude, degrees.")],
    time: Annotated[str, typer.Option(help="ISO 8601 time with zone.")],
    tz: Annotated[str, typer.Option(help="Zone for the local time shown.")] = "Europe/Kyiv",
    as_json: AsJson = False,
) -> None:
    """The sun's azimuth and elevation at a place and time."""
    from civwatch.geo import sun_position

    when = parse_time(time, "--time")
    assert when is not None
    doc = sun_position(lat, lon, when).to_dict(tz)
    if as_json:
        emit(doc)
    else:
        out.print(
            _(
                "azimuth %(azimuth)s°, elevation %(elevation)s°; shadow bearing %(bearing)s°, "
                "length/height %(ratio)s",
                azimuth=doc["azimuth_deg"],
                elevation=doc["elevation_deg"],
                bearing=doc["shadow_bearing_deg"],
                ratio=doc["shadow_length_ratio"],
            )
        )


@app.command()
def shadow(
    lat: Annotated[float, typer.Option(help="Latitude, degrees.")],
    lon: Annotated[float, typer.Option(help="Longitude, degrees.")],
    date_: Annotated[str, typer.Option("--date", help="Local calendar date, YYYY-MM-DD.")],
    bearing: Annotated[float, typer.Option(help="Measured shadow bearing, degrees from north.")],
    ratio: Annotated[
        float | None, typer.Option(help="Shadow length / object height, if measured.")
    ] = None,
    tolerance: Annotated[float, typer.Option(help="Bearing tolerance, degrees.")] = 5.0,
    tz: Annotated[str, typer.Option(help="Zone of the date and of local times.")] = "Europe/Kyiv",
    as_json: AsJson = False,
) -> None:
    """Times of day when a shadow points along the measured bearing (UTC and local)."""
    from civwatch.geo import shadow_times

    try:
        day = date.fromisoformat(date_)
    except ValueError:
        fail(_("--date must be a date such as %(example)s", example="2022-03-09"), 2)
    windows = [w.to_dict() for w in shadow_times(lat, lon, day, bearing, ratio, tolerance, tz=tz)]
    if as_json:
        emit({"date": day.isoformat(), "bearing_deg": bearing, "tz": tz, "windows": windows})
        return
    if not windows:
        out.print(_("No time of that day fits."))
    for w in windows:
        # TRANSLATORS: a window of local times, the same in UTC, and the best time in it.
        out.print(
            _(
                "%(start)s - %(end)s (UTC %(start_utc)s - %(end_utc)s), best %(best)s",
                start=w["start_local"],
                end=w["end_local"],
                start_utc=w["start_utc"],
                end_utc=w["end_utc"],
                best=w["best_local"],
            )
        )

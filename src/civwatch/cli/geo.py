"""The investigator's geo tools: gazetteer look-ups, sun position, shadow times."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from civwatch.cli.common import AsJson, DataDir, emit, fail, out, parse_time, settings_for
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
    """Places matching a name, best first."""
    found = _gazetteer(data_dir).search(name, limit)
    docs = [{**c.place.to_dict(), "match": c.match, "score": c.score} for c in found]
    if as_json:
        emit(docs)
        return
    if not docs:
        fail(_("No place matches %(name)s.", name=repr(name)))
    for d in docs:
        # TRANSLATORS: a place found: name, coordinates, oblast, population, and what of it
        # matched the name asked for (a code).
        out.print(
            _(
                "%(name)s  %(lat)s, %(lon)s  %(oblast)s  pop. %(population)s  (%(match)s)",
                name=escape(str(d["name"])),
                lat=f"{d['lat']:.5f}",
                lon=f"{d['lon']:.5f}",
                oblast=escape(str(d["oblast"])),
                population=d["population"],
                match=d["match"],
            )
        )


@app.command()
def reverse(
    lat: Annotated[float, typer.Argument(help="Latitude, degrees.")],
    lon: Annotated[float, typer.Argument(help="Longitude, degrees.")],
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """The settlement at or nearest to a point, and its oblast."""
    place = _gazetteer(data_dir).reverse(lat, lon).to_dict()
    if as_json:
        emit(place)
    else:
        out.print(
            _(
                "%(name)s, %(oblast)s (%(distance)s m away)",
                name=escape(str(place["name"])),
                oblast=escape(str(place["oblast"])),
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

"""Shelters (``civwatch shelters ...``): importing the registry, finding the nearest working
shelters, reporting a shelter's state, and a coordinator's decision on a report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import AsJson, DataDir, TokenFile, acting_principal, emit, out, workspace
from civwatch.i18n import _, ngettext

shelters_app = typer.Typer(
    no_args_is_help=True,
    help="Shelters: import the registry, find the nearest working ones, report their state.",
)


@shelters_app.command("import")
def shelters_import(
    path: Annotated[
        Path, typer.Argument(help="An OSM extract, open-data CSV/JSON, GeoJSON or CSV.")
    ],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="osm, ua-opendata, geojson or csv (default: from the file)."),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(help="The data set the file is an edition of (default: its name)."),
    ] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Import shelters; a re-import updates what it added, and marks what its data set no
    longer lists."""
    from civwatch.shelters.importing import import_file

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.SHELTERS_COORDINATE, token_file)
        result = import_file(ws, path, fmt, actor=actor, dataset=dataset)
    skipped: list[dict[str, Any]] = [
        {"line": line, "reason": reason} for line, reason in result.skipped
    ]
    if as_json:
        emit(
            {
                "added": result.added,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "marked_gone": result.marked_gone,
                "skipped": skipped,
                "import_id": result.import_id,
            }
        )
        return
    # TRANSLATORS: the summary of an import of shelters.
    out.print(
        _(
            "%(added)s added, %(updated)s updated, %(unchanged)s unchanged, %(gone)s marked "
            "gone from the source, %(skipped)s skipped",
            added=result.added,
            updated=result.updated,
            unchanged=result.unchanged,
            gone=result.marked_gone,
            skipped=len(skipped),
        )
    )
    for s in skipped:
        out.print(
            "  " + _("line %(line)s: %(reason)s", line=s["line"], reason=escape(str(s["reason"])))
        )


@shelters_app.command("nearest")
def shelters_nearest(
    lat: Annotated[float, typer.Option(help="Latitude, degrees.")],
    lon: Annotated[float, typer.Option(help="Longitude, degrees.")],
    limit: Annotated[int, typer.Option(help="How many shelters.")] = 10,
    step_free: Annotated[bool, typer.Option("--step-free", help="Step-free ones only.")] = False,
    pets: Annotated[bool, typer.Option("--pets", help="Ones that take pets only.")] = False,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """The nearest shelters not known to be closed, locked or unusable, nearest first."""
    from civwatch.shelters.nearest import nearest
    from civwatch.shelters.vocabulary import label

    now = datetime.now(UTC)
    with workspace(data_dir) as ws:
        found = nearest(ws, lat, lon, limit=limit, step_free=step_free, pets=pets, now=now)
    if as_json:
        emit([_nearby_json(n) for n in found])
        return
    for n in found:
        name = n.name or label(n.type)
        out.print(
            f"{n.distance_m:>8.0f} m {n.compass:<2}  {escape(name)}  "
            f"{escape(n.status.sentence(now))}"
        )
    out.print(ngettext("%(num)s shelter", "%(num)s shelters", len(found)))


def _nearby_json(n: Any) -> dict[str, Any]:
    return {
        "id": n.id,
        "name": n.name,
        "lat": n.lat,
        "lon": n.lon,
        "distance_m": round(n.distance_m, 1),
        "bearing_deg": round(n.bearing_deg, 1),
        "compass": n.compass,
        "status": n.status.code,
        "status_at": None if n.status.at is None else n.status.at.isoformat(),
        "status_basis": n.status.basis,
        "confirmations": n.status.confirmations,
        "capacity": n.capacity,
        "step_free": n.step_free,
        "pets": n.pets,
        "type": n.type,
        "address": n.address,
    }


@shelters_app.command("report")
def shelters_report(
    shelter_id: Annotated[str, typer.Argument(help="The shelter's id.")],
    status: Annotated[str, typer.Option(help="open, closed, locked, flooded, full or unusable.")],
    note: Annotated[str | None, typer.Option(help="What you saw.")] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Report a shelter's state (it counts once a coordinator confirms it)."""
    from civwatch.shelters.reports import submit_report

    with workspace(data_dir) as ws:
        report_id = submit_report(ws, shelter_id, status, note=note, channel="cli")
    if as_json:
        emit({"report_id": report_id})
    else:
        out.print(_("Report %(id)s received; a coordinator will check it.", id=report_id))


@shelters_app.command("confirm")
def shelters_confirm(
    report_id: Annotated[str, typer.Argument(help="The report's id.")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Confirm a report: it counts for its shelter's status from now on."""
    from civwatch.shelters.reports import confirm_report

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.SHELTERS_COORDINATE, token_file)
        confirm_report(ws, actor, report_id)
    if as_json:
        emit({"report_id": report_id, "state": "confirmed"})
    else:
        out.print(_("Report %(id)s confirmed.", id=report_id))


@shelters_app.command("dismiss")
def shelters_dismiss(
    report_id: Annotated[str, typer.Argument(help="The report's id.")],
    reason: Annotated[str, typer.Option(help="Why the report is dismissed.")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Dismiss a report, saying why: it never counts."""
    from civwatch.shelters.reports import dismiss_report

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.SHELTERS_COORDINATE, token_file)
        dismiss_report(ws, actor, report_id, reason)
    if as_json:
        emit({"report_id": report_id, "state": "dismissed"})
    else:
        out.print(_("Report %(id)s dismissed.", id=report_id))

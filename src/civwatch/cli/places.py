"""Protected places near incidents (``civwatch incident places ...``): importing lists of
hospitals, schools and other protected objects, and finding those near an incident."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import (
    AsJson,
    DataDir,
    IncidentId,
    TokenFile,
    acting,
    emit,
    out,
    workspace,
)
from civwatch.i18n import _, ngettext

places_app = typer.Typer(no_args_is_help=True, help="Protected places (hospitals, schools...).")


@places_app.command("import")
def places_import(
    path: Annotated[Path, typer.Argument(help="CSV with header id,name,kind,lat,lon.")],
    source: Annotated[str, typer.Option(help="Name of the list, e.g. 'health ministry 2024'.")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Import protected places; rows already imported from the source are skipped."""
    from civwatch.incidents.places import import_places

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.REFERENCE_MANAGE, token_file)
        doc = import_places(ws, path, source=source, actor=actor)
    if as_json:
        emit(doc)
    else:
        # TRANSLATORS: the summary of an import of protected places: rows imported, rows
        # already there, rows refused.
        out.print(
            _(
                "%(imported)s imported, %(present)s already present, %(rejected)s rejected",
                imported=doc["imported"],
                present=doc["already_present"],
                rejected=len(doc["rejected"]),
            )
        )
        for r in doc["rejected"]:
            out.print(
                "  " + _("line %(line)s: %(reason)s", line=r["line"], reason=escape(r["reason"]))
            )
    raise typer.Exit(1 if doc["rejected"] else 0)


@places_app.command("near")
def places_near(
    incident_id: IncidentId,
    radius_m: Annotated[
        float, typer.Option(help="Radius beyond the location's precision, m.")
    ] = 500,
    kind: Annotated[list[str] | None, typer.Option(help="Only these kinds (repeat).")] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Protected places near an incident, nearest first."""
    from civwatch.incidents.places import places_near_incident

    with workspace(data_dir) as ws:
        doc = places_near_incident(ws, incident_id, radius_m, kinds=kind)
    if as_json:
        emit(doc)
        return
    for p in doc["places"]:
        out.print(f"{p['distance_m']:>8} m  {p['kind']}  {escape(p['name'])}")
    out.print(
        ngettext(
            "%(num)s place within %(radius)s m",
            "%(num)s places within %(radius)s m",
            len(doc["places"]),
            radius=f"{doc['radius_m']:g}",
        )
    )

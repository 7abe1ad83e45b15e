"""``civwatch export``: published incidents as open data files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from civwatch.cli.common import AsJson, DataDir, emit, fail, out, workspace
from civwatch.i18n import _, ngettext
from civwatch.i18n.formatting import format_number

app = typer.Typer(no_args_is_help=True)

FORMAT_NAMES = ("geojson", "csv", "kml", "timemap")


@app.command("export")
def export(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="geojson, csv, kml or timemap.")],
    out_path: Annotated[Path, typer.Option("--out", help="The file to write.", dir_okay=False)],
    base_url: Annotated[
        str,
        typer.Option(
            "--base-url", help="The public site's address, to make incident links absolute."
        ),
    ] = "",
    bom: Annotated[
        bool, typer.Option("--bom", help="CSV only: start with a byte order mark (for Excel).")
    ] = False,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Write every published incident as GeoJSON, CSV, KML or TimeMap JSON.

    Only verified, published incidents, with their public fields and coarsened locations
    (the same data as the public downloads). Columns: docs/open-data.md.
    """
    from civwatch.publish.opendata import export_to

    fmt = fmt.strip().lower()
    if fmt not in FORMAT_NAMES:
        fail(
            _(
                "Unknown format %(format)s; choose one of %(formats)s.",
                format=repr(fmt),
                formats=", ".join(FORMAT_NAMES),
            ),
            2,
        )
    if not out_path.parent.is_dir():
        fail(_("The folder %(folder)s does not exist.", folder=out_path.parent), 2)
    options: dict[str, Any] = {"bom": True} if bom and fmt == "csv" else {}
    with workspace(data_dir) as ws:
        result = export_to(ws, fmt, out_path, None, base_url=base_url, **options)
    if as_json:
        emit(
            {
                "format": result.format,
                "path": str(result.path),
                "incidents": result.incidents,
                "bytes": result.bytes,
            }
        )
        return
    out.print(
        ngettext(
            "Wrote %(num)s published incident as %(format)s to %(path)s (%(size)s).",
            "Wrote %(num)s published incidents as %(format)s to %(path)s (%(size)s).",
            result.incidents,
            format=fmt,
            path=escape(str(result.path)),
            size=ngettext(
                "%(num)s byte", "%(num)s bytes", result.bytes, num=format_number(result.bytes)
            ),
        )
    )

"""``civwatch export``: published incidents as open data files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from civwatch.cli.common import AsJson, DataDir, emit, fail, out, workspace

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
        fail(f"Unknown format {fmt!r}; choose one of {', '.join(FORMAT_NAMES)}.", 2)
    if not out_path.parent.is_dir():
        fail(f"The folder {out_path.parent} does not exist.", 2)
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
        f"Wrote {result.incidents} published incident(s) as {fmt} to "
        f"{escape(str(result.path))} ({result.bytes:,} bytes)."
    )

"""``civwatch sitrep``: a situation report of published incidents as HTML or PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from civwatch.cli.common import AsJson, DataDir, emit, fail, out, workspace

app = typer.Typer(no_args_is_help=True)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date such as 2024-03-04.", 2)


@app.command()
def sitrep(
    out_file: Annotated[
        Path,
        typer.Option(
            "--out", help="Report file: .html (one self-contained file) or .pdf.", dir_okay=False
        ),
    ],
    first: Annotated[
        str | None, typer.Option("--from", help="First day (YYYY-MM-DD); default: last week.")
    ] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last day, included.")] = None,
    base_url: Annotated[
        str, typer.Option(help="Address of the public site, for links to incident pages.")
    ] = "",
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Write a situation report: totals, charts, newly published incidents, attacks on
    protected objects and the methodology note, over published incidents only."""
    from civwatch.publish.sitrep import period, write_report

    start, end = period(_day(first, "--from"), _day(last, "--to"))
    with workspace(data_dir) as ws:
        written = write_report(ws, start, end, out_file, base_url=base_url)
    if as_json:
        emit({"from": start.isoformat(), "to": end.isoformat(), "out": str(written)})
        return
    out.print(f"Situation report {start} to {end} written to {escape(str(written))}")

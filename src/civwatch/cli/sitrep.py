"""``civwatch sitrep``: a situation report of published incidents as HTML or PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from civwatch.cli.common import AsJson, DataDir, emit, fail, out, workspace
from civwatch.i18n import _

app = typer.Typer(no_args_is_help=True)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(
            _(
                "%(option)s must be a date such as %(example)s.",
                option=option,
                example="2024-03-04",
            ),
            2,
        )


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
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Language of the report (uk, en), or 'all': one file per language beside "
            "--out (r.uk.pdf, r.en.pdf), each linking the others. Default: the deployment's "
            "CIVWATCH_DEFAULT_LANGUAGE.",
        ),
    ] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Write a situation report: totals, charts, newly published incidents, attacks on
    protected objects and the methodology note, over published incidents only."""
    from civwatch.i18n import available_languages
    from civwatch.publish.sitrep import period, write_report, write_reports

    start, end = period(_day(first, "--from"), _day(last, "--to"))
    offered = available_languages()
    if lang is not None and lang != "all" and lang not in offered:
        fail(_("--lang must be one of %(languages)s or all.", languages=", ".join(offered)), 2)
    with workspace(data_dir) as ws:
        if lang == "all":
            written = write_reports(ws, start, end, out_file, base_url=base_url)
        else:
            language = lang or ws.settings.default_language
            written = [write_report(ws, start, end, out_file, base_url=base_url, language=language)]
    if as_json:
        emit(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "out": str(written[0]),
                "files": [str(p) for p in written],
            }
        )
        return
    for path in written:
        out.print(
            _(
                "Situation report %(first)s to %(last)s written to %(path)s",
                first=start,
                last=end,
                path=escape(str(path)),
            )
        )

"""The ``civwatch`` command line: thin wrappers around the service functions.

Every command takes ``--data-dir`` (or ``CIVWATCH_DATA_DIR``); ``--json`` prints one JSON
document (or JSON lines for streams) on stdout. A command that acts as a user does so with
that user's API token (``CIVWATCH_TOKEN`` or ``--token-file FILE``, see
:func:`civwatch.cli.common.acting`); ``init`` and ``user ...`` administer the data folder
without one. Errors are one red line on stderr and a
non-zero exit: 1 for a failure, 2 for a usage error. Each domain's commands live in a
module of this package and are registered here.
"""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from civwatch.cli import (
    copies,
    custody,
    evidence,
    geo,
    incidents,
    jobs,
    opendata,
    package,
    publish,
    serve,
    sitrep,
    users,
)
from civwatch.cli.common import err
from civwatch.errors import CivwatchError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="civwatch: evidence of attacks on civilians, preserved and provable.",
)
for commands in (evidence.app, copies.app, serve.app, package.app, opendata.app, sitrep.app):
    app.registered_commands += commands.registered_commands
app.add_typer(custody.custody_app, name="custody")
app.add_typer(serve.demo_app, name="demo")
app.add_typer(geo.app, name="geo")
app.add_typer(users.app, name="user")
incidents.register(app)
jobs.register(app)
publish.register(app)


def main() -> None:
    """Entry point: civwatch errors become one red line and exit status 1."""
    try:
        app(standalone_mode=True)
    except CivwatchError as exc:
        err.print(f"[bold red]error:[/] {escape(exc.message)}")
        sys.exit(1)

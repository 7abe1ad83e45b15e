"""Running many ``civwatch`` commands in this process, with the command tree built once.

Typer's ``CliRunner.invoke(app, ...)`` builds the click command of ``app`` afresh at every
call, and civwatch's root (:class:`civwatch.cli.lazy.LazyGroup`) keeps the commands it
loaded only for its own lifetime: so every call rebuilt the called command's whole group
from the functions' signatures (half of the CLI permission walk's minute). A real process
builds it once; :func:`runner_built_once` gives tests the same.
"""

from __future__ import annotations

import typer.main
import typer.testing
from pytest import MonkeyPatch
from typer.testing import CliRunner


def runner_built_once(app: typer.Typer, monkeypatch: MonkeyPatch) -> CliRunner:
    """A ``CliRunner`` whose every ``invoke(app, ...)`` in this test runs one command tree
    of ``app`` (built now, its commands loaded once for each language)."""
    built = typer.main.get_command(app)
    real = typer.testing._get_command

    def get_command(called: typer.Typer) -> object:
        return built if called is app else real(called)

    monkeypatch.setattr(typer.testing, "_get_command", get_command)
    return CliRunner()

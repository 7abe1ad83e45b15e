"""What every command shares: options, output, errors, the workspace."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from civwatch.config import Settings, load_settings
from civwatch.workspace import Workspace

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="CIVWATCH_DATA_DIR",
        show_envvar=True,
        help="The civwatch data folder.",
        file_okay=False,
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def settings_for(data_dir: Path | None) -> Settings:
    return load_settings(data_dir=data_dir)


@contextmanager
def workspace(data_dir: Path | None) -> Iterator[Workspace]:
    ws = Workspace.open(settings_for(data_dir))
    try:
        yield ws
        # Whatever the command appended to the custody log leaves with a signed head.
        ws.sign_head_if_grown()
    finally:
        ws.close()


def emit(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def hex_(data: bytes) -> str:
    return data.hex()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- init, ingest, show, verify --------------------------------------------------------------


def parse_time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be an ISO 8601 time such as 2022-03-09T14:05:00+02:00", 2)
    if parsed.tzinfo is None:
        fail(f"{option} must say its time zone, e.g. 2022-03-09T14:05:00+02:00", 2)
    return parsed

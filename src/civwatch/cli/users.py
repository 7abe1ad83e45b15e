"""Commands on users: add, list, show, disable."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from civwatch.cli.common import AsJson, DataDir, emit, out, workspace

Actor = Annotated[
    str | None,
    typer.Option("--as", envvar="CIVWATCH_USER", show_envvar=True, help="Who is acting."),
]

app = typer.Typer(no_args_is_help=True, help="Users and their roles.")


def _line(user: dict[str, object]) -> str:
    state = "" if user["active"] else " [red](disabled)[/]"
    roles = ", ".join(user["roles"])  # type: ignore[arg-type]
    return f"{escape(str(user['username']))}  {escape(str(user['display_name']))}  [{roles}]{state}"


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Unique login name (lower case).")],
    role: Annotated[
        list[str],
        typer.Option(help="admin, investigator, verifier, publisher, protection_officer, viewer"),
    ],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    actor: Actor = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Add a user (the first user of a new data folder may be added without --as: an admin)."""
    from civwatch.accounts import add_user

    with workspace(data_dir) as ws:
        user = add_user(ws, username, name, role, actor=actor)
    emit(user) if as_json else out.print(f"added {_line(user)}")


@app.command("list")
def list_(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """List users."""
    from civwatch.accounts import list_users

    with workspace(data_dir) as ws:
        users = list_users(ws)
    if as_json:
        emit(users)
    else:
        for user in users:
            out.print(_line(user))


@app.command("show")
def show(username: str, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Show one user."""
    from civwatch.accounts import get_user

    with workspace(data_dir) as ws:
        user = get_user(ws, username)
    emit(user) if as_json else out.print(_line(user))


@app.command("disable")
def disable(
    username: str, actor: Actor = None, data_dir: DataDir = None, as_json: AsJson = False
) -> None:
    """Disable a user: their history stays, they can no longer act."""
    from civwatch.accounts import disable_user

    with workspace(data_dir) as ws:
        user = disable_user(ws, username, actor=actor)
    emit(user) if as_json else out.print(f"disabled {_line(user)}")

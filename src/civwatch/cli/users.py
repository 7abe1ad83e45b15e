"""Commands on users: add, list, show, disable, reset-totp."""

from __future__ import annotations

import sys
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
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from standard input (else generated)."
        ),
    ] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="No web sign-in (command line only).")
    ] = False,
    actor: Actor = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Add a user (the first user of a new data folder may be added without --as: an admin).

    The user gets a password (read from stdin or generated and shown once) and, when a
    role needs a second factor (admin, protection officer), a TOTP secret shown once.
    """
    from civwatch.accounts import add_user
    from civwatch.accounts.auth import needs_totp, reset_totp, set_password
    from civwatch.accounts.passwords import check_policy, generate_password

    password: str | None = None
    if password_stdin:
        password = check_policy(sys.stdin.readline().rstrip("\r\n"))
    elif not no_password:
        password = generate_password()
    with workspace(data_dir) as ws:
        user = add_user(ws, username, name, role, actor=actor)
        who = actor or user["username"]  # the first admin sets their own secrets
        if password is not None:
            set_password(ws, user["username"], password, actor=who)
        second = reset_totp(ws, user["username"], actor=who) if needs_totp(role) else None
    shown: dict[str, object] = dict(user)
    if password is not None and not password_stdin:
        shown["password"] = password
    if second is not None:
        shown["totp_secret"] = second["secret"]
        shown["totp_uri"] = second["uri"]
    if as_json:
        emit(shown)
        return
    out.print(f"added {_line(user)}")
    if "password" in shown:
        out.print(f"password (shown once): {escape(str(shown['password']))}")
    if second is not None:
        _print_totp(second)


def _print_totp(second: dict[str, str]) -> None:
    out.print(f"TOTP secret (shown once, add it to an authenticator app): {second['secret']}")
    out.print(f"or as a link: {escape(second['uri'])}")


@app.command("reset-totp")
def reset_totp_(
    username: str, actor: Actor = None, data_dir: DataDir = None, as_json: AsJson = False
) -> None:
    """Give a user a new TOTP secret (lost phone); the old codes stop working."""
    from civwatch.accounts.auth import reset_totp

    with workspace(data_dir) as ws:
        second = reset_totp(ws, username, actor=actor or "")
    if as_json:
        emit({"username": username, "totp_secret": second["secret"], "totp_uri": second["uri"]})
    else:
        _print_totp(second)


@app.command("set-password")
def set_password_(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read it from standard input.")
    ] = False,
    actor: Actor = None,
    data_dir: DataDir = None,
) -> None:
    """Set a user's password (read from stdin, or generated and shown once). Replacing one
    ends every session of the user and revokes every API token of theirs."""
    from civwatch.accounts.auth import ended_note, set_password
    from civwatch.accounts.passwords import generate_password

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else generate_password()
    with workspace(data_dir) as ws:
        ended = set_password(ws, username, password, actor=actor or "")
    if not password_stdin:
        out.print(f"password (shown once): {escape(password)}")
    out.print(escape(ended_note(username, ended) or ""))


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

"""Commands on users: add, token, tokens, revoke-token, set-password, reset-totp, roles,
disable, enable, list, show.

These administer the data folder, so they need no API token: whoever holds the data folder
administers it. Each change is recorded in the audit log as done from the local machine
(client ``local``, no actor). Acting *as* a user (creating incidents, reviewing...) needs
that user's token: ``civwatch user token NAME`` issues one.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from civwatch.accounts.roles import ROLES
from civwatch.cli.common import AsJson, DataDir, emit, err, out, workspace
from civwatch.i18n import _

app = typer.Typer(
    no_args_is_help=True,
    help="Users, their roles and API tokens (the data folder's holder administers them).",
)
Username = Annotated[str, typer.Argument(help="The user's login name.")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from standard input (else generated)."
    ),
]


def _line(user: dict[str, object]) -> str:
    values = {
        "username": escape(str(user["username"])),
        "name": escape(str(user["display_name"])),
        "roles": escape("[" + ", ".join(user["roles"]) + "]"),  # type: ignore[arg-type]
    }
    if user["active"]:
        return "{username}  {name}  {roles}".format(**values)
    # TRANSLATORS: a disabled user: login name, display name, [roles] (codes).
    return _("%(username)s  %(name)s  %(roles)s [red](disabled)[/]", **values)


def _read_password() -> str:
    from civwatch.accounts.passwords import check_policy

    return check_policy(sys.stdin.readline().rstrip("\r\n"))


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Unique login name (lower case).")],
    role: Annotated[list[str], typer.Option(help=f"A role (repeat): {', '.join(ROLES)}.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password_stdin: PasswordStdin = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="No web sign-in (command line only).")
    ] = False,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Add a user (the first user of a data folder must be an admin).

    The user gets a password (read from stdin or generated and shown once) and, when a
    role needs a second factor (admin, protection officer), a TOTP secret shown once. To
    act on the command line they need an API token: `civwatch user token NAME`.
    """
    from civwatch.accounts import add_user
    from civwatch.accounts.auth import needs_totp
    from civwatch.accounts.credentials import reset_totp, set_password
    from civwatch.accounts.passwords import generate_password

    password: str | None = None
    if password_stdin:
        password = _read_password()
    elif not no_password:
        password = generate_password()
    with workspace(data_dir) as ws:
        user = add_user(ws, username, name, role, actor=None, local=True)
        if password is not None:
            set_password(ws, user["username"], password, actor=None)
        second = reset_totp(ws, user["username"], actor=None) if needs_totp(role) else None
    shown: dict[str, object] = dict(user)
    if password is not None and not password_stdin:
        shown["password"] = password
    if second is not None:
        shown["totp_secret"] = second["secret"]
        shown["totp_uri"] = second["uri"]
    if as_json:
        emit(shown)
        return
    out.print(_("added %(user)s", user=_line(user)))
    if "password" in shown:
        out.print(_("password (shown once): %(password)s", password=escape(str(shown["password"]))))
    if second is not None:
        _print_totp(second)


def _print_totp(second: dict[str, str]) -> None:
    out.print(
        _(
            "TOTP secret (shown once, add it to an authenticator app): %(secret)s",
            secret=second["secret"],
        )
    )
    out.print(_("or as a link: %(uri)s", uri=escape(second["uri"])))


@app.command("token")
def token(
    username: Username,
    role: Annotated[
        str | None,
        typer.Option(help="The role the token acts with (default: the user's only role)."),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="What the token is for, e.g. 'laptop' or 'import script'.")
    ] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Issue an API token for a user, shown once: the command line (CIVWATCH_TOKEN or
    --token-file) and the API act as that user with it, within the token's one role.

    Only the token goes to standard output: `(umask 077; civwatch user token NAME > FILE)`
    writes a token file ready for --token-file.
    """
    from civwatch.accounts.local import issue_token

    with workspace(data_dir) as ws:
        made = issue_token(ws, username, role=role, name=name)
    if as_json:
        emit(made)
        return
    # The token alone on stdout (`civwatch user token NAME > FILE`), the notes on stderr.
    # TRANSLATORS: a new API token: its number, its user, its role (a code) and what it
    # is for (the name given to it).
    err.print(
        _(
            "API token %(id)s of %(username)s for the %(role)s role (%(name)s), shown once:",
            id=made["id"],
            username=escape(made["username"]),
            role=made["role"],
            name=escape(made["name"]),
        )
    )
    out.print(made["token"])
    err.print(
        escape(
            _(
                "To act as them: export CIVWATCH_TOKEN=<the token>, or keep it in a file only "
                "they can read (chmod 600) and give --token-file FILE."
            )
        )
    )


@app.command("tokens")
def tokens(username: Username, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """A user's API tokens (never their secrets)."""
    from civwatch.accounts.local import list_tokens_of

    with workspace(data_dir) as ws:
        listing = list_tokens_of(ws, username)
    if as_json:
        emit(listing)
        return
    for t in listing:
        state = _("revoked %(when)s", when=t["revoked_at"][:16]) if t["revoked_at"] else _("live")
        used = t["last_used_at"][:16] if t["last_used_at"] else _("never")
        # TRANSLATORS: an API token: number, role (a code), name, state ("live" or
        # "revoked TIME"), and when it was last used (a time, or "never").
        out.print(
            _(
                "%(id)s  %(role)s  %(name)s  %(state)s  last used %(used)s",
                id=t["id"],
                role=t["role"],
                name=escape(t["name"]),
                state=state,
                used=used,
            )
        )


@app.command("revoke-token")
def revoke_token(
    username: Username,
    token_id: Annotated[int, typer.Argument(help="The token's number (see `user tokens`).")],
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Revoke one of a user's API tokens: it stops working at once."""
    from civwatch.accounts.local import revoke_token_locally

    with workspace(data_dir) as ws:
        done = revoke_token_locally(ws, username, token_id)
    emit(done) if as_json else out.print(
        _("revoked API token %(id)s (%(role)s)", id=done["id"], role=done["role"])
    )


@app.command("reset-totp")
def reset_totp_(username: Username, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Give a user a new TOTP secret (lost phone); the old codes stop working."""
    from civwatch.accounts.local import reset_totp_locally

    with workspace(data_dir) as ws:
        second = reset_totp_locally(ws, username)
    if as_json:
        emit({"username": username, "totp_secret": second["secret"], "totp_uri": second["uri"]})
    else:
        _print_totp(second)


@app.command("set-password")
def set_password_(
    username: Username,
    password_stdin: PasswordStdin = False,
    data_dir: DataDir = None,
) -> None:
    """Set a user's password (read from stdin, or generated and shown once). Replacing one
    ends every session of the user and revokes every API token of theirs."""
    from civwatch.accounts.credentials import ended_note
    from civwatch.accounts.local import set_password_locally
    from civwatch.accounts.passwords import generate_password

    password = _read_password() if password_stdin else generate_password()
    with workspace(data_dir) as ws:
        ended = set_password_locally(ws, username, password)
    if not password_stdin:
        out.print(_("password (shown once): %(password)s", password=escape(password)))
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
def show(username: Username, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Show one user."""
    from civwatch.accounts import get_user

    with workspace(data_dir) as ws:
        user = get_user(ws, username)
    emit(user) if as_json else out.print(_line(user))


@app.command("disable")
def disable(username: Username, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Disable a user: their history stays, they (and their API tokens) can no longer act."""
    from civwatch.accounts import disable_user

    with workspace(data_dir) as ws:
        user = disable_user(ws, username, actor=None, local=True)
    emit(user) if as_json else out.print(_("disabled %(user)s", user=_line(user)))


@app.command("roles")
def roles(
    username: Username,
    role: Annotated[
        list[str], typer.Option(help=f"A role they hold from now on (repeat): {', '.join(ROLES)}.")
    ],
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Give a user exactly these roles (tokens for a role taken away stop working; the last
    active admin keeps the admin role)."""
    from civwatch.accounts.changes import set_roles

    with workspace(data_dir) as ws:
        user = set_roles(ws, username, role, actor=None, local=True)
    emit(user) if as_json else out.print(_("roles set: %(user)s", user=_line(user)))


@app.command("enable")
def enable(username: Username, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Enable a disabled user again (they sign in again and make new API tokens)."""
    from civwatch.accounts.changes import enable_user

    with workspace(data_dir) as ws:
        user = enable_user(ws, username, actor=None, local=True)
    emit(user) if as_json else out.print(_("enabled %(user)s", user=_line(user)))

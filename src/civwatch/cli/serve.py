"""Serving civwatch and its demo data."""

from __future__ import annotations

import shlex
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from civwatch.accounts.bootstrap import (
    DEMO_CREDENTIALS_FILE,
    DEMO_RELIEF_TEAM,
    read_demo_credentials,
)
from civwatch.accounts.roles import (
    ADMIN,
    INVESTIGATOR,
    PROTECTION_LEAD,
    PROTECTION_OFFICER,
    PUBLISHER,
    RELIEF_APPROVER,
    RELIEF_FINANCE,
    VERIFIER,
)
from civwatch.cli.common import AsJson, DataDir, emit, err, out, settings_for, workspace
from civwatch.i18n import N_, _, ngettext

app = typer.Typer()
demo_app = typer.Typer(no_args_is_help=True, help="The synthetic demo data set.")


#: The demo team as the sign-in note lists it, with what each may do.
DEMO_ROLES = (
    (INVESTIGATOR, N_("uploads and builds incidents")),
    (VERIFIER, N_("approves verification")),
    (PUBLISHER, N_("publishes and approves redactions")),
)
#: The demo protection desk's team, each signing in with a code too.
DEMO_DESK_ROLES = (
    (PROTECTION_LEAD, N_("every record of the desk, partners, locking and unlocking")),
    (PROTECTION_OFFICER, N_("the dashboard, invented people at risk, a safe-exit case")),
)
#: The demo relief fund's team: (key in the credentials, role), each signing in with a code.
DEMO_RELIEF_KEYS = tuple((key, role) for *_, role, key in DEMO_RELIEF_TEAM)
#: What each relief role may do, as the sign-in note says it.
DEMO_RELIEF_WHY = {
    RELIEF_APPROVER: N_("vets and approves grants of the demo relief fund"),
    RELIEF_FINANCE: N_("the demo relief fund's books: releases, payments, the ledger"),
}


def _code_command(secret: str) -> str:
    """The one-line command that prints a current TOTP code of ``secret`` (demo only): this
    Python named in full, so it works in a fresh terminal where the venv is not active."""
    program = f'import pyotp; print(pyotp.TOTP("{secret}").now())'
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(program)}"


@demo_app.command("load")
def demo_load(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Load the synthetic demo data set (idempotent)."""
    from civwatch.demo import load_demo

    with workspace(data_dir) as ws:
        summary = load_demo(ws)
    if as_json:
        emit(summary)
    else:
        out.print(
            ngettext(
                "Demo data: %(num)s item, %(new)s new (synthetic, clearly marked as such).",
                "Demo data: %(num)s items, %(new)s new (synthetic, clearly marked as such).",
                summary["items"],
                new=summary["new"],
            )
        )
        desk = summary.get("protection") or {}
        if desk.get("desk"):
            out.print(
                ngettext(
                    "Demo protection desk set up: %(num)s invented person at risk, a safe-exit "
                    "case with a missed check-in, requests for help waiting (synthetic, "
                    "clearly marked as such).",
                    "Demo protection desk set up: %(num)s invented people at risk, a safe-exit "
                    "case with a missed check-in, requests for help waiting (synthetic, "
                    "clearly marked as such).",
                    desk["persons"],
                )
            )
        relief = summary.get("relief") or {}
        if relief.get("fund"):
            out.print(
                ngettext(
                    "Demo relief fund set up: an invented donor's deposit and %(num)s invented "
                    "grant on the demo case, one of them paid (synthetic, clearly marked as such).",
                    "Demo relief fund set up: an invented donor's deposit and %(num)s invented "
                    "grants on the demo case, one of them paid (synthetic, clearly marked as "
                    "such).",
                    relief["grants"],
                )
            )
        admin = summary.get("demo_admin")
        if admin:
            _print_demo_accounts(admin)


def _print_demo_accounts(admin: dict[str, Any]) -> None:
    """The demo accounts: how to sign in on the web, and a token each for the command line."""
    secret = admin["totp_secret"]
    lines = [
        _("[bold]Demo sign-in, for the demo only[/] (never use these for real evidence):"),
        "  " + _("username: %(username)s", username=escape(str(admin["username"]))),
        "  " + _("password: %(password)s", password=escape(str(admin["password"]))),
        "  "
        + _(
            "TOTP secret: %(secret)s (add it to an authenticator app; for the demo, a current "
            "code: %(command)s)",
            secret=escape(str(admin["totp_secret"])),
            command=escape(_code_command(secret)),
        ),
    ]
    for role, why in DEMO_ROLES:
        if admin.get(role):
            # TRANSLATORS: a demo account: its role (a code), what it may do, then its user
            # name and password.
            lines.append(
                "  "
                + _(
                    "%(role)s (%(why)s, no code needed): %(username)s / %(password)s",
                    role=role,
                    why=_(why),
                    username=escape(str(admin[role])),
                    password=escape(str(admin[role + "_password"])),
                )
            )
    coded = [(role, role, why) for role, why in DEMO_DESK_ROLES] + [
        (key, role, DEMO_RELIEF_WHY[role]) for key, role in DEMO_RELIEF_KEYS
    ]
    for key, role, why in coded:
        if admin.get(key):
            # TRANSLATORS: a demo account of the protection desk: its role (a code), what it
            # may do, its user name and password, then its TOTP secret and a command.
            lines.append(
                "  "
                + _(
                    "%(role)s (%(why)s): %(username)s / %(password)s, TOTP secret %(secret)s "
                    "(a current code: %(command)s)",
                    role=role,
                    why=_(why),
                    username=escape(str(admin[key])),
                    password=escape(str(admin[key + "_password"])),
                    secret=escape(str(admin.get(key + "_totp_secret"))),
                    command=escape(_code_command(str(admin.get(key + "_totp_secret")))),
                )
            )
    passphrase = admin.get("protection_passphrase")
    if passphrase and admin.get(PROTECTION_LEAD):
        lines.append(
            "  "
            + _(
                "Demo protection desk passphrase (synthetic, for this demo data only; a real "
                "desk's passphrase is never written beside its database): %(passphrase)s. "
                "`make run` gives it to the server, so the desk is open; after locking it, "
                "sign in as %(lead)s and unlock it at /protection/unlock with this passphrase.",
                passphrase=escape(str(passphrase)),
                lead=escape(str(admin[PROTECTION_LEAD])),
            )
        )
    out.print("\n".join(lines))
    tokens = [(ADMIN, admin["username"], admin.get("token"))] + [
        (role, admin[key], admin.get(f"{key}_token"))
        for key, role in (
            *((role, role) for role, _ in (*DEMO_ROLES, *DEMO_DESK_ROLES)),
            *DEMO_RELIEF_KEYS,
        )
        if admin.get(key)
    ]
    out.print(
        _(
            "[bold]Demo API tokens, for the command line and the API[/] (the command acts as "
            "the token's user; for the demo only):"
        )
        + "".join(
            f"\n  {escape(str(username))} ({role}): export CIVWATCH_TOKEN={token}"
            for role, username, token in tokens
            if token
        )
    )


def _ready_text(folder: Path, address: str) -> str:
    """What ``civwatch serve`` says once it answers: where to go, the demo accounts when
    the folder holds the demo data, and how to use the command line on the same folder."""
    lines = [
        _("[bold]civwatch is ready.[/] Public site: %(address)s/public", address=address),
        "  " + _("Sign in: %(address)s/signin", address=address),
    ]
    kept = read_demo_credentials(folder) or {}
    creds = {k: v for k, v in kept.items() if v and v != "None"}  # "None": never made
    accounts = [
        (creds.get(role), creds.get(f"{role}_password"), creds.get(f"{role}_totp_secret"))
        for role in (
            INVESTIGATOR,
            VERIFIER,
            PUBLISHER,
            PROTECTION_LEAD,
            PROTECTION_OFFICER,
            *(key for key, _ in DEMO_RELIEF_KEYS),
        )
    ]
    if creds.get("username"):
        accounts.insert(0, (creds["username"], creds.get("password"), creds.get("totp_secret")))
        lines.append(
            "  "
            + _(
                "Demo accounts (for the demo only; all of it is kept in %(file)s):",
                file=escape(str(folder / DEMO_CREDENTIALS_FILE)),
            )
        )
    for username, password, secret in accounts:
        if not username or not password:
            continue
        line: str
        if secret:
            # TRANSLATORS: a demo account, its password, and a command printing its code.
            line = _(
                "%(username)s / %(password)s, with a code from: %(command)s",
                username=escape(username),
                password=escape(password),
                command=escape(_code_command(secret)),
            )
        else:
            line = f"{escape(username)} / {escape(password)}"
        lines.append("    " + line)
    lines.append(
        "  "
        + _(
            "Command line, in another terminal: export CIVWATCH_DATA_DIR=%(folder)s, then "
            "%(civwatch)s --help",
            folder=escape(shlex.quote(str(folder.resolve()))),
            civwatch=escape(shlex.quote(str(Path(sys.executable).with_name("civwatch")))),
        )
    )
    return "\n".join(lines)


def _announce_when_ready(host: str, port: int, text: str) -> None:
    """Print ``text`` once the server accepts connections (from a thread, so the server
    starts meanwhile); nothing if it never does within two minutes."""
    # a server on every address is reached through this machine's own
    local = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104

    def wait() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((local, port), timeout=1):
                    err.print(text)
                    return
            except OSError:
                time.sleep(0.2)

    threading.Thread(target=wait, name="civwatch-ready", daemon=True).start()


def _serving_line(folder: Path, address: str, processes: int, workers: int, queue: str) -> str:
    """What ``civwatch serve`` says when it starts: the folder, the address, how many
    server processes and job workers."""
    values = {
        "folder": escape(str(folder)),
        "address": address,
        "processes": processes,
        "queue": escape(queue),
    }
    if processes > 1:
        return ngettext(
            "civwatch serving %(folder)s on %(address)s from %(processes)s processes; "
            "%(num)s job worker on %(queue)s",
            "civwatch serving %(folder)s on %(address)s from %(processes)s processes; "
            "%(num)s job workers on %(queue)s",
            workers,
            **values,
        )
    return ngettext(
        "civwatch serving %(folder)s on %(address)s; %(num)s job worker on %(queue)s",
        "civwatch serving %(folder)s on %(address)s; %(num)s job workers on %(queue)s",
        workers,
        **values,
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=0,
            max=64,
            help="Background job workers (threads) run beside the server; 0: none "
            "(run `civwatch worker` elsewhere).",
        ),
    ] = 2,
    processes: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Server processes answering on the port (Linux spreads connections over "
            "them); about one per core.",
        ),
    ] = 1,
    data_dir: DataDir = None,
) -> None:
    """Serve civwatch over HTTP, with workers for its background jobs."""
    import uvicorn

    from civwatch import extensions
    from civwatch.jobs.queue import Workers, queue_for, queue_store
    from civwatch.web.app import create_app
    from civwatch.web.server import check_port, serve_processes, tune_gc, uvicorn_options
    from civwatch.workspace import Workspace

    extensions.load()
    settings = settings_for(data_dir)
    Workspace.open(settings).close()  # fail early, with a clear message, if not initialised
    try:
        check_port(host, port)
    except OSError as exc:  # the port is taken, or the address is not this machine's
        err.print(
            _(
                "Cannot listen on %(address)s: %(reason)s",
                address=escape(f"{host}:{port}"),
                reason=escape(exc.strerror or str(exc)),
            ),
            style="red",
        )
        raise typer.Exit(1) from None
    running = Workers(queue_for(settings), workers).start() if workers else None
    address = f"http://{host}:{port}"
    err.print(_serving_line(settings.data_dir, address, processes, workers, queue_store(settings)))
    _announce_when_ready(host, port, _ready_text(settings.data_dir, address))
    try:
        if processes == 1:
            app = create_app(settings)
            tune_gc()
            uvicorn.run(app, host=host, port=port, **uvicorn_options(settings))
        elif serve_processes(settings, host, port, processes) != 0:
            err.print(_("A server process stopped unexpectedly; all were stopped."), style="red")
            raise typer.Exit(1)
    finally:
        if running is not None:
            running.stop(timeout=10)

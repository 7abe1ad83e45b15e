"""Serving civwatch and its demo data."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from civwatch.accounts.roles import ADMIN, INVESTIGATOR, PUBLISHER, VERIFIER
from civwatch.cli.common import AsJson, DataDir, emit, err, out, settings_for, workspace

app = typer.Typer()
demo_app = typer.Typer(no_args_is_help=True, help="The synthetic demo data set.")


#: The demo team as the sign-in note lists it, with what each may do.
DEMO_ROLES = (
    (INVESTIGATOR, "uploads and builds incidents"),
    (VERIFIER, "approves verification"),
    (PUBLISHER, "publishes and approves redactions"),
)


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
            f"Demo data: {summary['items']} items, {summary['new']} new "
            "(synthetic, clearly marked as such)."
        )
        admin = summary.get("demo_admin")
        if admin:
            _print_demo_accounts(admin)


def _print_demo_accounts(admin: dict[str, Any]) -> None:
    """The demo accounts: how to sign in on the web, and a token each for the command line."""
    out.print(
        "[bold]Demo sign-in, for the demo only[/] (never use these for real evidence):\n"
        f"  username: {escape(str(admin['username']))}\n"
        f"  password: {escape(str(admin['password']))}\n"
        f"  TOTP secret: {escape(str(admin['totp_secret']))} "
        "(add it to an authenticator app; for the demo, a current code: "
        f"python -c \"import pyotp; print(pyotp.TOTP('{admin['totp_secret']}').now())\")"
        + "".join(
            f"\n  {role} ({why}, no code needed): {escape(str(admin[role]))} / "
            f"{escape(str(admin[role + '_password']))}"
            for role, why in DEMO_ROLES
            if admin.get(role)
        )
    )
    tokens = [(ADMIN, admin["username"], admin.get("token"))] + [
        (role, admin[role], admin.get(f"{role}_token")) for role, _ in DEMO_ROLES if admin.get(role)
    ]
    out.print(
        "[bold]Demo API tokens, for the command line and the API[/] (the command acts as "
        "the token's user; for the demo only):"
        + "".join(
            f"\n  {escape(str(username))} ({role}): export CIVWATCH_TOKEN={token}"
            for role, username, token in tokens
            if token
        )
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
            f"[red]Cannot listen on {escape(host)}:{port}: {escape(exc.strerror or str(exc))}[/]"
        )
        raise typer.Exit(1) from None
    running = Workers(queue_for(settings), workers).start() if workers else None
    err.print(
        f"civwatch serving {escape(str(settings.data_dir))} on http://{host}:{port}"
        + (f" from {processes} processes" if processes > 1 else "")
        + f"; {workers} job worker{'' if workers == 1 else 's'} on "
        + escape(queue_store(settings))
    )
    try:
        if processes == 1:
            app = create_app(settings)
            tune_gc()
            uvicorn.run(app, host=host, port=port, **uvicorn_options(settings))
        elif serve_processes(settings, host, port, processes) != 0:
            err.print("[red]A server process stopped unexpectedly; all were stopped.[/]")
            raise typer.Exit(1)
    finally:
        if running is not None:
            running.stop(timeout=10)

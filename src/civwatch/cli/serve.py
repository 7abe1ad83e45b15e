"""Serving civwatch and its demo data."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from civwatch.cli.common import AsJson, DataDir, emit, err, out, settings_for, workspace
from civwatch.workspace import Workspace

app = typer.Typer()
demo_app = typer.Typer(no_args_is_help=True, help="The synthetic demo data set.")


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
            out.print(
                "[bold]Demo sign-in, for the demo only[/] (never use these for real evidence):\n"
                f"  username: {escape(str(admin['username']))}\n"
                f"  password: {escape(str(admin['password']))}\n"
                f"  TOTP secret: {escape(str(admin['totp_secret']))} "
                "(add it to an authenticator app; for the demo, a current code: "
                f"python -c \"import pyotp; print(pyotp.TOTP('{admin['totp_secret']}').now())\")\n"
                f"  investigator (may upload, no code needed): "
                f"{escape(str(admin['investigator']))} / "
                f"{escape(str(admin['investigator_password']))}"
            )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    data_dir: DataDir = None,
) -> None:
    """Serve civwatch over HTTP."""
    import uvicorn

    from civwatch.web.app import create_app

    settings = settings_for(data_dir)
    Workspace.open(settings).close()  # fail early, with a clear message, if not initialised
    err.print(f"civwatch serving {escape(str(settings.data_dir))} on http://{host}:{port}")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")

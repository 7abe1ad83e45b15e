"""``civwatch package``: a court-ready evidence package of one incident."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import (
    AsJson,
    DataDir,
    TokenFile,
    acting_principal,
    emit,
    err,
    out,
    workspace,
)
from civwatch.i18n import _, ngettext

app = typer.Typer()


@app.command("package")
def package(
    incident_id: Annotated[int, typer.Argument(help="Incident number.")],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="New or empty folder for the package (default: "
            "./civwatch-incident-N-TIME in the current folder).",
            file_okay=False,
        ),
    ] = None,
    include_originals: Annotated[
        bool,
        typer.Option(
            "--include-originals",
            help="Put the original files in (they may show people: hand them over with care).",
        ),
    ] = False,
    recipient: Annotated[
        str | None, typer.Option(help="To whom the package goes (recorded in the custody log).")
    ] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Build a BagIt evidence package of an incident that a court can check with the
    verify.py inside it. The export is recorded in the custody log as the act of the user
    whose API token is given (CIVWATCH_TOKEN or --token-file)."""
    from civwatch.intake.testimony_package import build_incident_package
    from civwatch.publish.package import package_name

    target = out_dir if out_dir is not None else Path.cwd() / package_name(incident_id)
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.EXPORT, token_file)
        shown = err.status(_("Building the evidence package...")) if err.is_terminal else None
        if shown is not None:
            shown.start()
        try:
            result = build_incident_package(
                ws,
                actor,
                incident_id,
                target,
                include_originals=include_originals,
                recipient=recipient,
                progress=None
                if shown is None
                else lambda what: shown.update(_("Packaging %(what)s", what=what)),
            )
        finally:
            if shown is not None:
                shown.stop()
    if as_json:
        emit(result.as_json())
        return
    out.print(
        _(
            "Evidence package of incident %(id)s: %(path)s",
            id=incident_id,
            path=escape(str(result.path)),
        )
    )
    # TRANSLATORS: what an evidence package holds: items, which media (a code: none,
    # redacted, originals), and the custody entries in it (some withheld: their content
    # left out), each proved against a signed tree head of the given size.
    out.print(
        ngettext(
            "%(num)s item, media: %(media)s; %(entries)s custody entries (%(withheld)s "
            "withheld) proved against the tree head of size %(size)s",
            "%(num)s items, media: %(media)s; %(entries)s custody entries (%(withheld)s "
            "withheld) proved against the tree head of size %(size)s",
            len(result.items),
            media=result.media,
            entries=result.entries,
            withheld=result.withheld,
            size=result.tree_size,
        )
    )
    out.print(
        _(
            "export recorded as custody entry %(leaf)s; Payload-Oxum %(oxum)s",
            leaf=result.export_leaf,
            oxum=result.payload_oxum,
        )
    )
    out.print(
        _("signing key fingerprint (SHA-256): %(fingerprint)s", fingerprint=result.key_fingerprint)
    )
    out.print(
        _(
            "give the recipient that fingerprint apart from the package; they check it with: "
            "%(command)s",
            command=escape(f"python3 {result.path / 'verify.py'} --key {result.key_fingerprint}"),
        )
    )

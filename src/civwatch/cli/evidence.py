"""Commands on evidence: init, ingest, show, verify."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from civwatch.accounts.roles import ADMIN
from civwatch.cli.common import (
    AsJson,
    DataDir,
    emit,
    err,
    out,
    parse_time,
    progress_bar,
    settings_for,
    source_of,
    workspace,
)
from civwatch.i18n import _, ngettext

app = typer.Typer()


@app.command()
def init(
    admin: Annotated[
        str | None,
        typer.Option(
            "--admin",
            help="Also add the first admin, NAME: a password, a TOTP secret and an API token, "
            "shown once.",
            metavar="NAME",
        ),
    ] = None,
    name: Annotated[str, typer.Option(help="The first admin's display name.")] = "",
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Create the data folder, its database and the custody signing key (and, with
    --admin, its first admin)."""
    from civwatch.workspace import Workspace

    ws, created = Workspace.init(settings_for(data_dir))
    try:
        doc: dict[str, Any] = {
            "data_dir": str(ws.data_dir.resolve()),
            "created": created,
            "signing_key": str(ws.settings.signing_key_path),
        }
        if admin is not None:
            from civwatch.accounts.local import add_first_admin

            doc[ADMIN] = add_first_admin(ws, admin, name)
    finally:
        ws.close()
    if as_json:
        emit(doc)
        return
    folder = escape(doc["data_dir"])
    if created:
        out.print(_("Created civwatch data folder %(folder)s", folder=folder))
    else:
        out.print(_("Checked civwatch data folder %(folder)s", folder=folder))
    if ADMIN in doc:  # the first admin, under its role's name
        _print_first_admin(doc[ADMIN])


def _print_first_admin(made: dict[str, Any]) -> None:
    out.print(
        _(
            "First admin %(username)s; each secret below is shown only once.",
            username=escape(made["username"]),
        )
    )
    out.print(_("  password: %(password)s", password=escape(made["password"])))
    out.print(
        _(
            "  TOTP secret (add it to an authenticator app): %(secret)s or as a link: %(uri)s",
            secret=made["totp_secret"],
            uri=escape(made["totp_uri"]),
        )
    )
    out.print(_("  API token for the command line and the API: %(token)s", token=made["token"]))
    out.print(
        escape(
            _(
                "Act as them in this shell with: export CIVWATCH_TOKEN=<the token>. Add users "
                "with `civwatch user add NAME --role ROLE` and give each a token with "
                "`civwatch user token NAME`."
            )
        )
    )


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (recursive).")],
    source_url: Annotated[str | None, typer.Option(help="Where the item was found.")] = None,
    platform: Annotated[str | None, typer.Option(help="Platform, e.g. telegram.")] = None,
    account: Annotated[str | None, typer.Option(help="Account that posted it.")] = None,
    post_id: Annotated[str | None, typer.Option(help="The post's id on the platform.")] = None,
    caption: Annotated[str | None, typer.Option(help="Caption text as posted.")] = None,
    published_at: Annotated[
        str | None, typer.Option(help="When the source says it was published (ISO 8601 with zone).")
    ] = None,
    collector: Annotated[str, typer.Option(help="Who collected it.")] = "cli",
    copies: Annotated[
        bool,
        typer.Option(help="Find copies among stored items afterwards (perceptual hashes)."),
    ] = True,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Ingest files into the vault, recording each act in the custody log."""
    from civwatch.evidence.collect import Candidate, find_files
    from civwatch.evidence.ingest import Ingest, SourceInfo

    source = SourceInfo(
        url=source_url,
        platform=platform,
        account=account,
        post_id=post_id,
        caption=caption,
        published_at=parse_time(published_at, "--published-at"),
    )
    counts = {"ingested": 0, "duplicate": 0, "rejected": 0}
    with workspace(data_dir) as ws, progress_bar() as bar:
        found = list(find_files(paths))
        task = bar.add_task(_("ingesting"), total=sum(isinstance(f, Candidate) for f in found))
        for outcome in Ingest(ws, source=source, collector=collector).run(found):
            counts[outcome.status] += 1
            if outcome.status != "rejected":
                bar.advance(task)
            if as_json:
                emit(outcome.as_json())
            elif outcome.status == "rejected":
                # TRANSLATORS: a file refused by ingest, and why.
                err.print(
                    _(
                        "[red]rejected[/] %(path)s: %(reason)s",
                        path=escape(outcome.path),
                        reason=escape(outcome.error or ""),
                    )
                )
            else:
                colour = "green" if outcome.status == "ingested" else "yellow"
                out.print(f"[{colour}]{outcome.status}[/] {outcome.sha256} {escape(outcome.path)}")
                for warning in outcome.warnings:
                    out.print(_("  [yellow]warning:[/] %(warning)s", warning=escape(warning)))
    if not as_json:
        # TRANSLATORS: the summary of an ingest: how many files were stored, were already
        # stored, were refused.
        err.print(
            _(
                "%(ingested)s ingested, %(duplicate)s duplicate, %(rejected)s rejected",
                ingested=counts["ingested"],
                duplicate=counts["duplicate"],
                rejected=counts["rejected"],
            )
        )
    if copies and (counts["ingested"] or counts["duplicate"]):
        from civwatch.cli.copies import run_find_copies

        run_find_copies(data_dir)
    raise typer.Exit(1 if counts["rejected"] else 0)


@app.command()
def show(
    sha256: Annotated[str, typer.Argument(help="SHA-256 (or 8+ leading digits).")],
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Show one evidence item: its metadata and sightings."""
    from civwatch.evidence.service import get_item

    with workspace(data_dir) as ws:
        doc = get_item(ws, sha256)
    if as_json:
        emit(doc)
        return
    meta = doc["metadata"]
    out.print(
        ngettext(
            "[bold]%(sha)s[/]  %(type)s  %(num)s byte",
            "[bold]%(sha)s[/]  %(type)s  %(num)s bytes",
            doc["size"],
            sha=doc["sha256"],
            type=doc["media_type"],
        )
    )
    out.print(_("name: %(name)s", name=escape(doc["original_name"])))
    for key in (
        "captured_at",
        "gps_lat",
        "gps_lon",
        "gps_alt",
        "device_make",
        "device_model",
        "software",
        "width",
        "height",
        "duration_s",
    ):
        if meta.get(key) is not None:
            out.print(f"{key}: {escape(str(meta[key]))}")
    for warning in doc["warnings"]:
        out.print(_("[yellow]warning:[/] %(warning)s", warning=escape(warning)))
    first = doc["copies"]["first_seen"]
    if first is not None:
        out.print(
            ngettext(
                "%(num)s copy, first seen %(when)s at %(where)s",
                "%(num)s copies, first seen %(when)s at %(where)s",
                doc["copies"]["count"],
                when=first["seen_at"],
                where=escape(source_of(first)),
            )
        )
    out.print(ngettext("%(num)s sighting:", "%(num)s sightings:", len(doc["sightings"])))
    for s in doc["sightings"]:
        out.print(
            _(
                "  %(when)s by %(who)s from %(where)s",
                when=s["collected_at"],
                who=escape(s["collected_by"]),
                where=escape(source_of(s)),
            )
        )


@app.command()
def verify(
    data_dir: DataDir = None,
    as_json: AsJson = False,
    rehash: Annotated[bool, typer.Option(help="Re-hash every blob.")] = True,
) -> None:
    """Check every record against the custody entry that recorded it, the log against its
    signed heads (also those kept in the heads file) and, unless --no-rehash, every blob.

    One line per problem (with --json: each with its table, row, custody index and what
    differs); exit 1 if anything does not match, 0 when all is sound.
    """
    from civwatch.integrity import verify_workspace

    with workspace(data_dir) as ws, progress_bar() as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        problems = verify_workspace(ws, rehash=rehash, progress=progress)
    if as_json:
        emit({"ok": not problems, "problems": [p.as_json() for p in problems]})
    elif problems:
        for p in problems:
            err.print(_("[red]MISMATCH[/] %(problem)s", problem=escape(str(p))))
        err.print(
            ngettext(
                "[bold red]%(num)s problem found.[/]",
                "[bold red]%(num)s problems found.[/]",
                len(problems),
            )
        )
    else:
        out.print(_("[green]All blobs, records and custody entries verify.[/]"))
    raise typer.Exit(1 if problems else 0)


# --- custody -----------------------------------------------------------------------------------


@app.command()
def unpack(
    sha256: Annotated[str, typer.Argument(help="The ZIP item's SHA-256 (or 8+ digits).")],
    out_dir: Annotated[Path, typer.Option("--out", help="New or empty folder to unpack into.")],
    actor: Annotated[str, typer.Option("--collector", help="Who unpacks it.")] = "cli",
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Unpack a stored ZIP into a folder (members leaving the folder are refused)."""
    from civwatch.evidence.archives import unpack_item

    with workspace(data_dir) as ws:
        result = unpack_item(ws, sha256, out_dir, actor=actor)
    if as_json:
        emit(result.as_json())
        return
    out.print(
        ngettext(
            "%(num)s file written to %(folder)s",
            "%(num)s files written to %(folder)s",
            len(result.written),
            folder=escape(str(result.folder)),
        )
    )
    for member, reason in result.refused:
        err.print(
            _(
                "[yellow]refused[/] %(member)s: %(reason)s",
                member=escape(member),
                reason=escape(reason),
            )
        )

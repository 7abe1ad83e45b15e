"""Chat exports (``civwatch import telegram|whatsapp``): each message brought in with its
context, as the user of the command line's credential."""

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
    acting,
    emit,
    err,
    out,
    progress_bar,
    workspace,
)
from civwatch.i18n import _, ngettext

import_app = typer.Typer(
    no_args_is_help=True,
    help="Import chat exports (Telegram, WhatsApp): each message with its context and custody.",
)

TimeZone = Annotated[
    str | None,
    typer.Option(
        "--time-zone",
        help="The time zone of the export's local times when it names none (default Europe/Kyiv).",
    ),
]


def _run(
    platform: str,
    path: Path,
    *,
    tz: str | None,
    date_order: str | None,
    chat: str | None,
    token_file: Path | None,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    from civwatch.intake.messages import summary
    from civwatch.intake.service import ExportFound, import_export, time_zone

    counts: dict[str, int] = {}
    with workspace(data_dir) as ws, progress_bar() as bar:
        actor = acting(ws, Permission.EVIDENCE_UPLOAD, token_file)
        task = bar.add_task(_("importing messages"), total=None)

        def found(export: ExportFound) -> None:
            bar.update(task, total=export.messages)

        for outcome in import_export(
            ws,
            path,
            actor=actor,
            expect="telegram" if platform == "telegram" else "whatsapp",
            tz=time_zone(tz),
            date_order="day-first"
            if date_order == "day-first"
            else "month-first"
            if date_order == "month-first"
            else None,
            chat=chat,
            on_found=found,
        ):
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
            bar.advance(task)
            if as_json:
                emit(outcome.as_json())
            for warning in outcome.warnings:
                err.print(
                    _(
                        "  [yellow]message %(id)s:[/] %(warning)s",
                        id=escape(outcome.message_id),
                        warning=escape(str(warning)),
                    )
                )
    if as_json:
        return
    done = summary(counts)
    total = sum(done.values())
    out.print(ngettext("%(num)s message read:", "%(num)s messages read:", total))
    # TRANSLATORS: each line counts the messages of a chat export by what became of them.
    out.print(
        ngettext(
            "  %(num)s with new media stored", "  %(num)s with new media stored", done["ingested"]
        )
    )
    out.print(
        ngettext(
            "  %(num)s already held (media or message)",
            "  %(num)s already held (media or message)",
            done["duplicate"],
        )
    )
    out.print(ngettext("  %(num)s kept as text", "  %(num)s kept as text", done["text"]))
    out.print(
        ngettext(
            "  %(num)s whose media the export left out (kept as text)",
            "  %(num)s whose media the export left out (kept as text)",
            done["missing-media"],
        )
    )
    out.print(
        ngettext(
            "  %(num)s service message skipped",
            "  %(num)s service messages skipped",
            done["skipped"],
        )
    )


@import_app.command("telegram")
def import_telegram(
    folder: Annotated[
        Path,
        typer.Argument(help="The folder Telegram Desktop exported (with result.json), or its ZIP."),
    ],
    time_zone: TimeZone = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Import a Telegram Desktop export (JSON): one chat, or a whole account's."""
    _run(
        "telegram",
        folder,
        tz=time_zone,
        date_order=None,
        chat=None,
        token_file=token_file,
        data_dir=data_dir,
        as_json=as_json,
    )


@import_app.command("whatsapp")
def import_whatsapp(
    path: Annotated[
        Path, typer.Argument(help="The exported chat: its .zip, its folder or its _chat.txt.")
    ],
    date_order: Annotated[
        str | None,
        typer.Option(
            "--date-order",
            help="day-first or month-first, when nothing in the chat decides it.",
        ),
    ] = None,
    chat: Annotated[
        str | None, typer.Option(help="The chat's name (default: from the file's name).")
    ] = None,
    time_zone: TimeZone = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Import a WhatsApp chat export (iOS or Android layout)."""
    if date_order not in (None, "day-first", "month-first"):
        raise typer.BadParameter(_("give day-first or month-first"), param_hint="--date-order")
    _run(
        "whatsapp",
        path,
        tz=time_zone,
        date_order=date_order,
        chat=chat,
        token_file=token_file,
        data_dir=data_dir,
        as_json=as_json,
    )

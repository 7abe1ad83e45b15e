"""``civwatch backup DEST`` and ``civwatch restore SRC`` (see docs/backups.md).

Whoever holds the data folder administers it, so neither command needs an API token. The
passphrase that seals the keys is never a command-line argument (it would stay in the
shell's history and be visible to every user in the process list): it comes from
``CIVWATCH_BACKUP_PASSPHRASE``, from standard input with ``--passphrase-stdin``, or is
asked for at the terminal without echo.
"""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from civwatch.cli.common import AsJson, DataDir, emit, fail, out, progress_bar, settings_for
from civwatch.i18n import _, ngettext

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.progress import Progress

    from civwatch.config import Settings

app = typer.Typer()

PassphraseStdin = Annotated[
    bool,
    typer.Option(
        "--passphrase-stdin",
        help="Read the backup passphrase from standard input (else "
        "CIVWATCH_BACKUP_PASSPHRASE, else it is asked for).",
    ),
]


def _stages(bar: Progress) -> Callable[[str, int, int], None]:
    """A progress callback that shows each stage of a backup or restore as its own bar."""
    tasks: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    return progress


def _passphrase(settings: Settings, from_stdin: bool, *, twice: bool) -> str:
    """The backup passphrase: one line of standard input, the setting, or typed (twice when
    it seals keys)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if settings.backup_passphrase is not None:
        return settings.backup_passphrase.get_secret_value()
    first = getpass.getpass(_("Backup passphrase: "))
    if twice and getpass.getpass(_("The same passphrase again: ")) != first:
        fail(_("The two passphrases differ: nothing was backed up."))
    return first


@app.command("backup")
def backup(
    dest: Annotated[
        str,
        typer.Argument(
            help="The backup folder (made if missing) or s3://BUCKET/PREFIX?endpoint=URL; a "
            "second backup to it copies only new blobs.",
        ),
    ],
    with_keys: Annotated[
        bool,
        typer.Option(
            "--with-keys",
            help="Also back up the keys folder (the signing key...), sealed with a passphrase.",
        ),
    ] = False,
    passphrase_stdin: PassphraseStdin = False,
    blob_url: Annotated[
        str | None,
        typer.Option(
            "--blob-url",
            help="Keep the backup's blobs at this blob store URL instead of DEST/blobs (given "
            "once, remembered in DEST).",
        ),
    ] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Write a consistent snapshot of the data folder into DEST: the database, the signed
    tree heads, the manifest of blobs and the blobs not yet there."""
    from civwatch.backups import make_backup
    from civwatch.backups.target import backup_target
    from civwatch.workspace import Workspace

    settings = settings_for(data_dir)
    passphrase = _passphrase(settings, passphrase_stdin, twice=True) if with_keys else None
    ws = Workspace.open(settings)
    try:
        with progress_bar() as bar:
            progress = _stages(bar)
            report = make_backup(
                ws, backup_target(dest), passphrase=passphrase, blob_url=blob_url, progress=progress
            )
    finally:
        ws.close()
    if as_json:
        emit(
            {
                "snapshot": report.name,
                "folder": str(report.folder),
                "database": report.database,
                "blobs": report.blobs,
                "blob_bytes": report.blob_bytes,
                "copied": report.copied,
                "copied_bytes": report.copied_bytes,
                "heads": report.heads,
                "keys": report.keys,
            }
        )
        return
    out.print(_("Snapshot %(name)s written to %(folder)s.", name=report.name, folder=report.folder))
    out.print(
        ngettext(
            "%(num)s blob in the manifest, %(copied)s copied now (the rest were there already).",
            "%(num)s blobs in the manifest, %(copied)s copied now (the rest were there already).",
            report.blobs,
            copied=report.copied,
        )
    )
    for log, size in report.heads.items():
        out.print(_("Signed head of the %(log)s log: %(size)s entries.", log=log, size=size))
    if with_keys:
        out.print(
            ngettext(
                "%(num)s key file sealed with the passphrase.",
                "%(num)s key files sealed with the passphrase.",
                report.keys,
            )
        )
    else:
        out.print(_("No keys in this snapshot (use --with-keys to add them, sealed)."))


@app.command("restore")
def restore(
    src: Annotated[
        str, typer.Argument(help="The backup folder or s3://BUCKET/PREFIX?endpoint=URL.")
    ],
    snapshot: Annotated[
        str | None, typer.Option("--snapshot", help="The snapshot to restore (default: newest).")
    ] = None,
    without_keys: Annotated[
        bool,
        typer.Option("--without-keys", help="Leave out the keys even if the snapshot has them."),
    ] = False,
    expect_key: Annotated[
        str | None,
        typer.Option(
            "--expect-key",
            help="Refuse the backup unless this signing key fingerprint (SHA-256, 64 hex "
            "digits) signed it.",
        ),
    ] = None,
    passphrase_stdin: PassphraseStdin = False,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Restore a snapshot of SRC into an empty data folder, re-hashing every blob, and
    prove its logs consistent with the heads signed before the backup."""
    from civwatch.backups import restore_backup
    from civwatch.backups.target import backup_target

    settings = settings_for(data_dir)

    def passphrase() -> str:
        return _passphrase(settings, passphrase_stdin, twice=False)

    with progress_bar() as bar:
        progress = _stages(bar)
        report = restore_backup(
            settings,
            backup_target(src),
            snapshot=snapshot,
            passphrase=None if without_keys else passphrase,
            expect_key=expect_key,
            progress=progress,
        )
    if as_json:
        emit(
            {
                "snapshot": report.snapshot,
                "created_at": report.created_at,
                "database": report.database,
                "key_fingerprint": report.key_fingerprint,
                "blobs": report.blobs,
                "blob_bytes": report.blob_bytes,
                "files": report.files,
                "keys": report.keys,
                "logs": {log: {"signed": a, "restored": b} for log, (a, b) in report.logs.items()},
            }
        )
        return
    out.print(
        _(
            "Restored snapshot %(name)s (taken %(when)s) into %(data_dir)s.",
            name=report.snapshot,
            when=report.created_at,
            data_dir=settings.data_dir,
        )
    )
    out.print(_("Signing key fingerprint: %(fingerprint)s", fingerprint=report.key_fingerprint))
    out.print(
        ngettext(
            "%(num)s blob copied and re-hashed.",
            "%(num)s blobs copied and re-hashed.",
            report.blobs,
        )
    )
    for log, (signed, restored) in report.logs.items():
        out.print(
            _(
                "The %(log)s log: %(restored)s entries, consistent with the head signed "
                "at %(signed)s before the backup.",
                log=log,
                restored=restored,
                signed=signed,
            )
        )
    if report.keys:
        out.print(
            ngettext("%(num)s key file restored.", "%(num)s key files restored.", report.keys)
        )
    else:
        out.print(
            _(
                "No keys restored: put the signing key in %(path)s before signing anything.",
                path=settings.signing_key_path,
            )
        )
    out.print(_("Run `civwatch verify` on the restored data folder next."))


@app.command("prune-backups")
def prune_backups_cmd(
    dest: Annotated[
        str, typer.Argument(help="The backup folder or s3://BUCKET/PREFIX?endpoint=URL.")
    ],
    hourly: Annotated[
        int, typer.Option("--hourly", min=0, help="Keep the newest snapshot of this many hours.")
    ] = 24,
    daily: Annotated[
        int, typer.Option("--daily", min=0, help="Keep the newest snapshot of this many days.")
    ] = 7,
    weekly: Annotated[
        int, typer.Option("--weekly", min=0, help="Keep the newest snapshot of this many weeks.")
    ] = 4,
    monthly: Annotated[
        int,
        typer.Option("--monthly", min=0, help="Keep the newest snapshot of this many months."),
    ] = 12,
    as_json: AsJson = False,
) -> None:
    """Remove the snapshots of DEST an hourly, daily, weekly and monthly schedule does not
    keep (the newest always stays), then the blobs no kept snapshot lists."""
    from civwatch.backups.prune import prune_backups
    from civwatch.backups.target import backup_target

    report = prune_backups(
        backup_target(dest), hourly=hourly, daily=daily, weekly=weekly, monthly=monthly
    )
    if as_json:
        emit(
            {
                "kept": report.kept,
                "removed": report.removed,
                "blobs_removed": report.blobs_removed,
                "bytes_removed": report.bytes_removed,
                "blobs_left": report.blobs_left,
            }
        )
        return
    out.print(
        ngettext(
            "%(num)s snapshot kept, %(removed)s removed.",
            "%(num)s snapshots kept, %(removed)s removed.",
            len(report.kept),
            removed=len(report.removed),
        )
    )
    out.print(
        ngettext(
            "%(num)s blob no kept snapshot needs was removed.",
            "%(num)s blobs no kept snapshot needs were removed.",
            report.blobs_removed,
        )
    )
    if report.blobs_left:
        out.print(
            ngettext(
                "%(num)s blob no kept snapshot needs is left in the remote blob area.",
                "%(num)s blobs no kept snapshot needs are left in the remote blob area.",
                report.blobs_left,
            )
        )

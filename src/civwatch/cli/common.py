"""What every command shares: options, output, errors, the workspace, and who acts.

A command that acts as a user (creates, reviews, publishes...) acts as the user of the API
token given in ``CIVWATCH_TOKEN`` or with ``--token-file FILE``, checked as the API checks
it (:func:`acting`). Commands that only read, and the administration of the data folder
(``civwatch init``, ``civwatch user ...``), need no token: whoever holds the data folder
can read it and administers it.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from civwatch.errors import NotAuthenticatedError, RejectedInputError
from civwatch.i18n import N_, SOURCE_LANGUAGE, Message, _, localise

if TYPE_CHECKING:
    # Imported where used: `civwatch --help` and the commands that need no database start
    # without loading the settings, the database layer or the accounts.
    from civwatch.accounts.permissions import Permission
    from civwatch.accounts.principal import Principal
    from civwatch.config import Settings
    from civwatch.workspace import Workspace

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="CIVWATCH_DATA_DIR",
        show_envvar=True,
        help="The civwatch data folder.",
        file_okay=False,
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
TokenFile = Annotated[
    Path | None,
    typer.Option(
        "--token-file",
        help="A file holding the API token to act with (instead of CIVWATCH_TOKEN); it must "
        "be private to you (chmod 600).",
        show_default=False,
    ),
]
IncidentId = Annotated[int, typer.Argument(help="Incident number.")]
Sha = Annotated[str, typer.Argument(help="Evidence SHA-256 (or 8+ leading digits).")]
Reason = Annotated[str | None, typer.Option(help="Why (needed to reject, reopen, unlink).")]

#: A token file larger than this is not a token (tokens are about 50 characters).
MAX_TOKEN_FILE = 4096
ASK_FOR_CREDENTIAL = N_(
    "This command acts as a user: give that user's API token in CIVWATCH_TOKEN or with "
    "--token-file FILE (the data folder's holder issues one with `civwatch user token NAME`)."
)


def error_line(message: str) -> None:
    """Print ``message`` as the one red error line on stderr, in the language in force."""
    err.print(escape(_("error: %(problem)s", problem=localise(message))), style="red")


def fail(message: str, code: int = 1) -> NoReturn:
    """Print the error line ``message`` and end the command with exit status ``code``."""
    error_line(message)
    raise typer.Exit(code)


def read_token_file(path: Path) -> str:
    """The API token in the file at ``path`` (surrounding white space removed).

    The file must be private to its owner (on POSIX systems), hold text, and be small.
    """
    try:
        with path.open("rb") as f:
            mode = os.fstat(f.fileno()).st_mode
            data = f.read(MAX_TOKEN_FILE + 1)
    except OSError as exc:
        raise RejectedInputError(
            _(
                "Cannot read the token file %(path)s: %(reason)s.",
                path=path,
                reason=exc.strerror or exc,
            )
        ) from None
    if os.name == "posix" and stat.S_ISREG(mode) and mode & 0o077:
        raise RejectedInputError(
            _(
                "The token file %(path)s is one that other users of this machine can read or "
                "change: make it private with `chmod 600 %(path)s`.",
                path=path,
            )
        )
    if len(data) > MAX_TOKEN_FILE:
        raise RejectedInputError(
            _(
                "The token file %(path)s is too large to hold an API token: give the file "
                "that holds only the token.",
                path=path,
            )
        )
    try:
        secret = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise RejectedInputError(
            _(
                "The token file %(path)s is not text: give the file that holds only the token.",
                path=path,
            )
        ) from None
    if not secret:
        raise RejectedInputError(_("The token file %(path)s is empty.", path=path))
    return secret


def acting(ws: Workspace, permission: Permission, token_file: Path | None) -> str:
    """Who this command acts as: the user of the API token given with ``--token-file``
    (else ``CIVWATCH_TOKEN``), once the token is live and its role allows ``permission``.

    Refusals (no token, an unknown, revoked or garbled one, a disabled owner, a role taken
    away or not allowing ``permission``) raise a one-sentence error, audited like the API's.
    """
    return acting_principal(ws, permission, token_file).username


def acting_principal(ws: Workspace, permission: Permission, token_file: Path | None) -> Principal:
    """:func:`acting`, as the principal (user and role in force) services that decide by
    role take (the protection desk's need to know)."""
    from civwatch.accounts.local import token_principal

    if token_file is not None:
        secret = read_token_file(token_file)
    else:
        given = ws.settings.token
        secret = "" if given is None else given.get_secret_value().strip()
    if not secret:
        raise NotAuthenticatedError(_(ASK_FOR_CREDENTIAL))
    return token_principal(ws, secret, permission, target=f"command line: {permission.value}")


def settings_for(data_dir: Path | None) -> Settings:
    from civwatch.config import load_settings

    return load_settings(data_dir=data_dir)


@contextmanager
def workspace(data_dir: Path | None) -> Iterator[Workspace]:
    from civwatch.workspace import Workspace

    ws = Workspace.open(settings_for(data_dir))
    try:
        yield ws
        # Whatever the command appended to a log leaves with a signed head.
        ws.sign_head_if_grown()
        ws.sign_head_if_grown(ws.protection_log)
        ws.sign_head_if_grown(ws.relief_log)
    finally:
        ws.close()


def neutral(doc: Any) -> Any:
    """``doc`` with every translated message in it rendered in English: machine output is
    the same whatever the user's language."""
    if isinstance(doc, Message):
        return localise(doc, SOURCE_LANGUAGE)
    if isinstance(doc, dict):
        return {k: neutral(v) for k, v in doc.items()}
    if isinstance(doc, list | tuple):
        return [neutral(v) for v in doc]
    return doc


def emit(doc: Any) -> None:
    """Print ``doc`` as one line of JSON on stdout (messages in it in English)."""
    sys.stdout.write(json.dumps(neutral(doc), ensure_ascii=False) + "\n")
    sys.stdout.flush()


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def hex_(data: bytes) -> str:
    return data.hex()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- init, ingest, show, verify --------------------------------------------------------------


def incident_line(d: dict[str, Any]) -> str:
    """One line about an incident (its short form): number, start, status and visibility,
    title, settlement and the range of people killed; markup in the text is escaped."""
    killed = d.get("killed")
    k = "?" if not killed else f"{killed['min']}-{killed['max']}"
    # TRANSLATORS: one line about an incident: number, start time, [status/visibility]
    # (codes), title, settlement, and the range of people killed ("3-5", or "?").
    return _(
        "#%(id)s  %(start)s  %(state)s  %(title)s  (%(settlement)s; killed %(killed)s)",
        id=d["id"],
        start=d["start"][:16],
        state=escape(f"[{d['status']}/{d['visibility']}]"),
        title=escape(d["title"]),
        settlement=escape(str(d.get("settlement") or "")),
        killed=k,
    )


def history_line(h: dict[str, Any]) -> str:
    """One act of a record's history: when, who, the act and the statuses (codes), why."""
    if h["reason"]:
        # TRANSLATORS: an act in a history: time, who, the act (a code), the status before
        # and after (codes), and the reason given.
        return _(
            "%(at)s %(actor)s %(act)s %(before)s -> %(after)s: %(reason)s",
            at=h["at"][:19],
            actor=h["actor"],
            act=h["act"],
            before=h["from"],
            after=h["to"],
            reason=escape(h["reason"]),
        )
    return f"{h['at'][:19]} {h['actor']} {h['act']} {h['from']} -> {h['to']}"


def source_of(sighting: dict[str, Any]) -> str:
    """Where a sighting was found, for a person: its address, else its platform."""
    return str(sighting["source_url"] or sighting["platform"] or _("no source given"))


#: A time as the options take it (shown in the messages about a wrong one).
EXAMPLE_TIME = "2022-03-09T14:05:00+02:00"


def parse_time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(
            _(
                "%(option)s must be an ISO 8601 time such as %(example)s",
                option=option,
                example=EXAMPLE_TIME,
            ),
            2,
        )
    if parsed.tzinfo is None:
        fail(
            _(
                "%(option)s must say its time zone, e.g. %(example)s",
                option=option,
                example=EXAMPLE_TIME,
            ),
            2,
        )
    return parsed

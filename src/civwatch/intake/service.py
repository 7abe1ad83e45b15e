"""Importing a chat export: what the command line and the import job call.

:func:`import_export` takes a Telegram Desktop export folder, a WhatsApp export (its
folder, its chat text or its ``.zip``), or a ZIP of either, finds which it is, and yields
one :class:`~civwatch.intake.messages.MessageOutcome` per message, each after the
transaction that recorded it.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.intake import telegram, whatsapp, whatsapp_words
from civwatch.intake.archive import unpack_export
from civwatch.intake.messages import MessageImport, MessageOutcome, OnRecorded
from civwatch.workspace import Workspace

Platform = Literal["telegram", "whatsapp"]
APP_NAMES: dict[Platform, str] = {"telegram": "Telegram", "whatsapp": "WhatsApp"}
#: The time zone of an export's local times when it names none (WhatsApp, old Telegram).
DEFAULT_TIME_ZONE = "Europe/Kyiv"


@dataclass(frozen=True)
class ExportFound:
    """What the first pass over an export found, before any message is imported."""

    platform: Platform
    sha256: str
    messages: int


OnFound = Callable[[ExportFound], None]


def time_zone(name: str | None) -> ZoneInfo:
    """The IANA time zone ``name`` (default Kyiv), or a clear refusal."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        raise RejectedInputError(
            _("%(name)s is not a time zone: give one such as Europe/Kyiv.", name=repr(name))
        ) from None


def detect(folder: Path) -> Platform:
    """Whether an export folder is Telegram's or WhatsApp's."""
    if (folder / telegram.RESULT).is_file() or (folder / "messages.html").is_file():
        return "telegram"
    if (folder / "_chat.txt").is_file() or any(folder.glob("*.txt")):
        return "whatsapp"
    raise RejectedInputError(
        _(
            "%(folder)s is neither a Telegram Desktop export (result.json) nor a WhatsApp "
            "export (_chat.txt).",
            folder=folder.name or str(folder),
        )
    )


def _chat_name(given: Path) -> str:
    stem = given.stem if given.is_file() else given.name
    for prefix in whatsapp_words.CHAT_FILE_PREFIXES:
        if stem.startswith(prefix):
            return stem[len(prefix) :]
    return stem


def import_export(
    ws: Workspace,
    given: Path,
    *,
    actor: str,
    expect: Platform | None = None,
    tz: ZoneInfo | None = None,
    date_order: whatsapp.DateOrder | None = None,
    chat: str | None = None,
    on_found: OnFound | None = None,
    on_recorded: OnRecorded | None = None,
) -> Iterator[MessageOutcome]:
    """Import the export at ``given`` as ``actor`` (who must be allowed to add evidence,
    asked before the export is opened); one outcome per message."""
    with ws.sessions() as session:
        require(session, actor, Permission.EVIDENCE_UPLOAD)
    zone = tz or time_zone(None)
    if not given.exists():
        raise RejectedInputError(_("%(path)s does not exist.", path=str(given)))
    unpacked: Path | None = None
    try:
        folder = given
        if given.is_file() and zipfile.is_zipfile(given):
            spool = ws.data_dir / "spool"
            spool.mkdir(parents=True, exist_ok=True)
            unpacked = Path(tempfile.mkdtemp(prefix="import-", dir=spool))
            folder = unpack_export(given, unpacked, limit=ws.settings.max_file_size)
        elif given.is_file() and given.suffix.lower() == ".zip":
            raise RejectedInputError(
                _(
                    "%(name)s is not a whole ZIP archive: it may be truncated; send it again.",
                    name=given.name,
                )
            )
        platform: Platform
        if given.is_file() and given.name == telegram.RESULT:
            folder = given.parent  # result.json given for its folder
        if given.is_file() and unpacked is None and given.name != telegram.RESULT:
            platform, chat_text = "whatsapp", given
            folder = given.parent
        else:
            platform = detect(folder)
            chat_text = None
        if expect is not None and platform != expect:
            raise RejectedInputError(
                _(
                    "%(path)s is a %(found)s export, not a %(expected)s one.",
                    path=given.name,
                    found=APP_NAMES[platform],
                    expected=APP_NAMES[expect],
                )
            )
        if platform == "telegram":
            result = telegram.result_file(folder)
            tg = telegram.survey(result)
            if on_found is not None:
                on_found(ExportFound("telegram", tg.sha256, tg.messages))
            run = MessageImport(
                ws, root=folder, export_sha256=tg.sha256, actor=actor, on_recorded=on_recorded
            )
            yield from run.run(telegram.read_messages(result, zone))
        else:
            text = chat_text or whatsapp.chat_file(folder)
            wa = whatsapp.survey(text, date_order)
            if on_found is not None:
                on_found(ExportFound("whatsapp", wa.sha256, wa.messages))
            name = chat or _chat_name(given)
            if name == "_chat":
                name = _chat_name(folder)
            run = MessageImport(
                ws, root=text.parent, export_sha256=wa.sha256, actor=actor, on_recorded=on_recorded
            )
            yield from run.run(whatsapp.read_messages(text, wa, chat=name, tz=zone))
    finally:
        if unpacked is not None:
            shutil.rmtree(unpacked, ignore_errors=True)

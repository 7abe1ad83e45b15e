"""Telegram Desktop's "Export chat history" in JSON: a folder with ``result.json`` and the
media folders (``photos/``, ``files/``, ``video_files/``...).

A single chat's export holds ``{"name", "type", "id", "messages": [...]}``; a whole
account's export holds its chats under ``chats.list`` (and ``left_chats.list``), with
media paths relative to the export folder either way. ``result.json`` is read as a stream
(ijson), twice: once to check it is whole and count its messages while hashing it, then
message by message, so a large export never sits in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import ijson

from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.intake.messages import ChatMessage

RESULT = "result.json"
#: Where chats sit in ``result.json``: the top level (one chat) or an account's lists.
CHAT_PREFIXES = ("", "chats.list.item", "left_chats.list.item")
_MESSAGE_PREFIXES = {
    ("messages.item" if p == "" else f"{p}.messages.item"): p for p in CHAT_PREFIXES
}
_CHAT_FIELDS = {
    ("" if p == "" else f"{p}.") + name: (p, name)
    for p in CHAT_PREFIXES
    for name in ("name", "type", "id", "username")
}
#: The media fields of a message, the first present being its media.
MEDIA_FIELDS = ("photo", "file")
#: Context kept beside the sighting, when the message has it.
DETAIL_FIELDS = (
    "edited",
    "edited_unixtime",
    "forwarded_from",
    "saved_from",
    "reply_to_message_id",
    "location_information",
    "from_id",
    "author",
    "via_bot",
    "media_type",
    "mime_type",
    "duration_seconds",
    "place_name",
    "address",
)
PUBLIC_TYPES = ("public_channel", "public_supergroup")


@dataclass(frozen=True)
class ExportSurvey:
    """What a first pass over ``result.json`` found: its SHA-256 and how many messages."""

    sha256: str
    messages: int


class _Hashing:
    """A binary file read through SHA-256."""

    def __init__(self, f: IO[bytes]) -> None:
        self.f = f
        self.hash = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.hash.update(data)
        return data


def result_file(folder: Path) -> Path:
    """The ``result.json`` of an export folder, or a clear refusal."""
    path = folder / RESULT
    if path.is_file():
        return path
    if (folder / "messages.html").is_file() or (folder / "export_results.html").is_file():
        raise RejectedInputError(
            _(
                "%(folder)s is a Telegram export in HTML: export the chat again with the "
                'format "Machine-readable JSON".',
                folder=folder,
            )
        )
    raise RejectedInputError(
        _(
            "%(folder)s holds no result.json: give the folder Telegram Desktop exported.",
            folder=folder,
        )
    )


def _bad_json(path: Path, exc: Exception) -> RejectedInputError:
    return RejectedInputError(
        _(
            "%(path)s is not valid JSON (%(reason)s): the export is damaged or incomplete; "
            "export it again.",
            path=path.name,
            reason=str(exc).strip() or type(exc).__name__,
        )
    )


def survey(path: Path) -> ExportSurvey:
    """Check that ``result.json`` is whole JSON holding chat messages; hash and count them."""
    count = 0
    chats = 0
    with path.open("rb") as f:
        reader = _Hashing(f)
        try:
            for prefix, event, _value in ijson.parse(reader, use_float=True):
                if event == "start_map":
                    if prefix in _MESSAGE_PREFIXES:
                        count += 1
                elif event == "start_array" and prefix.endswith("messages"):
                    chats += 1
        except (ijson.JSONError, ValueError) as exc:
            raise _bad_json(path, exc) from None
        while reader.read(1 << 20):
            pass  # whatever follows the document (nothing, normally) is hashed too
    if chats == 0:
        raise RejectedInputError(
            _(
                "%(path)s holds no chat messages: this is not a Telegram Desktop chat export.",
                path=path.name,
            )
        )
    return ExportSurvey(reader.hash.hexdigest(), count)


def plain_text(text: Any) -> str:
    """A message's ``text`` as plain text: a string as it is, or the parts of a list of
    entities joined; a link whose words differ from its address keeps the address."""
    if isinstance(text, str):
        return text
    if not isinstance(text, list):
        return ""
    parts: list[str] = []
    for part in text:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict):
            words = part.get("text")
            words = words if isinstance(words, str) else ""
            href = part.get("href")
            if isinstance(href, str) and href and href != words:
                parts.append(f"{words} ({href})" if words else href)
            else:
                parts.append(words)
    return "".join(parts)


def _time(unixtime: Any, local: Any, tz: ZoneInfo) -> datetime | None:
    if isinstance(unixtime, str | int) and str(unixtime).isdigit():
        return datetime.fromtimestamp(int(unixtime), UTC)
    if isinstance(local, str):
        try:
            parsed = datetime.fromisoformat(local)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz).astimezone(UTC)
    return None


def _missing(value: str) -> str | None:
    """The reason an export gives for leaving a file out ("(File not included. ...)")."""
    text = value.strip()
    if text.startswith("(") and text.endswith(")"):
        return text[1:-1]
    return None


def chat_message(chat: dict[str, Any], raw: dict[str, Any], tz: ZoneInfo) -> ChatMessage:
    """One message of ``chat`` as the import keeps it."""
    chat_id = chat.get("id")
    key = (str(chat_id) if chat_id is not None else str(chat.get("name") or "")).replace("\x00", "")
    message_id = str(raw.get("id", "")).replace("\x00", "")
    published = _time(raw.get("date_unixtime"), raw.get("date"), tz)
    media = next((raw[f] for f in MEDIA_FIELDS if isinstance(raw.get(f), str)), None)
    missing = _missing(media) if media is not None else None
    username = chat.get("username")
    url = None
    if chat.get("type") in PUBLIC_TYPES and isinstance(username, str) and username:
        url = f"https://t.me/{username.lstrip('@')}/{message_id}"
    details = {name: raw[name] for name in DETAIL_FIELDS if name in raw}
    account = raw.get("from")
    if not isinstance(account, str):
        account = raw.get("actor") if isinstance(raw.get("actor"), str) else None
    name = chat.get("name")
    return ChatMessage(
        platform="telegram",
        chat=key[:255],
        chat_name=name if isinstance(name, str) else None,
        message_id=message_id[:255],
        document={
            "platform": "telegram",
            "chat": {"id": chat_id, "name": name, "type": chat.get("type")},
            "message": raw,
        },
        published_at=published,
        account=account.replace("\x00", "")[:255] if account else None,
        text=plain_text(raw.get("text")).replace("\x00", ""),
        url=url,
        service=raw.get("type") == "service",
        media=None if missing is not None else media,
        media_missing=missing,
        details=details,
    )


def read_messages(path: Path, tz: ZoneInfo) -> Iterator[ChatMessage]:
    """Every message of every chat in ``result.json``, in file order."""
    chat: dict[str, Any] = {}
    builder: Any = None
    inside: str | None = None
    with path.open("rb") as f:
        try:
            for prefix, event, value in ijson.parse(f, use_float=True):
                if builder is not None:
                    if prefix == inside and event == "end_map":
                        builder.event(event, value)
                        raw = builder.value
                        builder, inside = None, None
                        if isinstance(raw, dict):
                            yield chat_message(chat, raw, tz)
                        continue
                    builder.event(event, value)
                    continue
                if event == "start_map" and prefix in _MESSAGE_PREFIXES:
                    builder, inside = ijson.ObjectBuilder(), prefix
                    builder.event(event, value)
                elif event == "start_map" and prefix in CHAT_PREFIXES[1:]:
                    chat = {}
                elif prefix in _CHAT_FIELDS and event in ("string", "number"):
                    chat[_CHAT_FIELDS[prefix][1]] = value
        except (ijson.JSONError, ValueError) as exc:
            raise _bad_json(path, exc) from None

"""WhatsApp's "Export chat": ``_chat.txt`` (iOS) or ``WhatsApp Chat with NAME.txt``
(Android), with the attached files beside it.

Two layouts, one message per header line, the lines after it continuing the message::

    [01.03.24, 10:15:30] Olena: text                       (iOS)
    \u200e[3/1/24, 10:16:02\u202fAM] Olena: \u200e<attached: 00000012-PHOTO-2024-03-01-10-16-02.jpg>
    01/03/2024, 10:15 - Olena: text                        (Android)
    IMG-20240301-WA0001.jpg (file attached)

The file names no time zone (it is the phone's local time: give it) and writes dates in the
phone's order: day first or month first is found from the whole file (a day above 12 in
either place), and refused when nothing in the file decides it, rather than guessed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.intake import whatsapp_words as words
from civwatch.intake.messages import ChatMessage

DateOrder = Literal["day-first", "month-first"]
Layout = Literal["ios", "android"]

_DATE = r"(?P<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4})"
_TIME = (
    r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)"
    rf"(?:[\u202f\u00a0 ](?P<ampm>[AaPp]\.? ?[Mm]\.?|{words.AMPM}))?"
)
HEADERS: dict[Layout, re.Pattern[str]] = {
    "ios": re.compile(rf"^[\u200e\u200f]?\[{_DATE},? {_TIME}\] (?P<rest>.*)$"),
    "android": re.compile(rf"^[\u200e\u200f]?{_DATE},? {_TIME} [-\u2013] (?P<rest>.*)$"),
}
#: ``<LABEL: FILE>``: "attached" in the phone's language (any language: a label not in
#: :mod:`~civwatch.intake.whatsapp_words` counts when the file is in the export).
_ATTACHED_IOS = re.compile(
    r"^<(?P<label>[^\W\d_][^:<>\n]{0,39}): (?P<file>[^>\n]+)>\s*(?P<text>.*)$", re.S
)
_ATTACHED_ANDROID = re.compile(
    r"^(?P<file>[^\n/\\]+?\.\w{1,5}) \((?P<note>[^)\n]*)\)(?:\n(?P<text>.*))?$", re.S
)
#: Export file names of each layout.
CHAT_FILES = ("_chat.txt",)
MARKS = "\u200e\u200f\u202a\u202c"


@dataclass(frozen=True)
class ChatSurvey:
    """What a first pass over the chat found: its SHA-256, layout, date order and size."""

    sha256: str
    layout: Layout
    date_order: DateOrder | None
    messages: int


def chat_file(folder: Path) -> Path:
    """The chat text of an export folder: ``_chat.txt``, or the one ``*.txt`` beside the
    attachments that an Android phone writes."""
    path = folder / "_chat.txt"
    if path.is_file():
        return path
    texts = sorted(p for p in folder.glob("*.txt") if p.is_file())
    if len(texts) == 1:
        return texts[0]
    raise RejectedInputError(
        _(
            "%(folder)s holds no WhatsApp chat (_chat.txt, or one .txt file): give the "
            "exported chat's folder or its .zip.",
            folder=folder,
        )
    )


def _lines(path: Path) -> Iterator[str]:
    with path.open("r", encoding="utf-8-sig", errors="replace", newline=None) as f:
        for line in f:
            yield line.rstrip("\n")


def _parts(date: str) -> tuple[int, int, int]:
    a, b, c = (int(x) for x in re.split(r"[./-]", date))
    return a, b, c


def _year_first(date: str) -> bool:
    return len(re.split(r"[./-]", date)[0]) == 4


def survey(path: Path, date_order: DateOrder | None = None) -> ChatSurvey:
    """Hash the chat, find its layout, count its messages, decide its date order."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    layout: Layout | None = None
    count = 0
    day_first = month_first = needs_order = False
    for line in _lines(path):
        if layout is None:
            for name, pattern in HEADERS.items():
                if pattern.match(line):
                    layout = name
                    break
            else:
                continue
        m = HEADERS[layout].match(line)
        if m is None:
            continue
        count += 1
        if _year_first(m["date"]):
            continue  # year first: no question of order
        needs_order = True
        a, b, _c = _parts(m["date"])
        day_first |= a > 12
        month_first |= b > 12
    if layout is None:
        raise RejectedInputError(
            _(
                "%(name)s is not a WhatsApp chat export: no line starts with a date and a time "
                "as WhatsApp writes them.",
                name=path.name,
            )
        )
    found: DateOrder | None = None
    if day_first and month_first:
        raise RejectedInputError(
            _(
                "%(name)s mixes day-first and month-first dates; it cannot be read safely.",
                name=path.name,
            )
        )
    if day_first:
        found = "day-first"
    elif month_first:
        found = "month-first"
    if date_order is not None and found is not None and found != date_order:
        raise RejectedInputError(
            _(
                "%(name)s writes its dates %(found)s, not %(given)s as asked.",
                name=path.name,
                found=found,
                given=date_order,
            )
        )
    order = found or date_order
    if order is None and needs_order:
        raise RejectedInputError(_ambiguous(path.name))
    return ChatSurvey(h.hexdigest(), layout, order, count)


def _ambiguous(name: str) -> str:
    return _(
        "%(name)s does not say whether its dates are day first or month first (no day "
        "above 12 anywhere): give the order (--date-order day-first or month-first).",
        name=name,
    )


def _local_time(m: re.Match[str], order: DateOrder | None, name: str) -> datetime:
    a, b, c = _parts(m["date"])
    if _year_first(m["date"]):
        year, month, day = a, b, c
    else:
        if order is None:
            raise RejectedInputError(_ambiguous(name))
        day, month = (a, b) if order == "day-first" else (b, a)
        year = c + 2000 if c < 100 else c
    hour, minute, *rest = (int(x) for x in re.split(r"[:.]", m["time"]))
    second = rest[0] if rest else 0
    if m["ampm"]:
        if not 1 <= hour <= 12:
            raise RejectedInputError(_("%(name)s has a 12-hour time out of range.", name=name))
        hour = hour % 12 + (12 if words.afternoon(m["ampm"]) else 0)
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise RejectedInputError(
            _(
                "%(name)s has an impossible date or time: %(value)s.",
                name=name,
                value=f"{m['date']} {m['time']}",
            )
        ) from None


@dataclass
class _Raw:
    at: datetime
    rest: str
    lines: list[str]


def _messages(path: Path, layout: Layout, order: DateOrder | None) -> Iterator[_Raw]:
    pattern = HEADERS[layout]
    current: _Raw | None = None
    for line in _lines(path):
        m = pattern.match(line)
        if m is None:
            if current is not None:
                current.lines.append(line)
            continue
        if current is not None:
            yield current
        current = _Raw(_local_time(m, order, path.name), m["rest"], [])
    if current is not None:
        yield current


def _content(
    body: str, folder: Path, layout: Layout, service: bool
) -> tuple[str | None, str | None, str, bool]:
    """A message's attachment, its missing medium, its text and whether WhatsApp wrote it:
    the markers of the phone's language first, then, in any language, an attachment
    whose file is in the export."""
    if service:
        return None, None, body, True
    marked = body.startswith(("\u200e", "\u200f"))
    clean = body.strip(MARKS)
    first, _nl, after = clean.partition("\n")
    first = first.strip(MARKS)
    attached = _ATTACHED_IOS.match(clean)
    if attached is not None and (
        attached["label"].casefold() in words.IOS_ATTACHED_LABELS
        or _in_export(folder, attached["file"])
    ):
        return attached["file"].strip(), None, attached["text"], False
    android = _ATTACHED_ANDROID.match(clean)
    if android is not None and (
        android["note"].casefold() in words.ANDROID_ATTACHED_NOTES
        or _in_export(folder, android["file"])
    ):
        return android["file"].strip(), None, android["text"] or "", False
    if words.is_omitted(first):
        return None, first, after, False  # a caption may follow on the next lines
    if words.is_deleted(first) or words.is_notice(first):
        return None, None, body, True
    if marked and layout == "ios":
        return None, None, body, True  # iOS marks what WhatsApp itself wrote
    return None, None, body, False


def _in_export(folder: Path, name: str) -> bool:
    name = name.strip()
    if not name or any(c in name for c in "/\\\x00") or name in (".", ".."):
        return False
    return (folder / name).is_file()


def read_messages(
    path: Path, found: ChatSurvey, *, chat: str, tz: ZoneInfo
) -> Iterator[ChatMessage]:
    """Every message of the chat, in order; the folder of ``path`` holds its attachments."""
    seen: dict[str, int] = {}
    folder = path.parent
    for raw in _messages(path, found.layout, found.date_order):
        sender: str | None
        sender, sep, text = raw.rest.partition(": ")
        service = False
        if not sep or (found.layout == "android" and words.is_group_event(sender)):
            # Android: "X joined using a link", "Олена додав(-ла): Петро"
            sender, text, service = None, raw.rest, True
        body = "\n".join([text, *raw.lines])
        media, missing, body, service = _content(body, folder, found.layout, service)
        local = raw.at.isoformat()
        base = hashlib.sha256(
            "\x1f".join([local, sender or "", body, media or missing or ""]).encode()
        ).hexdigest()[:12]
        message_id = f"{local}-{base}"
        seen[message_id] = seen.get(message_id, 0) + 1
        if seen[message_id] > 1:
            message_id = f"{message_id}-{seen[message_id]}"
        plain_name = media is not None and not any(c in media for c in "/\\")
        if media is not None and plain_name and not (folder / media).exists():
            missing, media = _("%(file)s is not in the export", file=media), None
        yield ChatMessage(
            platform="whatsapp",
            chat=chat[:255],
            chat_name=chat,
            message_id=message_id,
            document={
                "platform": "whatsapp",
                "chat": chat,
                "message": {
                    "time": local,
                    "sender": sender,
                    "text": body,
                    "attachment": media,
                    "missing": missing,
                },
            },
            published_at=raw.at.replace(tzinfo=tz).astimezone(UTC),
            account=sender.replace("\x00", "")[:255] if sender else None,
            text=body.replace("\x00", ""),
            service=service,
            media=media,
            media_missing=missing,
            details={"local_time": local, "time_zone": tz.key},
        )

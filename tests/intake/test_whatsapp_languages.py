"""WhatsApp exports from phones set to Ukrainian or Russian, in both layouts: the
attachments found by the words WhatsApp writes in that language, media left out recorded
as missing, WhatsApp's own lines (encryption notice, group events, deleted messages)
skipped and counted, multi-line messages kept whole; and an export in a language civwatch
has no words for still imports, its attachments found by their files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.intake.messages import MessageOutcome, summary
from civwatch.intake.models import ImportedMessage
from civwatch.intake.service import time_zone
from civwatch.intake.whatsapp import read_messages, survey
from civwatch.workspace import Workspace
from tests.intake.exports import LRM, whatsapp_localised
from tests.intake.test_telegram import run
from tests.support.files import noise_jpeg

pytestmark = pytest.mark.usefixtures("olena")

ANDROID = [
    "skipped",  # encryption notice
    "skipped",  # group created
    "skipped",  # someone added (a colon after the event)
    "text",
    "ingested",
    "missing-media",
    "text",
    "skipped",  # deleted
    "skipped",  # left
    "text",  # a text using the words "left" and "added"
]
IOS = [
    "skipped",  # encryption notice
    "skipped",  # group created
    "text",
    "ingested",
    "text",
    "missing-media",  # image omitted
    "missing-media",  # an attachment whose file is not in the export
    "skipped",  # deleted
]


def in_chat_order(chat: Path, outcomes: list[MessageOutcome]) -> list[MessageOutcome]:
    """The outcomes in the chat's order (skipped messages are reported first)."""
    by_id = {o.message_id: o for o in outcomes}
    found = survey(chat)
    ids = [m.message_id for m in read_messages(chat, found, chat="c", tz=time_zone(None))]
    assert sorted(ids) == sorted(by_id)
    return [by_id[i] for i in ids]


def caption(ws: Workspace, sha256: str | None) -> str | None:
    with ws.sessions() as session:
        return session.scalars(
            select(Sighting.caption).join(EvidenceItem).where(EvidenceItem.sha256 == sha256)
        ).one()


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_android_export_in_the_phones_language(
    workspace: Workspace, tmp_path: Path, language: str
) -> None:
    export = whatsapp_localised(tmp_path / "chat", language, "android")
    (chat,) = export.glob("*.txt")
    outcomes = in_chat_order(chat, run(workspace, chat))
    assert [o.status for o in outcomes] == ANDROID
    counts = summary(Counter(o.status for o in outcomes))
    assert counts == {"ingested": 1, "duplicate": 0, "text": 3, "skipped": 5, "missing-media": 1}
    photo, multi = outcomes[4], outcomes[6]
    assert caption(workspace, photo.sha256) in ("воронка біля школи", "воронка возле школы")
    assert caption(workspace, multi.sha256) in (
        "рядок перший\nрядок другий",
        "строка первая\nстрока вторая",
    )
    assert "<" in str(outcomes[5].warnings[0])  # the export's own words say why
    # the chat is named without the localised file name's prefix
    with workspace.sessions() as session:
        chats = set(session.scalars(select(ImportedMessage.chat)).all())
    assert chats == ({"Харків"} if language == "uk" else {"Харьков"})


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_ios_export_in_the_phones_language(
    workspace: Workspace, tmp_path: Path, language: str
) -> None:
    export = whatsapp_localised(tmp_path / "chat", language, "ios")
    outcomes = in_chat_order(export / "_chat.txt", run(workspace, export))
    assert [o.status for o in outcomes] == IOS
    assert caption(workspace, outcomes[4].sha256) in (
        "Три рядки:\nдругий рядок\nтретій рядок",
        "Три строки:\nвторая строка\nтретья строка",
    )
    with workspace.sessions() as session:
        names = set(session.scalars(select(EvidenceItem.original_name)).all())
    assert "00000012-PHOTO-2024-03-13.jpg" in names
    assert "not in the export" in str(outcomes[6].warnings[0])


def test_ukrainian_twelve_hour_times(tmp_path: Path) -> None:
    """``дп``/``пп`` (before and after noon), after U+202F, as Ukrainian phones write."""
    export = whatsapp_localised(tmp_path / "chat", "uk", "ios", twelve_hour=True)
    chat = export / "_chat.txt"
    found = survey(chat)
    assert (found.layout, found.date_order) == ("ios", "day-first")
    times = [
        m.details["local_time"][11:]
        for m in read_messages(chat, found, chat="c", tz=time_zone("UTC"))
    ]
    assert times == [
        "13:15:30", "13:15:31", "13:15:40", "13:16:02", "13:17:00",
        "12:05:00",  # 12:05 пп is noon
        "00:06:00",  # 12:06 дп is after midnight
        "13:19:00",
    ]  # fmt: skip


def test_an_export_in_a_language_without_words_still_imports(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Polish labels civwatch has no table for: attachments count when their file is in
    the export; a label whose file is absent is no attachment, and nothing is lost."""
    folder = tmp_path / "pl"
    folder.mkdir()
    noise_jpeg(folder / "00000001-PHOTO.jpg", seed=11)
    noise_jpeg(folder / "IMG-20240314-WA0002.jpg", seed=12)
    (folder / "_chat.txt").write_text(
        "\n".join(
            [
                "[13.03.24, 10:00:00] Ola: Wybuch w centrum",
                f"[13.03.24, 10:01:00] Ola: {LRM}<załączono: 00000001-PHOTO.jpg>",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    outcomes = run(workspace, folder)
    assert [o.status for o in outcomes] == ["text", "ingested"]
    android = tmp_path / "pl-android"
    android.mkdir()
    noise_jpeg(android / "IMG-20240314-WA0002.jpg", seed=12)
    (android / "Czat WhatsApp z Kharkiv.txt").write_text(
        "14.03.2024, 09:02 - Ola: IMG-20240314-WA0002.jpg (załączony plik)\nlej po wybuchu\n"
        "14.03.2024, 09:03 - Ola: raport.pdf (nie ma)\n",
        encoding="utf-8",
    )
    outcomes = run(workspace, android)
    assert [o.status for o in outcomes] == ["ingested", "text"]
    assert caption(workspace, outcomes[0].sha256) == "lej po wybuchu"


@pytest.mark.parametrize(
    ("label", "status"), [("додано", "missing-media"), ("załączono", "skipped")]
)
def test_an_attachment_leaving_the_export_is_never_followed(
    workspace: Workspace, tmp_path: Path, label: str, status: str
) -> None:
    """A known label's path out of the folder is refused with a warning; an unknown
    label's is not even looked for (only a plain file name in the folder counts)."""
    folder = tmp_path / "chat"
    folder.mkdir()
    (tmp_path / "secret.jpg").write_bytes(b"not for the vault")
    (folder / "_chat.txt").write_text(
        f"[13.03.24, 10:01:00] Ola: {LRM}<{label}: ../secret.jpg>\n", encoding="utf-8"
    )
    (outcome,) = run(workspace, folder)
    assert outcome.status == status
    if status == "missing-media":
        assert "leaves the export folder" in str(outcome.warnings[0])
    with workspace.sessions() as session:
        assert "secret.jpg" not in set(session.scalars(select(EvidenceItem.original_name)))

"""WhatsApp chat exports: both layouts, multi-line messages, 12-hour times, attachments,
the date order found from the whole file or refused; damaged archives refused whole."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from civwatch.errors import RejectedInputError
from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.intake.service import import_export, time_zone
from civwatch.intake.whatsapp import read_messages, survey
from civwatch.workspace import Workspace
from tests.intake.exports import NNBSP, whatsapp_android, whatsapp_ios, zipped
from tests.intake.test_telegram import count, run

#: Every import here acts as Olena, an investigator.
pytestmark = pytest.mark.usefixtures("olena")


def test_ios_layout_day_first(workspace: Workspace, tmp_path: Path) -> None:
    export = whatsapp_ios(tmp_path / "chat")
    found = survey(export / "_chat.txt")
    assert (found.layout, found.date_order, found.messages) == ("ios", "day-first", 5)
    outcomes = run(workspace, export)
    assert [o.status for o in outcomes] == ["skipped", "text", "ingested", "text", "missing-media"]
    # Kyiv is UTC+2 in March: 13:16:02 local is 11:16:02 UTC
    assert outcomes[2].published_at is not None
    assert outcomes[2].published_at.isoformat() == "2024-03-13T11:16:02+00:00"
    with workspace.sessions() as session:
        lines = session.scalars(
            select(Sighting).join(EvidenceItem).where(EvidenceItem.sha256 == outcomes[3].sha256)
        ).one()
        assert lines.caption == "Three lines:\nsecond line\nthird line"
        assert (lines.account, lines.platform) == ("Petro", "whatsapp")
        photo = session.scalars(
            select(EvidenceItem).where(EvidenceItem.sha256 == outcomes[2].sha256)
        ).one()
        assert photo.media_type == "image/jpeg"
        assert photo.original_name == "00000012-PHOTO-2024-03-13-10-16-02.jpg"


def test_ios_twelve_hour_times_with_narrow_no_break_space(tmp_path: Path) -> None:
    export = whatsapp_ios(tmp_path / "chat", twelve_hour=True)
    assert NNBSP in (export / "_chat.txt").read_text()
    found = survey(export / "_chat.txt")
    assert found.date_order == "month-first"
    messages = list(read_messages(export / "_chat.txt", found, chat="c", tz=time_zone("UTC")))
    assert [m.details["local_time"] for m in messages] == [
        "2024-03-12T13:15:30",
        "2024-03-12T13:15:30",
        "2024-03-13T13:16:02",
        "2024-03-13T13:17:00",
        "2024-03-13T12:05:00",  # 12:05 PM is noon, not midnight
    ]
    assert messages[2].media == "00000012-PHOTO-2024-03-13-10-16-02.jpg"


def test_android_layout(workspace: Workspace, tmp_path: Path) -> None:
    export = whatsapp_android(tmp_path / "android")
    outcomes = run(workspace, export / "WhatsApp Chat with Kharkiv group.txt")
    assert [o.status for o in outcomes] == ["skipped", "text", "ingested", "missing-media", "text"]
    with workspace.sessions() as session:
        crater = session.scalars(
            select(Sighting).join(EvidenceItem).where(EvidenceItem.sha256 == outcomes[2].sha256)
        ).one()
        assert crater.caption == "the crater"
        assert crater.account == "Olena"
        multi = session.scalars(
            select(Sighting).join(EvidenceItem).where(EvidenceItem.sha256 == outcomes[4].sha256)
        ).one()
        assert multi.caption == "line one\nline two"
    # the same chat as a .zip (as WhatsApp shares it) adds nothing
    archive = zipped(export, tmp_path / "WhatsApp Chat with Kharkiv group.zip")
    again = list(import_export(workspace, archive, actor="olena", expect="whatsapp"))
    assert [o.status for o in again] == ["skipped", *["duplicate"] * 4]


def test_ambiguous_dates_are_refused_not_guessed(workspace: Workspace, tmp_path: Path) -> None:
    export = whatsapp_android(tmp_path / "android", ambiguous=True)
    with pytest.raises(RejectedInputError, match="day first or month first"):
        run(workspace, export)
    assert count(workspace, EvidenceItem) == 0
    # told the order, it imports: 03/04/2024 day first is the 3rd of April
    outcomes = run(workspace, export, date_order="day-first")
    assert outcomes[1].published_at is not None
    assert outcomes[1].published_at.date().isoformat() == "2024-04-03"


def test_an_order_contradicting_the_file_is_refused(tmp_path: Path) -> None:
    export = whatsapp_ios(tmp_path / "chat")
    with pytest.raises(RejectedInputError, match="day-first"):
        survey(export / "_chat.txt", "month-first")


def test_a_text_that_is_no_chat_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "_chat.txt").write_text("just some notes\nno dates\n")
    with pytest.raises(RejectedInputError, match="not a WhatsApp chat export"):
        run(workspace, tmp_path / "notes")


def test_a_truncated_zip_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    archive = zipped(whatsapp_ios(tmp_path / "chat"), tmp_path / "chat.zip")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(RejectedInputError, match="truncated"):
        run(workspace, archive)
    assert count(workspace, EvidenceItem) == 0


@pytest.mark.parametrize("member", ["../escape.txt", "/etc/cron.d/x", "a/../../b.jpg"])
def test_a_zip_with_a_member_leaving_the_folder_is_refused_whole(
    workspace: Workspace, tmp_path: Path, member: str
) -> None:
    export = whatsapp_ios(tmp_path / "chat")
    archive = zipped(export, tmp_path / "chat.zip")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr(member, b"owned")
    with pytest.raises(RejectedInputError, match="leaves the folder"):
        run(workspace, archive)
    assert count(workspace, EvidenceItem) == 0
    assert not (tmp_path / "escape.txt").exists()


def test_a_zip_with_a_symlink_member_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    archive = zipped(whatsapp_ios(tmp_path / "chat"), tmp_path / "chat.zip")
    with zipfile.ZipFile(archive, "a") as zf:
        info = zipfile.ZipInfo("link.jpg")
        info.external_attr = (0o120777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(RejectedInputError, match="symbolic link"):
        run(workspace, archive)


def test_an_attachment_path_leaving_the_export_is_not_followed(
    workspace: Workspace, tmp_path: Path
) -> None:
    export = whatsapp_ios(tmp_path / "chat")
    chat = export / "_chat.txt"
    chat.write_text(
        chat.read_text().replace("00000012-PHOTO-2024-03-13-10-16-02.jpg", "../../../etc/passwd")
    )
    outcomes = run(workspace, export)
    assert outcomes[2].status == "missing-media"
    assert "leaves the export folder" in str(outcomes[2].warnings[0])
    with workspace.sessions() as session:
        names = set(session.scalars(select(EvidenceItem.original_name)).all())
    assert "passwd" not in names

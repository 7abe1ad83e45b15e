"""Telegram Desktop exports: every message with its context, media as evidence, text kept
as text, service messages skipped, missing media reported; nothing added twice."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from civwatch.errors import RejectedInputError
from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.intake.messages import MessageOutcome
from civwatch.intake.models import ImportedMessage
from civwatch.intake.service import import_export
from civwatch.intake.telegram import plain_text
from civwatch.workspace import Workspace
from tests.intake.exports import telegram_export, telegram_full_export, zipped
from tests.support.files import noise_jpeg

#: Every import here acts as Olena, an investigator.
pytestmark = pytest.mark.usefixtures("olena")


def run(ws: Workspace, path: Path, **kw: object) -> list[MessageOutcome]:
    return list(import_export(ws, path, actor="olena", **kw))  # type: ignore[arg-type]


def acts(ws: Workspace) -> list[str]:
    with ws.sessions() as session:
        return [json.loads(e)["act"] for _, e in ws.custody.entries(session)]


def count(ws: Workspace, table: type) -> int:
    with ws.sessions() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_a_channel_export_comes_in_with_its_context(workspace: Workspace, tmp_path: Path) -> None:
    export = telegram_export(tmp_path / "ChatExport_2024-03-01")
    outcomes = run(workspace, export)
    assert [(o.message_id, o.status) for o in outcomes] == [
        ("1", "skipped"),
        ("2", "ingested"),
        ("3", "text"),
        ("4", "ingested"),
        ("5", "missing-media"),
    ]
    assert outcomes[1].published_at is not None
    assert outcomes[1].published_at.isoformat() == "2024-03-01T08:05:00+00:00"
    assert "not include" in str(outcomes[4].warnings[0]) or "File not included" in str(
        outcomes[4].warnings[0]
    )
    with workspace.sessions() as session:
        photo = session.scalars(
            select(Sighting).join(EvidenceItem).where(EvidenceItem.sha256 == outcomes[1].sha256)
        ).one()
        assert (photo.platform, photo.account, photo.post_id) == ("telegram", "Kharkiv Now", "2")
        assert photo.caption == "Strike on a school in Saltivka"
        text = session.scalars(
            select(EvidenceItem).where(EvidenceItem.sha256 == outcomes[2].sha256)
        ).one()
        kept = json.loads(workspace.vault.local_path(text.sha256).read_bytes())  # type: ignore[union-attr]
        assert kept["message"]["forwarded_from"] == "Oblast administration"
        assert kept["chat"] == {"id": 1001, "name": "Kharkiv Now", "type": "public_channel"}
        row = session.scalars(
            select(ImportedMessage).where(ImportedMessage.message_id == "3")
        ).one()
        assert row.details["forwarded_from"] == "Oblast administration"
        assert row.details["reply_to_message_id"] == 2
        saved = session.scalars(
            select(ImportedMessage).where(ImportedMessage.message_id == "4")
        ).one()
        assert saved.details["saved_from"] == "Eyewitness"
        sighting = session.scalars(
            select(Sighting).join(EvidenceItem).where(EvidenceItem.sha256 == outcomes[2].sha256)
        ).one()
        assert sighting.caption == (
            "Details: 3 injured, see the statement (https://example.org/s) and "
            "https://example.org/map"
        )
    # one message-import entry per message recorded (the service message has none)
    assert acts(workspace).count("message-import") == 4
    assert count(workspace, ImportedMessage) == 4


def test_entities_are_joined_with_their_links() -> None:
    assert plain_text("plain") == "plain"
    assert plain_text(
        ["a ", {"type": "bold", "text": "b"}, {"type": "link", "text": "https://x.org"}]
    ) == ("a bhttps://x.org")
    assert plain_text([{"type": "text_link", "text": "here", "href": "https://y.org"}]) == (
        "here (https://y.org)"
    )
    assert plain_text(None) == ""


def test_importing_again_adds_nothing(workspace: Workspace, tmp_path: Path) -> None:
    export = telegram_export(tmp_path / "export")
    first = run(workspace, export)
    entries = len(acts(workspace))
    items = count(workspace, EvidenceItem)
    again = run(workspace, export)
    assert [o.status for o in again] == ["skipped", *["duplicate"] * 4]
    assert [o.sha256 for o in again[1:]] == [o.sha256 for o in first[1:]]
    assert len(acts(workspace)) == entries
    assert count(workspace, EvidenceItem) == items
    # result.json itself names its folder
    assert [o.status for o in run(workspace, export / "result.json")][1:] == ["duplicate"] * 4


def test_an_edited_message_in_a_later_export_is_kept_as_well(
    workspace: Workspace, tmp_path: Path
) -> None:
    export = telegram_export(tmp_path / "export")
    run(workspace, export)
    doc = json.loads((export / "result.json").read_text())
    doc["messages"][2]["text"] = "Details: 4 injured"
    doc["messages"].append({**doc["messages"][2], "id": 6, "text": "new"})
    (export / "result.json").write_text(json.dumps(doc))
    later = {o.message_id: o.status for o in run(workspace, export)}
    assert later == {
        "1": "skipped",
        "2": "duplicate",
        "3": "text",
        "4": "duplicate",
        "5": "duplicate",
        "6": "text",
    }


def test_a_whole_account_export_with_chats_list(workspace: Workspace, tmp_path: Path) -> None:
    outcomes = run(workspace, telegram_full_export(tmp_path / "DataExport"))
    assert [o.status for o in outcomes] == ["ingested", "text", "ingested", "text"]
    with workspace.sessions() as session:
        chats = session.scalars(select(ImportedMessage.chat).order_by(ImportedMessage.id)).all()
    assert chats == ["2001", "2001", "2002", "2002"]


def test_a_zipped_export_imports_the_same(workspace: Workspace, tmp_path: Path) -> None:
    export = telegram_export(tmp_path / "ChatExport")
    archive = zipped(export, tmp_path / "export.zip", top="ChatExport_2024-03-01")
    outcomes = run(workspace, archive, expect="telegram")
    assert [o.status for o in outcomes] == [
        "skipped",
        "ingested",
        "text",
        "ingested",
        "missing-media",
    ]
    assert [o.status for o in run(workspace, export)][1:] == ["duplicate"] * 4
    assert not any((workspace.data_dir / "spool").iterdir())  # the unpacked copy is gone


def test_media_paths_never_leave_the_export(workspace: Workspace, tmp_path: Path) -> None:
    outside = noise_jpeg(tmp_path / "secret.jpg", seed=77)
    export = telegram_export(tmp_path / "export")
    os.symlink(outside, export / "photos" / "link.jpg")
    doc = json.loads((export / "result.json").read_text())
    doc["messages"][1]["photo"] = "../secret.jpg"
    doc["messages"][3]["file"] = "photos/link.jpg"
    doc["messages"][4]["photo"] = "/etc/passwd"
    (export / "result.json").write_text(json.dumps(doc))
    outcomes = run(workspace, export)
    assert [o.status for o in outcomes][1:] == [
        "missing-media",
        "text",
        "missing-media",
        "missing-media",
    ]
    assert all("leaves the export folder" in str(outcomes[i].warnings[0]) for i in (1, 3, 4))
    with workspace.sessions() as session:
        held = set(session.scalars(select(EvidenceItem.original_name)).all())
    assert "secret.jpg" not in held and "link.jpg" not in held


@pytest.mark.parametrize(
    "content, says",
    [
        ('{"name": "x", "messages": [{"id": 1, "type": "message", "text": "cut', "not valid JSON"),
        ("not json at all", "not valid JSON"),
        ('{"about": "nothing here"}', "holds no chat messages"),
    ],
)
def test_damaged_result_json_is_refused_before_anything_is_stored(
    workspace: Workspace, tmp_path: Path, content: str, says: str
) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "result.json").write_text(content)
    with pytest.raises(RejectedInputError) as refused:
        run(workspace, export)
    assert says in str(refused.value)
    assert count(workspace, EvidenceItem) == 0


def test_an_html_export_is_refused_with_what_to_do(workspace: Workspace, tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "messages.html").write_text("<html></html>")
    with pytest.raises(RejectedInputError, match="Machine-readable JSON"):
        run(workspace, export)


def test_a_value_no_canonical_json_holds_is_refused_clearly(
    workspace: Workspace, tmp_path: Path
) -> None:
    export = telegram_export(tmp_path / "export")
    doc = json.loads((export / "result.json").read_text())
    doc["messages"][2]["reply_to_message_id"] = 2**60
    (export / "result.json").write_text(json.dumps(doc))
    with pytest.raises(RejectedInputError, match="Message 3 holds a value"):
        run(workspace, export)
    # what came before it stays, and the rest comes in once the export is fixed
    doc["messages"][2]["reply_to_message_id"] = 2
    (export / "result.json").write_text(json.dumps(doc))
    assert [o.status for o in run(workspace, export)].count("missing-media") == 1

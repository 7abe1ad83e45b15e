"""An import stopped in the middle (a failure, or the process killed) finishes on a re-run
without adding anything twice, and ``civwatch verify`` finds every record sound."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from civwatch.evidence import ingest
from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.intake.messages import MessageImport
from civwatch.intake.models import ImportedMessage
from civwatch.intake.service import import_export
from civwatch.integrity import verify_workspace
from civwatch.workspace import Workspace
from tests.intake.exports import telegram_export
from tests.intake.test_telegram import acts
from tests.support.files import noise_jpeg

#: Every import here acts as Olena, an investigator.
pytestmark = pytest.mark.usefixtures("olena")


def bigger_export(folder: Path, n: int = 12) -> Path:
    """The channel export with ``n`` more photo messages."""
    export = telegram_export(folder)
    doc = json.loads((export / "result.json").read_text())
    for i in range(n):
        name = f"photos/extra_{i}.jpg"
        noise_jpeg(export / name, size=(64, 48), seed=500 + i)
        doc["messages"].append(
            {
                "id": 100 + i,
                "type": "message",
                "date": "2024-03-01T11:00:00",
                "date_unixtime": str(1709283600 + i),
                "from": "Kharkiv Now",
                "photo": name,
                "text": f"photo {i}",
            }
        )
    (export / "result.json").write_text(json.dumps(doc))
    return export


def counts(ws: Workspace) -> tuple[int, int, int, int]:
    with ws.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(EvidenceItem)) or 0,
            session.scalar(select(func.count()).select_from(Sighting)) or 0,
            session.scalar(select(func.count()).select_from(ImportedMessage)) or 0,
            len(acts(ws)),
        )


class Crash(Exception):
    pass


def test_a_failure_in_the_middle_then_a_rerun_adds_nothing_twice(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = bigger_export(tmp_path / "export")
    monkeypatch.setattr(ingest, "COMMIT_EVERY_FILES", 3)
    real = MessageImport._record
    calls = {"n": 0}

    def failing(self: MessageImport, session: Any, batch: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            real(self, session, batch)  # written, then the transaction fails: rolled back
            raise Crash
        real(self, session, batch)

    monkeypatch.setattr(MessageImport, "_record", failing)
    seen = []
    with pytest.raises(Crash):
        for outcome in import_export(workspace, export, actor="olena"):
            seen.append(outcome)
    recorded_before = counts(workspace)[2]
    assert 0 < recorded_before < 16
    monkeypatch.setattr(MessageImport, "_record", real)
    rerun = list(import_export(workspace, export, actor="olena"))
    statuses = [o.status for o in rerun]
    assert statuses.count("duplicate") >= recorded_before
    assert counts(workspace)[2] == 16  # 17 messages, one of them a service message

    # the same export imported in one go elsewhere gives the same records
    assert verify_workspace(workspace, rehash=False) == []
    final = counts(workspace)
    assert [o.status for o in import_export(workspace, export, actor="olena")].count(
        "duplicate"
    ) == 16
    assert counts(workspace) == final

"""Captures made before captures had records of their own: the migration gives each
``web-capture`` entry already in the log its row, so ``civwatch verify`` (which wants one
for every entry) finds the log sound; an entry with no row is reported."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import select

from civwatch.custody import entries
from civwatch.db import _alembic_config, migrate
from civwatch.intake.acts import WEB_CAPTURE
from civwatch.intake.capture_records import captures_of_item
from civwatch.intake.models import WebCapture, WebCaptureItem
from civwatch.integrity import verify_workspace
from civwatch.workspace import Workspace

SHOT = "5" * 64
WACZ = "6" * 64


def _old_capture(ws: Workspace) -> None:
    """A capture as the code before its record wrote it: the entry alone."""
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        entries.append(
            ws.custody,
            session,
            WEB_CAPTURE,
            "olena",
            datetime(2026, 12, 1, 10, 0, 5, 123456, tzinfo=UTC),
            url="https://example.org/start",
            final_url="https://example.org/page",
            http_status=200,
            captured_at=datetime(2026, 12, 1, 10, 0, 0, 1, tzinfo=UTC).isoformat(),
            certificate_sha256="a" * 64,
            browser="Chromium 120.0",
            items=[
                {"sha256": WACZ, "kind": "wacz", "url": None},
                {"sha256": SHOT, "kind": "screenshot", "url": None},
            ],
            warnings=["Refused http://10.0.0.1/x: a private address"],
        )
    ws.sign_head()


def test_earlier_captures_get_their_rows_and_the_log_stays_sound(workspace: Workspace) -> None:
    ws = workspace
    command.downgrade(_alembic_config(ws.engine), "0013")
    _old_capture(ws)
    migrate(ws.engine)
    with ws.sessions() as session:
        row = session.scalars(select(WebCapture)).one()
        assert (row.url, row.final_url, row.http_status) == (
            "https://example.org/start",
            "https://example.org/page",
            200,
        )
        assert row.captured_by == "olena" and row.job_id is None and row.custody_leaf == 0
        kinds = dict(session.execute(select(WebCaptureItem.item_sha256, WebCaptureItem.kind)).all())
        assert kinds == {WACZ: "wacz", SHOT: "screenshot"}
    problems = [
        p for p in verify_workspace(ws, rehash=False, processes=1) if p.table != "evidence_item"
    ]
    assert problems == []
    (seen,) = captures_of_item(ws, SHOT)
    assert seen["final_url"] == "https://example.org/page" and seen["kind"] == "screenshot"


def test_a_capture_entry_without_its_row_is_reported(workspace: Workspace) -> None:
    _old_capture(workspace)  # at today's schema: the row is missing
    problems = verify_workspace(workspace, rehash=False, processes=1)
    assert any(p.table == "intake_capture" and p.leaf == 0 for p in problems), problems

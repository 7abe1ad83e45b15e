"""Nothing written about a person at risk leaves the desk's encryption through the fund:
a grant's justification and a vetting note (marker strings) are found nowhere in the data
folder, the relief log, the audit log or an export - only sealed; the person's name
neither."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from civwatch.relief import grants
from civwatch.relief.beancount_export import export_beancount
from civwatch.relief.models import RELIEF_LOG
from civwatch.relief.screening import screen_grant
from tests.protection.case_helpers import MARK_DOC, MARK_NAME, MARK_PHONE, files_holding
from tests.relief.conftest import Fund

MARK_WHY = "MARKERWHY-переїзд-31"
MARK_CLEAR = "MARKERCLEAR-дата-17"


def test_justification_and_notes_are_sealed_everywhere(relief: Fund, tmp_path: Path) -> None:
    f = relief
    g = grants.request_grant(
        f.ws,
        f.who("officer1"),
        f.case_id,
        fund=f.fund,
        amount="700.00",
        purpose="documents_visas",
        justification=MARK_WHY,
    )["id"]
    for check in ("identity", "risk", "duplicates"):
        grants.vet(f.ws, f.who("officer1"), g, check, note=MARK_WHY)
    assert screen_grant(f.ws, f.who("officer1"), g)["screening"] == "passed"
    grants.vet(f.ws, f.who("appr1"), g, "conflict")
    grants.approve(f.ws, f.who("appr1"), g)
    grants.pay(f.ws, f.who("fin1"), g)
    export_beancount(f.ws, f.who("fin1"), tmp_path / "out.beancount")
    f.ws.sign_head(f.ws.relief_log)
    markers = (MARK_WHY, MARK_CLEAR, MARK_NAME, MARK_PHONE, MARK_DOC)
    with f.ws.sessions() as s:
        entries = b"".join(s.scalars(select(RELIEF_LOG.leaves.c.entry)))
    assert not any(m.encode() in entries for m in markers)
    if f.ws.engine.dialect.name == "sqlite":
        from civwatch.protection.persons import checkpoint_wal

        checkpoint_wal(f.ws)
        # The scan sees the database (the fund's name is plain text there).
        assert files_holding(tmp_path, "Safe exit")
    # The database (SQLite), the data folder, the heads files and the export.
    assert files_holding(tmp_path, *markers) == []


def test_a_screened_name_stays_sealed_and_candidates_stay_out_of_the_logs(
    relief: Fund, tmp_path: Path
) -> None:
    """The screened person's name (Cyrillic) is only sealed; the list's entry that may be
    them is in the list's own table and shown to the screener, never in a log."""
    from civwatch.accounts.models import AuditRecord
    from civwatch.relief.screening import import_sanctions_list
    from tests.protection.conftest import principal_of
    from tests.relief.conftest import SANCTIONS_CSV
    from tests.relief.test_screening import add_person_with_case

    f = relief
    import_sanctions_list(f.ws, principal_of(f.ws, "admin"), SANCTIONS_CSV)
    case_id = add_person_with_case(f.ws, "officer1", "Коваленко Олександр Петрович", "1975-04-12")
    g = grants.request_grant(
        f.ws, f.who("officer1"), case_id, fund=f.fund, amount="100.00", purpose="transport"
    )["id"]
    assert screen_grant(f.ws, f.who("officer1"), g)["candidates"][0]["entry"] == "EU-1"
    grants.vet(f.ws, f.who("appr2"), g, "sanctions", note=MARK_CLEAR)
    f.ws.sign_head(f.ws.relief_log)
    listed = ("KOVALENKO", "EU-1")
    ours = ("Коваленко", "Олександр", MARK_CLEAR)
    with f.ws.sessions() as s:
        entries = b"".join(s.scalars(select(RELIEF_LOG.leaves.c.entry)))
        details = " ".join(f"{r.target} {r.detail}" for r in s.scalars(select(AuditRecord)))
    assert not any(m.encode() in entries for m in (*listed, *ours))
    assert not any(m in details for m in (*listed, *ours))
    if f.ws.engine.dialect.name == "sqlite":
        from civwatch.protection.persons import checkpoint_wal

        checkpoint_wal(f.ws)
        # The list's own table holds the list (public-list data).
        assert files_holding(tmp_path, "KOVALENKO")
    assert files_holding(tmp_path, *ours) == []

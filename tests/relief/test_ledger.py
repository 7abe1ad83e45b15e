"""The ledger balances, and ``civwatch verify`` checks it against the relief log: an
edited posting and a deleted transaction are named."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select, text

from civwatch.integrity import verify_workspace
from civwatch.relief import funds, grants
from civwatch.relief.models import ReliefPosting, ReliefTransaction
from civwatch.workspace import Workspace
from tests.relief.conftest import Fund, vetted


def assert_balanced(ws: Workspace) -> None:
    """Every transaction sums to zero in each currency; a fund's balance is the sum of
    its postings."""
    with ws.sessions() as s:
        sums: dict[tuple[int, str], int] = defaultdict(int)
        for p in s.scalars(select(ReliefPosting)):
            sums[(p.transaction_id, p.currency)] += p.amount_minor
        assert {k: v for k, v in sums.items() if v} == {}


def _flow(f: Fund) -> str:
    g = vetted(f, "6000.00", approvers=("appr1", "appr2"))
    grants.approve(f.ws, f.who("appr1"), g)
    grants.approve(f.ws, f.who("appr2"), g)
    grants.release(f.ws, f.who("fin1"), g)
    grants.pay(f.ws, f.who("fin2"), g, amount="2000.00", reference="SEPA-1")
    grants.pay(f.ws, f.who("fin2"), g)
    grants.refund(f.ws, f.who("fin1"), g, "150.00")
    return g


def test_a_grant_paid_in_two_parts_leaves_the_books_balanced_and_verified(relief: Fund) -> None:
    from civwatch.relief.reports import balance_sheet

    f = relief
    _flow(f)
    assert_balanced(f.ws)
    sheet = balance_sheet(f.ws, f.who("fin1"), f.fund)
    assert sheet["assets"] == Decimal("14150.00")  # 20000 - 6000 + 150
    assert sheet["liabilities"] == Decimal("0.00")
    assert verify_workspace(f.ws, rehash=False) == []


def test_an_edited_posting_is_named_by_verify(relief: Fund) -> None:
    f = relief
    _flow(f)
    with f.ws.engine.begin() as conn:
        conn.execute(
            text("UPDATE relief_posting SET amount_minor = amount_minor + 100 WHERE id = 1")
        )
    problems = verify_workspace(f.ws, rehash=False)
    assert any("postings" in str(p) for p in problems), problems


def test_a_deleted_transaction_is_named_by_verify(relief: Fund) -> None:
    f = relief
    with f.ws.sessions() as s:
        last = s.scalars(select(ReliefTransaction.id).order_by(ReliefTransaction.id.desc())).first()
    with f.ws.engine.begin() as conn:
        conn.execute(text("DELETE FROM relief_posting WHERE transaction_id = :t"), {"t": last})
        conn.execute(text("DELETE FROM relief_transaction WHERE id = :t"), {"t": last})
    assert verify_workspace(f.ws, rehash=False) != []


def test_a_deposit_is_corrected_by_a_reversing_entry(relief: Fund) -> None:
    f = relief
    t = funds.deposit(f.ws, f.who("fin1"), f.fund, "99.99")["transaction"]
    undone = funds.reverse(f.ws, f.who("fin1"), t)
    assert undone["reverses"] == t
    with f.ws.sessions() as s:
        assert s.get(ReliefTransaction, t) is not None  # never edited
    assert_balanced(f.ws)
    assert verify_workspace(f.ws, rehash=False) == []


def test_an_unbalanced_transaction_is_never_written() -> None:
    import pytest

    from civwatch.relief.ledger import Leg, balanced
    from civwatch.relief.money import Money

    with pytest.raises(ValueError, match="unbalanced"):
        balanced(
            [
                Leg(1, "Assets:Fund1:Bank", Money.of("1.00", "EUR")),
                Leg(1, "Income:Fund1:Donations", Money.of("-0.99", "EUR")),
            ]
        )

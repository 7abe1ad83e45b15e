"""The fund's weak points found in review, each attacked first: a cancelled grant's paid
part leaving the cap, a posting moved to another account unseen by verify, cash paid
out of the bank, screenings against a list since replaced, and English state codes in
Ukrainian messages."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from civwatch.errors import ConflictError
from civwatch.i18n import localise, use_language
from civwatch.integrity import verify_workspace
from civwatch.relief import grants, ledger, vocabulary
from civwatch.relief.models import ReliefFund, ReliefPosting
from civwatch.relief.screening import import_sanctions_list, screen_grant
from tests.protection.conftest import principal_of
from tests.relief.conftest import Fund, vet_all, vetted
from tests.relief.test_screening import add_person_with_case


def test_a_cancelled_grant_keeps_its_paid_part_in_the_cap(relief: Fund) -> None:
    f = relief
    first = vetted(f, "6000.00", approvers=("appr1", "appr2"), purpose="transport")
    grants.approve(f.ws, f.who("appr1"), first)
    grants.approve(f.ws, f.who("appr2"), first)
    grants.release(f.ws, f.who("fin1"), first)
    grants.pay(f.ws, f.who("fin2"), first, amount="5000.00")
    assert grants.cancel(f.ws, f.who("fin1"), first)["state"] == "cancelled"
    # 5,000 EUR reached the person: another 5,500 would make 10,500 in 12 months.
    second = vetted(f, "5500.00", approvers=("appr1", "appr2"), purpose="accommodation")
    with pytest.raises(ConflictError) as refused:
        grants.approve(f.ws, f.who("appr1"), second)
    assert "5000.00" in str(refused.value) and "10500.00" in str(refused.value)
    # What is under the cap still passes.
    third = vetted(f, "4000.00", approvers=("appr1", "appr2"), purpose="medical")
    grants.approve(f.ws, f.who("appr1"), third)
    assert grants.approve(f.ws, f.who("appr2"), third)["state"] == "approved"


def _paid_grant(f: Fund, amount: str = "800.00", **pay: object) -> str:
    g = vetted(f, amount)
    grants.approve(f.ws, f.who("appr1"), g)
    grants.pay(f.ws, f.who("fin1"), g, **pay)  # type: ignore[arg-type]
    return g


def test_a_posting_moved_to_another_account_is_named_by_verify(relief: Fund) -> None:
    f = relief
    _paid_grant(f)
    assert verify_workspace(f.ws, rehash=False) == []
    bank, cash = vocabulary.bank(f.fund), vocabulary.cash(f.fund)
    # Same amount, same count, same sums: only the account changes.
    with f.ws.engine.begin() as conn:
        moved = conn.execute(
            text(
                "UPDATE relief_posting SET account = :cash WHERE id = "
                "(SELECT max(id) FROM relief_posting WHERE account = :bank)"
            ),
            {"cash": cash, "bank": bank},
        )
        assert moved.rowcount == 1
    problems = [str(p) for p in verify_workspace(f.ws, rehash=False)]
    assert any(cash in p and bank in p for p in problems), problems


def test_a_posting_moved_to_another_fund_is_named_by_verify(relief: Fund) -> None:
    from civwatch.relief.funds import FundInput, add_fund

    f = relief
    other = add_fund(f.ws, f.who("fin1"), FundInput(name="Other", currency="EUR"))["id"]
    _paid_grant(f)
    with f.ws.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE relief_posting SET fund_id = :other "
                "WHERE id = (SELECT max(id) FROM relief_posting)"
            ),
            {"other": other},
        )
    problems = [str(p) for p in verify_workspace(f.ws, rehash=False)]
    assert any("posting" in p for p in problems), problems


def test_a_cash_payment_comes_out_of_the_cash_box(relief: Fund) -> None:
    from civwatch.relief.cash import move_cash
    from civwatch.relief.reconciliation import reconcile_fund
    from civwatch.relief.statements import BankStatement

    f = relief
    g = vetted(f, "800.00")
    grants.approve(f.ws, f.who("appr1"), g)
    # No cash on hand: a cash payment is refused with the figures, nothing written.
    with pytest.raises(ConflictError, match=r"0\.00 EUR in cash"):
        grants.pay(f.ws, f.who("fin1"), g, method="cash")
    move_cash(f.ws, f.who("fin2"), f.fund, "500.00")
    grants.pay(f.ws, f.who("fin1"), g, amount="300.00", method="cash")
    grants.pay(f.ws, f.who("fin1"), g, amount="500.00", reference="SEPA-9")
    with f.ws.sessions() as s:
        fund = s.get(ReliefFund, f.fund)
        assert fund is not None
        assert ledger.account_total(s, fund, vocabulary.cash(f.fund)).amount == Decimal("200.00")
        # 20,000 deposited, 500 taken to the cash box, 500 transferred.
        assert ledger.account_total(s, fund, vocabulary.bank(f.fund)).amount == Decimal("19000.00")
        assert ledger.available(s, fund).amount == Decimal("19200.00")
    # Cash back into the bank, never more than the box holds.
    with pytest.raises(ConflictError, match="cash"):
        move_cash(f.ws, f.who("fin2"), f.fund, "200.01", to_bank=True)
    move_cash(f.ws, f.who("fin2"), f.fund, "200.00", to_bank=True)
    # Reconciliation looks at what went through the bank: the cash payment is not awaited
    # on the statement.
    done = reconcile_fund(f.ws, f.who("fin1"), f.fund, BankStatement(lines=(), source_format="csv"))
    left = [p["amount"] for p in done["unmatched_payments"]]
    assert left == ["-500.00"], left
    assert verify_workspace(f.ws, rehash=False) == []


def test_a_grant_screened_against_an_older_list_is_screened_again(relief: Fund) -> None:
    from civwatch.relief.screening import sanctions_versions

    f = relief
    admin = principal_of(f.ws, "admin")
    case_id = add_person_with_case(f.ws, "officer1", "Taras Hnatiuk", "1985-01-02")
    g = grants.request_grant(
        f.ws, f.who("officer1"), case_id, fund=f.fund, amount="300.00", purpose="medical"
    )["id"]
    vet_all(f, g)
    grants.vet(f.ws, f.who("appr1"), g, "conflict")
    listed = b"id,name,date_of_birth\nUN-1,Taras HNATIUK,1985-01-02\n"
    imported = import_sanctions_list(f.ws, admin, listed)
    assert imported["sha256"] == hashlib.sha256(listed).hexdigest()
    assert imported["entries"] == 1
    versions = sanctions_versions(f.ws, f.who("appr1"))
    assert [v["version"] for v in versions] == [imported["version"] - 1, imported["version"]]
    assert versions[-1]["by"] == "admin" and versions[-1]["entries"] == 1
    # The grant passed against the old list; the new one lists its person.
    with pytest.raises(ConflictError, match="sanctions"):
        grants.approve(f.ws, f.who("appr1"), g)
    again = screen_grant(f.ws, f.who("officer1"), g)
    assert again["screening"] == "blocked"
    checks = [c for c in again["checks"] if c["check"] == "sanctions"]
    assert [c["list_version"] for c in checks] == [versions[0]["version"], imported["version"]]
    grants.vet(f.ws, f.who("appr2"), g, "sanctions", note="another person: other passport")
    assert grants.approve(f.ws, f.who("appr1"), g)["state"] == "approved"


def test_a_clearance_stands_for_the_list_it_cleared_only(relief: Fund) -> None:
    f = relief
    admin = principal_of(f.ws, "admin")
    case_id = add_person_with_case(f.ws, "officer1", "Ivan Drahomanov", "1961-05-06")
    g = grants.request_grant(
        f.ws, f.who("officer1"), case_id, fund=f.fund, amount="300.00", purpose="medical"
    )["id"]
    for check in ("identity", "risk", "duplicates"):
        grants.vet(f.ws, f.who("officer1"), g, check)
    assert screen_grant(f.ws, f.who("officer1"), g)["screening"] == "blocked"
    grants.vet(f.ws, f.who("appr2"), g, "sanctions", note="checked the passport")
    grants.vet(f.ws, f.who("appr1"), g, "conflict")
    import_sanctions_list(f.ws, admin, b"id,name\nUN-2,Someone Else\n")
    with pytest.raises(ConflictError, match="sanctions"):
        grants.approve(f.ws, f.who("appr1"), g)


def test_state_codes_are_shown_translated(relief: Fund) -> None:
    f = relief
    g = _paid_grant(f)
    with use_language("uk"), pytest.raises(ConflictError) as refused:
        grants.cancel(f.ws, f.who("fin1"), g)
    message = refused.value.message
    assert "paid" not in str(message) and "виплачено" in str(message), message
    assert "paid" in localise(message, "en")
    with use_language("uk"), pytest.raises(ConflictError) as refused:
        grants.vet(f.ws, f.who("officer1"), g, "identity")
    assert "paid" not in str(refused.value.message)


def test_the_property_acts_include_cash(relief: Fund) -> None:
    """Cash moved both ways and paid leaves every transaction balanced."""
    from civwatch.relief.cash import move_cash
    from tests.relief.test_ledger import assert_balanced

    f = relief
    move_cash(f.ws, f.who("fin1"), f.fund, "100.00")
    _paid_grant(f, "60.00", method="cash")
    move_cash(f.ws, f.who("fin2"), f.fund, "40.00", to_bank=True)
    assert_balanced(f.ws)
    with f.ws.sessions() as s:
        rows = s.scalars(select(ReliefPosting.account).where(ReliefPosting.fund_id == f.fund))
        assert vocabulary.cash(f.fund) in set(rows)

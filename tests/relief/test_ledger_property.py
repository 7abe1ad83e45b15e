"""A property: after any sequence of acts - deposits, requests, approvals, releases,
payments (partial, over the amount, by bank or in cash), refunds, cancellations,
transfers, reversals, cash taken out of the bank and put back, some refused - every
transaction sums to zero in each currency, a fund's balance is the sum of its postings,
no fund's bank or cash box goes below zero, and verify finds nothing wrong."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from civwatch.errors import CivwatchError, ConflictError
from civwatch.integrity import verify_workspace
from civwatch.relief import funds, grants, ledger, vocabulary
from civwatch.relief.cash import move_cash
from civwatch.relief.models import ReliefFund, ReliefPosting
from tests.relief.conftest import Fund, vetted

AMOUNTS = st.sampled_from(["0.01", "50.00", "333.33", "999.99", "1000.00", "2500.50", "5000.00"])
ACT = st.one_of(
    st.tuples(st.just("deposit"), AMOUNTS),
    st.tuples(st.just("grant"), AMOUNTS),
    st.tuples(st.just("approve"), st.integers(0, 5)),
    st.tuples(st.just("release"), st.integers(0, 5)),
    st.tuples(st.just("pay"), st.integers(0, 5)),
    st.tuples(st.just("refund"), st.integers(0, 5)),
    st.tuples(st.just("cancel"), st.integers(0, 5)),
    st.tuples(st.just("transfer"), AMOUNTS),
    st.tuples(st.just("reverse"), st.integers(1, 30)),
    st.tuples(st.just("cash"), AMOUNTS),
    st.tuples(st.just("bank"), AMOUNTS),
)
PURPOSES = list(vocabulary.PURPOSES)


def _run(f: Fund, acts: list[tuple[str, object]], other: int) -> None:
    made: list[str] = []
    for n, (kind, arg) in enumerate(acts):
        try:
            if kind == "deposit":
                funds.deposit(f.ws, f.who("fin1"), f.fund, arg)
            elif kind == "grant":
                made.append(
                    vetted(f, str(arg), approvers=("appr1", "appr2"), purpose=PURPOSES[n % 6])
                )
            elif kind == "transfer":
                funds.transfer(f.ws, f.who("fin1"), f.fund, other, arg)
            elif kind == "reverse":
                funds.reverse(f.ws, f.who("fin2"), int(str(arg)))
            elif kind in ("cash", "bank"):
                move_cash(f.ws, f.who("fin2"), f.fund, arg, to_bank=kind == "bank")
            elif made:
                grant = made[int(str(arg)) % len(made)]
                if kind == "approve":
                    grants.approve(f.ws, f.who("appr1" if n % 2 else "appr2"), grant)
                elif kind == "release":
                    grants.release(f.ws, f.who("fin1"), grant)
                elif kind == "pay":
                    grants.pay(
                        f.ws,
                        f.who("fin2"),
                        grant,
                        amount="400.00" if n % 2 else None,
                        method="cash" if n % 3 == 0 else "bank_transfer",
                    )
                elif kind == "refund":
                    grants.refund(f.ws, f.who("fin1"), grant, "10.00")
                elif kind == "cancel":
                    grants.cancel(f.ws, f.who("fin1"), grant)
        except CivwatchError:
            pass  # refused: nothing written (checked by the balances below)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(acts=st.lists(ACT, min_size=1, max_size=14))
def test_any_sequence_of_acts_leaves_the_ledger_balanced(
    relief: Fund, acts: list[tuple[str, object]]
) -> None:
    f = relief
    with f.ws.sessions() as s:
        other = s.scalars(select(ReliefFund.id).where(ReliefFund.name == "Other")).first()
    if other is None:
        other = funds.add_fund(f.ws, f.who("fin1"), funds.FundInput(name="Other", currency="EUR"))[
            "id"
        ]
    _run(f, acts, other)
    with f.ws.sessions() as s:
        per_transaction: dict[tuple[int, str], int] = defaultdict(int)
        per_account: dict[tuple[int, str], int] = defaultdict(int)
        for p in s.scalars(select(ReliefPosting)):
            per_transaction[(p.transaction_id, p.currency)] += p.amount_minor
            per_account[(p.fund_id, p.account)] += p.amount_minor
        assert {k: v for k, v in per_transaction.items() if v} == {}
        for fund in s.scalars(select(ReliefFund)):
            bank = ledger.account_total(s, fund, vocabulary.bank(fund.id)).amount
            assert bank == Decimal(per_account[(fund.id, vocabulary.bank(fund.id))]) / 100
            assert bank >= 0
            assert ledger.account_total(s, fund, vocabulary.cash(fund.id)).amount >= 0
            free = ledger.available(s, fund).amount
            assert free >= 0
    assert verify_workspace(f.ws, rehash=False) == []


def test_money_in_the_cash_box_cannot_be_taken_from_the_bank_again(relief: Fund) -> None:
    """Found by the property above: with part of a deposit taken out in cash, reversing the
    deposit (or transferring all of it) passed the fund's "available" check, which counts
    the cash box, and left the bank below zero. Both are refused, the bank untouched."""
    f = relief
    other = funds.add_fund(f.ws, f.who("fin1"), funds.FundInput(name="Other", currency="EUR"))
    made = funds.deposit(f.ws, f.who("fin1"), f.fund, "333.33")
    # the fund held 20,000.00 before: all but 333.32 goes to the cash box
    move_cash(f.ws, f.who("fin2"), f.fund, "20000.01", to_bank=False)
    with pytest.raises(ConflictError, match="in the bank"):
        funds.reverse(f.ws, f.who("fin2"), made["transaction"])
    with pytest.raises(ConflictError, match="in the bank"):
        funds.transfer(f.ws, f.who("fin1"), f.fund, other["id"], "333.33")
    with f.ws.sessions() as s:
        fund = s.get(ReliefFund, f.fund)
        assert fund is not None
        assert ledger.account_total(s, fund, vocabulary.bank(fund.id)).amount == Decimal("333.32")

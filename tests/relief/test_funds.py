"""Funds: restrictions, a hryvnia fund whose grants are tiered in euros, transfers and
reversals that would overdraw a fund, and who may keep the books."""

from __future__ import annotations

from datetime import date

import pytest

from civwatch.errors import ConflictError, PermissionDeniedError, RejectedInputError
from civwatch.relief import funds, grants
from tests.relief.conftest import Fund


def test_a_fund_s_restrictions_refuse_other_purposes_regions_and_days(relief: Fund) -> None:
    f = relief
    narrow = funds.add_fund(
        f.ws,
        f.who("fin1"),
        funds.FundInput(
            name="Narrow",
            currency="EUR",
            purposes=["medical"],
            regions=["Sumska"],
            ends_on=date(2020, 1, 1),
        ),
    )["id"]
    funds.deposit(f.ws, f.who("fin1"), narrow, "500")
    ask = {"fund": narrow, "amount": "100", "oblast": "Sumska"}
    with pytest.raises(ConflictError, match="does not pay for transport"):
        grants.request_grant(f.ws, f.who("officer1"), f.case_id, purpose="transport", **ask)
    with pytest.raises(ConflictError, match="pays only for Sumska"):
        grants.request_grant(
            f.ws,
            f.who("officer1"),
            f.case_id,
            purpose="medical",
            fund=narrow,
            amount="100",
            oblast="Lvivska",
        )
    with pytest.raises(ConflictError, match="not open"):
        grants.request_grant(f.ws, f.who("officer1"), f.case_id, purpose="medical", **ask)
    with pytest.raises(RejectedInputError, match="Unknown purpose"):
        funds.add_fund(
            f.ws, f.who("fin1"), funds.FundInput(name="X", currency="EUR", purposes=["yachts"])
        )


def test_a_hryvnia_grant_is_tiered_in_euros_at_the_rate_entered(relief: Fund) -> None:
    f = relief
    uah = funds.add_fund(f.ws, f.who("fin1"), funds.FundInput(name="UAH", currency="UAH"))["id"]
    funds.deposit(f.ws, f.who("fin1"), uah, "500000.00", eur_rate="0.0221")
    with pytest.raises(RejectedInputError, match="exchange rate"):
        grants.request_grant(
            f.ws, f.who("officer1"), f.case_id, fund=uah, amount="45000", purpose="transport"
        )
    small = grants.request_grant(
        f.ws,
        f.who("officer1"),
        f.case_id,
        fund=uah,
        amount="45000.00",
        purpose="transport",
        eur_rate="0.0221",
    )
    assert small["amount_eur"] == "994.50" and small["approvals_needed"] == 1
    big = grants.request_grant(
        f.ws,
        f.who("officer1"),
        f.case_id,
        fund=uah,
        amount="230000.00",
        purpose="medical",
        eur_rate="0.0221",
    )
    assert big["approvals_needed"] == 2 and big["release_needed"] is True
    with pytest.raises(RejectedInputError, match="keeps its books in UAH"):
        grants.request_grant(
            f.ws,
            f.who("officer1"),
            f.case_id,
            fund=uah,
            amount="100",
            purpose="subsistence",
            currency_code="EUR",
        )


def test_transfers_and_reversals_never_overdraw(relief: Fund) -> None:
    f = relief
    other = funds.add_fund(f.ws, f.who("fin1"), funds.FundInput(name="Other", currency="EUR"))["id"]
    with pytest.raises(ConflictError, match=r"20000\.00 EUR available"):
        funds.transfer(f.ws, f.who("fin1"), f.fund, other, "20000.01")
    moved = funds.transfer(f.ws, f.who("fin1"), f.fund, other, "15000.00")["transaction"]
    gift = funds.deposit(f.ws, f.who("fin1"), other, "100.00")["transaction"]
    funds.transfer(f.ws, f.who("fin1"), other, f.fund, "15050.00")
    with pytest.raises(ConflictError, match=r"50\.00 EUR available"):
        funds.reverse(f.ws, f.who("fin1"), gift)
    with pytest.raises(ConflictError, match="available"):
        funds.reverse(f.ws, f.who("fin1"), moved)  # the money moved back is not Other's now
    funds.reverse(
        f.ws, f.who("fin2"), funds.deposit(f.ws, f.who("fin1"), f.fund, "1")["transaction"]
    )


def test_only_finance_keeps_the_books(relief: Fund) -> None:
    f = relief
    for name in ("officer1", "appr1", "lead1"):
        with pytest.raises(PermissionDeniedError):
            funds.deposit(f.ws, f.who(name), f.fund, "10")
        with pytest.raises(PermissionDeniedError):
            funds.add_fund(f.ws, f.who(name), funds.FundInput(name=name, currency="EUR"))


def test_an_officer_off_the_case_cannot_ask_for_its_grant(relief: Fund) -> None:
    from civwatch.errors import RecordNotFoundError

    f = relief
    with pytest.raises(RecordNotFoundError):
        grants.request_grant(
            f.ws, f.who("officer2"), f.case_id, fund=f.fund, amount="10", purpose="transport"
        )

"""A grant from request to payment, and the attacks of issue 18: each refused with the
figures, nothing half-written."""

from __future__ import annotations

import pytest

from civwatch.errors import ConflictError, RejectedInputError
from civwatch.relief import grants
from civwatch.relief.screening import screen_grant
from tests.relief.conftest import Fund, requested_by_an_approver, vet_all, vetted
from tests.relief.test_screening import add_person_with_case


def _rows(f: Fund) -> tuple[int, int, int]:
    from sqlalchemy import func, select

    from civwatch.relief.models import ReliefGrantAct, ReliefPosting, ReliefTransaction

    with f.ws.sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(ReliefTransaction)) or 0,
            s.scalar(select(func.count()).select_from(ReliefPosting)) or 0,
            s.scalar(select(func.count()).select_from(ReliefGrantAct)) or 0,
        )


def test_a_small_grant_goes_from_request_to_payment(relief: Fund) -> None:
    f = relief
    g = vetted(f, "800.00")
    done = grants.approve(f.ws, f.who("appr1"), g)
    assert done["state"] == "approved" and done["approvals_needed"] == 1
    half = grants.pay(f.ws, f.who("fin1"), g, amount="300.00", reference="PAY-1")
    assert half["state"] == "approved" and half["paid"] == "300.00"
    from civwatch.relief.cash import move_cash

    move_cash(f.ws, f.who("fin2"), f.fund, "500.00")
    rest = grants.pay(f.ws, f.who("fin1"), g, method="cash")
    assert rest["state"] == "paid" and rest["paid"] == "800.00"


def test_self_approval_is_refused(relief: Fund) -> None:
    f = relief
    # An officer of the case who is also an approver asks for a grant, then approves it.
    own = requested_by_an_approver(f)
    vet_all(f, own)
    grants.vet(f.ws, f.who("both"), own, "conflict")
    before = _rows(f)
    with pytest.raises(ConflictError, match="Separation of duties"):
        grants.approve(f.ws, f.who("both"), own)
    assert _rows(f) == before


def test_an_approver_who_releases_is_refused(relief: Fund) -> None:
    from civwatch.accounts import add_user

    f = relief
    add_user(f.ws, "dual", "Dual", ["relief_approver", "relief_finance"], actor="admin")
    g = vetted(f, "6000.00", approvers=("dual", "appr2"))
    grants.approve(f.ws, f.who("dual"), g)
    grants.approve(f.ws, f.who("appr2"), g)
    before = _rows(f)
    with pytest.raises(ConflictError, match="Separation of duties"):
        grants.release(f.ws, f.who("dual"), g)
    assert _rows(f) == before


def test_three_acts_by_two_people_on_a_6000_grant(relief: Fund) -> None:
    f = relief
    g = vetted(f, "6000.00", approvers=("appr1", "appr2"))
    grants.approve(f.ws, f.who("appr1"), g)
    with pytest.raises(ConflictError, match="already"):
        grants.approve(f.ws, f.who("appr1"), g)
    grants.approve(f.ws, f.who("appr2"), g)
    with pytest.raises(ConflictError):
        grants.pay(f.ws, f.who("fin1"), g)  # not released yet
    grants.release(f.ws, f.who("fin1"), g)
    before = _rows(f)
    with pytest.raises(ConflictError, match="Separation of duties"):
        grants.pay(f.ws, f.who("fin1"), g)
    assert _rows(f) == before
    assert grants.pay(f.ws, f.who("fin2"), g)["state"] == "paid"


def test_cap_exceeded_by_two_grants_in_twelve_months(relief: Fund) -> None:
    f = relief
    g1 = vetted(f, "6000.00", approvers=("appr1", "appr2"), purpose="transport")
    grants.approve(f.ws, f.who("appr1"), g1)
    grants.approve(f.ws, f.who("appr2"), g1)
    g2 = vetted(f, "4500.00", approvers=("appr1", "appr2"), purpose="accommodation")
    before = _rows(f)
    with pytest.raises(ConflictError) as refused:
        grants.approve(f.ws, f.who("appr1"), g2)
    text = str(refused.value)
    assert "10000" in text and "6000.00" in text and "10500.00" in text
    assert _rows(f) == before


def test_payment_above_the_approved_amount(relief: Fund) -> None:
    f = relief
    g = vetted(f, "500.00")
    grants.approve(f.ws, f.who("appr1"), g)
    before = _rows(f)
    with pytest.raises(ConflictError, match=r"500\.00 EUR"):
        grants.pay(f.ws, f.who("fin1"), g, amount="500.01")
    assert _rows(f) == before


def test_an_overdrawn_fund(relief: Fund) -> None:
    from civwatch.relief.funds import FundInput, add_fund, deposit

    f = relief
    small = add_fund(f.ws, f.who("fin1"), FundInput(name="Small", currency="EUR"))["id"]
    deposit(f.ws, f.who("fin1"), small, "100.00")
    f.fund = small
    g = vetted(f, "150.00")
    before = _rows(f)
    with pytest.raises(ConflictError, match=r"100\.00 EUR available"):
        grants.approve(f.ws, f.who("appr1"), g)
    assert _rows(f) == before


def test_a_float_amount_and_an_unknown_currency(relief: Fund) -> None:
    f = relief
    with pytest.raises(RejectedInputError, match="floating-point"):
        grants.request_grant(
            f.ws, f.who("officer1"), f.case_id, fund=f.fund, amount=150.5, purpose="transport"
        )
    with pytest.raises(RejectedInputError, match="Unknown currency"):
        grants.request_grant(
            f.ws,
            f.who("officer1"),
            f.case_id,
            fund=f.fund,
            amount="150",
            purpose="transport",
            currency_code="XYZ",
        )
    with pytest.raises(RejectedInputError, match="more decimals"):
        grants.request_grant(
            f.ws, f.who("officer1"), f.case_id, fund=f.fund, amount="1.001", purpose="transport"
        )


def test_approval_waits_for_every_check_and_a_sanctions_match_blocks(relief: Fund) -> None:
    f = relief
    case_id = add_person_with_case(f.ws, "officer1", "Коваленко Олександр", "1975-04-12")
    g = grants.request_grant(
        f.ws, f.who("officer1"), case_id, fund=f.fund, amount="200", purpose="medical"
    )["id"]
    with pytest.raises(ConflictError, match="identity"):
        grants.approve(f.ws, f.who("appr1"), g)
    for check in ("identity", "risk", "duplicates"):
        grants.vet(f.ws, f.who("officer1"), g, check)
    # Recording the sanctions check by word, without a screening, is refused.
    with pytest.raises(ConflictError, match="screening"):
        grants.vet(f.ws, f.who("officer1"), g, "sanctions", note="looked")
    assert screen_grant(f.ws, f.who("officer1"), g)["screening"] == "blocked"
    grants.vet(f.ws, f.who("appr1"), g, "conflict")
    with pytest.raises(ConflictError, match="sanctions"):
        grants.approve(f.ws, f.who("appr1"), g)
    with pytest.raises(RejectedInputError, match="reason"):
        grants.vet(f.ws, f.who("appr2"), g, "sanctions")
    grants.vet(f.ws, f.who("appr2"), g, "sanctions", note="different date of birth")
    assert grants.approve(f.ws, f.who("appr1"), g)["state"] == "approved"


def test_an_officer_off_the_case_cannot_vet_its_grant(relief: Fund) -> None:
    """Vetting is a word about the case's person: an officer who may not read the case
    is told there is no such grant, and nothing is recorded."""
    from civwatch.errors import RecordNotFoundError

    f = relief
    g = grants.request_grant(
        f.ws, f.who("officer1"), f.case_id, fund=f.fund, amount="300.00", purpose="transport"
    )["id"]
    from sqlalchemy import func, select

    from civwatch.relief.models import ReliefVetting

    def vettings() -> int:
        with f.ws.sessions() as s:
            return s.scalar(select(func.count()).select_from(ReliefVetting)) or 0

    before = (_rows(f), vettings())
    for check in ("identity", "risk", "duplicates", "conflict"):
        with pytest.raises(RecordNotFoundError):
            grants.vet(f.ws, f.who("officer2"), g, check)
    assert (_rows(f), vettings()) == before
    grants.vet(f.ws, f.who("lead1"), g, "identity")  # a lead reads every case

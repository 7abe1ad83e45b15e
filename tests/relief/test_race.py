"""Two approvals racing for the last of a fund's balance (SQLite here; PostgreSQL when
``CIVWATCH_DATABASE_URL`` names a server): one wins, the other is refused with the
figures, and the fund is never overdrawn. The window between reading the balance and
writing the commitment is held open on purpose, so without the fund's lock both would
pass."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Any

import pytest

from civwatch.errors import ConflictError
from civwatch.relief import funds, grants, ledger
from tests.relief.conftest import Fund, vetted
from tests.relief.test_ledger import assert_balanced


def test_two_approvals_race_for_the_last_of_the_balance(
    relief: Fund, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = relief
    small = funds.add_fund(f.ws, f.who("fin1"), funds.FundInput(name="Last", currency="EUR"))
    funds.deposit(f.ws, f.who("fin1"), small["id"], "1000.00")
    f.fund = small["id"]
    first = vetted(f, "600.00", approvers=("appr1",), purpose="transport")
    second = vetted(f, "600.00", approvers=("appr2",), purpose="medical")
    real = ledger.available

    def slow_available(session: Any, fund: Any) -> Any:
        found = real(session, fund)
        time.sleep(0.3)  # both approvals would be inside the window at once
        return found

    monkeypatch.setattr(ledger, "available", slow_available)
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def approve(name: str, grant: str) -> None:
        start.wait()
        try:
            outcomes[name] = grants.approve(f.ws, f.who(name), grant)["state"]
        except ConflictError as exc:
            outcomes[name] = exc
        except Exception as exc:  # noqa: BLE001 - reported below
            outcomes[name] = repr(exc)

    threads = [
        threading.Thread(target=approve, args=("appr1", first)),
        threading.Thread(target=approve, args=("appr2", second)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(str(type(o).__name__) for o in outcomes.values()) == ["ConflictError", "str"]
    refused = next(o for o in outcomes.values() if isinstance(o, ConflictError))
    assert "400.00 EUR available" in str(refused)
    assert [o for o in outcomes.values() if isinstance(o, str)] == ["approved"]
    monkeypatch.setattr(ledger, "available", real)
    with f.ws.sessions() as s:
        from civwatch.relief.models import ReliefFund

        fund = s.get(ReliefFund, f.fund)
        assert fund is not None
        assert ledger.available(s, fund).amount == Decimal("400.00")
    assert_balanced(f.ws)


def test_two_approvals_in_two_funds_race_for_one_person_s_cap(
    relief: Fund, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = relief
    second_fund = funds.add_fund(f.ws, f.who("fin1"), funds.FundInput(name="B", currency="EUR"))
    funds.deposit(f.ws, f.who("fin1"), second_fund["id"], "9000.00")
    first = vetted(f, "6000.00", approvers=("appr1", "appr3"), purpose="transport")
    f.fund = second_fund["id"]
    second = vetted(f, "6000.00", approvers=("appr2", "appr3"), purpose="medical")
    grants.approve(f.ws, f.who("appr3"), first)
    grants.approve(f.ws, f.who("appr3"), second)
    real = ledger.available

    def slow_available(session: Any, fund: Any) -> Any:
        found = real(session, fund)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(ledger, "available", slow_available)
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def approve(name: str, grant: str) -> None:
        start.wait()
        try:
            outcomes[name] = grants.approve(f.ws, f.who(name), grant)["state"]
        except ConflictError as exc:
            outcomes[name] = str(exc)

    threads = [
        threading.Thread(target=approve, args=("appr1", first)),
        threading.Thread(target=approve, args=("appr2", second)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(str(o)[:8] for o in outcomes.values()) == ["The cap ", "approved"], outcomes

"""Figures of a fund for a period, as Decimals: its balance sheet (what it holds and owes
at the end of a period), its income statement (donations and expenses by purpose in the
period), and the donor report (totals by purpose, month and oblast, people helped, with
any cell of fewer than :data:`SMALLEST_CELL` people suppressed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.db import read_snapshot
from civwatch.protection.access import authorise
from civwatch.relief import ledger, vocabulary
from civwatch.relief.funds import find_fund
from civwatch.relief.models import ReliefFund, ReliefGrant, ReliefGrantAct, ReliefTransaction
from civwatch.relief.money import MINOR_UNITS, Money
from civwatch.workspace import Workspace

#: A cell describing fewer people than this is not shown (it could point at someone).
SMALLEST_CELL = 5


def _sum(values: dict[tuple[str, str], Decimal], fund: ReliefFund, root: str) -> Decimal:
    total = sum(
        (
            v
            for (account, code), v in values.items()
            if code == fund.currency and account.startswith(root + ":")
        ),
        Decimal(0),
    )
    return total.quantize(Decimal(1).scaleb(-MINOR_UNITS[fund.currency]))


def _sheet(session: Session, fund: ReliefFund, until: date | None) -> dict[str, Any]:
    values = ledger.balances(session, fund.id, until=until)
    assets = _sum(values, fund, "Assets")
    # Liabilities, income and equity are credits (negative): shown as positive figures.
    liabilities = -_sum(values, fund, "Liabilities")
    equity = -(
        _sum(values, fund, "Income") + _sum(values, fund, "Expenses") + _sum(values, fund, "Equity")
    )
    return {
        "fund": fund.id,
        "currency": fund.currency,
        "until": None if until is None else until.isoformat(),
        "accounts": {
            account: amount
            for (account, code), amount in sorted(values.items())
            if code == fund.currency and account.split(":")[0] in ("Assets", "Liabilities")
        },
        "assets": assets,
        "liabilities": liabilities,
        "net_assets": equity,
        "available": assets - liabilities,
    }


def balance_sheet(
    ws: Workspace, principal: Principal, fund_ref: str | int, *, until: date | None = None
) -> dict[str, Any]:
    """What the fund holds and owes at the end of ``until`` (default: now)."""
    with ws.sessions() as session:
        read_snapshot(session)
        authorise(session, principal, Permission.RELIEF_FINANCE)
        return _sheet(session, find_fund(session, fund_ref), until)


def income_statement(
    ws: Workspace,
    principal: Principal,
    fund_ref: str | int,
    *,
    since: date | None = None,
    until: date | None = None,
) -> dict[str, Any]:
    """Donations received and expenses by purpose booked in ``[since, until]``."""
    with ws.sessions() as session:
        read_snapshot(session)
        authorise(session, principal, Permission.RELIEF_FINANCE)
        fund = find_fund(session, fund_ref)
        values = ledger.balances(session, fund.id, since=since, until=until)
        expenses = {
            purpose: values.get((vocabulary.expenses(fund.id, purpose), fund.currency), Decimal(0))
            for purpose in vocabulary.PURPOSES
        }
        income = -_sum(values, fund, "Income")
        spent = _sum(values, fund, "Expenses")
        return {
            "fund": fund.id,
            "currency": fund.currency,
            "since": None if since is None else since.isoformat(),
            "until": None if until is None else until.isoformat(),
            "donations": income,
            "expenses": expenses,
            "total_expenses": spent,
            "surplus": income - spent,
        }


def donor_report(
    ws: Workspace, principal: Principal, fund_ref: str | int, since: date, until: date
) -> dict[str, Any]:
    """What the fund paid for in ``[since, until]`` (payments less refunds): totals by
    purpose, by month and by oblast, and people helped; no names, and any cell of fewer
    than :data:`SMALLEST_CELL` people shown as suppressed (None)."""
    with ws.sessions() as session:
        read_snapshot(session)
        authorise(session, principal, Permission.RELIEF_FINANCE)
        fund = find_fund(session, fund_ref)
        rows = session.execute(
            select(
                ReliefGrantAct.act,
                ReliefGrantAct.amount_minor,
                ReliefTransaction.booked_on,
                ReliefGrant.id,
                ReliefGrant.purpose,
                ReliefGrant.oblast,
                ReliefGrant.people,
                ReliefGrant.person_id,
            )
            .join(ReliefGrant, ReliefGrant.id == ReliefGrantAct.grant_id)
            .join(ReliefTransaction, ReliefTransaction.id == ReliefGrantAct.transaction_id)
            .where(
                ReliefGrant.fund_id == fund.id,
                ReliefGrantAct.act.in_(("pay", "refund")),
                ReliefTransaction.booked_on >= since,
                ReliefTransaction.booked_on <= until,
            )
        ).all()
        cells: dict[str, dict[str, list[Any]]] = {"purpose": {}, "month": {}, "oblast": {}}
        people: dict[str, int] = {}
        for act, minor, booked_on, _grant, purpose, oblast, helped, person in rows:
            sign = 1 if act == "pay" else -1
            # A person helped twice is one household: counted once, at its largest.
            people[person] = max(helped, people.get(person, 0))
            keys = {
                "purpose": purpose,
                "month": booked_on.strftime("%Y-%m")
                if hasattr(booked_on, "strftime")
                else str(booked_on)[:7],
                "oblast": oblast or "unknown",
            }
            for dimension, key in keys.items():
                cell = cells[dimension].setdefault(key, [0, set()])
                cell[0] += sign * int(minor or 0)
                cell[1].add(person)

        def shown(cell: list[Any]) -> dict[str, Any]:
            count = sum(people[g] for g in cell[1])
            if count < SMALLEST_CELL:
                return {"amount": None, "people": None, "suppressed": True}
            return {
                "amount": Money.from_minor(cell[0], fund.currency).amount,
                "people": count,
                "suppressed": False,
            }

        total_people = sum(people.values())
        total = sum(cell[0] for cell in cells["purpose"].values())
        return {
            "fund": fund.id,
            "currency": fund.currency,
            "from": since.isoformat(),
            "to": until.isoformat(),
            "people_helped": total_people if total_people >= SMALLEST_CELL else None,
            "total": Money.from_minor(total, fund.currency).amount
            if total_people >= SMALLEST_CELL
            else None,
            **{
                dimension: {key: shown(cell) for key, cell in sorted(found.items())}
                for dimension, found in cells.items()
            },
        }

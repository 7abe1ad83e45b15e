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
from civwatch.db import read_snapshot, utcnow
from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.protection.access import authorise
from civwatch.relief import ledger, vocabulary
from civwatch.relief.funds import find_fund
from civwatch.relief.models import ReliefFund, ReliefGrant, ReliefGrantAct, ReliefTransaction
from civwatch.relief.money import MINOR_UNITS, Money
from civwatch.workspace import Workspace

#: A cell describing fewer people than this is not shown (it could point at someone).
SMALLEST_CELL = 5
#: The oblast cell of grants that name none.
UNKNOWN_OBLAST = "unknown"
#: A suppressed cell of the donor report: neither its amount nor its people are given.
SUPPRESSED_CELL: dict[str, Any] = {"amount": None, "people": None, "suppressed": True}


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


def protect_cells(counts: dict[str, int], amounts: dict[str, int], total_shown: bool) -> set[str]:
    """The keys of one table's cells to suppress: every cell of fewer than
    :data:`SMALLEST_CELL` people (``counts``), and - when the table's total is shown - a
    second one beside a cell suppressed alone, so that no suppressed cell is the total less
    the cells shown (complementary suppression). The second is the next smallest cell
    (fewest people, then the smallest amount, then its key)."""
    hidden = {key for key, count in counts.items() if count < SMALLEST_CELL}
    if total_shown and len(hidden) == 1 and len(counts) > 1:
        shown = sorted(
            (key for key in counts if key not in hidden),
            key=lambda key: (counts[key], abs(amounts[key]), key),
        )
        hidden.add(shown[0])
    return hidden


def donor_report(
    ws: Workspace, principal: Principal, fund_ref: str | int, since: date, until: date
) -> dict[str, Any]:
    """What the fund paid for in ``[since, until]`` (payments less refunds): totals by
    purpose, by month and by oblast, and people helped; no names. Any cell of fewer than
    :data:`SMALLEST_CELL` people is shown as suppressed (None), with a second cell of its
    table when it would otherwise be the total less the others (:func:`protect_cells`);
    the totals are suppressed when they describe fewer than :data:`SMALLEST_CELL`
    people."""
    if until < since:
        raise RejectedInputError(_("The last day of the report is before its first day."))
    with ws.sessions() as session:
        read_snapshot(session)
        authorise(session, principal, Permission.RELIEF_FINANCE)
        fund = find_fund(session, fund_ref)
        rows = session.execute(
            select(
                ReliefGrantAct.act,
                ReliefGrantAct.amount_minor,
                ReliefTransaction.booked_on,
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
        name = fund.name
    cells: dict[str, dict[str, list[Any]]] = {"purpose": {}, "month": {}, "oblast": {}}
    people: dict[str, int] = {}
    for act, minor, booked_on, purpose, oblast, helped, person in rows:
        sign = 1 if act == "pay" else -1
        # A person helped twice is one household: counted once, at its largest.
        people[person] = max(helped, people.get(person, 0))
        keys = {
            "purpose": purpose,
            "month": str(booked_on)[:7],
            "oblast": oblast or UNKNOWN_OBLAST,
        }
        for dimension, key in keys.items():
            cell = cells[dimension].setdefault(key, [0, set()])
            cell[0] += sign * int(minor or 0)
            cell[1].add(person)

    total_people = sum(people.values())
    total_shown = total_people >= SMALLEST_CELL
    total = sum(cell[0] for cell in cells["purpose"].values())

    def table(found: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
        counts = {key: sum(people[p] for p in cell[1]) for key, cell in found.items()}
        hidden = protect_cells(counts, {k: c[0] for k, c in found.items()}, total_shown)
        return {
            key: SUPPRESSED_CELL.copy()
            if key in hidden
            else {
                "amount": Money.from_minor(found[key][0], fund.currency).amount,
                "people": counts[key],
                "suppressed": False,
            }
            for key in sorted(found)
        }

    return {
        "fund": fund.id,
        "fund_name": name,
        "currency": fund.currency,
        "from": since.isoformat(),
        "to": until.isoformat(),
        "generated_at": utcnow().isoformat(timespec="seconds"),
        "smallest_cell": SMALLEST_CELL,
        "people_helped": total_people if total_shown else None,
        "total": Money.from_minor(total, fund.currency).amount if total_shown else None,
        **{dimension: table(found) for dimension, found in cells.items()},
    }

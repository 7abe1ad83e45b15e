"""Figures of a fund for a period, as Decimals: its balance sheet (what it holds and owes
at the end of a period), its income statement (donations and expenses by purpose in the
period), and the donor report (totals by purpose, month and oblast, people helped, with
any cell of fewer than :data:`SMALLEST_CELL` people suppressed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy
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


#: The donor report's tables, each a dimension of a grant's payment.
DIMENSIONS = ("purpose", "month", "oblast")
#: A payment's place in the report: (purpose, month, oblast).
Combination = tuple[str, str, str]


@dataclass
class _Cell:
    """A cell of a donor report table as it is summed: minor units, the people's ids, and
    the combinations (purpose, month, oblast) it adds up."""

    minor: int = 0
    persons: set[str] = field(default_factory=set)
    parts: set[Combination] = field(default_factory=set)


def _determined(
    published: list[set[Combination]], cell: set[Combination], order: dict[Combination, int]
) -> bool:
    """Whether ``cell``'s sum is a linear combination of the ``published`` sums (each a set
    of combinations): an exact figure anyone could work out from the report."""

    def row(parts: set[Combination]) -> Any:
        vector = numpy.zeros(len(order))
        vector[[order[p] for p in parts]] = 1.0
        return vector

    if not published:
        return False
    known = numpy.array([row(p) for p in published])
    rank = numpy.linalg.matrix_rank(known)
    return bool(numpy.linalg.matrix_rank(numpy.vstack([known, row(cell)])) == rank)


def suppressed_cells(
    combinations: dict[Combination, tuple[int, set[str]]], people: dict[str, int]
) -> tuple[bool, dict[str, set[str]]]:
    """Whether the report's totals are shown, and the keys of each table's cells to
    suppress, from what was paid for each combination of purpose, month and oblast (minor
    units, the people's ids) and each person's household (``people``).

    Each table first on its own (:func:`protect_cells`); then the tables together: a
    suppressed cell whose amount the figures shown add up to exactly (the total less a
    cell of another table, and so on: a linear combination of them) takes with it a
    shown cell that covers part of it - the one of fewest people (then the smallest
    amount) among those whose suppression hides it, else among all - until none does.
    No suppressed figure can then be worked out exactly; a range may be."""
    total_shown = sum(people.values()) >= SMALLEST_CELL
    cells: dict[str, dict[str, _Cell]] = {d: {} for d in DIMENSIONS}
    for combination, (minor, persons) in combinations.items():
        for dimension, key in zip(DIMENSIONS, combination, strict=True):
            cell = cells[dimension].setdefault(key, _Cell())
            cell.minor += minor
            cell.persons |= persons
            cell.parts.add(combination)

    def count(cell: _Cell) -> int:
        return sum(people[p] for p in cell.persons)

    hidden = {
        d: protect_cells(
            {k: count(c) for k, c in found.items()},
            {k: c.minor for k, c in found.items()},
            total_shown,
        )
        for d, found in cells.items()
    }
    if not total_shown:
        return False, {d: set(found) for d, found in cells.items()}
    order = {combination: i for i, combination in enumerate(sorted(combinations))}
    while True:
        shown = [(d, k) for d in DIMENSIONS for k in sorted(cells[d]) if k not in hidden[d]]
        published = [cells[d][k].parts for d, k in shown]
        if total_shown:
            published.append(set(combinations))
        exposed = next(
            (
                cells[d][k]
                for d in DIMENSIONS
                for k in sorted(hidden[d])
                if _determined(published, cells[d][k].parts, order)
            ),
            None,
        )
        if exposed is None:
            return total_shown, hidden
        covering = sorted(
            (count(cells[d][k]), abs(cells[d][k].minor), d, k)
            for d, k in shown
            if cells[d][k].parts & exposed.parts
        )
        if covering:
            # The smallest cell whose suppression alone hides the exposed one, if any;
            # else the smallest (and the loop goes on).
            breaking = (
                (d, k)
                for _count, _minor, d, k in covering
                if not _determined(
                    [p for p in published if p is not cells[d][k].parts], exposed.parts, order
                )
            )
            dimension, key = next(breaking, covering[0][2:])
            hidden[dimension].add(key)
        elif total_shown:
            total_shown = False
        else:  # cannot happen: nothing shown covers it, and no total
            return total_shown, hidden


def donor_report(
    ws: Workspace, principal: Principal, fund_ref: str | int, since: date, until: date
) -> dict[str, Any]:
    """What the fund paid for in ``[since, until]`` (payments less refunds): totals by
    purpose, by month and by oblast, and people helped; no names. Any cell of fewer than
    :data:`SMALLEST_CELL` people is shown as suppressed (None), with the cells that would
    let anyone work it out from the figures shown (:func:`suppressed_cells`); the totals
    are suppressed when they describe fewer than :data:`SMALLEST_CELL` people."""
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
    combinations: dict[Combination, tuple[int, set[str]]] = {}
    people: dict[str, int] = {}
    for act, minor, booked_on, purpose, oblast, helped, person in rows:
        sign = 1 if act == "pay" else -1
        # A person helped twice is one household: counted once, at its largest.
        people[person] = max(helped, people.get(person, 0))
        combination = (purpose, str(booked_on)[:7], oblast or UNKNOWN_OBLAST)
        so_far, persons = combinations.get(combination, (0, set()))
        combinations[combination] = (so_far + sign * int(minor or 0), persons | {person})

    total_shown, hidden = suppressed_cells(combinations, people)
    total = sum(minor for minor, _persons in combinations.values())

    def table(index: int, dimension: str) -> dict[str, dict[str, Any]]:
        found: dict[str, tuple[int, set[str]]] = {}
        for combination, (minor, persons) in combinations.items():
            so_far, who = found.get(combination[index], (0, set()))
            found[combination[index]] = (so_far + minor, who | persons)
        return {
            key: SUPPRESSED_CELL.copy()
            if key in hidden[dimension]
            else {
                "amount": Money.from_minor(minor, fund.currency).amount,
                "people": sum(people[p] for p in who),
                "suppressed": False,
            }
            for key, (minor, who) in sorted(found.items())
        }

    return {
        "fund": fund.id,
        "fund_name": name,
        "currency": fund.currency,
        "from": since.isoformat(),
        "to": until.isoformat(),
        "generated_at": utcnow().isoformat(timespec="seconds"),
        "smallest_cell": SMALLEST_CELL,
        "people_helped": sum(people.values()) if total_shown else None,
        "total": Money.from_minor(total, fund.currency).amount if total_shown else None,
        **{dimension: table(i, dimension) for i, dimension in enumerate(DIMENSIONS)},
    }

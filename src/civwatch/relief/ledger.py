"""The fund's books: balanced double-entry transactions, appended and never edited.

Every transaction's postings sum to zero in each currency (Beancount's signs: assets and
expenses positive, liabilities, income and equity negative); a correction is a new
transaction reversing an old one. Each is appended to the relief log (ids and amounts
only) in the caller's database transaction, and recorded by its leaf.

Acts that move a fund's money call :func:`lock_fund` first: it raises the fund's ``turn``
in one UPDATE, which holds the fund's row on PostgreSQL and the database's write lock on
SQLite until the transaction ends, so two approvals racing for the last of a fund's
balance run one after the other and the second reads what the first left.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from civwatch.custody import entries
from civwatch.custody.log import CustodyLog
from civwatch.db import utcnow
from civwatch.errors import ConflictError, RecordNotFoundError
from civwatch.i18n import _
from civwatch.relief import vocabulary
from civwatch.relief.acts import RELIEF_MONEY
from civwatch.relief.models import RELIEF_LOG, ReliefFund, ReliefPosting, ReliefTransaction
from civwatch.relief.money import Money

#: The relief log (the same tables as ``Workspace.relief_log``).
LOG = CustodyLog(tables=RELIEF_LOG)


@dataclass(frozen=True)
class Leg:
    """One posting to write: an account of a fund, a signed amount."""

    fund_id: int
    account: str
    money: Money


def lock_fund(session: Session, fund_id: int) -> ReliefFund:
    """Fund ``fund_id``, held for the rest of the caller's transaction (see the module);
    RecordNotFoundError if there is none."""
    done = session.execute(
        update(ReliefFund).where(ReliefFund.id == fund_id).values(turn=ReliefFund.turn + 1)
    )
    if not getattr(done, "rowcount", 0):
        raise RecordNotFoundError(_("No fund %(fund)s.", fund=fund_id))
    fund = session.get(ReliefFund, fund_id, populate_existing=True)
    assert fund is not None
    return fund


def balanced(legs: Sequence[Leg]) -> None:
    """Refuse (ValueError: a bug, never input) legs that do not sum to zero in each
    currency."""
    sums: dict[str, int] = defaultdict(int)
    for leg in legs:
        sums[leg.money.currency] += leg.money.minor
    off = {code: total for code, total in sums.items() if total}
    if off or len(legs) < 2:
        raise ValueError(f"unbalanced transaction: {off or legs}")


def post(
    session: Session,
    *,
    kind: str,
    fund_id: int,
    actor_id: int,
    actor: str,
    legs: Sequence[Leg],
    eur_rate: Decimal,
    grant_id: str | None = None,
    reverses: int | None = None,
    booked_on: date | None = None,
) -> ReliefTransaction:
    """Write one balanced transaction and append its entry to the relief log."""
    balanced(legs)
    refuse_below_zero(session, legs)
    at = utcnow()
    day = booked_on or at.date()
    postings = [
        {"account": leg.account, "currency": leg.money.currency, "amount": str(leg.money.amount)}
        for leg in legs
    ]
    entry = entries.build(
        RELIEF_MONEY,
        actor,
        at,
        what=kind,
        fund=fund_id,
        grant=grant_id,
        reverses=reverses,
        booked_on=day.isoformat(),
        eur_rate=str(eur_rate),
        postings=postings,
    )
    (leaf,) = LOG.append(session, [entry])
    row = ReliefTransaction(
        kind=kind,
        fund_id=fund_id,
        grant_id=grant_id,
        eur_rate=str(eur_rate),
        booked_on=day,
        at=at,
        by_id=actor_id,
        reverses_id=reverses,
        log_leaf=leaf,
    )
    session.add(row)
    session.flush()
    session.add_all(
        ReliefPosting(
            transaction_id=row.id,
            fund_id=leg.fund_id,
            account=leg.account,
            currency=leg.money.currency,
            amount_minor=leg.money.minor,
        )
        for leg in legs
    )
    session.flush()
    return row


def legs_of(session: Session, transaction_id: int) -> list[Leg]:
    """The postings of a transaction, as legs."""
    rows = session.scalars(
        select(ReliefPosting)
        .where(ReliefPosting.transaction_id == transaction_id)
        .order_by(ReliefPosting.id)
    )
    return [Leg(p.fund_id, p.account, Money.from_minor(p.amount_minor, p.currency)) for p in rows]


def refuse_below_zero(session: Session, legs: Sequence[Leg]) -> None:
    """Refuse legs that would take a fund's bank or cash box below zero. Every act that
    takes money out (payments, cash moves, transfers, reversals) goes through here, so no
    act can overdraw an account, whatever it checked first in its own words."""
    taken: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
    for leg in legs:
        if leg.account.startswith("Assets:"):
            taken[(leg.fund_id, leg.account, leg.money.currency)] += leg.money.amount
    for (fund_id, account, code), delta in taken.items():
        if delta >= 0:
            continue
        held = balances(session, fund_id, prefix=account).get((account, code), Decimal(0))
        if held + delta >= 0:
            continue
        fund = session.get(ReliefFund, fund_id)
        words = {
            "fund": fund.name if fund is not None else str(fund_id),
            "held": str(Money.of(held, code)),
            "asked": str(Money.of(-delta, code)),
        }
        if account == vocabulary.bank(fund_id):
            raise ConflictError(
                _(
                    "Fund %(fund)s has %(held)s in the bank; %(asked)s cannot be taken from "
                    "it: put the cash back in the bank first.",
                    **words,
                )
            )
        raise ConflictError(
            _("Fund %(fund)s has %(held)s in cash; %(asked)s cannot be taken from it.", **words)
        )


def reversed_legs(legs: Iterable[Leg]) -> list[Leg]:
    """The legs that undo ``legs``."""
    return [
        Leg(leg.fund_id, leg.account, Money(-leg.money.amount, leg.money.currency)) for leg in legs
    ]


def balances(
    session: Session,
    fund_id: int,
    *,
    since: date | None = None,
    until: date | None = None,
    prefix: str | None = None,
) -> dict[tuple[str, str], Decimal]:
    """The sum of each (account, currency) of a fund, over transactions booked in
    ``[since, until]`` (each end optional), accounts starting with ``prefix`` only."""
    query = (
        select(ReliefPosting.account, ReliefPosting.currency, func.sum(ReliefPosting.amount_minor))
        .where(ReliefPosting.fund_id == fund_id)
        .group_by(ReliefPosting.account, ReliefPosting.currency)
    )
    if since is not None or until is not None:
        query = query.join(ReliefTransaction, ReliefTransaction.id == ReliefPosting.transaction_id)
    if since is not None:
        query = query.where(ReliefTransaction.booked_on >= since)
    if until is not None:
        query = query.where(ReliefTransaction.booked_on <= until)
    if prefix is not None:
        query = query.where(ReliefPosting.account.startswith(prefix))
    return {
        (account, code): Money.from_minor(int(total or 0), code).amount
        for account, code, total in session.execute(query)
    }


def available(session: Session, fund: ReliefFund) -> Money:
    """What fund ``fund`` can still commit: its money (assets) less what it owes or has
    committed (liabilities, negative), in its currency."""
    total = Decimal(0)
    for (account, code), amount in balances(session, fund.id).items():
        if code == fund.currency and account.split(":")[0] in ("Assets", "Liabilities"):
            total += amount
    return Money.of(total, fund.currency)


def account_total(session: Session, fund: ReliefFund, account: str) -> Money:
    """The balance of one account of ``fund`` in its currency."""
    amount = balances(session, fund.id).get((account, fund.currency), Decimal(0))
    return Money.of(amount, fund.currency)

"""The whole ledger in Beancount's text format, which ``bean-check`` accepts: each fund's
accounts opened in its currency on its first day, then every transaction in the order it
was written, with its id, kind, fund and grant as metadata (ids and amounts only, never a
name). Streamed to a file written atomically."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.db import read_snapshot
from civwatch.files import atomic_writer
from civwatch.protection.access import authorise
from civwatch.relief import vocabulary
from civwatch.relief.models import ReliefFund, ReliefPosting, ReliefTransaction
from civwatch.relief.money import Money
from civwatch.workspace import Workspace

#: Transactions read per batch.
BATCH = 2000


def _opened_on(session: Session, fund: ReliefFund) -> date:
    first = session.scalar(
        select(func.min(ReliefTransaction.booked_on)).where(ReliefTransaction.fund_id == fund.id)
    )
    first_leg = session.scalar(
        select(func.min(ReliefTransaction.booked_on))
        .join(ReliefPosting, ReliefPosting.transaction_id == ReliefTransaction.id)
        .where(ReliefPosting.fund_id == fund.id)
    )
    days = [d for d in (first, first_leg, fund.created_at.date()) if d is not None]
    return min(days)


def lines(session: Session) -> Iterator[str]:
    """The export, line by line."""
    yield ";; civwatch relief fund ledger (ids and amounts only)\n"
    yield 'option "title" "civwatch relief fund"\n'
    yield 'option "operating_currency" "EUR"\n\n'
    for fund in session.scalars(select(ReliefFund).order_by(ReliefFund.id)):
        day = _opened_on(session, fund).isoformat()
        for account in vocabulary.accounts_of(fund.id):
            yield f"{day} open {account} {fund.currency}\n"
        yield "\n"
    after = 0
    while True:
        batch = list(
            session.scalars(
                select(ReliefTransaction)
                .where(ReliefTransaction.id > after)
                .order_by(ReliefTransaction.id)
                .limit(BATCH)
            )
        )
        if not batch:
            return
        after = batch[-1].id
        legs: dict[int, list[ReliefPosting]] = {}
        for p in session.scalars(
            select(ReliefPosting)
            .where(ReliefPosting.transaction_id.between(batch[0].id, after))
            .order_by(ReliefPosting.id)
        ):
            legs.setdefault(p.transaction_id, []).append(p)
        for t in batch:
            yield f'{t.booked_on.isoformat()} * "{t.kind}" "relief transaction {t.id}"\n'
            yield f'  relief_transaction: "{t.id}"\n'
            yield f'  relief_fund: "{t.fund_id}"\n'
            if t.grant_id is not None:
                yield f'  relief_grant: "{t.grant_id}"\n'
            if t.reverses_id is not None:
                yield f'  relief_reverses: "{t.reverses_id}"\n'
            yield f'  eur_rate: "{t.eur_rate}"\n'
            for p in legs.get(t.id, []):
                amount = Money.from_minor(p.amount_minor, p.currency).amount
                yield f"  {p.account}  {amount} {p.currency}\n"
            yield "\n"


def export_beancount(ws: Workspace, principal: Principal, out: Path) -> int:
    """Write the ledger to ``out`` (finance); returns how many transactions it holds."""
    with ws.sessions() as session:
        read_snapshot(session)
        authorise(session, principal, Permission.RELIEF_FINANCE)
        count = session.scalar(select(func.count()).select_from(ReliefTransaction)) or 0
        with atomic_writer(out) as handle:
            for line in lines(session):
                handle.write(line.encode("utf-8"))
        return count

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
from civwatch.relief.money import MINOR_UNITS
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


def amount_text(minor: int, currency: str) -> str:
    """``minor`` units of ``currency`` as a decimal string (``-1234`` EUR: ``-12.34``)."""
    places = MINOR_UNITS[currency]
    if not places:
        return str(minor)
    whole, part = divmod(abs(minor), 10**places)
    return f"{'-' if minor < 0 else ''}{whole}.{part:0{places}d}"


def lines(session: Session) -> Iterator[str]:
    """The export, line by line: one query over transactions and their postings, in the
    order they were written, streamed."""
    yield ";; civwatch relief fund ledger (ids and amounts only)\n"
    yield 'option "title" "civwatch relief fund"\n'
    yield 'option "operating_currency" "EUR"\n\n'
    for fund in session.scalars(select(ReliefFund).order_by(ReliefFund.id)):
        day = _opened_on(session, fund).isoformat()
        for account in vocabulary.accounts_of(fund.id):
            yield f"{day} open {account} {fund.currency}\n"
        yield "\n"
    t, p = ReliefTransaction, ReliefPosting
    rows = session.execute(
        select(
            t.id,
            t.kind,
            t.booked_on,
            t.fund_id,
            t.grant_id,
            t.reverses_id,
            t.eur_rate,
            p.account,
            p.currency,
            p.amount_minor,
        )
        .join(p, p.transaction_id == t.id)
        .order_by(t.id, p.id)
        .execution_options(yield_per=BATCH)
    )
    current = None
    for tid, kind, booked_on, fund_id, grant_id, reverses_id, rate, account, code, minor in rows:
        if tid != current:
            if current is not None:
                yield "\n"
            current = tid
            head = [
                f'{booked_on.isoformat()} * "{kind}" "relief transaction {tid}"\n',
                f'  relief_transaction: "{tid}"\n',
                f'  relief_fund: "{fund_id}"\n',
            ]
            if grant_id is not None:
                head.append(f'  relief_grant: "{grant_id}"\n')
            if reverses_id is not None:
                head.append(f'  relief_reverses: "{reverses_id}"\n')
            head.append(f'  eur_rate: "{rate}"\n')
            yield "".join(head)
        yield f"  {account}  {amount_text(minor, code)} {code}\n"
    if current is not None:
        yield "\n"


def export_beancount(ws: Workspace, principal: Principal, out: Path) -> int:
    """Write the ledger to ``out`` (finance); returns how many transactions it holds."""
    with ws.sessions() as session:
        read_snapshot(session)
        authorise(session, principal, Permission.RELIEF_FINANCE)
        count = session.scalar(select(func.count()).select_from(ReliefTransaction)) or 0
        with atomic_writer(out) as handle:
            chunk: list[str] = []
            for line in lines(session):
                chunk.append(line)
                if len(chunk) >= BATCH:
                    handle.write("".join(chunk).encode("utf-8"))
                    chunk.clear()
            handle.write("".join(chunk).encode("utf-8"))
        return count

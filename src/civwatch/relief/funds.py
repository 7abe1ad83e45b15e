"""Funds: adding one (currency, donor, restrictions), deposits, transfers between funds,
reversing a deposit or transfer, and finding a fund by name or number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts import audit
from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import ConflictError, RecordNotFoundError, RejectedInputError
from civwatch.i18n import _
from civwatch.protection.access import authorise
from civwatch.relief import ledger, vocabulary
from civwatch.relief.ledger import Leg
from civwatch.relief.models import ReliefFund, ReliefTransaction
from civwatch.relief.money import Money, currency, positive, rate_of
from civwatch.workspace import Workspace


@dataclass(frozen=True)
class FundInput:
    name: str
    currency: str
    donor: str | None = None
    purposes: list[str] | None = None
    regions: list[str] | None = None
    starts_on: date | None = None
    ends_on: date | None = None


def fund_json(session: Session, fund: ReliefFund) -> dict[str, Any]:
    """A fund with its balances (decimal strings)."""
    return {
        "id": fund.id,
        "name": fund.name,
        "currency": fund.currency,
        "donor": fund.donor,
        "purposes": fund.purposes,
        "regions": fund.regions,
        "starts_on": None if fund.starts_on is None else fund.starts_on.isoformat(),
        "ends_on": None if fund.ends_on is None else fund.ends_on.isoformat(),
        "bank": str(ledger.account_total(session, fund, vocabulary.bank(fund.id)).amount),
        "available": str(ledger.available(session, fund).amount),
    }


def find_fund(session: Session, ref: str | int) -> ReliefFund:
    """The fund numbered or named ``ref``; RecordNotFoundError otherwise."""
    text = str(ref).strip()
    fund = session.get(ReliefFund, int(text)) if text.isdigit() else None
    if fund is None:
        fund = session.scalars(select(ReliefFund).where(ReliefFund.name == text)).first()
    if fund is None:
        raise RecordNotFoundError(_("No fund %(fund)s.", fund=repr(text)))
    return fund


def add_fund(ws: Workspace, principal: Principal, data: FundInput) -> dict[str, Any]:
    """Add a fund (finance)."""
    name = data.name.strip()
    if not name or len(name) > 200:
        raise RejectedInputError(_("A fund needs a name of at most 200 characters."))
    code = currency(data.currency)
    for p in data.purposes or []:
        vocabulary.purpose(p)
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise RejectedInputError(_("A fund cannot end before it starts."))
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.RELIEF_FINANCE)
        if session.scalars(select(ReliefFund.id).where(ReliefFund.name == name)).first():
            raise ConflictError(_("A fund named %(name)s exists already.", name=repr(name)))
        fund = ReliefFund(
            name=name,
            currency=code,
            donor=data.donor,
            purposes=data.purposes or None,
            regions=data.regions or None,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            created_by=principal.user_id,
        )
        session.add(fund)
        session.flush()
        audit.record(
            session,
            "relief.fund-add",
            actor=principal.username,
            target=f"relief-fund:{fund.id}",
            detail={"currency": code},
        )
        return fund_json(session, fund)


def deposit(
    ws: Workspace,
    principal: Principal,
    fund_ref: str | int,
    amount: object,
    *,
    eur_rate: object = None,
    booked_on: date | None = None,
) -> dict[str, Any]:
    """A donation received into the fund's bank account."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.RELIEF_FINANCE)
        fund = ledger.lock_fund(session, find_fund(session, fund_ref).id)
        money = positive(Money.of(amount, fund.currency), _("A deposit"))
        rate = rate_of(eur_rate, fund.currency)
        row = ledger.post(
            session,
            kind="deposit",
            fund_id=fund.id,
            actor_id=principal.user_id,
            actor=principal.username,
            legs=[
                Leg(fund.id, vocabulary.bank(fund.id), money),
                Leg(fund.id, vocabulary.donations(fund.id), Money(-money.amount, money.currency)),
            ],
            eur_rate=rate,
            booked_on=booked_on,
        )
        audit_money(session, principal, "relief.deposit", fund.id, row.id, money)
        return {"transaction": row.id, **fund_json(session, fund)}


def transfer(
    ws: Workspace,
    principal: Principal,
    from_ref: str | int,
    to_ref: str | int,
    amount: object,
    *,
    received: object = None,
    eur_rate: object = None,
) -> dict[str, Any]:
    """Move money from one fund's bank to another's (``received``: what arrived, in the
    other fund's currency, when the currencies differ)."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.RELIEF_FINANCE)
        source, target = find_fund(session, from_ref), find_fund(session, to_ref)
        if source.id == target.id:
            raise RejectedInputError(_("A transfer moves money between two different funds."))
        # Both held, always in the same order: two opposite transfers cannot deadlock.
        for fund_id in sorted((source.id, target.id)):
            ledger.lock_fund(session, fund_id)
        sent = positive(Money.of(amount, source.currency), _("A transfer"))
        got = (
            sent
            if target.currency == source.currency
            else positive(
                Money.of(received, target.currency, what=_("The amount received")), _("A transfer")
            )
        )
        refuse_overdraw(session, source, sent)
        row = ledger.post(
            session,
            kind="transfer",
            fund_id=source.id,
            actor_id=principal.user_id,
            actor=principal.username,
            legs=[
                Leg(source.id, vocabulary.bank(source.id), Money(-sent.amount, sent.currency)),
                Leg(source.id, vocabulary.transfers(source.id), sent),
                Leg(target.id, vocabulary.bank(target.id), got),
                Leg(target.id, vocabulary.transfers(target.id), Money(-got.amount, got.currency)),
            ],
            eur_rate=rate_of(eur_rate, source.currency),
        )
        audit_money(session, principal, "relief.transfer", source.id, row.id, sent)
        return {"transaction": row.id}


def reverse(ws: Workspace, principal: Principal, transaction_id: int) -> dict[str, Any]:
    """Correct a deposit or a transfer booked in error: a new transaction reversing it
    (grants are corrected by refunds and cancellations)."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.RELIEF_FINANCE)
        old = session.get(ReliefTransaction, transaction_id)
        if old is None:
            raise RecordNotFoundError(_("No transaction %(id)s.", id=transaction_id))
        if old.kind not in ("deposit", "transfer"):
            raise ConflictError(
                _(
                    "Only a deposit or a transfer is reversed by hand; a grant's money is "
                    "corrected by a refund or a cancellation."
                )
            )
        if session.scalars(
            select(ReliefTransaction.id).where(ReliefTransaction.reverses_id == old.id)
        ).first():
            raise ConflictError(_("Transaction %(id)s is reversed already.", id=old.id))
        legs = ledger.legs_of(session, old.id)
        funds = sorted({leg.fund_id for leg in legs})
        held = {fund_id: ledger.lock_fund(session, fund_id) for fund_id in funds}
        undo = ledger.reversed_legs(legs)
        for fund in held.values():
            taken = sum(
                (
                    -leg.money.amount
                    for leg in undo
                    if leg.fund_id == fund.id and leg.account == vocabulary.bank(fund.id)
                ),
                Decimal(0),
            )
            if taken > 0:
                refuse_overdraw(session, fund, Money.of(taken, fund.currency))
        row = ledger.post(
            session,
            kind="reversal",
            fund_id=old.fund_id,
            actor_id=principal.user_id,
            actor=principal.username,
            legs=undo,
            eur_rate=Decimal(old.eur_rate),
            reverses=old.id,
        )
        audit.record(
            session,
            "relief.reverse",
            actor=principal.username,
            target=f"relief-transaction:{old.id}",
            detail={"transaction": row.id},
        )
        return {"transaction": row.id, "reverses": old.id}


def refuse_overdraw(session: Session, fund: ReliefFund, taken: Money) -> None:
    """Refuse taking ``taken`` from ``fund`` beyond what it has available (the figures
    in the message)."""
    free = ledger.available(session, fund)
    if taken.amount > free.amount:
        raise ConflictError(
            _(
                "Fund %(fund)s has %(available)s available; %(asked)s would overdraw it.",
                fund=fund.name,
                available=str(free),
                asked=str(taken),
            )
        )


def audit_money(
    session: Session,
    principal: Principal,
    action: str,
    fund_id: int,
    transaction: int,
    money: Money,
) -> None:
    """The audit record of a money act (ids and the amount)."""
    audit.record(
        session,
        action,
        actor=principal.username,
        target=f"relief-fund:{fund_id}",
        detail={
            "transaction": transaction,
            "amount": str(money.amount),
            "currency": money.currency,
        },
    )

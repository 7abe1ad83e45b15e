"""The fund's cash box: money taken out of the bank to pay grants in cash, and cash put
back into the bank. A cash payment (:func:`civwatch.relief.grants.pay` with method
``cash``) comes out of the fund's cash account, never out of its bank, so the bank
account is what the bank's statement shows and reconciliation awaits no cash payment on
it."""

from __future__ import annotations

from typing import Any

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import ConflictError
from civwatch.i18n import _
from civwatch.protection.access import authorise
from civwatch.relief import ledger, vocabulary
from civwatch.relief.funds import audit_money, find_fund, fund_json
from civwatch.relief.ledger import Leg
from civwatch.relief.money import Money, positive, rate_of
from civwatch.workspace import Workspace

#: The ledger kinds of the two moves.
WITHDRAWAL, RETURN = "cash_withdrawal", "cash_return"


def move_cash(
    ws: Workspace,
    principal: Principal,
    fund_ref: str | int,
    amount: object,
    *,
    to_bank: bool = False,
    eur_rate: object = None,
) -> dict[str, Any]:
    """Take ``amount`` out of the fund's bank into its cash box (finance), or put it back
    into the bank (``to_bank``); never more than the account it leaves holds."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.RELIEF_FINANCE)
        fund = ledger.lock_fund(session, find_fund(session, fund_ref).id)
        money = positive(Money.of(amount, fund.currency), _("An amount of cash"))
        bank, cash = vocabulary.bank(fund.id), vocabulary.cash(fund.id)
        source, target = (cash, bank) if to_bank else (bank, cash)
        held = ledger.account_total(session, fund, source)
        if money.amount > held.amount:
            raise ConflictError(
                _(
                    "Fund %(fund)s has %(held)s in cash; %(asked)s cannot go back to the bank.",
                    fund=fund.name,
                    held=str(held),
                    asked=str(money),
                )
                if to_bank
                else _(
                    "Fund %(fund)s has %(held)s in the bank; %(asked)s cannot be taken out "
                    "in cash.",
                    fund=fund.name,
                    held=str(held),
                    asked=str(money),
                )
            )
        row = ledger.post(
            session,
            kind=RETURN if to_bank else WITHDRAWAL,
            fund_id=fund.id,
            actor_id=principal.user_id,
            actor=principal.username,
            legs=[
                Leg(fund.id, target, money),
                Leg(fund.id, source, Money(-money.amount, money.currency)),
            ],
            eur_rate=rate_of(eur_rate, fund.currency),
        )
        audit_money(
            session,
            principal,
            "relief.cash-return" if to_bank else "relief.cash-withdrawal",
            fund.id,
            row.id,
            money,
        )
        return {
            "transaction": row.id,
            "cash": str(ledger.account_total(session, fund, cash).amount),
            **fund_json(session, fund),
        }

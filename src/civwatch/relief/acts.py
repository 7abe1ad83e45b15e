"""The act of the relief log (``custody/entries.py``): every money movement of the fund -
deposit, commitment, release, payment, refund, cancellation, transfer between funds,
reversal, cash taken out of the bank or put back - with its ledger transaction's id,
fund, grant and postings (accounts and amounts). Ids and amounts only: never a name or
free text. Written to the relief log, a custody log of its own; none goes into evidence
packages."""

from __future__ import annotations

from civwatch.custody.entries import Act, Schema, nullable, one_of, register

#: The kinds of ledger transaction.
KINDS = (
    "deposit",
    "commitment",
    "release",
    "payment",
    "refund",
    "cancellation",
    "transfer",
    "reversal",
    "cash_withdrawal",
    "cash_return",
)
_ACCOUNT: Schema = {"type": "string", "pattern": r"^[A-Z][A-Za-z]+(:[A-Z0-9][A-Za-z0-9-]*)+$"}
_POSTING: Schema = {
    "type": "object",
    "properties": {
        "account": _ACCOUNT,
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "amount": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"},
    },
    "required": ["account", "currency", "amount"],
    "additionalProperties": False,
}
_GRANT: Schema = {"type": "string", "pattern": r"^rg_[A-Za-z0-9_-]{8,64}$"}

RELIEF_MONEY = register(
    Act(
        "relief-money",
        "A balanced ledger transaction of the relief fund (`what`: deposit, commitment, "
        "release, payment, refund, cancellation, transfer, reversal, cash_withdrawal or "
        "cash_return): its fund, grant,"
        " the transaction it reverses, the day it is booked on, the euro rate as "
        "entered and its postings (account, currency, amount). Ids and amounts only.",
        {
            "what": one_of(KINDS),
            "fund": {"type": "integer", "minimum": 1},
            "grant": nullable(_GRANT),
            "reverses": nullable({"type": "integer", "minimum": 1}),
            "booked_on": {"type": "string", "format": "date"},
            "eur_rate": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
            "postings": {"type": "array", "items": _POSTING, "minItems": 2},
        },
    )
)

ACTS: tuple[Act, ...] = (RELIEF_MONEY,)

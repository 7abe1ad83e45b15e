"""What ``civwatch verify`` checks of the relief fund against its own log (the relief
log): every ledger transaction against the ``relief-money`` entry at its leaf - its kind,
fund, grant, the transaction it reverses, the day it is booked on, the euro rate, who and
when - and its postings (how many, and their sums of debits and credits in minor units),
and every entry of the log has its transaction. An edited amount, a deleted posting, a
transaction added from outside are named."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import ScalarSelect, func, select

from civwatch.accounts.service import username_of
from civwatch.custody.bindings import AnySelect, Binding, Declarations, Entry, Row, fields
from civwatch.errors import CivwatchError
from civwatch.i18n import _
from civwatch.relief.acts import RELIEF_MONEY
from civwatch.relief.models import ReliefPosting, ReliefTransaction
from civwatch.relief.money import Money


def _postings(sign: int) -> ScalarSelect[Any]:
    p = ReliefPosting
    amount = p.amount_minor if sign > 0 else -p.amount_minor
    return (
        select(func.coalesce(func.sum(amount), 0))
        .where(p.transaction_id == ReliefTransaction.id, amount > 0)
        .scalar_subquery()
    )


def _transactions() -> AnySelect:
    t = ReliefTransaction
    return select(
        t.id.label("id"),
        t.log_leaf.label("leaf"),
        t.kind.label("kind"),
        t.fund_id.label("fund_id"),
        t.grant_id.label("grant_id"),
        t.reverses_id.label("reverses_id"),
        t.booked_on.label("booked_on"),
        t.eur_rate.label("eur_rate"),
        t.at.label("at"),
        username_of(t.by_id).label("actor"),
        select(func.count())
        .where(ReliefPosting.transaction_id == t.id)
        .scalar_subquery()
        .label("legs"),
        _postings(1).label("debits"),
        _postings(-1).label("credits"),
    )


def _logged(entry: Entry) -> tuple[int, int, int] | None:
    """(legs, debits, credits) of an entry's postings in minor units; None if unreadable."""
    postings = entry.get("postings")
    if not isinstance(postings, list):
        return None
    debits = credits = 0
    try:
        for posting in postings:
            minor = Money.of(posting["amount"], posting["currency"]).minor
            debits += max(minor, 0)
            credits += max(-minor, 0)
    except (CivwatchError, KeyError, TypeError):
        return None
    return len(postings), debits, credits


def _check(row: Row, entry: Entry) -> Iterator[str]:
    booked = row.get("booked_on")
    if str(booked)[:10] != entry.get("booked_on"):
        yield _(
            "booked_on in the database (%(stored)s) differs from the entry (%(logged)s)",
            stored=repr(str(booked)),
            logged=repr(entry.get("booked_on")),
        )
    stored = (int(row.get("legs") or 0), int(row.get("debits") or 0), int(row.get("credits") or 0))
    if stored != _logged(entry):
        yield _(
            "the postings in the database (legs, debits, credits in minor units: "
            "%(stored)s) differ from the entry (%(logged)s)",
            stored=repr(stored),
            logged=repr(_logged(entry)),
        )


def declarations() -> Declarations:
    """The relief log's binding: every entry has its transaction, every transaction its
    entry."""
    return Declarations(
        bindings=[
            Binding(
                table="relief_transaction",
                stage="relief ledger",
                acts=(RELIEF_MONEY.name,),
                query=_transactions,
                fields=fields(
                    ("what", "kind"),
                    ("fund", "fund_id", "number"),
                    ("grant", "grant_id"),
                    ("reverses", "reverses_id", "number"),
                    "eur_rate",
                    "actor",
                    ("at", "at", "time"),
                ),
                check=_check,
            )
        ]
    )

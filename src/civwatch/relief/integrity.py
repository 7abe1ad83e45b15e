"""What ``civwatch verify`` checks of the relief fund against its own log (the relief
log): every ledger transaction against the ``relief-money`` entry at its leaf - its kind,
fund, grant, the transaction it reverses, the day it is booked on, the euro rate, who and
when - and each of its postings (account, currency, amount: the entry lists them all, so
a posting moved to another account with the same amount is seen), each posting's fund
against the fund its account names, and every entry of the log has its transaction. An
edited amount, a moved or deleted posting, a transaction added from outside are named."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import ScalarSelect, String, cast, func, select

from civwatch.accounts.service import username_of
from civwatch.custody.bindings import AnySelect, Binding, Declarations, Entry, Row, fields
from civwatch.errors import CivwatchError
from civwatch.i18n import _
from civwatch.relief.acts import RELIEF_MONEY
from civwatch.relief.models import ReliefPosting, ReliefTransaction
from civwatch.relief.money import Money
from civwatch.relief.vocabulary import fund_part

#: Between the fields of one posting in :func:`_postings` (no account holds it).
_FIELD = " "
#: Between two postings.
_POSTING = "\n"


def _postings() -> ScalarSelect[Any]:
    """The transaction's postings as text, one per line: "fund account currency minor"
    (any order)."""
    p = ReliefPosting
    one = (
        cast(p.fund_id, String)
        + _FIELD
        + p.account
        + _FIELD
        + p.currency
        + _FIELD
        + cast(p.amount_minor, String)
    )
    return (
        select(func.aggregate_strings(one, _POSTING))
        .where(p.transaction_id == ReliefTransaction.id)
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
        _postings().label("postings"),
    )


Posting = tuple[str, str, int]


def _stored(row: Row) -> tuple[list[Posting], list[str]]:
    """The row's postings as (account, currency, minor units), and the accounts whose
    posting's fund is not the fund the account names."""
    postings: list[Posting] = []
    astray: list[str] = []
    for line in str(row.get("postings") or "").split(_POSTING):
        if not line:
            continue
        fund, account, code, minor = line.split(_FIELD)
        postings.append((account, code, int(minor)))
        if account.split(":")[1:2] != [fund_part(int(fund))]:
            astray.append(account)
    return sorted(postings), astray


def _logged(entry: Entry) -> list[Posting] | None:
    """The entry's postings as (account, currency, minor units); None if unreadable."""
    postings = entry.get("postings")
    if not isinstance(postings, list):
        return None
    try:
        return sorted(
            (
                str(p["account"]),
                str(p["currency"]),
                Money.of(p["amount"], p["currency"]).minor,
            )
            for p in postings
        )
    except (CivwatchError, KeyError, TypeError):
        return None


def _shown(postings: Iterable[Posting]) -> str:
    return "; ".join(
        f"{account} {Money.from_minor(minor, code)}" for account, code, minor in postings
    )


def _check(row: Row, entry: Entry) -> Iterator[str]:
    booked = row.get("booked_on")
    if str(booked)[:10] != entry.get("booked_on"):
        yield _(
            "booked_on in the database (%(stored)s) differs from the entry (%(logged)s)",
            stored=repr(str(booked)),
            logged=repr(entry.get("booked_on")),
        )
    stored, astray = _stored(row)
    logged = _logged(entry)
    if logged is None:
        yield _("the entry's postings cannot be read")
    elif stored != logged:
        extra = Counter(stored) - Counter(logged)
        missing = Counter(logged) - Counter(stored)
        yield _(
            "the postings in the database differ from the entry: %(extra)s in the database "
            "only, %(missing)s in the entry only",
            extra=_shown(sorted(extra.elements())) or "-",
            missing=_shown(sorted(missing.elements())) or "-",
        )
    for account in astray:
        yield _(
            "a posting to %(account)s is recorded under another fund's number",
            account=account,
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

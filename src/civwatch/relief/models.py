"""The relief fund's tables: funds, grant requests, vetting checks, the acts on a grant
(approvals, release, payments, refunds, cancellation), and the double-entry ledger
(transactions and their postings), with the relief log's own custody tables.

No table holds a name: a grant points at its protection case and person by id, and what
a person wrote about it (justification, vetting notes) is sealed with that person's data
key by the protection desk. Amounts are whole minor units of their currency (exact on
every backend); exchange rates are the decimal text the person entered.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from civwatch.custody.models import LogTables, log_tables
from civwatch.db import Base, JSONDocument, UTCDateTime, utcnow

_USER = "user_account.id"
_FUND = "relief_fund.id"
_GRANT = "relief_grant.id"
_TRANSACTION = "relief_transaction.id"
_BigId = BigInteger().with_variant(Integer(), "sqlite")

#: The relief log: every money act (ids and amounts only), a custody log of its own.
RELIEF_LOG: LogTables = log_tables("relief_log")


class ReliefFund(Base):
    """A fund: its currency, donor and restrictions."""

    __tablename__ = "relief_fund"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    donor: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: Purposes it may pay for (None: any).
    purposes: Mapped[list[str] | None] = mapped_column(JSONDocument, nullable=True)
    #: Oblasts it may pay for (None: any).
    regions: Mapped[list[str] | None] = mapped_column(JSONDocument, nullable=True)
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int] = mapped_column(ForeignKey(_USER))
    #: Raised by every act that moves the fund's money, first thing in its transaction:
    #: the write takes the row (PostgreSQL) or the database (SQLite), so acts on one fund
    #: run one after the other and each reads the balance the previous one left.
    turn: Mapped[int] = mapped_column(Integer, default=0)


class ReliefGrant(Base):
    """A grant request for a protection case (the case's person and dependants)."""

    __tablename__ = "relief_grant"
    __table_args__ = (Index("ix_relief_grant_person_state", "person_id", "state"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey(_FUND), index=True)
    #: The protection case and its person, by id only (no foreign key into the desk: a
    #: deleted person leaves the books whole).
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    person_id: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(32))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: Euros per unit of the currency, as entered (text of a Decimal).
    eur_rate: Mapped[str] = mapped_column(String(40))
    #: The amount in euro cents at that rate (tiers and caps).
    amount_eur_cents: Mapped[int] = mapped_column(BigInteger)
    #: The oblast the grant is for (donor reports; a fund's regions).
    oblast: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: How many people it helps (the person and dependants).
    people: Mapped[int] = mapped_column(Integer, default=1)
    #: Sealed with the person's key.
    justification: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey(_USER))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: requested | approved | released | paid | cancelled
    state: Mapped[str] = mapped_column(String(16), index=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The tier at request: approvers needed, and whether finance releases it.
    approvals_needed: Mapped[int] = mapped_column(Integer)
    release_needed: Mapped[bool] = mapped_column(Boolean)


class ReliefVetting(Base):
    """One vetting check of a grant, by whom, with its outcome."""

    __tablename__ = "relief_vetting"

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey(_GRANT), index=True)
    #: identity | risk | duplicates | sanctions | conflict
    kind: Mapped[str] = mapped_column(String(16))
    #: passed | blocked | cleared
    outcome: Mapped[str] = mapped_column(String(16))
    #: Sealed with the person's key (a reason, a note).
    note: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: The sanctions list a sanctions screening ran against, or the one of the match a
    #: clearance cleared (None: another check, or a list from before versions were kept).
    list_version: Mapped[int | None] = mapped_column(
        ForeignKey("relief_sanctions_version.id"), nullable=True
    )
    by_id: Mapped[int] = mapped_column(ForeignKey(_USER))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReliefGrantAct(Base):
    """An act on a grant: request, approve, release, pay, refund or cancel."""

    __tablename__ = "relief_grant_act"

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey(_GRANT), index=True)
    act: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey(_USER))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: bank_transfer | cash | mobile_money | voucher (payments and refunds)
    method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    paid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey(_TRANSACTION), nullable=True)


class ReliefTransaction(Base):
    """A balanced ledger transaction (never edited: a correction reverses it)."""

    __tablename__ = "relief_transaction"

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    #: deposit | commitment | release | payment | refund | cancellation | transfer | reversal
    #: | cash_withdrawal | cash_return
    kind: Mapped[str] = mapped_column(String(16))
    fund_id: Mapped[int] = mapped_column(ForeignKey(_FUND), index=True)
    grant_id: Mapped[str | None] = mapped_column(ForeignKey(_GRANT), nullable=True, index=True)
    #: Euros per unit of the fund's currency, as entered.
    eur_rate: Mapped[str] = mapped_column(String(40))
    booked_on: Mapped[date] = mapped_column(Date, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int] = mapped_column(ForeignKey(_USER))
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey(_TRANSACTION), nullable=True, unique=True
    )
    #: The leaf of the relief log that recorded it.
    log_leaf: Mapped[int] = mapped_column(BigInteger, unique=True)


class ReliefPosting(Base):
    """One leg of a transaction: an account of a fund, a signed amount in a currency."""

    __tablename__ = "relief_posting"
    #: A fund's balances from the index alone (a balance sheet reads no table row).
    __table_args__ = (
        Index("ix_relief_posting_fund_account", "fund_id", "account", "currency", "amount_minor"),
    )

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey(_TRANSACTION), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey(_FUND))
    account: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)


class ReliefSanctionsVersion(Base):
    """One import of the sanctions list: when, by whom, how many entries, and the SHA-256
    of the file. The newest is the list in force; a screening names the version it ran
    against, and a grant screened against an older one is screened again before approval."""

    __tablename__ = "relief_sanctions_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: SHA-256 (hex) of the file as imported; None for a list imported before versions
    #: were kept.
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    entries: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[int] = mapped_column(ForeignKey(_USER))


class ReliefSanctionsEntry(Base):
    """One entry of the sanctions list the operator imported (public-list data, not a
    person of ours): its reference, names and aliases, dates of birth as the list gives
    them. An import replaces the whole list (a new :class:`ReliefSanctionsVersion`)."""

    __tablename__ = "relief_sanctions_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: The import it came with.
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("relief_sanctions_version.id"), nullable=True
    )
    #: The list's own reference of the entry.
    ref: Mapped[str] = mapped_column(String(200))
    #: The name first, then the aliases.
    names: Mapped[list[str]] = mapped_column(JSONDocument)
    #: [year, month or null, day or null] for each date of birth.
    births: Mapped[list[list[int | None]]] = mapped_column(JSONDocument)
    source: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[int] = mapped_column(ForeignKey(_USER))


class ReliefStatementMatch(Base):
    """A bank statement line matched to a payment of a grant: a line is matched once, a
    payment once, so a re-run of a reconciliation adds nothing."""

    __tablename__ = "relief_statement_match"

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey(_FUND), index=True)
    #: SHA-256 (hex) of the line's identity: account, booking date, amount, currency,
    #: bank reference and its position when the bank gives no reference.
    line_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The payment act (relief_grant_act.id).
    payment_id: Mapped[int] = mapped_column(ForeignKey("relief_grant_act.id"), unique=True)
    by_id: Mapped[int] = mapped_column(ForeignKey(_USER))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

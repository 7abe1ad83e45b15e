"""Answer models of the relief fund's API (``/api/v1/relief``).

They describe what the relief services return, field for field (strict: a key a model does
not name fails the tests instead of vanishing). Amounts are decimal strings ("1500.00"),
never numbers: a report's Decimal figures are sent as strings too (pydantic writes a
Decimal as a string), so a client never reads money through a float. No answer holds a
name of a person helped: ids, amounts, purposes and states only; a grant's justification
and its checks' notes are opened only for a caller who may read the case.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from civwatch.web.answers import Answer

AMOUNT = "A decimal string in the currency's minor units, e.g. 1500.00"


class FundAnswer(Answer):
    """A fund with its balances."""

    id: int
    name: str
    currency: str = Field(description="ISO 4217")
    donor: str | None
    purposes: list[str] | None = Field(description="What it may pay for (none: any purpose)")
    regions: list[str] | None = Field(description="Oblasts it may pay for (none: any)")
    starts_on: str | None = Field(description="First day it pays (YYYY-MM-DD)")
    ends_on: str | None = Field(description="Last day it pays (YYYY-MM-DD)")
    bank: str = Field(description=f"What its bank account holds. {AMOUNT}")
    available: str = Field(description=f"What it may still commit. {AMOUNT}")


class DepositAnswer(FundAnswer):
    """A deposit recorded: its ledger transaction and the fund as now."""

    transaction: int


class CashAnswer(DepositAnswer):
    """Cash taken out of the bank (or put back): its transaction, the cash box and the fund."""

    cash: str = Field(description=f"What the fund's cash box holds. {AMOUNT}")


class TransactionAnswer(Answer):
    """A ledger transaction recorded (and the one it reverses, for a reversal)."""

    transaction: int
    reverses: int | None = None


class GrantAct(Answer):
    """An act on a grant: who (username) and when; a payment's or refund's details."""

    act: str = Field(description="request, approve, release, pay, refund or cancel")
    by: str | None = Field(description="Username (none: the account is gone)")
    at: str = Field(description="ISO 8601")
    amount: str | None = Field(description=f"A payment's or refund's amount. {AMOUNT}")
    method: str | None = Field(description="bank_transfer, cash, mobile_money or voucher")
    reference: str | None
    paid_on: str | None = Field(description="YYYY-MM-DD")
    transaction: int | None = Field(description="Its ledger transaction")


class GrantCheck(Answer):
    """A vetting check recorded: who and when, and its note for a caller who may read
    the case (sealed with the person's key otherwise)."""

    check: str = Field(description="identity, risk, duplicates, sanctions or conflict")
    outcome: str = Field(description="passed, blocked or cleared")
    by: str | None
    at: str
    note: str | None


class SanctionsCandidate(Answer):
    """An entry of the sanctions list that may be the grant's person (the list's own
    words: never the person's name)."""

    entry: str = Field(description="The entry's id in the list")
    source: str | None
    names: list[str] = Field(description="The entry's names and aliases, as the list has them")
    matched_name: str = Field(description="Which of them agreed best")
    score: float = Field(description="How alike, 0 to 1")
    reasons: list[str]


class GrantAnswer(Answer):
    """A grant: ids, amounts, state, tier, acts and checks, and what the caller may do to
    it now. ``screening`` and ``candidates`` answer a sanctions screening only."""

    id: str
    fund: int
    fund_name: str
    case: str = Field(description="The protection case (an id)")
    purpose: str
    amount: str = Field(description=AMOUNT)
    currency: str
    eur_rate: str = Field(description="Euros per unit of the currency, as entered")
    amount_eur: str = Field(description="The amount in euros, to the cent")
    oblast: str | None
    people: int = Field(description="People it helps (the person and dependants)")
    state: str = Field(description="requested, approved, released, paid or cancelled")
    approvals_needed: int
    release_needed: bool
    paid: str = Field(description=AMOUNT)
    refunded: str = Field(description=AMOUNT)
    left: str = Field(description=f"What is left to pay. {AMOUNT}")
    requested_by: str | None
    requested_at: str
    approved_at: str | None
    justification: str | None = Field(
        description="Why it was asked (only for a caller who may read the case)"
    )
    acts: list[GrantAct]
    checks: list[GrantCheck]
    missing: list[str] = Field(description="Checks it still lacks")
    my_missing: list[str] | None = Field(
        description="Checks it lacks before the caller (an approver) may approve it"
    )
    awaits: str = Field(description="vet, approve, release, pay or none")
    may: list[str] = Field(description="The acts the caller may do to it now")
    check_kinds: list[str]
    screening: str | None = Field(default=None, description="passed or blocked (a screening)")
    candidates: list[SanctionsCandidate] | None = Field(
        default=None, description="The list's entries that may be the person (a screening)"
    )


class GrantListed(Answer):
    """A grant in a list or a queue; a queue's items say what they wait for."""

    id: str
    fund: int
    fund_name: str | None
    case: str
    purpose: str
    amount: str = Field(description=AMOUNT)
    paid: str = Field(description=AMOUNT)
    currency: str
    state: str
    requested_at: str
    requested_by: int = Field(description="The requester's user number")
    approvals: int
    approvals_needed: int
    release_needed: bool
    awaits: str | None = Field(default=None, description="A queue: vet, approve, release, pay")
    missing: list[str] | None = Field(default=None, description="A queue: checks it lacks")
    yours: bool | None = Field(default=None, description="A queue: the act is the caller's")


class GrantPage(Answer):
    """Grants, newest first (a list) or oldest first (the queue ``?waiting=me``)."""

    items: list[GrantListed]
    total: int
    limit: int | None = None
    offset: int | None = None


class Posting(Answer):
    fund: int
    account: str = Field(description="Beancount account name")
    currency: str
    amount: str = Field(description=f"Debit positive, credit negative. {AMOUNT}")


class LedgerTransaction(Answer):
    id: int
    kind: str = Field(
        description="deposit, commitment, release, payment, refund, cancellation, transfer "
        "or reversal"
    )
    booked_on: str
    at: str
    by: str | None
    grant: str | None
    reverses: int | None
    eur_rate: str
    postings: list[Posting]


class LedgerPage(Answer):
    """The transactions touching a fund, newest first."""

    fund: int
    currency: str
    total: int
    limit: int
    offset: int
    items: list[LedgerTransaction]


class BalanceSheet(Answer):
    """What a fund holds and owes at the end of a day (liabilities as positive figures)."""

    fund: int
    currency: str
    until: str | None
    accounts: dict[str, Decimal] = Field(description="Balance of each asset and liability")
    assets: Decimal
    liabilities: Decimal
    net_assets: Decimal
    available: Decimal


class IncomeStatement(Answer):
    """Donations and expenses by purpose booked in a period."""

    fund: int
    currency: str
    since: str | None
    until: str | None
    donations: Decimal
    expenses: dict[str, Decimal] = Field(description="By purpose")
    total_expenses: Decimal
    surplus: Decimal


class FundReport(Answer):
    """A fund's balance sheet and income statement for a period."""

    balance_sheet: BalanceSheet
    income_statement: IncomeStatement


class DonorCell(Answer):
    """A cell of the donor report: none of its figures when it describes too few people."""

    amount: Decimal | None
    people: int | None
    suppressed: bool


class DonorReport(Answer):
    """What a fund paid for in a period, without names; a cell of fewer than 5 people is
    suppressed (its figures null)."""

    fund: int
    fund_name: str
    currency: str
    from_: str = Field(alias="from")
    to: str
    generated_at: str = Field(description="ISO 8601, UTC")
    smallest_cell: int = Field(description="A cell of fewer people than this is suppressed")
    people_helped: int | None = Field(description="Null: suppressed (fewer than 5 people)")
    total: Decimal | None = Field(description="Null: suppressed")
    purpose: dict[str, DonorCell]
    month: dict[str, DonorCell]
    oblast: dict[str, DonorCell]


class StatementMatch(Answer):
    line: int
    payment: str
    grant: str
    amount: str
    currency: str
    matched_by: str
    days_apart: int


class MatchedBefore(Answer):
    line: int
    payment: str


class UnmatchedLine(Answer):
    line: int
    booked_on: str
    amount: str
    currency: str
    reason: str
    payment: str | None


class UnmatchedPayment(Answer):
    payment: str
    grant: str
    paid_on: str
    amount: str
    currency: str
    reason: str
    line: int | None


class ReconciliationAnswer(Answer):
    """A statement matched to a fund's payments: what matched now and before, and what is
    left on either side, with why."""

    fund: int
    format: str = Field(description="csv or camt.053")
    matched: list[StatementMatch]
    matched_before: list[MatchedBefore]
    unmatched_lines: list[UnmatchedLine]
    unmatched_payments: list[UnmatchedPayment]


class SanctionsImported(Answer):
    entries: int = Field(description="Entries in the list now")
    version: int = Field(description="The list's version (grants are screened again after)")
    sha256: str = Field(description="The imported file's SHA-256")


class PartnerMatch(Answer):
    grant: str = Field(description="Our grant")
    their_record: str = Field(description="The partner's record id")
    purpose: str
    facets: list[str] = Field(description="What agrees: name, birth, document...")


class PartnerComparison(Answer):
    """A partner's hash file compared with the people the fund helped: no name."""

    organisation: str
    matches: list[PartnerMatch]

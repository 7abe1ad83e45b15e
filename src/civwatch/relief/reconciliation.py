"""Reconciling a fund's bank statement with its payments (the pure matching is
:mod:`civwatch.relief.statements`).

The statement's lines are matched to the fund's payments and refunds (amount, currency,
date, reference); each match is recorded (the line's identity as a hash, the payment act,
who, when), so a re-run matches nothing twice and reports what was matched before. Nothing
of a line is kept but its hash: a counterparty's name (often the person helped) is neither
stored nor shown nor logged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts import audit
from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.protection.access import authorise
from civwatch.relief import ledger, vocabulary
from civwatch.relief.funds import find_fund
from civwatch.relief.models import (
    ReliefGrant,
    ReliefGrantAct,
    ReliefPosting,
    ReliefStatementMatch,
)
from civwatch.relief.money import Money
from civwatch.relief.statements import (
    DUPLICATE_REFERENCE,
    MAX_STATEMENT_BYTES,
    MIN_REFERENCE_CHARS,
    BankStatement,
    CsvMapping,
    PaymentRecord,
    StatementLine,
    UnmatchedLine,
    line_reference_keys,
    normalise_reference,
    read_camt053,
    read_csv_statement,
    reconcile,
)
from civwatch.workspace import Workspace

#: The largest mapping file read (bytes).
MAX_MAPPING_BYTES = 64 * 1024


def read_mapping(data: bytes) -> CsvMapping:
    """A :class:`CsvMapping` from a JSON object of its fields (docs/relief-formats.md)."""
    if len(data) > MAX_MAPPING_BYTES:
        raise RejectedInputError(_("The mapping file is too large."))
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as err:
        raise RejectedInputError(_("The mapping is not a JSON object.")) from err
    if not isinstance(doc, dict):
        raise RejectedInputError(_("The mapping is not a JSON object."))
    known = {f.name for f in fields(CsvMapping)}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise RejectedInputError(
            _("The mapping has an unknown field %(field)s.", field=repr(unknown[0])[:60])
        )
    values: dict[str, Any] = {}
    for name, value in doc.items():
        if name.endswith("_marks"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise RejectedInputError(_("%(field)s is a list of texts.", field=name))
            value = tuple(value)
        elif value is not None and not isinstance(value, str):
            raise RejectedInputError(_("%(field)s is a text.", field=name))
        values[name] = value
    if not isinstance(values.get("date"), str):
        raise RejectedInputError(_("The mapping names no date column."))
    mapping = CsvMapping(**values)
    mapping.check()
    return mapping


def read_statement(data: bytes, mapping: CsvMapping | None) -> BankStatement:
    """The statement ``data``: camt.053 XML without a mapping, CSV with one."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise RejectedInputError(
            _("The statement is larger than %(n)s MiB.", n=MAX_STATEMENT_BYTES // (1024 * 1024))
        )
    return read_camt053(data) if mapping is None else read_csv_statement(data, mapping)


def line_hash(statement: BankStatement, line: StatementLine) -> str:
    """The identity of a bank line: its account, booking date, signed amount, currency
    and references (its position in the file too when the bank gives no reference)."""
    identity = [
        statement.account or "",
        line.booked_on.isoformat(),
        str(line.amount.normalize()),
        line.currency,
        list(line.references),
        "" if line.references else line.position,
    ]
    return hashlib.sha256(json.dumps(identity, ensure_ascii=False).encode()).hexdigest()


def _line_hashes(statement: BankStatement) -> list[str]:
    """Each line's :func:`line_hash`; a line alike to an earlier one of the same statement
    (two equal transfers the same day) is told apart by how many came before it."""
    seen: dict[str, int] = {}
    hashes = []
    for line in statement.lines:
        digest = line_hash(statement, line)
        count = seen.get(digest, 0)
        seen[digest] = count + 1
        if count:
            digest = hashlib.sha256(f"{digest}:{count}".encode()).hexdigest()
        hashes.append(digest)
    return hashes


def _payments(session: Session, fund_id: int) -> tuple[list[PaymentRecord], dict[str, str]]:
    """The fund's payments and refunds through its bank not yet matched (a cash payment
    never reaches the statement), and each one's grant."""
    matched = select(ReliefStatementMatch.payment_id)
    through_bank = (
        select(ReliefPosting.id)
        .where(
            ReliefPosting.transaction_id == ReliefGrantAct.transaction_id,
            ReliefPosting.account == vocabulary.bank(fund_id),
        )
        .exists()
    )
    rows = session.execute(
        select(ReliefGrantAct, ReliefGrant.currency)
        .join(ReliefGrant, ReliefGrant.id == ReliefGrantAct.grant_id)
        .where(
            ReliefGrant.fund_id == fund_id,
            ReliefGrantAct.act.in_(("pay", "refund")),
            ReliefGrantAct.amount_minor.is_not(None),
            ReliefGrantAct.id.not_in(matched),
            through_bank,
        )
        .order_by(ReliefGrantAct.id)
    ).all()
    records, grant_of = [], {}
    for act, code in rows:
        records.append(
            PaymentRecord(
                id=str(act.id),
                amount=Money.from_minor(act.amount_minor or 0, code).amount,
                currency=code,
                paid_on=act.paid_on or act.at.date(),
                reference=act.reference or "",
                direction="out" if act.act == "pay" else "in",
            )
        )
        grant_of[str(act.id)] = act.grant_id
    return records, grant_of


def _matched_before(session: Session, fund_id: int) -> dict[str, str]:
    """The references of the fund's payments matched by earlier statements: key -> id."""
    rows = session.execute(
        select(ReliefGrantAct.id, ReliefGrantAct.reference)
        .join(ReliefStatementMatch, ReliefStatementMatch.payment_id == ReliefGrantAct.id)
        .where(ReliefStatementMatch.fund_id == fund_id, ReliefGrantAct.reference.is_not(None))
    ).all()
    found = {}
    for act_id, reference in rows:
        key = normalise_reference(reference or "")
        if len(key) >= MIN_REFERENCE_CHARS:
            found[key] = str(act_id)
    return found


def _flag_paid_twice(
    unmatched: tuple[UnmatchedLine, ...], earlier: dict[str, str]
) -> list[UnmatchedLine]:
    """A line left unmatched that names a payment an earlier statement matched: it may
    have been paid twice, and says so."""
    flagged = []
    for item in unmatched:
        named = next((earlier[k] for k in line_reference_keys(item.line) if k in earlier), None)
        if named is not None and item.payment_id is None:
            item = UnmatchedLine(item.line, DUPLICATE_REFERENCE, named)
        flagged.append(item)
    return flagged


def reconcile_fund(
    ws: Workspace, principal: Principal, fund: str | int, statement: BankStatement
) -> dict[str, Any]:
    """Match ``statement`` to ``fund``'s payments (finance), record the new matches, and
    say what matched, what was matched before, and what is left on either side and why."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.RELIEF_FINANCE)
        the_fund = ledger.lock_fund(session, find_fund(session, fund).id)
        hashes = _line_hashes(statement)
        before = dict(
            session.execute(
                select(ReliefStatementMatch.line_hash, ReliefStatementMatch.payment_id).where(
                    ReliefStatementMatch.line_hash.in_(hashes)
                )
            ).all()
        )
        fresh: list[StatementLine] = []
        hash_of: dict[int, str] = {}
        already = []
        for line, digest in zip(statement.lines, hashes, strict=True):
            if digest in before:
                already.append({"line": line.position, "payment": str(before[digest])})
            else:
                fresh.append(line)
                hash_of[line.position] = digest
        earlier = _matched_before(session, the_fund.id)
        payments, grant_of = _payments(session, the_fund.id)
        result = reconcile(fresh, payments)
        unmatched_lines = _flag_paid_twice(result.unmatched_lines, earlier)
        for match in result.matches:
            session.add(
                ReliefStatementMatch(
                    fund_id=the_fund.id,
                    line_hash=hash_of[match.line.position],
                    payment_id=int(match.payment.id),
                    by_id=principal.user_id,
                )
            )
        audit.record(
            session,
            "relief.reconcile",
            actor=principal.username,
            target=f"relief-fund:{the_fund.id}",
            detail={
                "format": statement.source_format,
                "lines": len(statement.lines),
                "matched": len(result.matches),
                "matched_before": len(already),
                "unmatched_lines": len(unmatched_lines),
                "unmatched_payments": len(result.unmatched_payments),
            },
        )
        session.flush()
        return {
            "fund": the_fund.id,
            "format": statement.source_format,
            "matched": [
                {
                    "line": m.line.position,
                    "payment": m.payment.id,
                    "grant": grant_of[m.payment.id],
                    "amount": _amount(m.payment.signed_amount()),
                    "currency": m.payment.currency,
                    "matched_by": m.matched_by,
                    "days_apart": m.days_apart,
                }
                for m in result.matches
            ],
            "matched_before": already,
            "unmatched_lines": [
                {
                    "line": u.line.position,
                    "booked_on": u.line.booked_on.isoformat(),
                    "amount": _amount(u.line.amount),
                    "currency": u.line.currency,
                    "reason": u.reason,
                    "payment": u.payment_id,
                }
                for u in unmatched_lines
            ],
            "unmatched_payments": [
                {
                    "payment": u.payment.id,
                    "grant": grant_of[u.payment.id],
                    "paid_on": u.payment.paid_on.isoformat(),
                    "amount": _amount(u.payment.signed_amount()),
                    "currency": u.payment.currency,
                    "reason": u.reason,
                    "line": u.line_position,
                }
                for u in result.unmatched_payments
            ],
        }


def _amount(value: Decimal) -> str:
    return format(value, "f")

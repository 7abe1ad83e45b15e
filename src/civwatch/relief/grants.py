"""Grants: a protection officer's request for a case, the vetting checks, tiered approval
with separation of duties, the finance release, payments (partial too), refunds and
cancellation - each checked against the person's 12-month cap and the fund's balance,
each money act a balanced ledger transaction in the relief log, each act in the audit log.

Every act runs in one database transaction: a refusal leaves nothing written. Acts that
move money hold the fund first (:func:`civwatch.relief.ledger.lock_fund`).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from civwatch.accounts import audit
from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.db import utcnow
from civwatch.errors import ConflictError, RecordNotFoundError, RejectedInputError
from civwatch.i18n import _
from civwatch.protection.access import authorise
from civwatch.protection.case_facts import case_facts, has_current_assessment, seal_for_person
from civwatch.relief import ledger, vocabulary
from civwatch.relief.funds import audit_money, find_fund, refuse_overdraw
from civwatch.relief.ledger import Leg
from civwatch.relief.models import (
    ReliefFund,
    ReliefGrant,
    ReliefGrantAct,
    ReliefSanctionsVersion,
    ReliefTransaction,
    ReliefVetting,
)
from civwatch.relief.money import Money, currency, in_euros, positive, rate_of
from civwatch.relief.reach import reach, readable
from civwatch.relief.rules import separate, tier
from civwatch.relief.vocabulary import (
    APPROVED,
    CANCELLED,
    PAID,
    RELEASED,
    REQUESTED,
    state_label,
)
from civwatch.workspace import Workspace

#: Grant states that count towards a person's cap and a need already met.
_COMMITTED = (APPROVED, RELEASED, PAID)
#: The window of the cap.
CAP_WINDOW = timedelta(days=365)


def _post(
    session: Session,
    principal: Principal,
    grant: ReliefGrant,
    kind: str,
    legs: list[Leg],
    *,
    booked_on: date | None = None,
) -> ReliefTransaction:
    """One balanced transaction of ``grant``'s fund by ``principal``, at the grant's rate."""
    return ledger.post(
        session,
        kind=kind,
        fund_id=grant.fund_id,
        actor_id=principal.user_id,
        actor=principal.username,
        grant_id=grant.id,
        legs=legs,
        eur_rate=Decimal(grant.eur_rate),
        booked_on=booked_on,
    )


def grant_missing(grant_id: object) -> RecordNotFoundError:
    return RecordNotFoundError(_("No grant %(id)s.", id=repr(grant_id)[:60]))


def _grant(session: Session, grant_id: str) -> ReliefGrant:
    grant = session.get(ReliefGrant, grant_id) if isinstance(grant_id, str) else None
    if grant is None:
        raise grant_missing(grant_id)
    return grant


def _acts(session: Session, grant_id: str) -> list[ReliefGrantAct]:
    return list(
        session.scalars(
            select(ReliefGrantAct)
            .where(ReliefGrantAct.grant_id == grant_id)
            .order_by(ReliefGrantAct.id)
        )
    )


def _sum(acts: list[ReliefGrantAct], act: str) -> int:
    return sum(a.amount_minor or 0 for a in acts if a.act == act)


def grant_json(session: Session, grant: ReliefGrant) -> dict[str, Any]:
    """A grant without anything sealed: ids, amounts, state, acts and checks."""
    acts = _acts(session, grant.id)
    checks = session.scalars(
        select(ReliefVetting).where(ReliefVetting.grant_id == grant.id).order_by(ReliefVetting.id)
    )
    paid = _sum(acts, "pay")
    return {
        "id": grant.id,
        "fund": grant.fund_id,
        "case": grant.case_id,
        "purpose": grant.purpose,
        "amount": str(Money.from_minor(grant.amount_minor, grant.currency).amount),
        "currency": grant.currency,
        "eur_rate": grant.eur_rate,
        "amount_eur": str(Decimal(grant.amount_eur_cents).scaleb(-2)),
        "oblast": grant.oblast,
        "people": grant.people,
        "state": grant.state,
        "approvals_needed": grant.approvals_needed,
        "release_needed": grant.release_needed,
        "paid": str(Money.from_minor(paid, grant.currency).amount),
        "refunded": str(Money.from_minor(_sum(acts, "refund"), grant.currency).amount),
        "acts": [{"act": a.act, "by": a.user_id, "at": a.at.isoformat()} for a in acts],
        "checks": [
            {"check": c.kind, "outcome": c.outcome, "by": c.by_id, "list_version": c.list_version}
            for c in checks
        ],
    }


def _allowed_by_fund(fund: ReliefFund, purpose: str, oblast: str | None, today: date) -> None:
    if fund.purposes and purpose not in fund.purposes:
        raise ConflictError(
            _(
                "Fund %(fund)s does not pay for %(purpose)s (only %(allowed)s).",
                fund=fund.name,
                purpose=purpose,
                allowed=", ".join(fund.purposes),
            )
        )
    if fund.regions and oblast not in fund.regions:
        raise ConflictError(
            _(
                "Fund %(fund)s pays only for %(allowed)s.",
                fund=fund.name,
                allowed=", ".join(fund.regions),
            )
        )
    if (fund.starts_on and today < fund.starts_on) or (fund.ends_on and today > fund.ends_on):
        raise ConflictError(_("Fund %(fund)s is not open on %(day)s.", fund=fund.name, day=today))


def request_grant(
    ws: Workspace,
    principal: Principal,
    case_id: str,
    *,
    fund: str | int,
    amount: object,
    purpose: str,
    currency_code: str | None = None,
    eur_rate: object = None,
    justification: str | None = None,
    oblast: str | None = None,
    people: int = 1,
) -> dict[str, Any]:
    """Ask ``fund`` for a grant for case ``case_id`` (an officer who may read the case)."""
    vocabulary.purpose(purpose)
    if not 1 <= people <= 100:
        raise RejectedInputError(_("A grant helps between 1 and 100 people."))
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.RELIEF_REQUEST)
        facts = case_facts(session, principal, case_id)
        the_fund = find_fund(session, fund)
        code = currency(currency_code or the_fund.currency)
        if code != the_fund.currency:
            raise RejectedInputError(
                _(
                    "Fund %(fund)s keeps its books in %(currency)s: ask for the grant in it.",
                    fund=the_fund.name,
                    currency=the_fund.currency,
                )
            )
        money = positive(Money.of(amount, code), _("A grant"))
        rate = rate_of(eur_rate, code)
        _allowed_by_fund(the_fund, purpose, oblast, utcnow().date())
        euros = in_euros(money, rate)
        needs = tier(euros, ws.settings)
        grant = ReliefGrant(
            id=f"rg_{secrets.token_urlsafe(16)}",
            fund_id=the_fund.id,
            case_id=facts.case_id,
            person_id=facts.person_id,
            purpose=purpose,
            amount_minor=money.minor,
            currency=code,
            eur_rate=str(rate),
            amount_eur_cents=int(euros * 100),
            oblast=oblast,
            people=people,
            requested_by=principal.user_id,
            state=REQUESTED,
            approvals_needed=needs.approvers,
            release_needed=needs.release,
        )
        grant.justification = seal_for_person(
            ws, session, facts.person_id, justification, record=grant.id, field="justification"
        )
        session.add(grant)
        session.flush()
        session.add(ReliefGrantAct(grant_id=grant.id, act="request", user_id=principal.user_id))
        _audit(session, principal, "relief.grant-request", grant, amount=str(money.amount))
        session.flush()
        return grant_json(session, grant)


def _audit(
    session: Session, principal: Principal, action: str, grant: ReliefGrant, **detail: Any
) -> None:
    audit.record(
        session,
        action,
        actor=principal.username,
        target=f"relief-grant:{grant.id}",
        detail={"fund": grant.fund_id, "currency": grant.currency, **detail},
    )


def _duplicates(session: Session, grant: ReliefGrant) -> list[str]:
    return list(
        session.scalars(
            select(ReliefGrant.id).where(
                ReliefGrant.person_id == grant.person_id,
                ReliefGrant.purpose == grant.purpose,
                ReliefGrant.id != grant.id,
                ReliefGrant.state != CANCELLED,
            )
        )
    )


def vet(
    ws: Workspace,
    principal: Principal,
    grant_id: str,
    check: str,
    *,
    note: str | None = None,
) -> dict[str, Any]:
    """Record one vetting check of a grant, by the caller. ``risk`` and ``duplicates`` are
    decided from the records (refused when they fail); ``identity`` is the caller's word;
    ``conflict`` declares the caller has none. ``sanctions`` is screened against the
    imported list (:func:`civwatch.relief.screening.screen_grant`); here it only clears a
    blocking match, with a reason (``note``), by someone other than the requester."""
    vocabulary.check(check)
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.RELIEF_VET)
        grant = _grant(session, grant_id)
        # A check speaks of the case's person: only someone who reaches the case makes it
        # (an officer off the case is told there is no such grant, as in the listings).
        if not readable(session, principal, reach(session, principal), [grant]):
            raise grant_missing(grant_id)
        if grant.state != REQUESTED:
            raise ConflictError(
                _(
                    "Grant %(id)s is %(state)s: its vetting is over.",
                    id=grant.id,
                    state=state_label(grant.state),
                )
            )
        outcome = "passed"
        if check == "risk" and not has_current_assessment(
            session, grant.person_id, utcnow().date()
        ):
            raise ConflictError(
                _("The case's person has no current risk assessment: assess the risk first.")
            )
        if check == "duplicates":
            others = _duplicates(session, grant)
            if others:
                raise ConflictError(
                    _(
                        "The same need already has an open or paid grant (%(others)s).",
                        others=", ".join(others),
                    )
                )
        if check == "sanctions":
            if _latest(session, grant.id, "sanctions") != "blocked":
                raise ConflictError(
                    _(
                        "Grant %(id)s has no sanctions match to clear: the sanctions check is "
                        "a screening against the imported list.",
                        id=grant.id,
                    )
                )
            if not note or not note.strip():
                raise RejectedInputError(
                    _("A sanctions match is cleared only with a reason (--note).")
                )
            if principal.user_id == grant.requested_by:
                raise ConflictError(_("The grant's requester does not clear its sanctions match."))
            outcome = "cleared"
        # A clearance stands for the list of the match it clears.
        screened = _latest_sanctions(session, grant.id) if check == "sanctions" else None
        row = ReliefVetting(
            grant_id=grant.id,
            kind=check,
            outcome=outcome,
            by_id=principal.user_id,
            list_version=None if screened is None else screened.list_version,
        )
        session.add(row)
        session.flush()
        row.note = seal_for_person(
            ws, session, grant.person_id, note, record=f"{grant.id}:{row.id}", field="note"
        )
        _audit(session, principal, "relief.grant-vet", grant, check=check, outcome=outcome)
        return grant_json(session, grant)


def current_list_version(session: Session) -> int | None:
    """The version of the sanctions list in force (the newest import), None if none."""
    return session.scalar(select(func.max(ReliefSanctionsVersion.id)))


def _latest_sanctions(session: Session, grant_id: str) -> ReliefVetting | None:
    """The grant's latest sanctions screening or clearance."""
    return session.scalars(
        select(ReliefVetting)
        .where(ReliefVetting.grant_id == grant_id, ReliefVetting.kind == "sanctions")
        .order_by(ReliefVetting.id.desc())
        .limit(1)
    ).first()


def _refuse_old_screening(session: Session, grant: ReliefGrant) -> None:
    """Refuse approving a grant whose sanctions screening (or the match it cleared) was
    against a list that has been replaced since: it is screened again first."""
    latest = _latest_sanctions(session, grant.id)
    current = current_list_version(session)
    if latest is None or latest.outcome == "blocked" or latest.list_version == current:
        return
    raise ConflictError(
        _(
            "Grant %(id)s was screened against sanctions list version %(old)s; version "
            "%(new)s has been imported since: screen it again (--check sanctions).",
            id=grant.id,
            old=latest.list_version if latest.list_version is not None else _("not known"),
            new=current,
        )
    )


def _latest(session: Session, grant_id: str, check: str, by_id: int | None = None) -> str | None:
    query = select(ReliefVetting.outcome).where(
        ReliefVetting.grant_id == grant_id, ReliefVetting.kind == check
    )
    if by_id is not None:
        query = query.where(ReliefVetting.by_id == by_id)
    return session.scalars(query.order_by(ReliefVetting.id.desc()).limit(1)).first()


def _missing_checks(session: Session, grant: ReliefGrant, approver_id: int) -> list[str]:
    missing = [
        check
        for check in ("identity", "risk", "duplicates")
        if _latest(session, grant.id, check) != "passed"
    ]
    if _latest(session, grant.id, "sanctions") not in ("passed", "cleared"):
        missing.append("sanctions")
    if _latest(session, grant.id, "conflict", approver_id) != "passed":
        missing.append("conflict")
    if "risk" not in missing and not has_current_assessment(
        session, grant.person_id, utcnow().date()
    ):
        missing.append("risk")
    if "duplicates" not in missing and _duplicates(session, grant):
        missing.append("duplicates")
    return missing


def _hold_person(session: Session, person_id: str) -> None:
    """Hold every grant of ``person_id`` until the transaction ends (PostgreSQL; SQLite's
    fund lock already holds the whole database): two approvals of one person's grants in
    two funds then check the cap one after the other."""
    session.execute(
        select(ReliefGrant.id)
        .where(ReliefGrant.person_id == person_id)
        .order_by(ReliefGrant.id)
        .with_for_update()
    ).all()


def _cancelled_but_paid_cents(session: Session, grant: ReliefGrant, since: datetime) -> Decimal:
    """What the person's cancelled grants approved since ``since`` paid before they were
    cancelled (less refunds), in euro cents at each grant's rate: money that reached the
    person counts towards the cap whatever became of the rest."""
    net = func.sum(
        case(
            (ReliefGrantAct.act == "pay", ReliefGrantAct.amount_minor),
            else_=-ReliefGrantAct.amount_minor,
        )
    )
    rows = session.execute(
        select(ReliefGrant.amount_minor, ReliefGrant.amount_eur_cents, net)
        .join(ReliefGrantAct, ReliefGrantAct.grant_id == ReliefGrant.id)
        .where(
            ReliefGrant.person_id == grant.person_id,
            ReliefGrant.id != grant.id,
            ReliefGrant.state == CANCELLED,
            ReliefGrant.approved_at >= since,
            ReliefGrantAct.act.in_(("pay", "refund")),
        )
        .group_by(ReliefGrant.id, ReliefGrant.amount_minor, ReliefGrant.amount_eur_cents)
    ).all()
    return sum(
        (
            Decimal(int(cents)) * max(int(paid or 0), 0) / int(minor)
            for minor, cents, paid in rows
            if minor
        ),
        Decimal(0),
    )


def _cap_check(ws: Workspace, session: Session, grant: ReliefGrant, now: datetime) -> None:
    """Refuse when the person's grants of the last 12 months and this one pass the cap:
    the grants approved and not cancelled at their amount, the cancelled ones at what
    they paid."""
    already = session.scalar(
        select(func.coalesce(func.sum(ReliefGrant.amount_eur_cents), 0)).where(
            ReliefGrant.person_id == grant.person_id,
            ReliefGrant.id != grant.id,
            ReliefGrant.state.in_(_COMMITTED),
            ReliefGrant.approved_at >= now - CAP_WINDOW,
        )
    )
    cents = Decimal(int(already or 0)) + _cancelled_but_paid_cents(session, grant, now - CAP_WINDOW)
    before = cents.scaleb(-2).quantize(Decimal("0.01"))
    this = Decimal(grant.amount_eur_cents).scaleb(-2)
    cap = ws.settings.relief_cap_eur
    if before + this > cap:
        raise ConflictError(
            _(
                "The cap per person is %(cap)s EUR in 12 months: this person was granted "
                "%(before)s EUR already, and this grant of %(this)s EUR would make %(total)s EUR.",
                cap=str(cap),
                before=str(before),
                this=str(this),
                total=str(before + this),
            )
        )


def approve(ws: Workspace, principal: Principal, grant_id: str) -> dict[str, Any]:
    """Approve a grant. The last approval its tier needs commits the money (a commitment
    in the ledger); the cap and the fund's balance are checked at every approval."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.RELIEF_APPROVE)
        grant = _grant(session, grant_id)
        fund = ledger.lock_fund(session, grant.fund_id)
        _hold_person(session, grant.person_id)
        session.refresh(grant)
        if grant.state != REQUESTED:
            raise ConflictError(
                _(
                    "Grant %(id)s is %(state)s, not waiting for approval.",
                    id=grant.id,
                    state=state_label(grant.state),
                )
            )
        acts = _acts(session, grant.id)
        separate([(a.act, a.user_id) for a in acts], principal.user_id, "approve")
        _refuse_old_screening(session, grant)
        missing = _missing_checks(session, grant, principal.user_id)
        if missing:
            raise ConflictError(
                _(
                    "Grant %(id)s cannot be approved before these checks: %(missing)s.",
                    id=grant.id,
                    missing=", ".join(missing),
                )
            )
        now = utcnow()
        money = Money.from_minor(grant.amount_minor, grant.currency)
        _cap_check(ws, session, grant, now)
        refuse_overdraw(session, fund, money)
        session.add(
            ReliefGrantAct(grant_id=grant.id, act="approve", user_id=principal.user_id, at=now)
        )
        approvals = 1 + sum(1 for a in acts if a.act == "approve")
        transaction = None
        if approvals >= grant.approvals_needed:
            row = _post(
                session,
                principal,
                grant,
                "commitment",
                [
                    Leg(fund.id, vocabulary.expenses(fund.id, grant.purpose), money),
                    Leg(
                        fund.id,
                        vocabulary.commitments(fund.id),
                        Money(-money.amount, money.currency),
                    ),
                ],
            )
            transaction = row.id
            grant.state = APPROVED
            grant.approved_at = now
        _audit(
            session,
            principal,
            "relief.grant-approve",
            grant,
            approvals=approvals,
            transaction=transaction,
        )
        session.flush()
        return grant_json(session, grant)


def release(ws: Workspace, principal: Principal, grant_id: str) -> dict[str, Any]:
    """Finance releases an approved grant of the top tier for payment: its commitment
    becomes a payable."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.RELIEF_FINANCE)
        grant = _grant(session, grant_id)
        fund = ledger.lock_fund(session, grant.fund_id)
        session.refresh(grant)
        acts = _acts(session, grant.id)
        separate([(a.act, a.user_id) for a in acts], principal.user_id, "release")
        if grant.state != APPROVED or not grant.release_needed:
            raise ConflictError(
                _(
                    "Grant %(id)s is %(state)s: only an approved grant that needs a release is "
                    "released.",
                    id=grant.id,
                    state=state_label(grant.state),
                )
            )
        money = Money.from_minor(grant.amount_minor, grant.currency)
        row = _post(
            session,
            principal,
            grant,
            "release",
            [
                Leg(fund.id, vocabulary.commitments(fund.id), money),
                Leg(fund.id, vocabulary.payables(fund.id), Money(-money.amount, money.currency)),
            ],
        )
        session.add(
            ReliefGrantAct(
                grant_id=grant.id, act="release", user_id=principal.user_id, transaction_id=row.id
            )
        )
        grant.state = RELEASED
        audit_money(session, principal, "relief.grant-release", fund.id, row.id, money)
        session.flush()
        return grant_json(session, grant)


def _liability(grant: ReliefGrant) -> str:
    """Where a grant's unpaid money sits: payables once released, commitments before."""
    if grant.release_needed:
        return vocabulary.payables(grant.fund_id)
    return vocabulary.commitments(grant.fund_id)


def pay(
    ws: Workspace,
    principal: Principal,
    grant_id: str,
    *,
    amount: object = None,
    method: str = "bank_transfer",
    reference: str | None = None,
    paid_on: date | None = None,
) -> dict[str, Any]:
    """Pay a grant (all that is left, or ``amount`` of it: a partial payment)."""
    vocabulary.method(method)
    if reference is not None and len(reference) > 200:
        raise RejectedInputError(_("A payment reference has at most 200 characters."))
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.RELIEF_FINANCE)
        grant = _grant(session, grant_id)
        fund = ledger.lock_fund(session, grant.fund_id)
        session.refresh(grant)
        acts = _acts(session, grant.id)
        separate([(a.act, a.user_id) for a in acts], principal.user_id, "pay")
        ready = RELEASED if grant.release_needed else APPROVED
        if grant.state != ready:
            raise ConflictError(
                _(
                    "Grant %(id)s is %(state)s: it is paid once %(ready)s.",
                    id=grant.id,
                    state=state_label(grant.state),
                    ready=state_label(ready),
                )
            )
        approved = Money.from_minor(grant.amount_minor, grant.currency)
        left = Money.from_minor(grant.amount_minor - _sum(acts, "pay"), grant.currency)
        money = (
            left if amount is None else positive(Money.of(amount, grant.currency), _("A payment"))
        )
        if money.amount > left.amount:
            raise ConflictError(
                _(
                    "A payment of %(asked)s is more than is left to pay on grant %(id)s: "
                    "%(left)s of the %(approved)s approved.",
                    asked=str(money),
                    id=grant.id,
                    left=str(left),
                    approved=str(approved),
                )
            )
        _cap_check(ws, session, grant, grant.approved_at or utcnow())
        # Cash is paid out of the fund's cash box, anything else out of its bank.
        source = vocabulary.cash(fund.id) if method == "cash" else vocabulary.bank(fund.id)
        held = ledger.account_total(session, fund, source)
        if money.amount > held.amount:
            raise ConflictError(
                _(
                    "Fund %(fund)s has %(held)s in cash; a cash payment of %(asked)s would "
                    "overdraw it (take cash out of the bank first: relief fund cash).",
                    fund=fund.name,
                    held=str(held),
                    asked=str(money),
                )
                if method == "cash"
                else _(
                    "Fund %(fund)s has %(bank)s in the bank; a payment of %(asked)s would "
                    "overdraw it.",
                    fund=fund.name,
                    bank=str(held),
                    asked=str(money),
                )
            )
        row = _post(
            session,
            principal,
            grant,
            "payment",
            [
                Leg(fund.id, _liability(grant), money),
                Leg(fund.id, source, Money(-money.amount, money.currency)),
            ],
            booked_on=paid_on,
        )
        session.add(
            ReliefGrantAct(
                grant_id=grant.id,
                act="pay",
                user_id=principal.user_id,
                amount_minor=money.minor,
                method=method,
                reference=reference,
                paid_on=paid_on or utcnow().date(),
                transaction_id=row.id,
            )
        )
        if money.amount == left.amount:
            grant.state = PAID
        audit_money(session, principal, "relief.grant-pay", fund.id, row.id, money)
        session.flush()
        return grant_json(session, grant)


def refund(
    ws: Workspace,
    principal: Principal,
    grant_id: str,
    amount: object,
    *,
    reference: str | None = None,
) -> dict[str, Any]:
    """Money of a paid grant given back into the fund's bank."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.RELIEF_FINANCE)
        grant = _grant(session, grant_id)
        fund = ledger.lock_fund(session, grant.fund_id)
        acts = _acts(session, grant.id)
        money = positive(Money.of(amount, grant.currency), _("A refund"))
        net = Money.from_minor(_sum(acts, "pay") - _sum(acts, "refund"), grant.currency)
        if money.amount > net.amount:
            raise ConflictError(
                _(
                    "A refund of %(asked)s is more than grant %(id)s was paid (%(net)s net).",
                    asked=str(money),
                    id=grant.id,
                    net=str(net),
                )
            )
        row = _post(
            session,
            principal,
            grant,
            "refund",
            [
                Leg(fund.id, vocabulary.bank(fund.id), money),
                Leg(
                    fund.id,
                    vocabulary.expenses(fund.id, grant.purpose),
                    Money(-money.amount, money.currency),
                ),
            ],
        )
        session.add(
            ReliefGrantAct(
                grant_id=grant.id,
                act="refund",
                user_id=principal.user_id,
                amount_minor=money.minor,
                reference=reference,
                transaction_id=row.id,
            )
        )
        audit_money(session, principal, "relief.grant-refund", fund.id, row.id, money)
        session.flush()
        return grant_json(session, grant)


def cancel(ws: Workspace, principal: Principal, grant_id: str) -> dict[str, Any]:
    """Cancel a grant not wholly paid: what is committed and unpaid goes back to the fund."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.RELIEF_FINANCE)
        grant = _grant(session, grant_id)
        fund = ledger.lock_fund(session, grant.fund_id)
        session.refresh(grant)
        if grant.state in (PAID, CANCELLED):
            raise ConflictError(
                _(
                    "Grant %(id)s is %(state)s and cannot be cancelled.",
                    id=grant.id,
                    state=state_label(grant.state),
                )
            )
        acts = _acts(session, grant.id)
        transaction = None
        if grant.state in (APPROVED, RELEASED):
            left = Money.from_minor(grant.amount_minor - _sum(acts, "pay"), grant.currency)
            owed = (
                vocabulary.payables(fund.id)
                if grant.state == RELEASED
                else vocabulary.commitments(fund.id)
            )
            row = _post(
                session,
                principal,
                grant,
                "cancellation",
                [
                    Leg(fund.id, owed, left),
                    Leg(
                        fund.id,
                        vocabulary.expenses(fund.id, grant.purpose),
                        Money(-left.amount, left.currency),
                    ),
                ],
            )
            transaction = row.id
        session.add(
            ReliefGrantAct(
                grant_id=grant.id,
                act="cancel",
                user_id=principal.user_id,
                transaction_id=transaction,
            )
        )
        grant.state = CANCELLED
        _audit(session, principal, "relief.grant-cancel", grant, transaction=transaction)
        session.flush()
        return grant_json(session, grant)

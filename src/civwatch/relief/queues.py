"""The relief fund's listings, each authorised and scoped like the rest of relief: what
waits for the caller now (by role), grants, one grant with who did what and what the
caller may do to it now, funds, and a fund's ledger.

Who sees which grant: approvers and finance see every grant (a grant holds no name: ids,
amounts, purpose); a requester (a protection officer) sees the grants of the cases they
may read, by the protection desk's need-to-know rules
(:func:`civwatch.protection.access.readable_persons`); a protection lead reads every case.
A grant out of reach answers as a missing one does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import usernames_by_id
from civwatch.db import read_snapshot
from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.protection.access import authorise, readable_persons
from civwatch.protection.case_facts import open_for_person
from civwatch.relief.funds import find_fund, fund_json
from civwatch.relief.grants import grant_json, grant_missing
from civwatch.relief.models import (
    ReliefFund,
    ReliefGrant,
    ReliefGrantAct,
    ReliefPosting,
    ReliefTransaction,
    ReliefVetting,
)
from civwatch.relief.money import Money
from civwatch.relief.reach import reach, readable
from civwatch.relief.vocabulary import (
    APPROVED,
    CANCELLED,
    CHECKS,
    PAID,
    RELEASED,
    REQUESTED,
)
from civwatch.workspace import Workspace

#: The most rows one page of a listing holds.
MAX_PAGE = 200
#: The most grants one queue reads (the oldest first: they have waited longest).
MAX_QUEUE = 500
#: The checks recorded once for the grant (``conflict`` is declared by each approver).
GRANT_CHECKS = ("identity", "risk", "duplicates", "sanctions")
STATES = (REQUESTED, APPROVED, RELEASED, PAID, CANCELLED)


_Row = TypeVar("_Row", ReliefGrantAct, ReliefVetting)


def _page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise RejectedInputError(
            _("A page holds between 1 and %(most)s rows, from row 0 on.", most=MAX_PAGE)
        )


def _by_grant(session: Session, model: type[_Row], ids: list[str]) -> dict[str, list[_Row]]:
    """``model``'s rows (grant acts or vetting checks) of grants ``ids``, by grant, in
    order, read 500 grants at a time."""
    found: dict[str, list[_Row]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        for row in session.scalars(
            select(model).where(model.grant_id.in_(ids[start : start + 500])).order_by(model.id)
        ):
            found[row.grant_id].append(row)
    return found


def _acts_of(session: Session, ids: list[str]) -> dict[str, list[ReliefGrantAct]]:
    return _by_grant(session, ReliefGrantAct, ids)


def _checks_of(session: Session, ids: list[str]) -> dict[str, list[ReliefVetting]]:
    return _by_grant(session, ReliefVetting, ids)


def missing_checks(checks: list[ReliefVetting], approver_id: int | None = None) -> list[str]:
    """The checks a grant still lacks by its records (the latest of each kind decides; the
    sanctions screening passes, or a match is cleared), and the conflict declaration of
    ``approver_id`` when given. The approval itself checks again against the case."""
    latest: dict[str, str] = {}
    declared = False
    for row in checks:
        latest[row.kind] = row.outcome
        if row.kind == "conflict" and row.by_id == approver_id and row.outcome == "passed":
            declared = True
    missing = [c for c in ("identity", "risk", "duplicates") if latest.get(c) != "passed"]
    if latest.get("sanctions") not in ("passed", "cleared"):
        missing.append("sanctions")
    if approver_id is not None and not declared:
        missing.append("conflict")
    return missing


def _duties(acts: list[ReliefGrantAct], user_id: int) -> set[str]:
    return {a.act for a in acts if a.user_id == user_id}


def _may(acts: list[ReliefGrantAct], user_id: int, act: str) -> bool:
    """Whether separation of duties lets ``user_id`` do ``act`` (:func:`rules.separate`)."""
    held = _duties(acts, user_id) - {"vet"}
    if act in held and act != "pay":
        return False
    return not (held - {act})


def _paid_minor(acts: list[ReliefGrantAct]) -> int:
    return sum(a.amount_minor or 0 for a in acts if a.act == "pay")


def awaited(grant: ReliefGrant, acts: list[ReliefGrantAct], checks: list[ReliefVetting]) -> str:
    """The act a grant waits for: ``vet``, ``approve``, ``release``, ``pay``, or ``none``
    (paid or cancelled)."""
    if grant.state == REQUESTED:
        return "vet" if missing_checks(checks) else "approve"
    if grant.state == APPROVED:
        return "release" if grant.release_needed else "pay"
    if grant.state == RELEASED:
        return "pay"
    return "none"


def _summary(
    grant: ReliefGrant, acts: list[ReliefGrantAct], funds: dict[int, ReliefFund]
) -> dict[str, Any]:
    fund = funds.get(grant.fund_id)
    return {
        "id": grant.id,
        "fund": grant.fund_id,
        "fund_name": None if fund is None else fund.name,
        "case": grant.case_id,
        "purpose": grant.purpose,
        "amount": str(Money.from_minor(grant.amount_minor, grant.currency).amount),
        "paid": str(Money.from_minor(_paid_minor(acts), grant.currency).amount),
        "currency": grant.currency,
        "state": grant.state,
        "requested_at": grant.requested_at.isoformat(),
        "requested_by": grant.requested_by,
        "approvals": sum(1 for a in acts if a.act == "approve"),
        "approvals_needed": grant.approvals_needed,
        "release_needed": grant.release_needed,
    }


def _funds(session: Session, ids: Iterable[int]) -> dict[int, ReliefFund]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {f.id: f for f in session.scalars(select(ReliefFund).where(ReliefFund.id.in_(wanted)))}


def _item(
    grant: ReliefGrant,
    acts: list[ReliefGrantAct],
    funds: dict[int, ReliefFund],
    act: str,
    *,
    missing: list[str] | None = None,
    yours: bool = True,
) -> dict[str, Any]:
    return {
        **_summary(grant, acts, funds),
        "awaits": act,
        "missing": missing or [],
        "yours": yours,
    }


def grants_waiting_for(ws: Workspace, principal: Principal) -> dict[str, Any]:
    """What the caller can act on now, by role, oldest first; each item names the act
    awaited (``vet``, ``approve``, ``release``, ``pay``), whether it is the caller's to do
    (``yours``), and why (``missing`` checks; the tier: approvals done and needed, a
    release needed). A requester sees their own open requests with what each waits for."""
    with ws.sessions() as session:
        read_snapshot(session)
        who = reach(session, principal)
        me = principal.user_id
        query = (
            select(ReliefGrant)
            .where(ReliefGrant.state.in_((REQUESTED, APPROVED, RELEASED)))
            .order_by(ReliefGrant.requested_at, ReliefGrant.id)
            .limit(MAX_QUEUE)
        )
        grants = readable(session, principal, who, session.scalars(query))
        ids = [g.id for g in grants]
        acts, checks = _acts_of(session, ids), _checks_of(session, ids)
        funds = _funds(session, (g.fund_id for g in grants))
        items: list[dict[str, Any]] = []
        for g in grants:
            done, rows = acts.get(g.id, []), checks.get(g.id, [])
            mine = g.requested_by == me
            if who.approver and g.state == REQUESTED and not mine and _may(done, me, "approve"):
                missing = missing_checks(rows, me)
                items.append(
                    _item(g, done, funds, "vet" if missing else "approve", missing=missing)
                )
                continue
            releasable = g.state == APPROVED and g.release_needed
            if who.finance and releasable and _may(done, me, "release"):
                items.append(_item(g, done, funds, "release"))
                continue
            ready = RELEASED if g.release_needed else APPROVED
            if who.finance and g.state == ready and _may(done, me, "pay"):
                items.append(_item(g, done, funds, "pay"))
                continue
            if who.vetter and g.state == REQUESTED and not who.approver:
                missing = missing_checks(rows)
                if missing:
                    items.append(_item(g, done, funds, "vet", missing=missing))
                    continue
            if mine and who.requester:
                items.append(
                    _item(
                        g,
                        done,
                        funds,
                        awaited(g, done, rows),
                        missing=missing_checks(rows),
                        yours=False,
                    )
                )
        return {"items": items, "total": len(items)}


def list_grants(
    ws: Workspace,
    principal: Principal,
    *,
    fund: str | int | None = None,
    state: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """The grants the caller may see, newest first, a page at a time (``total``: how many
    there are; for a requester, those of the cases they may read)."""
    _page(limit, offset)
    if state is not None and state not in STATES:
        raise RejectedInputError(
            _(
                "Unknown state %(value)s: one of %(known)s.",
                value=repr(state)[:40],
                known=", ".join(STATES),
            )
        )
    with ws.sessions() as session:
        read_snapshot(session)
        who = reach(session, principal)
        query = select(ReliefGrant)
        if fund is not None:
            query = query.where(ReliefGrant.fund_id == find_fund(session, fund).id)
        if state is not None:
            query = query.where(ReliefGrant.state == state)
        if not who.everything:
            # A requester's grants: those of the people they may read, decided once per
            # person (a grant table's many rows share few people), then paged in SQL.
            people = list(
                session.scalars(query.with_only_columns(ReliefGrant.person_id).distinct())
            )
            query = query.where(
                ReliefGrant.person_id.in_(readable_persons(session, principal, people))
            )
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(
            session.scalars(
                query.order_by(ReliefGrant.requested_at.desc(), ReliefGrant.id.desc())
                .limit(limit)
                .offset(offset)
            )
        )
        acts = _acts_of(session, [g.id for g in rows])
        funds = _funds(session, (g.fund_id for g in rows))
        return {
            "items": [_summary(g, acts.get(g.id, []), funds) for g in rows],
            "total": total,
            "limit": limit,
            "offset": offset,
        }


def grant_detail(ws: Workspace, principal: Principal, grant_id: str) -> dict[str, Any]:
    """One grant for its page: :func:`grants.grant_json` with who did each act and check and
    when, the payments, its fund, what it waits for, the acts the caller may do now
    (``may``), and the justification and notes for a caller who may read the case."""
    with ws.sessions() as session:
        read_snapshot(session)
        who = reach(session, principal)
        grant = session.get(ReliefGrant, grant_id) if isinstance(grant_id, str) else None
        if grant is None or not readable(session, principal, who, [grant]):
            raise grant_missing(grant_id)
        acts = _acts_of(session, [grant.id]).get(grant.id, [])
        checks = _checks_of(session, [grant.id]).get(grant.id, [])
        names = usernames_by_id(
            session, [a.user_id for a in acts] + [c.by_id for c in checks] + [grant.requested_by]
        )
        fund = session.get(ReliefFund, grant.fund_id)
        assert fund is not None
        opened = bool(readable_persons(session, principal, [grant.person_id]))

        def sealed(value: bytes | None, record: str, field: str) -> str | None:
            if not opened or value is None:
                return None
            return str(
                open_for_person(ws, session, grant.person_id, value, record=record, field=field)
            )

        doc = grant_json(session, grant)
        me = principal.user_id
        may: list[str] = []
        if grant.state == REQUESTED and who.vetter:
            may.append("vet")
        if (
            grant.state == REQUESTED
            and who.approver
            and _may(acts, me, "approve")
            and not missing_checks(checks, me)
        ):
            may.append("approve")
        if who.finance:
            if grant.state == APPROVED and grant.release_needed and _may(acts, me, "release"):
                may.append("release")
            ready = RELEASED if grant.release_needed else APPROVED
            if grant.state == ready and _may(acts, me, "pay"):
                may.append("pay")
            paid = _paid_minor(acts) - sum(a.amount_minor or 0 for a in acts if a.act == "refund")
            if paid > 0:
                may.append("refund")
            if grant.state not in (PAID, CANCELLED):
                may.append("cancel")
        left = grant.amount_minor - _paid_minor(acts)
        doc.update(
            {
                "fund_name": fund.name,
                "requested_by": names.get(grant.requested_by),
                "requested_at": grant.requested_at.isoformat(),
                "approved_at": None if grant.approved_at is None else grant.approved_at.isoformat(),
                "justification": sealed(grant.justification, grant.id, "justification"),
                "acts": [
                    {
                        "act": a.act,
                        "by": names.get(a.user_id),
                        "at": a.at.isoformat(),
                        "amount": None
                        if a.amount_minor is None
                        else str(Money.from_minor(a.amount_minor, grant.currency).amount),
                        "method": a.method,
                        "reference": a.reference,
                        "paid_on": None if a.paid_on is None else a.paid_on.isoformat(),
                        "transaction": a.transaction_id,
                    }
                    for a in acts
                ],
                "checks": [
                    {
                        "check": c.kind,
                        "outcome": c.outcome,
                        "by": names.get(c.by_id),
                        "at": c.at.isoformat(),
                        "note": sealed(c.note, f"{grant.id}:{c.id}", "note"),
                    }
                    for c in checks
                ],
                "missing": missing_checks(checks),
                "my_missing": missing_checks(checks, me) if who.approver else None,
                "awaits": awaited(grant, acts, checks),
                "left": str(Money.from_minor(max(left, 0), grant.currency).amount),
                "may": may,
                "check_kinds": list(CHECKS),
            }
        )
        return doc


def list_funds(ws: Workspace, principal: Principal) -> list[dict[str, Any]]:
    """Every fund with its balance and what it has available (any relief role: a requester
    chooses the fund to ask)."""
    with ws.sessions() as session:
        read_snapshot(session)
        reach(session, principal)
        funds = session.scalars(select(ReliefFund).order_by(ReliefFund.name))
        return [fund_json(session, f) for f in funds]


def fund_detail(ws: Workspace, principal: Principal, fund: str | int) -> dict[str, Any]:
    """One fund with its balances (any relief role)."""
    with ws.sessions() as session:
        read_snapshot(session)
        reach(session, principal)
        return fund_json(session, find_fund(session, fund))


def fund_ledger(
    ws: Workspace, principal: Principal, fund: str | int, *, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """The transactions touching ``fund``, newest first, each with its postings (finance),
    a page at a time; ``total`` is how many there are."""
    _page(limit, offset)
    with ws.sessions() as session:
        read_snapshot(session)
        authorise(session, principal, Permission.RELIEF_FINANCE)
        the_fund = find_fund(session, fund)
        touching = (
            select(ReliefPosting.transaction_id)
            .where(ReliefPosting.fund_id == the_fund.id)
            .distinct()
        )
        where = ReliefTransaction.id.in_(touching)
        total = session.scalar(select(func.count()).select_from(ReliefTransaction).where(where))
        rows = list(
            session.scalars(
                select(ReliefTransaction)
                .where(where)
                .order_by(ReliefTransaction.booked_on.desc(), ReliefTransaction.id.desc())
                .limit(limit)
                .offset(offset)
            )
        )
        postings: dict[int, list[ReliefPosting]] = defaultdict(list)
        if rows:
            for p in session.scalars(
                select(ReliefPosting)
                .where(ReliefPosting.transaction_id.in_([t.id for t in rows]))
                .order_by(ReliefPosting.id)
            ):
                postings[p.transaction_id].append(p)
        names = usernames_by_id(session, [t.by_id for t in rows])
        return {
            "fund": the_fund.id,
            "currency": the_fund.currency,
            "total": int(total or 0),
            "limit": limit,
            "offset": offset,
            "items": [
                {
                    "id": t.id,
                    "kind": t.kind,
                    "booked_on": t.booked_on.isoformat(),
                    "at": t.at.isoformat(),
                    "by": names.get(t.by_id),
                    "grant": t.grant_id,
                    "reverses": t.reverses_id,
                    "eur_rate": t.eur_rate,
                    "postings": [
                        {
                            "fund": p.fund_id,
                            "account": p.account,
                            "currency": p.currency,
                            "amount": str(Money.from_minor(p.amount_minor, p.currency).amount),
                        }
                        for p in postings[t.id]
                    ],
                }
                for t in rows
            ],
        }

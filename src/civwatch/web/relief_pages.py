"""The relief fund's pages: what waits for me, the grants, a grant with the forms of the
acts the caller may do now, asking for a grant for a protection case, the funds and a
fund's books (balance sheet, income statement, ledger, deposits and transfers), the
reconciliation of a bank statement, and the donor report.

Each route is gated by one permission of the table (the permission walk reads it) and the
protection desk's idle timeout (a grant belongs to a protection case); which grants a
caller sees is :mod:`civwatch.relief.queues`' decision. Every form is a POST with the
session's CSRF token; a refusal shows the page again with the domain's message (its
figures: cap, balance) in the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from babel.numbers import format_currency
from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError, NotFoundError, RecordNotFoundError, RejectedInputError
from civwatch.i18n import N_, _, current_language, gettext, localise
from civwatch.relief import funds, grants, queues, reconciliation, reports
from civwatch.relief.money import MINOR_UNITS
from civwatch.relief.statements import MAX_STATEMENT_BYTES, REASONS
from civwatch.relief.vocabulary import CHECKS, METHODS, PURPOSE_LABELS, PURPOSES
from civwatch.web.deps import WS, RowId
from civwatch.web.limits import streamed_upload
from civwatch.web.pages import render
from civwatch.web.relief_access import Approver, Finance, Reader, Requester, Vetter
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)


#: The largest statement a page reads (bytes; the readers' own limit).
MAX_STATEMENT = MAX_STATEMENT_BYTES
PAGE_SIZE = 50
_GRANT_ID = re.compile(r"^rg_[A-Za-z0-9_-]{8,64}$")

STATE_LABELS = {
    "requested": N_("requested"),
    "approved": N_("approved"),
    "released": N_("released for payment"),
    "paid": N_("paid"),
    "cancelled": N_("cancelled"),
}
ACT_LABELS = {
    "request": N_("requested"),
    "approve": N_("approved"),
    "release": N_("released for payment"),
    "pay": N_("paid"),
    "refund": N_("refunded"),
    "cancel": N_("cancelled"),
}
#: What a grant waits for (a queue's column).
AWAITS_LABELS = {
    "vet": N_("vetting"),
    "approve": N_("approval"),
    "release": N_("a finance release"),
    "pay": N_("payment"),
    "none": N_("nothing"),
}
CHECK_LABELS = {
    "identity": N_("identity verified"),
    "risk": N_("risk assessed"),
    "duplicates": N_("no other grant for the same need"),
    "sanctions": N_("sanctions screening"),
    "conflict": N_("no conflict of interest (the approver's own declaration)"),
}
OUTCOME_LABELS = {
    "passed": N_("passed"),
    "blocked": N_("blocked: a possible match"),
    "cleared": N_("match cleared"),
}
METHOD_LABELS = {
    "bank_transfer": N_("bank transfer"),
    "cash": N_("cash"),
    "mobile_money": N_("mobile money"),
    "voucher": N_("voucher"),
}
KIND_LABELS = {
    "deposit": N_("deposit"),
    "commitment": N_("commitment"),
    "release": N_("release"),
    "payment": N_("payment"),
    "refund": N_("refund"),
    "cancellation": N_("cancellation"),
    "transfer": N_("transfer"),
    "reversal": N_("reversal"),
}
ACCOUNT_LABELS = {
    "Bank": N_("bank"),
    "Cash": N_("cash"),
    "Commitments": N_("commitments"),
    "Payables": N_("payables (released)"),
    "Donations": N_("donations"),
    "Transfers": N_("transfers between funds"),
}
#: What a page says after a form did its work (``?done=CODE``: a code, never a value).
DONE = {
    "request": N_("The grant is requested."),
    "vet": N_("The check is recorded."),
    "approve": N_("Your approval is recorded."),
    "release": N_("The grant is released for payment."),
    "pay": N_("The payment is recorded."),
    "refund": N_("The refund is recorded."),
    "cancel": N_("The grant is cancelled."),
    "deposit": N_("The deposit is recorded."),
    "transfer": N_("The transfer is recorded."),
}


def _from(labels: dict[str, str], code: str | None) -> str:
    return gettext(labels[code]) if code in labels else str(code or "")


def money(amount: object, currency: str | None) -> str:
    """An amount with its currency, in the reader's language, with the currency's minor
    units (2 for the hryvnia and the euro); an unknown amount is "not known", never 0."""
    if amount is None or currency is None:
        return gettext(N_("not known"))
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return gettext(N_("not known"))
    digits = MINOR_UNITS.get(currency, 2)
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + " ¤"
    return str(
        format_currency(
            value, currency, format=pattern, locale=current_language(), currency_digits=False
        )
    )


def account_label(account: str) -> str:
    """A ledger account in the reader's words (``Expenses:Fund1:Transport`` → transport)."""
    root, _sep, rest = account.partition(":")
    last = rest.rsplit(":", 1)[-1]
    if root == "Expenses":
        code = next((c for c, part in PURPOSES.items() if part == last), None)
        return _from(PURPOSE_LABELS, code) if code else last
    return _from(ACCOUNT_LABELS, last)


def _labels() -> dict[str, Any]:
    return {
        "money": money,
        "state_label": lambda c: _from(STATE_LABELS, c),
        "act_label": lambda c: _from(ACT_LABELS, c),
        "awaits_label": lambda c: _from(AWAITS_LABELS, c),
        "check_label": lambda c: _from(CHECK_LABELS, c),
        "outcome_label": lambda c: _from(OUTCOME_LABELS, c),
        "method_label": lambda c: _from(METHOD_LABELS, c),
        "purpose_label": lambda c: _from(PURPOSE_LABELS, c),
        "kind_label": lambda c: _from(KIND_LABELS, c),
        "reason_label": lambda c: _from(REASONS, c),
        "account_label": account_label,
        "purposes": list(PURPOSES),
        "checks": list(CHECKS),
        "methods": list(METHODS),
        "states": list(STATE_LABELS),
    }


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """A relief page, with the fund's labels and formatter at hand."""
    context.setdefault("section", request.url.path)
    context.update(_labels())
    context["done"] = gettext(DONE[context["done"]]) if context.get("done") in DONE else None
    return render(request, name, context, status)


def _grant_id(value: str) -> str:
    if not _GRANT_ID.fullmatch(value):
        raise grants.grant_missing(value)
    return value


def _day(value: str, what: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RejectedInputError(
            _("%(what)s is a date such as %(example)s.", what=what, example="2026-03-31")
        ) from None


def _run(
    call: Callable[[], Any], again: Callable[[str, int], Response], done: str, to: str
) -> Response:
    """Run one act; its page again with the refusal in the reader's language, or a
    redirect to ``to`` saying it is done."""
    try:
        call()
    except NotFoundError:
        raise
    except CivwatchError as exc:
        return again(localise(exc.message), exc.status_code)
    return RedirectResponse(f"{to}?done={done}", status_code=303)


# --- the queue and the grants ---------------------------------------------------------


@router.get("/relief", response_class=HTMLResponse)
def queue_page(request: Request, w: WS, who: Reader, done: str | None = None) -> Response:
    """What the caller can act on now (by role), and a requester's own grants."""
    queue = queues.grants_waiting_for(w, who)
    return page(request, "relief_queue.html", {"queue": queue, "done": done})


@router.get("/relief/grants", response_class=HTMLResponse)
def grants_page(
    request: Request,
    w: WS,
    who: Reader,
    state: Annotated[str, Query(max_length=16)] = "",
    fund: Annotated[str, Query(max_length=12)] = "",
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Response:
    """The grants the caller may see, newest first, a page at a time."""
    listed = queues.list_grants(
        w, who, fund=fund or None, state=state or None, limit=PAGE_SIZE, offset=offset
    )
    return page(
        request,
        "relief_grants.html",
        {
            "listed": listed,
            "state": state,
            "fund": fund,
            "funds": queues.list_funds(w, who),
            "page_size": PAGE_SIZE,
        },
    )


def _request_form(
    request: Request,
    w: Workspace,
    who: Principal,
    values: dict[str, str],
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return page(
        request,
        "relief_request.html",
        {"values": values, "funds": queues.list_funds(w, who), "error": error},
        status,
    )


@router.get("/relief/grants/new", response_class=HTMLResponse)
def request_page(
    request: Request, w: WS, who: Requester, case_id: Annotated[str, Query(max_length=64)] = ""
) -> Response:
    """The form asking a fund for a grant for a protection case."""
    return _request_form(request, w, who, {"case_id": case_id, "people": "1"})


@router.post("/relief/grants", response_class=HTMLResponse)
def request_grant(
    request: Request,
    w: WS,
    who: Requester,
    case_id: Annotated[str, Form(max_length=64)],
    fund: Annotated[str, Form(max_length=12)],
    amount: Annotated[str, Form(max_length=40)],
    purpose: Annotated[str, Form(max_length=32)],
    justification: Annotated[str, Form(max_length=4000)] = "",
    oblast: Annotated[str, Form(max_length=64)] = "",
    people: Annotated[str, Form(max_length=4)] = "1",
    eur_rate: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Ask for the grant; its page once it is requested."""
    values = {
        "case_id": case_id,
        "fund": fund,
        "amount": amount,
        "purpose": purpose,
        "justification": justification,
        "oblast": oblast,
        "people": people,
        "eur_rate": eur_rate,
    }
    try:
        if not people.strip().isdigit():
            raise RejectedInputError(_("A grant helps between 1 and 100 people."))
        doc = grants.request_grant(
            w,
            who,
            case_id.strip(),
            fund=fund,
            amount=amount.strip(),
            purpose=purpose,
            justification=justification.strip() or None,
            oblast=oblast.strip() or None,
            people=int(people),
            eur_rate=eur_rate.strip() or None,
        )
    except CivwatchError as exc:
        return _request_form(
            request, w, who, values, error=localise(exc.message), status=exc.status_code
        )
    return RedirectResponse(f"/relief/grants/{doc['id']}?done=request", status_code=303)


def _grant_view(
    request: Request,
    w: Workspace,
    who: Principal,
    grant_id: str,
    *,
    error: str | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    grant = queues.grant_detail(w, who, grant_id)
    payments = [a for a in grant["acts"] if a["act"] in ("pay", "refund")]
    return page(
        request,
        "relief_grant.html",
        {
            "grant": grant,
            "payments": payments,
            "error": error,
            "done": done,
            "today": date.today().isoformat(),
        },
        status,
    )


@router.get("/relief/grants/{relief_grant_id}", response_class=HTMLResponse)
def grant_page(
    request: Request, w: WS, who: Reader, relief_grant_id: str, done: str | None = None
) -> Response:
    """A grant: amount, fund, purpose, tier, checks and acts with who and when, payments,
    and the forms of the acts the caller may do now."""
    return _grant_view(request, w, who, _grant_id(relief_grant_id), done=done)


def _grant_act(
    request: Request, w: Workspace, who: Principal, grant_id: str, done: str, call: Any
) -> Response:
    gid = _grant_id(grant_id)
    return _run(
        call,
        lambda error, status: _grant_view(request, w, who, gid, error=error, status=status),
        done,
        f"/relief/grants/{gid}",
    )


@router.post("/relief/grants/{relief_grant_id}/vet", response_class=HTMLResponse)
def grant_vet(
    request: Request,
    w: WS,
    who: Vetter,
    relief_grant_id: str,
    check: Annotated[str, Form(max_length=16)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record one vetting check (identity, risk, duplicates; clearing a sanctions match
    with its reason; an approver's declaration of no conflict)."""
    return _grant_act(
        request,
        w,
        who,
        relief_grant_id,
        "vet",
        lambda: grants.vet(w, who, relief_grant_id, check, note=note.strip() or None),
    )


@router.post("/relief/grants/{relief_grant_id}/screen", response_class=HTMLResponse)
def grant_screen(request: Request, w: WS, who: Vetter, relief_grant_id: str) -> Response:
    """Screen the grant's person against the imported sanctions list."""
    from civwatch.relief.screening import screen_grant

    return _grant_act(
        request, w, who, relief_grant_id, "vet", lambda: screen_grant(w, who, relief_grant_id)
    )


@router.post("/relief/grants/{relief_grant_id}/approve", response_class=HTMLResponse)
def grant_approve(request: Request, w: WS, who: Approver, relief_grant_id: str) -> Response:
    """Approve the grant (the cap and the fund's balance are checked)."""
    return _grant_act(
        request, w, who, relief_grant_id, "approve", lambda: grants.approve(w, who, relief_grant_id)
    )


@router.post("/relief/grants/{relief_grant_id}/release", response_class=HTMLResponse)
def grant_release(request: Request, w: WS, who: Finance, relief_grant_id: str) -> Response:
    """Release an approved grant of the top tier for payment."""
    return _grant_act(
        request, w, who, relief_grant_id, "release", lambda: grants.release(w, who, relief_grant_id)
    )


@router.post("/relief/grants/{relief_grant_id}/pay", response_class=HTMLResponse)
def grant_pay(
    request: Request,
    w: WS,
    who: Finance,
    relief_grant_id: str,
    method: Annotated[str, Form(max_length=16)] = "bank_transfer",
    reference: Annotated[str, Form(max_length=200)] = "",
    paid_on: Annotated[str, Form(max_length=10)] = "",
    amount: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Pay the grant: all that is left, or a part of it."""

    def call() -> Any:
        day = _day(paid_on, gettext(N_("The payment date")))
        return grants.pay(
            w,
            who,
            relief_grant_id,
            amount=amount.strip() or None,
            method=method,
            reference=reference.strip() or None,
            paid_on=day,
        )

    return _grant_act(request, w, who, relief_grant_id, "pay", call)


@router.post("/relief/grants/{relief_grant_id}/refund", response_class=HTMLResponse)
def grant_refund(
    request: Request,
    w: WS,
    who: Finance,
    relief_grant_id: str,
    amount: Annotated[str, Form(max_length=40)],
    reference: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Money of a paid grant given back to the fund."""
    return _grant_act(
        request,
        w,
        who,
        relief_grant_id,
        "refund",
        lambda: grants.refund(
            w, who, relief_grant_id, amount.strip(), reference=reference.strip() or None
        ),
    )


@router.post("/relief/grants/{relief_grant_id}/cancel", response_class=HTMLResponse)
def grant_cancel(request: Request, w: WS, who: Finance, relief_grant_id: str) -> Response:
    """Cancel a grant not wholly paid (what is committed goes back to the fund)."""
    return _grant_act(
        request, w, who, relief_grant_id, "cancel", lambda: grants.cancel(w, who, relief_grant_id)
    )


# --- funds ----------------------------------------------------------------------------


@router.get("/relief/funds", response_class=HTMLResponse)
def funds_page(request: Request, w: WS, who: Reader) -> Response:
    """Every fund with its balance and what it has available."""
    return page(request, "relief_funds.html", {"funds": queues.list_funds(w, who)})


def _fund_view(
    request: Request,
    w: Workspace,
    who: Principal,
    fund_id: int,
    *,
    since: str = "",
    until: str = "",
    offset: int = 0,
    error: str | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    fund = queues.fund_detail(w, who, fund_id)
    context: dict[str, Any] = {
        "fund": fund,
        "error": error,
        "done": done,
        "since": since,
        "until": until,
        "page_size": PAGE_SIZE,
        "funds": [],
    }
    if allows(who.roles, Permission.RELIEF_FINANCE):
        try:
            first = _day(since, gettext(N_("The first day")))
            last = _day(until, gettext(N_("The last day")))
        except RejectedInputError as exc:
            first = last = None
            context["error"] = error or localise(exc.message)
            status = status if error else exc.status_code
        context["sheet"] = reports.balance_sheet(w, who, fund_id, until=last)
        context["income"] = reports.income_statement(w, who, fund_id, since=first, until=last)
        context["ledger"] = queues.fund_ledger(w, who, fund_id, limit=PAGE_SIZE, offset=offset)
        context["funds"] = [f for f in queues.list_funds(w, who) if f["id"] != fund_id]
    return page(request, "relief_fund.html", context, status)


@router.get("/relief/funds/{fund_id}", response_class=HTMLResponse)
def fund_page(
    request: Request,
    w: WS,
    who: Reader,
    fund_id: RowId,
    since: Annotated[str, Query(alias="from", max_length=10)] = "",
    until: Annotated[str, Query(alias="to", max_length=10)] = "",
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    done: str | None = None,
) -> Response:
    """A fund: balance and available; for finance its balance sheet and income statement
    for a period, its ledger (newest first), and the deposit and transfer forms."""
    return _fund_view(request, w, who, fund_id, since=since, until=until, offset=offset, done=done)


def _fund_act(
    request: Request, w: Workspace, who: Principal, fund_id: int, done: str, call: Any
) -> Response:
    return _run(
        call,
        lambda error, status: _fund_view(request, w, who, fund_id, error=error, status=status),
        done,
        f"/relief/funds/{fund_id}",
    )


@router.post("/relief/funds/{fund_id}/deposit", response_class=HTMLResponse)
def fund_deposit(
    request: Request,
    w: WS,
    who: Finance,
    fund_id: RowId,
    amount: Annotated[str, Form(max_length=40)],
    booked_on: Annotated[str, Form(max_length=10)] = "",
    eur_rate: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """A donation received into the fund's bank."""

    def call() -> Any:
        day = _day(booked_on, gettext(N_("The booking date")))
        return funds.deposit(
            w, who, fund_id, amount.strip(), eur_rate=eur_rate.strip() or None, booked_on=day
        )

    return _fund_act(request, w, who, fund_id, "deposit", call)


@router.post("/relief/funds/{fund_id}/transfer", response_class=HTMLResponse)
def fund_transfer(
    request: Request,
    w: WS,
    who: Finance,
    fund_id: RowId,
    to_fund: Annotated[str, Form(max_length=12)],
    amount: Annotated[str, Form(max_length=40)],
    received: Annotated[str, Form(max_length=40)] = "",
    eur_rate: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Move money from this fund's bank to another fund's."""
    return _fund_act(
        request,
        w,
        who,
        fund_id,
        "transfer",
        lambda: funds.transfer(
            w,
            who,
            fund_id,
            to_fund,
            amount.strip(),
            received=received.strip() or None,
            eur_rate=eur_rate.strip() or None,
        ),
    )


# --- reconciliation and the donor report ----------------------------------------------

#: A mapping a form starts from (docs/relief-formats.md describes every field).
EXAMPLE_MAPPING = (
    '{"date": "Date", "amount": "Amount", "currency": "Currency", '
    '"reference": "Reference", "date_format": "%Y-%m-%d"}'
)


def _reconcile_view(
    request: Request,
    w: Workspace,
    who: Principal,
    fund_id: int,
    *,
    result: dict[str, Any] | None = None,
    mapping: str = EXAMPLE_MAPPING,
    error: str | None = None,
    status: int = 200,
) -> Response:
    fund = queues.fund_detail(w, who, fund_id)
    return page(
        request,
        "relief_reconcile.html",
        {
            "fund": fund,
            "result": result,
            "mapping": mapping,
            "error": error,
            "most_mib": MAX_STATEMENT // (1024 * 1024) or 1,
        },
        status,
    )


@router.get("/relief/funds/{fund_id}/reconcile", response_class=HTMLResponse)
def reconcile_page(request: Request, w: WS, who: Finance, fund_id: RowId) -> Response:
    """The form to upload a bank statement of the fund."""
    return _reconcile_view(request, w, who, fund_id)


def _read_upload(upload: UploadFile) -> bytes:
    data = upload.file.read(MAX_STATEMENT + 1)
    if len(data) > MAX_STATEMENT:
        raise RejectedInputError(
            _(
                "The statement is larger than %(n)s MiB.",
                n=MAX_STATEMENT // (1024 * 1024),
            )
        )
    return data


@router.post("/relief/funds/{fund_id}/reconcile", response_class=HTMLResponse)
@streamed_upload
def reconcile_upload(
    request: Request,
    w: WS,
    who: Finance,
    fund_id: RowId,
    statement: Annotated[UploadFile, File()],
    kind: Annotated[str, Form(max_length=8)] = "csv",
    mapping: Annotated[str, Form(max_length=reconciliation.MAX_MAPPING_BYTES)] = "",
) -> Response:
    """Match an uploaded statement (a CSV with its mapping, or camt.053 XML) to the fund's
    payments; show what matched and what is left on either side."""
    try:
        data = _read_upload(statement)
        if kind == "camt053":
            parsed = reconciliation.read_statement(data, None)
        elif kind == "csv":
            rules = reconciliation.read_mapping(mapping.encode())
            parsed = reconciliation.read_statement(data, rules)
        else:
            raise RejectedInputError(_("A statement is a CSV file or camt.053 XML."))
        result = reconciliation.reconcile_fund(w, who, fund_id, parsed)
    except NotFoundError:
        raise
    except CivwatchError as exc:
        return _reconcile_view(
            request,
            w,
            who,
            fund_id,
            mapping=mapping or EXAMPLE_MAPPING,
            error=localise(exc.message),
            status=exc.status_code,
        )
    return _reconcile_view(request, w, who, fund_id, result=result, mapping=mapping)


def _period(since: str, until: str) -> tuple[date, date]:
    first = _day(since, gettext(N_("The first day")))
    last = _day(until, gettext(N_("The last day")))
    if first is None or last is None:
        raise RejectedInputError(_("Give the first and the last day of the period."))
    if last < first:
        raise RejectedInputError(_("The period ends before it starts."))
    return first, last


def _report_file(
    w: Workspace, who: Principal, fund_id: int, since: str, until: str, kind: str
) -> Response:
    """The donor report as a file in the reader's language (:mod:`civwatch.relief.donor_files`)."""
    from civwatch.relief import donor_files

    first, last = _period(since, until)
    doc = reports.donor_report(w, who, fund_id, first, last)
    language = current_language()
    if kind == "csv":
        body, media = donor_files.donor_report_csv(doc, language), "text/csv; charset=utf-8"
    else:
        body, media = donor_files.donor_report_pdf(doc, language), "application/pdf"
    name = donor_files.file_name(doc, kind, language)
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/relief/funds/{fund_id}/report.csv")
def donor_report_csv(
    w: WS,
    who: Finance,
    fund_id: RowId,
    since: Annotated[str, Query(alias="from", max_length=10)] = "",
    until: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    """The donor report as CSV (no names; small cells suppressed)."""
    return _report_file(w, who, fund_id, since, until, "csv")


@router.get("/relief/funds/{fund_id}/report.pdf")
def donor_report_pdf(
    w: WS,
    who: Finance,
    fund_id: RowId,
    since: Annotated[str, Query(alias="from", max_length=10)] = "",
    until: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    """The donor report as PDF (no names; small cells suppressed)."""
    return _report_file(w, who, fund_id, since, until, "pdf")


@router.get("/relief/funds/{fund_id}/report", response_class=HTMLResponse)
def donor_report_page(
    request: Request,
    w: WS,
    who: Finance,
    fund_id: RowId,
    since: Annotated[str, Query(alias="from", max_length=10)] = "",
    until: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    """The donor report of a fund for a period: totals by purpose, month and oblast, and
    people helped; a cell of fewer than five people is not shown."""
    fund = queues.fund_detail(w, who, fund_id)
    context: dict[str, Any] = {"fund": fund, "since": since, "until": until, "report": None}
    status = 200
    if since or until:
        try:
            first, last = _period(since, until)
            context["report"] = reports.donor_report(w, who, fund_id, first, last)
        except RecordNotFoundError:
            raise
        except CivwatchError as exc:
            context["error"] = localise(exc.message)
            status = exc.status_code
    return page(request, "relief_report.html", context, status)

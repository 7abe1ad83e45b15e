"""The relief fund's JSON API under ``/api/v1/relief``: funds (balances, deposits, transfers,
reports), grants from request through vetting, approval, release and payment, the ledger
(Beancount export, reversals), bank statements reconciled, the sanctions list imported,
and partner funds' hash files.

The same services as the command line and the pages (:mod:`civwatch.relief`), with the
protection API's rules: ``require(Permission.RELIEF_*)`` at the route (the permission
walk reads it), the services' own checks behind it (separation of duties, caps, balances,
need to know: a grant of a case out of the caller's reach is "not found"), problems as RFC
9457 JSON in the caller's language, every answer a declared model. Amounts go both ways as
decimal strings ("1500.00"): a JSON number is refused, as a float cannot hold money exactly.
No answer names a person helped (ids and amounts only); a grant's justification is opened
only for a caller who may read its case.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import RejectedInputError
from civwatch.i18n import _, current_language
from civwatch.incidents.input import rejected
from civwatch.relief import funds, grants, queues, reports
from civwatch.relief.beancount_export import export_beancount
from civwatch.relief.cash import move_cash
from civwatch.relief.donor_files import donor_report_csv, donor_report_pdf, file_name
from civwatch.relief.partner_hashes import MAX_FILE_BYTES as MAX_HASH_FILE_BYTES
from civwatch.relief.partners import compare_partner_hashes, export_partner_hashes
from civwatch.relief.reconciliation import (
    MAX_MAPPING_BYTES,
    read_mapping,
    read_statement,
    reconcile_fund,
)
from civwatch.relief.screening import MAX_LIST_BYTES, import_sanctions_list, screen_grant
from civwatch.relief.statements import MAX_STATEMENT_BYTES
from civwatch.web.answers import EXACT
from civwatch.web.answers_relief import (
    CashAnswer,
    DepositAnswer,
    DonorReport,
    FundAnswer,
    FundReport,
    GrantAnswer,
    GrantPage,
    LedgerPage,
    PartnerComparison,
    ReconciliationAnswer,
    SanctionsImported,
    TransactionAnswer,
)
from civwatch.web.auth import require
from civwatch.web.deps import MAX_ROW_ID, WS, RowId
from civwatch.web.limits import limited_upload
from civwatch.web.problems import PROBLEM_RESPONSES, problem_doc
from civwatch.web.protection_adapters import check_id
from civwatch.web.protection_idle import desk_gate
from civwatch.web.relief_access import Approver, Finance, Reader, Requester, Vetter

#: The errors every relief route may answer: civwatch's usual ones, and the fund's own.
RELIEF_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    409: problem_doc(
        "The act conflicts with the grant's or the fund's state: separation of duties, the "
        "cap per person, the fund's balance, a check missing (the figures in the detail)"
    ),
    413: problem_doc("An uploaded file is larger than its limit"),
    423: problem_doc("The protection desk is locked: a protection lead must unlock it"),
    500: problem_doc("civwatch is not set up for this (e.g. no coalition key for partners)"),
}
router = APIRouter(prefix="/api/v1/relief", tags=["relief"], responses=RELIEF_RESPONSES)

#: Every relief route but the sanctions list's passes the protection desk's gate (its idle
#: timeout for browser sessions), as the relief pages do: the fund pays people at risk.
#: The sanctions list is the operator's reference data (an admin, outside the desk).
Operator = Annotated[Principal, Depends(require(Permission.REFERENCE_MANAGE))]
Lead = Annotated[Principal, Depends(desk_gate(Permission.PROTECTION_LEAD))]

GrantId = Annotated[str, PathParam(max_length=64, description="A grant's id (rg_...)")]
Page = Annotated[int, Query(ge=1, le=queues.MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=MAX_ROW_ID)]


def _decimal_text(value: object) -> object:
    """A decimal string as it is; anything else (a JSON number above all: a float cannot
    hold money exactly) refused with a sentence the caller can act on."""
    if isinstance(value, str):
        return value
    raise rejected(
        _(
            "%(value)s was sent as a JSON number: amounts and rates are decimal strings, "
            'e.g. "1500.00", so that no digit is lost on the way.',
            value=repr(value)[:40],
        )
    )


#: An amount of money (or a rate), as a decimal string; the services check its digits.
Amount = Annotated[
    str,
    BeforeValidator(_decimal_text),
    Field(
        max_length=40,
        description='A decimal string, e.g. "1500.00" (never a JSON number)',
        json_schema_extra={"pattern": r"^[0-9]+(\.[0-9]+)?$"},
    ),
]
Day = Annotated[date, Field(description="YYYY-MM-DD")]


class Body_(BaseModel):
    """Base of the request bodies: unknown keys are refused (a typo is not ignored)."""

    model_config = ConfigDict(extra="forbid")


class FundBody(Body_):
    name: str = Field(min_length=1, max_length=200)
    currency: str = Field(max_length=8, description="ISO 4217, e.g. EUR or UAH")
    donor: str | None = Field(default=None, max_length=200)
    purposes: list[str] | None = Field(
        default=None, max_length=10, description="What it may pay for (default: any)"
    )
    regions: list[Annotated[str, Field(max_length=100)]] | None = Field(
        default=None, max_length=30, description="Oblasts it may pay for (default: any)"
    )
    starts_on: Day | None = None
    ends_on: Day | None = None


class DepositBody(Body_):
    amount: Amount
    eur_rate: Amount | None = Field(
        default=None, description="Euros per unit of the fund's currency (not for EUR)"
    )


class CashBody(Body_):
    amount: Amount
    to_bank: bool = Field(default=False, description="Put cash back into the bank instead")
    eur_rate: Amount | None = None


class TransferBody(Body_):
    to_fund: int = Field(ge=1, le=MAX_ROW_ID, description="The fund the money goes to")
    amount: Amount = Field(description="What leaves, in this fund's currency")
    received: Amount | None = Field(
        default=None, description="What arrived, in the other fund's currency if it differs"
    )
    eur_rate: Amount | None = None


class GrantBody(Body_):
    case: str = Field(max_length=64, description="The protection case (case_...)")
    fund: int = Field(ge=1, le=MAX_ROW_ID)
    amount: Amount
    purpose: str = Field(
        max_length=32,
        description="transport, accommodation, documents_visas, medical, subsistence or "
        "security_equipment",
    )
    currency: str | None = Field(default=None, max_length=8, description="Default: the fund's")
    eur_rate: Amount | None = Field(default=None, description="Not for EUR")
    justification: str | None = Field(
        default=None, max_length=5000, description="Kept sealed with the person's key"
    )
    oblast: str | None = Field(default=None, max_length=100)
    people: int = Field(default=1, ge=1, le=100)


class VetBody(Body_):
    check: Literal["identity", "risk", "duplicates", "sanctions", "conflict"] = Field(
        description="sanctions screens the case's person against the imported list"
    )
    note: str | None = Field(default=None, max_length=2000)
    clear: bool = Field(
        default=False, description="Sanctions: clear a blocking match, with the reason as note"
    )


class PayBody(Body_):
    amount: Amount | None = Field(default=None, description="Part of it (default: all left)")
    method: Literal["bank_transfer", "cash", "mobile_money", "voucher"] = "bank_transfer"
    reference: str | None = Field(default=None, max_length=200)
    paid_on: Day | None = None


class RefundBody(Body_):
    amount: Amount
    reference: str | None = Field(default=None, max_length=200)


def _grant(w: WS, who: Principal, grant_id: str) -> dict[str, Any]:
    return queues.grant_detail(w, who, check_id(grant_id))


# -- funds -----------------------------------------------------------------------------------------
@router.get("/funds", response_model=list[FundAnswer])
def fund_list(w: WS, who: Reader) -> list[dict[str, Any]]:
    """Every fund with its balance and what it has available."""
    return queues.list_funds(w, who)


@router.post("/funds", status_code=201, response_model=FundAnswer)
def fund_add(w: WS, who: Finance, body: FundBody) -> dict[str, Any]:
    """Add a fund (finance)."""
    return funds.add_fund(
        w,
        who,
        funds.FundInput(
            name=body.name,
            currency=body.currency,
            donor=body.donor,
            purposes=body.purposes,
            regions=body.regions,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
        ),
    )


@router.get("/funds/{fund_id}", response_model=FundAnswer)
def fund_show(w: WS, who: Reader, fund_id: RowId) -> dict[str, Any]:
    """A fund with its balances: its bank account, and what it may still commit."""
    return queues.fund_detail(w, who, fund_id)


@router.post("/funds/{fund_id}/deposits", status_code=201, response_model=DepositAnswer)
def fund_deposit(w: WS, who: Finance, fund_id: RowId, body: DepositBody) -> dict[str, Any]:
    """Record a donation received into the fund's bank account (finance)."""
    return funds.deposit(w, who, fund_id, body.amount, eur_rate=body.eur_rate)


@router.post("/funds/{fund_id}/transfers", status_code=201, response_model=TransactionAnswer)
def fund_transfer(w: WS, who: Finance, fund_id: RowId, body: TransferBody) -> dict[str, Any]:
    """Move money from this fund's bank account to another fund's (finance); refused
    beyond what this fund has available."""
    return funds.transfer(
        w,
        who,
        fund_id,
        body.to_fund,
        body.amount,
        received=body.received,
        eur_rate=body.eur_rate,
    )


@router.post("/funds/{fund_id}/cash", status_code=201, response_model=CashAnswer)
def fund_cash(w: WS, who: Finance, fund_id: RowId, body: CashBody) -> dict[str, Any]:
    """Take money out of the fund's bank into its cash box, to pay grants in cash, or put
    cash back into the bank (``to_bank``); never more than the account it leaves holds
    (finance)."""
    return move_cash(w, who, fund_id, body.amount, to_bank=body.to_bank, eur_rate=body.eur_rate)


@router.get("/funds/{fund_id}/ledger", response_model=LedgerPage)
def fund_ledger(
    w: WS, who: Finance, fund_id: RowId, limit: Page = 50, offset: Offset = 0
) -> dict[str, Any]:
    """The transactions touching the fund, newest first, with their postings (finance)."""
    return queues.fund_ledger(w, who, fund_id, limit=limit, offset=offset)


@router.get("/funds/{fund_id}/report", response_model=FundReport)
def fund_report(
    w: WS,
    who: Finance,
    fund_id: RowId,
    since: Annotated[date | None, Query(alias="from", description="First day")] = None,
    until: Annotated[
        date | None, Query(alias="to", description="Last day (and the balance sheet's)")
    ] = None,
) -> dict[str, Any]:
    """The fund's balance sheet at the end of ``to`` (default: now) and its income
    statement for ``from``-``to`` (finance)."""
    _period(since, until)
    return {
        "balance_sheet": reports.balance_sheet(w, who, fund_id, until=until),
        "income_statement": reports.income_statement(w, who, fund_id, since=since, until=until),
    }


#: The donor report's file formats, by the media type a client may ask for.
DONOR_FILES = {"text/csv": "csv", "application/pdf": "pdf"}


@router.get(
    "/funds/{fund_id}/donor-report",
    response_model=DonorReport,
    response_model_by_alias=True,
    responses={
        200: {
            "content": {"text/csv": {}, "application/pdf": {}},
            "description": "JSON, or a CSV or PDF file for the donor (by format or Accept)",
        }
    },
)
def donor_report(
    request: Request,
    w: WS,
    who: Finance,
    fund_id: RowId,
    since: Annotated[date, Query(alias="from", description="First day")],
    until: Annotated[date, Query(alias="to", description="Last day")],
    file_format: Annotated[
        Literal["json", "csv", "pdf"] | None,
        Query(alias="format", description="Default: by the Accept header, else json"),
    ] = None,
) -> Any:
    """What the fund paid for in the period: totals by purpose, month and oblast, people
    helped, no names; a cell of fewer than 5 people is suppressed (finance). As JSON, or
    as a CSV or PDF file for the donor in the reader's language (``?format=csv`` or
    ``Accept: text/csv``; ``pdf``, ``application/pdf``)."""
    _period(since, until)
    wanted = file_format or _accepted(request.headers.get("accept", ""))
    doc = reports.donor_report(w, who, fund_id, since, until)
    if wanted == "json":
        return doc
    language = current_language()
    if wanted == "csv":
        data, media = donor_report_csv(doc, language), "text/csv; charset=utf-8"
    else:
        data, media = donor_report_pdf(doc, language), "application/pdf"
    name = file_name(doc, wanted, language)
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _accepted(accept: str) -> str:
    """The donor file the Accept header asks for first (json unless it names one)."""
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in DONOR_FILES:
            return DONOR_FILES[media]
        if media in ("application/json", "application/problem+json"):
            return "json"
    return "json"


def _period(since: date | None, until: date | None) -> None:
    if since is not None and until is not None and until < since:
        raise RejectedInputError(_("The period ends before it starts."))


@router.post("/funds/{fund_id}/reconcile", response_model=ReconciliationAnswer)
@limited_upload(MAX_STATEMENT_BYTES)
def fund_reconcile(
    w: WS,
    who: Finance,
    fund_id: RowId,
    statement: Annotated[UploadFile, File(description="A camt.053 XML file, or a CSV")],
    mapping: Annotated[
        UploadFile | None,
        File(description="The CSV's column mapping (JSON, docs/relief-formats.md); none: camt.053"),
    ] = None,
) -> dict[str, Any]:
    """Match a bank statement's lines to the fund's payments (finance); a re-run matches
    nothing twice. A CSV statement comes with its mapping; without one, camt.053."""
    columns = None if mapping is None else read_mapping(_read(mapping, MAX_MAPPING_BYTES))
    parsed = read_statement(_read(statement, MAX_STATEMENT_BYTES), columns)
    return reconcile_fund(w, who, fund_id, parsed)


def _read(upload: UploadFile, limit: int) -> bytes:
    """An uploaded file's bytes, refused past ``limit`` (the upload's meter counted them
    already; this is the route's own word on it)."""
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise RejectedInputError(
            _("The file %(name)s is larger than %(n)s bytes.", name=repr(upload.filename), n=limit)
        )
    return data


# -- grants ----------------------------------------------------------------------------------------
@router.get("/grants", response_model=GrantPage, **EXACT)
def grant_list(
    w: WS,
    who: Reader,
    waiting: Annotated[
        Literal["me"] | None,
        Query(description="me: what waits for the caller now, oldest first (a queue)"),
    ] = None,
    fund: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    state: Annotated[
        Literal["requested", "approved", "released", "paid", "cancelled"] | None, Query()
    ] = None,
    limit: Page = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The grants the caller may see, newest first (a requester: those of the cases they
    may read); ``?waiting=me``: what waits for the caller's act now, by role."""
    if waiting == "me":
        return queues.grants_waiting_for(w, who)
    return queues.list_grants(w, who, fund=fund, state=state, limit=limit, offset=offset)


@router.post("/grants", status_code=201, response_model=GrantAnswer, **EXACT)
def grant_request(w: WS, who: Requester, body: GrantBody) -> dict[str, Any]:
    """Ask a fund for a grant for a case you may read (protection officers); the amount
    in the fund's currency."""
    made = grants.request_grant(
        w,
        who,
        check_id(body.case),
        fund=body.fund,
        amount=body.amount,
        purpose=body.purpose,
        currency_code=body.currency,
        eur_rate=body.eur_rate,
        justification=body.justification,
        oblast=body.oblast,
        people=body.people,
    )
    return _grant(w, who, made["id"])


@router.get("/grants/{relief_grant_id}", response_model=GrantAnswer, **EXACT)
def grant_show(w: WS, who: Reader, relief_grant_id: GrantId) -> dict[str, Any]:
    """A grant: amounts, state, tier, who did each act and check and when, and what the
    caller may do to it now; its justification for a caller who may read the case."""
    return _grant(w, who, relief_grant_id)


@router.post("/grants/{relief_grant_id}/vet", response_model=GrantAnswer, **EXACT)
def grant_vet(w: WS, who: Vetter, relief_grant_id: GrantId, body: VetBody) -> dict[str, Any]:
    """Record a vetting check, made by you. ``conflict``: you declare you have none;
    ``sanctions``: screens the case's person against the imported list (the candidates
    are in the answer), or with ``clear`` clears a blocking match, the reason as note."""
    _grant(w, who, relief_grant_id)  # a grant out of the caller's reach is "not found"
    if body.clear and body.check != "sanctions":
        raise RejectedInputError(_("Only a sanctions match is cleared (check: sanctions)."))
    if body.check == "sanctions" and not body.clear:
        screened = screen_grant(w, who, relief_grant_id)
        return {
            **_grant(w, who, relief_grant_id),
            "screening": screened["screening"],
            "candidates": screened["candidates"],
        }
    grants.vet(w, who, relief_grant_id, body.check, note=body.note)
    return _grant(w, who, relief_grant_id)


@router.post("/grants/{relief_grant_id}/approve", response_model=GrantAnswer, **EXACT)
def grant_approve(w: WS, who: Approver, relief_grant_id: GrantId) -> dict[str, Any]:
    """Approve a grant (never one you requested, released or paid); the last approval its
    tier needs commits the money. The cap per person and the fund's balance are checked."""
    grants.approve(w, who, relief_grant_id)
    return _grant(w, who, relief_grant_id)


@router.post("/grants/{relief_grant_id}/release", response_model=GrantAnswer, **EXACT)
def grant_release(w: WS, who: Finance, relief_grant_id: GrantId) -> dict[str, Any]:
    """Release an approved grant of the top tier for payment (finance, not an approver
    of it)."""
    grants.release(w, who, relief_grant_id)
    return _grant(w, who, relief_grant_id)


@router.post("/grants/{relief_grant_id}/pay", response_model=GrantAnswer, **EXACT)
def grant_pay(w: WS, who: Finance, relief_grant_id: GrantId, body: PayBody) -> dict[str, Any]:
    """Record a payment of a grant, all that is left or part of it (finance; never someone
    who requested or approved it); never above what is left, never beyond the bank."""
    grants.pay(
        w,
        who,
        relief_grant_id,
        amount=body.amount,
        method=body.method,
        reference=body.reference,
        paid_on=body.paid_on,
    )
    return _grant(w, who, relief_grant_id)


@router.post("/grants/{relief_grant_id}/refund", response_model=GrantAnswer, **EXACT)
def grant_refund(w: WS, who: Finance, relief_grant_id: GrantId, body: RefundBody) -> dict[str, Any]:
    """Record money of a grant given back to the fund (finance)."""
    grants.refund(w, who, relief_grant_id, body.amount, reference=body.reference)
    return _grant(w, who, relief_grant_id)


@router.post("/grants/{relief_grant_id}/cancel", response_model=GrantAnswer, **EXACT)
def grant_cancel(w: WS, who: Finance, relief_grant_id: GrantId) -> dict[str, Any]:
    """Cancel a grant not wholly paid: what is committed and unpaid goes back to the fund
    (finance)."""
    grants.cancel(w, who, relief_grant_id)
    return _grant(w, who, relief_grant_id)


# -- ledger ----------------------------------------------------------------------------------------
@router.get(
    "/ledger/beancount",
    response_class=FileResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "A Beancount ledger"}},
)
def ledger_beancount(w: WS, who: Finance) -> FileResponse:
    """The whole ledger in Beancount format, as bean-check accepts it (finance)."""
    handle, name = tempfile.mkstemp(prefix="relief-", suffix=".beancount")
    os.close(handle)
    path = Path(name)
    try:
        export_beancount(w, who, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(
        path,
        media_type="text/plain; charset=utf-8",
        filename="relief-ledger.beancount",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


@router.post(
    "/ledger/transactions/{transaction_id}/reverse",
    status_code=201,
    response_model=TransactionAnswer,
)
def ledger_reverse(w: WS, who: Finance, transaction_id: RowId) -> dict[str, Any]:
    """Correct a deposit or a transfer booked in error with a reversing transaction
    (finance); nothing is edited."""
    return funds.reverse(w, who, transaction_id)


# -- sanctions and partners ------------------------------------------------------------------------
@router.post("/sanctions", response_model=SanctionsImported)
@limited_upload(MAX_LIST_BYTES)
def sanctions_import(
    w: WS,
    who: Operator,
    file: Annotated[UploadFile, File(description="CSV: name, aliases, date_of_birth, id, source")],
) -> dict[str, Any]:
    """Replace the sanctions list grants are screened against (the operator); a
    malformed file changes nothing."""
    return import_sanctions_list(w, who, _read(file, MAX_LIST_BYTES))


@router.get(
    "/partners/hashes",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/x-ndjson": {
                    "schema": {
                        "type": "string",
                        "description": "JSON lines: a header, then one keyed hash a line "
                        "(docs/relief-formats.md)",
                    }
                }
            },
            "description": "The hash file",
        }
    },
)
def partners_export(w: WS, who: Lead) -> Response:
    """The keyed hashes of every person the fund helped, with their grants' purposes, to
    give partner funds (a protection lead; the coalition key from its key file)."""
    data = export_partner_hashes(w, who)
    return Response(
        data,
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="relief-partner-hashes.jsonl"'},
    )


@router.post("/partners/compare", response_model=PartnerComparison)
@limited_upload(MAX_HASH_FILE_BYTES)
def partners_compare(
    w: WS,
    who: Lead,
    file: Annotated[UploadFile, File(description="A partner fund's hash file")],
) -> dict[str, Any]:
    """A partner's hash file compared with the people the fund helped: our grants and
    their records that are the same person for the same need, without a name (a
    protection lead)."""
    return compare_partner_hashes(w, who, _read(file, MAX_HASH_FILE_BYTES))

"""The relief fund on the command line (``civwatch relief ...``): funds and deposits,
grants from request through vetting, approval, release and payment, the ledger's
Beancount export and the donor report. Acting with the caller's API token, through the
same services as the pages will."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import AsJson, DataDir, TokenFile, acting_principal, emit, out, workspace
from civwatch.errors import RejectedInputError
from civwatch.files import write_atomic
from civwatch.i18n import _

relief_app = typer.Typer(
    no_args_is_help=True,
    help="The relief fund: funds, grants with two-person approval, payments and the ledger.",
)
fund_app = typer.Typer(no_args_is_help=True, help="Funds: add one, deposit donations.")
grant_app = typer.Typer(
    no_args_is_help=True, help="Grants: request, vet, approve, release, pay, refund, cancel."
)
ledger_app = typer.Typer(no_args_is_help=True, help="The fund's double-entry ledger.")
relief_app.add_typer(fund_app, name="fund")
relief_app.add_typer(grant_app, name="grant")
relief_app.add_typer(ledger_app, name="ledger")
sanctions_app = typer.Typer(
    no_args_is_help=True, help="The sanctions list grants are screened against."
)
relief_app.add_typer(sanctions_app, name="sanctions")
partners_app = typer.Typer(
    no_args_is_help=True,
    help="Keyed hashes of the people helped, to find with partner funds a person helped "
    "twice without sharing who they are.",
)
relief_app.add_typer(partners_app, name="partners")

GrantId = Annotated[str, typer.Argument(help="The grant's id (rg_...).")]
FundRef = Annotated[str, typer.Argument(help="The fund's number or name.")]


def _grant_line(grant: dict[str, Any]) -> None:
    out.print(
        _(
            "Grant %(id)s: %(amount)s %(currency)s for %(purpose)s, %(state)s (paid %(paid)s).",
            id=grant["id"],
            amount=grant["amount"],
            currency=grant["currency"],
            purpose=grant["purpose"],
            state=grant["state"],
            paid=grant["paid"],
        )
    )


def _show(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(doc)
    else:
        _grant_line(doc)


@fund_app.command("add")
def fund_add(
    name: Annotated[str, typer.Argument(help="The fund's name.")],
    currency: Annotated[str, typer.Option(help="Its ISO 4217 currency, e.g. EUR or UAH.")],
    donor: Annotated[str | None, typer.Option(help="Who gave it.")] = None,
    purpose: Annotated[
        list[str] | None, typer.Option(help="A purpose it may pay for (repeat; default: any).")
    ] = None,
    region: Annotated[
        list[str] | None, typer.Option(help="An oblast it may pay for (repeat; default: any).")
    ] = None,
    starts: Annotated[str | None, typer.Option(help="First day it pays (YYYY-MM-DD).")] = None,
    ends: Annotated[str | None, typer.Option(help="Last day it pays (YYYY-MM-DD).")] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Add a fund (finance)."""
    from civwatch.relief.funds import FundInput, add_fund

    data = FundInput(
        name=name,
        currency=currency,
        donor=donor,
        purposes=purpose or None,
        regions=region or None,
        starts_on=_day(starts),
        ends_on=_day(ends),
    )
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_FINANCE, token_file)
        fund = add_fund(ws, actor, data)
    if as_json:
        emit(fund)
        return
    out.print(
        _(
            "Fund %(id)s added: %(name)s, in %(currency)s.",
            id=fund["id"],
            name=escape(fund["name"]),
            currency=fund["currency"],
        )
    )


@fund_app.command("deposit")
def fund_deposit(
    fund: FundRef,
    amount: Annotated[str, typer.Argument(help="The amount, e.g. 1500.00.")],
    eur_rate: Annotated[
        str | None, typer.Option(help="Euros per unit of the fund's currency, as converted.")
    ] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Record a donation received into the fund's bank account (finance)."""
    from civwatch.relief.funds import deposit

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_FINANCE, token_file)
        doc = deposit(ws, actor, fund, amount, eur_rate=eur_rate)
    if as_json:
        emit(doc)
        return
    out.print(
        _(
            "Deposited; fund %(id)s has %(available)s %(currency)s available.",
            id=doc["id"],
            available=doc["available"],
            currency=doc["currency"],
        )
    )


@fund_app.command("show")
def fund_show(
    fund: FundRef,
    since: Annotated[
        str | None, typer.Option("--from", help="First day of the income statement.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", help="Last day (and the balance sheet's day).")
    ] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """A fund's balance sheet and income statement for a period (finance)."""
    from civwatch.relief.reports import balance_sheet, income_statement

    first, last = _day(since), _day(until)
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_FINANCE, token_file)
        sheet = _plain(balance_sheet(ws, actor, fund, until=last))
        income = _plain(income_statement(ws, actor, fund, since=first, until=last))
    if as_json:
        emit({"balance_sheet": sheet, "income_statement": income})
        return
    code = sheet["currency"]
    out.print(
        _(
            "Assets %(assets)s, liabilities %(liabilities)s, available %(available)s %(currency)s.",
            assets=sheet["assets"],
            liabilities=sheet["liabilities"],
            available=sheet["available"],
            currency=code,
        )
    )
    out.print(
        _(
            "Donations %(donations)s, expenses %(expenses)s %(currency)s in the period.",
            donations=income["donations"],
            expenses=income["total_expenses"],
            currency=code,
        )
    )
    for purpose, amount in income["expenses"].items():
        out.print(f"  {purpose}: {amount}")


@fund_app.command("transfer")
def fund_transfer(
    source: Annotated[str, typer.Argument(help="The fund the money leaves.")],
    target: Annotated[str, typer.Argument(help="The fund it goes to.")],
    amount: Annotated[str, typer.Argument(help="The amount sent, in the first fund's currency.")],
    received: Annotated[
        str | None, typer.Option(help="What arrived, in the second fund's currency if other.")
    ] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Move money between two funds' bank accounts (finance)."""
    from civwatch.relief.funds import transfer

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_FINANCE, token_file)
        doc = transfer(ws, actor, source, target, amount, received=received)
    if as_json:
        emit(doc)
        return
    out.print(_("Transferred (transaction %(id)s).", id=doc["transaction"]))


@grant_app.command("request")
def grant_request(
    case_id: Annotated[str, typer.Argument(help="The protection case (case_...).")],
    fund: Annotated[str, typer.Option(help="The fund's number or name.")],
    amount: Annotated[str, typer.Option(help="The amount, e.g. 800.00.")],
    purpose: Annotated[
        str,
        typer.Option(
            help="transport, accommodation, documents_visas, medical, subsistence or "
            "security_equipment."
        ),
    ],
    currency: Annotated[str | None, typer.Option(help="Default: the fund's.")] = None,
    eur_rate: Annotated[
        str | None, typer.Option(help="Euros per unit of the currency (not for EUR).")
    ] = None,
    justification: Annotated[
        str | None, typer.Option(help="Why (kept encrypted with the person's key).")
    ] = None,
    oblast: Annotated[str | None, typer.Option(help="The oblast it is for.")] = None,
    people: Annotated[int, typer.Option(help="People it helps (the person and dependants).")] = 1,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Ask the fund for a grant for a case you work on (protection officers)."""
    from civwatch.relief.grants import request_grant

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_REQUEST, token_file)
        doc = request_grant(
            ws,
            actor,
            case_id,
            fund=fund,
            amount=amount,
            purpose=purpose,
            currency_code=currency,
            eur_rate=eur_rate,
            justification=justification,
            oblast=oblast,
            people=people,
        )
    _show(doc, as_json)


@grant_app.command("vet")
def grant_vet(
    grant_id: GrantId,
    check: Annotated[str, typer.Option(help="identity, risk, duplicates, sanctions or conflict.")],
    note: Annotated[
        str | None, typer.Option(help="A note; the reason that clears a sanctions match.")
    ] = None,
    clear: Annotated[
        bool,
        typer.Option(
            "--clear", help="Sanctions: clear a blocking match, with the reason in --note."
        ),
    ] = False,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Record a vetting check, made by you (conflict: you declare you have none;
    sanctions: screens the case's person against the imported list)."""
    from civwatch.relief.grants import vet
    from civwatch.relief.screening import screen_grant

    if clear and check != "sanctions":
        raise RejectedInputError(_("Only a sanctions match is cleared (--check sanctions)."))
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_VET, token_file)
        if check == "sanctions" and not clear:
            doc = screen_grant(ws, actor, grant_id)
        else:
            if check == "sanctions" and not (note and note.strip()):
                raise RejectedInputError(
                    _("A sanctions match is cleared only with a reason (--note).")
                )
            doc = vet(ws, actor, grant_id, check, note=note)
    if as_json:
        emit(doc)
        return
    _grant_line(doc)
    if "candidates" in doc:
        _candidates(doc)


def _candidates(doc: dict[str, Any]) -> None:
    from civwatch.i18n import gettext
    from civwatch.relief.sanctions import REASONS

    if not doc["candidates"]:
        out.print(_("Screened: no one on the sanctions list is like this person."))
        return
    out.print(
        _(
            "Blocked: %(n)s entries of the sanctions list may be this person. Clear it only "
            "with a reason (--clear --note).",
            n=len(doc["candidates"]),
        )
    )
    for c in doc["candidates"]:
        out.print(
            _(
                "  %(entry)s (%(source)s): %(name)s, score %(score)s. %(reasons)s",
                entry=escape(c["entry"]),
                source=escape(c["source"] or "-"),
                name=escape(c["matched_name"]),
                score=f"{c['score']:.2f}",
                reasons=" ".join(gettext(REASONS[r]) for r in c["reasons"] if r in REASONS),
            )
        )


@grant_app.command("approve")
def grant_approve(
    grant_id: GrantId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Approve a grant (approvers; never one you requested, released or paid)."""
    from civwatch.relief.grants import approve

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_APPROVE, token_file)
        doc = approve(ws, actor, grant_id)
    _show(doc, as_json)


@grant_app.command("release")
def grant_release(
    grant_id: GrantId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Release an approved grant of the top tier for payment (finance)."""
    from civwatch.relief.grants import release

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_FINANCE, token_file)
        doc = release(ws, actor, grant_id)
    _show(doc, as_json)


@grant_app.command("pay")
def grant_pay(
    grant_id: GrantId,
    amount: Annotated[
        str | None, typer.Option(help="Part of it (default: all that is left).")
    ] = None,
    method: Annotated[
        str, typer.Option(help="bank_transfer, cash, mobile_money or voucher.")
    ] = "bank_transfer",
    reference: Annotated[str | None, typer.Option(help="The payment's reference.")] = None,
    paid_on: Annotated[str | None, typer.Option(help="The day it was paid (YYYY-MM-DD).")] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Record a payment of a grant (finance; never someone who requested or approved it)."""
    from civwatch.relief.grants import pay

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_FINANCE, token_file)
        doc = pay(
            ws,
            actor,
            grant_id,
            amount=amount,
            method=method,
            reference=reference,
            paid_on=_day(paid_on),
        )
    _show(doc, as_json)


@grant_app.command("refund")
def grant_refund(
    grant_id: GrantId,
    amount: Annotated[str, typer.Argument(help="The amount given back.")],
    reference: Annotated[str | None, typer.Option(help="The refund's reference.")] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Record money of a grant given back to the fund (finance)."""
    from civwatch.relief.grants import refund

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_FINANCE, token_file)
        doc = refund(ws, actor, grant_id, amount, reference=reference)
    _show(doc, as_json)


@grant_app.command("cancel")
def grant_cancel(
    grant_id: GrantId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Cancel a grant not wholly paid: what is unpaid goes back to the fund (finance)."""
    from civwatch.relief.grants import cancel

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_FINANCE, token_file)
        doc = cancel(ws, actor, grant_id)
    _show(doc, as_json)


@ledger_app.command("export")
def ledger_export(
    out_file: Annotated[Path, typer.Option("--out", help="The file to write.")],
    fmt: Annotated[str, typer.Option("--format", help="beancount.")] = "beancount",
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Export the whole ledger (finance), in a format bean-check accepts."""
    from civwatch.relief.beancount_export import export_beancount

    if fmt != "beancount":
        raise RejectedInputError(_("The ledger is exported as beancount only."))
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_FINANCE, token_file)
        count = export_beancount(ws, actor, out_file)
    if as_json:
        emit({"out": str(out_file), "transactions": count})
        return
    out.print(
        _("%(count)s transactions written to %(path)s.", count=count, path=escape(str(out_file)))
    )


@ledger_app.command("reverse")
def ledger_reverse(
    transaction: Annotated[int, typer.Argument(help="The deposit's or transfer's number.")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Correct a deposit or transfer booked in error with a reversing transaction (finance)."""
    from civwatch.relief.funds import reverse

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_FINANCE, token_file)
        doc = reverse(ws, actor, transaction)
    if as_json:
        emit(doc)
        return
    out.print(
        _(
            "Transaction %(old)s reversed by transaction %(new)s.",
            old=doc["reverses"],
            new=doc["transaction"],
        )
    )


@relief_app.command("report")
def relief_report(
    fund: FundRef,
    since: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    until: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="json, csv or pdf (default: lines on the terminal)."),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="The file to write (csv and pdf; default: standard output)."),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Language of the csv or pdf file (uk, en); default: yours."),
    ] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """The donor report of a fund for a period: totals by purpose, month and oblast, people
    helped, no names; a cell of fewer than 5 people is suppressed."""
    from civwatch.i18n import available_languages, current_language
    from civwatch.relief.donor_files import donor_report_csv, donor_report_pdf
    from civwatch.relief.reports import donor_report

    if fmt not in (None, "json", "csv", "pdf"):
        raise RejectedInputError(_("The donor report is written as json, csv or pdf."))
    language = lang or current_language()
    if language not in available_languages():
        raise RejectedInputError(
            _("--lang must be one of %(languages)s.", languages=", ".join(available_languages()))
        )
    first, last = _day(since), _day(until)
    assert first is not None and last is not None
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_FINANCE, token_file)
        doc = donor_report(ws, actor, fund, first, last)
    if fmt in ("csv", "pdf"):
        data = donor_report_csv(doc, language) if fmt == "csv" else donor_report_pdf(doc, language)
        if out_file is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        write_atomic(out_file, data)
        if as_json:
            emit({"out": str(out_file), "format": fmt, "bytes": len(data)})
        else:
            out.print(_("Donor report written to %(path)s.", path=escape(str(out_file))))
        return
    plain = _plain(doc)
    if as_json or fmt == "json":
        if out_file is not None:
            write_atomic(out_file, (json.dumps(plain, ensure_ascii=False) + "\n").encode())
        else:
            emit(plain)
        return
    _report_lines(plain)


def _report_lines(plain: dict[str, Any]) -> None:
    from civwatch.i18n import current_language, gettext
    from civwatch.relief.donor_files import DIMENSIONS, TABLE_TITLES, row_label, suppressed_word

    hidden = suppressed_word()
    out.print(
        _(
            "People helped: %(people)s; total paid: %(total)s %(currency)s.",
            people=plain["people_helped"] or hidden,
            total=plain["total"] or hidden,
            currency=plain["currency"],
        )
    )
    for dimension in DIMENSIONS:
        out.print(gettext(TABLE_TITLES[dimension]))
        for key, cell in plain[dimension].items():
            shown = hidden if cell["suppressed"] else f"{cell['amount']} ({cell['people']})"
            label = row_label(dimension, key, current_language())
            out.print(f"  {escape(label)}: {shown}")


def _plain(doc: Any) -> Any:
    """``doc`` with Decimals as strings (JSON)."""
    from decimal import Decimal

    if isinstance(doc, Decimal):
        return str(doc)
    if isinstance(doc, dict):
        return {k: _plain(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_plain(v) for v in doc]
    return doc


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RejectedInputError(
            _("%(value)s is not a day (YYYY-MM-DD).", value=repr(value))
        ) from None


@sanctions_app.command("import")
def sanctions_import(
    file: Annotated[
        Path, typer.Argument(help="The list: CSV with name, aliases, date_of_birth, id, source.")
    ],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Replace the sanctions list grants are screened against (the operator)."""
    from civwatch.relief.screening import MAX_LIST_BYTES, import_sanctions_list

    data = _read_limited(file, MAX_LIST_BYTES)
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.REFERENCE_MANAGE, token_file)
        doc = import_sanctions_list(ws, actor, data)
    if as_json:
        emit(doc)
        return
    out.print(_("Sanctions list imported: %(n)s entries.", n=doc["entries"]))


def _read_limited(file: Path, limit: int) -> bytes:
    try:
        with file.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise RejectedInputError(_("Cannot read %(file)s.", file=str(file))) from err
    if len(data) > limit:
        raise RejectedInputError(_("%(file)s is larger than %(n)s bytes.", file=str(file), n=limit))
    return data


@relief_app.command("reconcile")
def relief_reconcile(
    fund: FundRef,
    file: Annotated[Path, typer.Argument(help="The bank statement: camt.053 XML or CSV.")],
    camt: Annotated[bool, typer.Option("--camt", help="The statement is camt.053 XML.")] = False,
    mapping: Annotated[
        Path | None,
        typer.Option(help="The CSV statement's column mapping (JSON, docs/relief-formats.md)."),
    ] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Match a bank statement's lines to the fund's payments (finance); a re-run matches
    nothing twice."""
    from civwatch.relief.reconciliation import (
        MAX_MAPPING_BYTES,
        read_mapping,
        read_statement,
        reconcile_fund,
    )
    from civwatch.relief.statements import MAX_STATEMENT_BYTES

    if camt == (mapping is not None):
        raise RejectedInputError(
            _("Say how to read the statement: --camt for camt.053, or --mapping for a CSV.")
        )
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.RELIEF_FINANCE, token_file)
        columns = (
            None if mapping is None else read_mapping(_read_limited(mapping, MAX_MAPPING_BYTES))
        )
        statement = read_statement(_read_limited(file, MAX_STATEMENT_BYTES), columns)
        doc = reconcile_fund(ws, actor, fund, statement)
    if as_json:
        emit(doc)
        return
    _reconciliation(doc)


def _reconciliation(doc: dict[str, Any]) -> None:
    from civwatch.i18n import gettext
    from civwatch.relief.statements import REASONS

    def why(code: str) -> str:
        return gettext(REASONS[code]) if code in REASONS else code

    out.print(
        _(
            "Matched %(matched)s lines now, %(before)s before; %(lines)s lines and "
            "%(payments)s payments are left.",
            matched=len(doc["matched"]),
            before=len(doc["matched_before"]),
            lines=len(doc["unmatched_lines"]),
            payments=len(doc["unmatched_payments"]),
        )
    )
    for m in doc["matched"]:
        out.print(
            _(
                "  line %(line)s = payment %(payment)s of grant %(grant)s "
                "(%(amount)s %(currency)s)",
                line=m["line"],
                payment=m["payment"],
                grant=m["grant"],
                amount=m["amount"],
                currency=m["currency"],
            )
        )
    for u in doc["unmatched_lines"]:
        out.print(
            _(
                "  line %(line)s, %(day)s, %(amount)s %(currency)s: %(reason)s",
                line=u["line"],
                day=u["booked_on"],
                amount=u["amount"],
                currency=u["currency"],
                reason=why(u["reason"]),
            )
        )
    for p in doc["unmatched_payments"]:
        out.print(
            _(
                "  payment %(payment)s of grant %(grant)s, %(day)s, %(amount)s %(currency)s: "
                "%(reason)s",
                payment=p["payment"],
                grant=p["grant"],
                day=p["paid_on"],
                amount=p["amount"],
                currency=p["currency"],
                reason=why(p["reason"]),
            )
        )


@partners_app.command("export")
def partners_export(
    out_file: Annotated[Path, typer.Option("--out", help="The hash file to write.")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Write the keyed hashes of every person the fund helped, with their grants'
    purposes (a protection lead; the coalition key from its key file)."""
    from civwatch.relief.partners import export_partner_hashes

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_LEAD, token_file)
        data = export_partner_hashes(ws, actor)
    write_atomic(out_file, data)
    hashes = data.count(b"\n") - 1
    if as_json:
        emit({"out": str(out_file), "hashes": hashes})
        return
    out.print(_("%(n)s hashes written to %(file)s.", n=hashes, file=escape(str(out_file))))


@partners_app.command("compare")
def partners_compare(
    file: Annotated[Path, typer.Argument(help="A partner fund's hash file.")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Compare a partner's hash file with the people the fund helped: our grants and
    their records that are the same person for the same need (a protection lead)."""
    from civwatch.relief.partner_hashes import MAX_FILE_BYTES
    from civwatch.relief.partners import compare_partner_hashes

    data = _read_limited(file, MAX_FILE_BYTES)
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_LEAD, token_file)
        doc = compare_partner_hashes(ws, actor, data)
    if as_json:
        emit(doc)
        return
    out.print(_("%(n)s of our grants are in the partner's file.", n=len(doc["matches"])))
    for m in doc["matches"]:
        out.print(
            _(
                "  grant %(grant)s = their %(record)s, for %(purpose)s (%(facets)s)",
                grant=m["grant"],
                record=escape(m["their_record"]),
                purpose=m["purpose"],
                facets=", ".join(m["facets"]),
            )
        )

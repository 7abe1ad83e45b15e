"""Reconciling a fund's bank statement with its payments: a camt.053 and a CSV under a
mapping, lines matched by reference and by amount and date, what is left listed with a
reason on both sides, a re-run matching nothing twice, a malformed file or mapping refused
with nothing recorded, and finance alone reconciling."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from civwatch.cli import app
from civwatch.errors import PermissionDeniedError, RejectedInputError
from civwatch.relief import grants
from civwatch.relief.models import ReliefStatementMatch
from civwatch.relief.reconciliation import read_mapping, read_statement, reconcile_fund
from tests.relief.conftest import Fund, vetted
from tests.relief.test_cli import _env
from tests.relief.test_statements import camt


def _paid(f: Fund, amount: str, purpose: str, reference: str, day: date) -> str:
    g = vetted(f, amount, purpose=purpose)
    grants.approve(f.ws, f.who("appr1"), g)
    grants.pay(f.ws, f.who("fin1"), g, reference=reference, paid_on=day)
    return g


def _entry(amount: str, day: str, reference: str = "", party: str = "") -> str:
    refs = f"<Refs><EndToEndId>{reference}</EndToEndId></Refs>" if reference else ""
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>'
        f"<BookgDt><Dt>{day}</Dt></BookgDt><NtryDtls><TxDtls>{refs}"
        f"<RltdPties><Cdtr><Nm>{party}</Nm></Cdtr></RltdPties></TxDtls></NtryDtls></Ntry>"
    )


def test_a_camt053_statement_reconciled_and_a_rerun_matches_nothing_twice(relief: Fund) -> None:
    f = relief
    by_ref = _paid(f, "400.00", "transport", "CW-G-0001", date(2026, 12, 1))
    by_amount = _paid(f, "250.00", "medical", "", date(2026, 12, 2))
    unpaid_in_bank = _paid(f, "99.00", "subsistence", "CW-G-0003", date(2026, 12, 2))
    xml = camt(
        "08",
        _entry("400.00", "2026-12-02", "CW-G-0001", "MARKERPAYEE-Коваль")
        + _entry("250.00", "2026-12-03")
        + _entry("77.00", "2026-12-03"),
    )
    statement = read_statement(xml, None)
    doc = reconcile_fund(f.ws, f.who("fin2"), f.fund, statement)
    matched = {(m["line"], m["grant"], m["matched_by"]) for m in doc["matched"]}
    assert matched == {(1, by_ref, "reference"), (2, by_amount, "amount-and-date")}
    ((line,),) = [[u["line"] for u in doc["unmatched_lines"]]]
    assert line == 3 and doc["unmatched_lines"][0]["reason"] == "no-counterpart"
    (left,) = doc["unmatched_payments"]
    assert left["grant"] == unpaid_in_bank and left["reason"] == "no-counterpart"
    assert "MARKERPAYEE" not in json.dumps(doc, ensure_ascii=False)
    again = reconcile_fund(f.ws, f.who("fin1"), str(f.fund), statement)
    assert again["matched"] == []
    assert sorted(m["line"] for m in again["matched_before"]) == [1, 2]
    assert [u["grant"] for u in again["unmatched_payments"]] == [unpaid_in_bank]
    with f.ws.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ReliefStatementMatch)) == 2
    # A later statement with a second transfer under the first payment's reference.
    later = read_statement(camt("08", _entry("400.00", "2026-12-09", "CW-G-0001")), None)
    twice = reconcile_fund(f.ws, f.who("fin1"), f.fund, later)
    (flagged,) = twice["unmatched_lines"]
    assert flagged["reason"] == "duplicate-reference"
    assert flagged["payment"] == next(m["payment"] for m in doc["matched"] if m["grant"] == by_ref)


def test_only_finance_reconciles(relief: Fund) -> None:
    statement = read_statement(camt("08", _entry("1.00", "2026-12-02")), None)
    for who in ("appr1", "officer1"):
        with pytest.raises(PermissionDeniedError):
            reconcile_fund(relief.ws, relief.who(who), relief.fund, statement)


@pytest.mark.parametrize(
    "mapping",
    [
        b"[]",
        b"{not json",
        b'{"date": "Date"}',
        b'{"date": "Date", "amount": "A", "default_currency": "EUR", "colour": "red"}',
        b'{"date": 3, "amount": "A", "default_currency": "EUR"}',
        b'{"date": "D", "amount": "A", "default_currency": "EUR", "debit_marks": "D"}',
    ],
)
def test_a_malformed_mapping_is_refused(mapping: bytes) -> None:
    with pytest.raises(RejectedInputError):
        read_mapping(mapping)


def test_a_csv_statement_on_the_command_line(
    relief: Fund, cli_env: dict[str, str], tmp_path: Path
) -> None:
    f = relief
    g = _paid(f, "234.56", "transport", "CW-G-0009", date(2026, 12, 1))
    statement = tmp_path / "statement.csv"
    statement.write_bytes(
        "Виписка по рахунку UA21\n"
        "Дата операції;Дебет;Кредит;Валюта;Призначення платежу;Контрагент\n"
        '01.12.2026 10:15;"234,56";;978;Грант CW-G-0009 транспорт;Іваненко О.\n'
        "02.12.2026;;500,00;978;Внесок;Донор\n".encode("cp1251")
    )
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "date": "Дата операції",
                "debit": "Дебет",
                "credit": "Кредит",
                "currency": "Валюта",
                "reference": "Призначення платежу",
                "counterparty": "Контрагент",
                "date_format": "%d.%m.%Y",
                "decimal_separator": ",",
            }
        ),
        "utf-8",
    )
    runner = CliRunner()
    args = ["relief", "reconcile", str(f.fund), str(statement), "--mapping", str(mapping)]
    result = runner.invoke(app, [*args, "--json"], env=_env(f, cli_env, "fin1"))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [(m["grant"], m["matched_by"]) for m in doc["matched"]] == [(g, "reference")]
    assert [u["line"] for u in doc["unmatched_lines"]] == [4]
    assert "Іваненко" not in result.output
    shown = runner.invoke(app, args, env=_env(f, cli_env, "fin1"))
    assert shown.exit_code == 0 and "1 before" in shown.output, shown.output
    neither = runner.invoke(app, args[:4], env=_env(f, cli_env, "fin1"))
    assert neither.exit_code != 0
    statement.write_bytes(b"\x00\x01garbage")
    bad = runner.invoke(app, args, env=_env(f, cli_env, "fin1"))
    assert bad.exit_code != 0

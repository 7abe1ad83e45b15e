"""A grant on the command line, from a fund's deposit through request, vetting, two
approvals, release and payment to the Beancount export and the donor report; refusals
are one clear line and a non-zero exit, in Ukrainian when asked."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from civwatch.cli import app
from tests.conftest import run_cli
from tests.protection.conftest import PASSPHRASE
from tests.relief.conftest import Fund
from tests.support.tokens import token_of


def _env(f: Fund, cli_env: dict[str, str], user: str) -> dict[str, str]:
    return {
        **cli_env,
        "CIVWATCH_PROTECTION_PASSPHRASE": PASSPHRASE,
        "CIVWATCH_PROTECTION_KDF_MEMORY_KIB": "1024",
        "CIVWATCH_PROTECTION_KDF_TIME_COST": "1",
        "CIVWATCH_TOKEN": token_of(f.ws, user),
    }


def test_a_grant_on_the_command_line(relief: Fund, cli_env: dict[str, str], tmp_path: Path) -> None:
    f = relief
    runner = CliRunner()

    def run(user: str, *args: str, ok: bool = True) -> str:
        result = runner.invoke(app, list(args), env=_env(f, cli_env, user))
        assert (result.exit_code == 0) == ok, (args, result.output, result.exception)
        return result.output if ok else str(result.exception)

    fund = json.loads(
        run("fin1", "relief", "fund", "add", "Cli fund", "--currency", "EUR", "--json")
    )
    run("fin1", "relief", "fund", "deposit", str(fund["id"]), "7000.00")
    grant = json.loads(
        run(
            "officer1",
            "relief",
            "grant",
            "request",
            f.case_id,
            "--fund",
            "Cli fund",
            "--amount",
            "5500.00",
            "--purpose",
            "accommodation",
            "--oblast",
            "Kharkivska",
            "--justification",
            "MARKERNOTE-why",
            "--json",
        )
    )
    gid = grant["id"]
    assert grant["approvals_needed"] == 2 and grant["release_needed"] is True
    sanctions = tmp_path / "sanctions.csv"
    sanctions.write_text("id,name,date_of_birth\nUN-9,Ivan Drahomanov,1961\n", "utf-8")
    assert "1" in run("admin", "relief", "sanctions", "import", str(sanctions))
    for check in ("identity", "risk", "duplicates", "sanctions"):
        run("officer1", "relief", "grant", "vet", gid, "--check", check)
    refused = run("appr1", "relief", "grant", "approve", gid, ok=False)
    assert "conflict" in refused
    for name in ("appr1", "appr2"):
        run(name, "relief", "grant", "vet", gid, "--check", "conflict")
        run(name, "relief", "grant", "approve", gid)
    run("fin1", "relief", "grant", "release", gid)
    uk = run_cli(_env(f, cli_env, "fin1"), "--lang", "uk", "relief", "grant", "pay", gid)
    assert uk.returncode == 1 and "Розподіл обов" in uk.stderr, uk.stderr
    paid = json.loads(
        run("fin2", "relief", "grant", "pay", gid, "--reference", "SEPA-77", "--json")
    )
    assert paid["state"] == "paid"
    ledger_file = tmp_path / "ledger.beancount"
    run("fin1", "relief", "ledger", "export", "--format", "beancount", "--out", str(ledger_file))
    assert "MARKERNOTE" not in ledger_file.read_text()
    report = json.loads(
        run(
            "fin1",
            "relief",
            "report",
            "Cli fund",
            "--from",
            "2000-01-01",
            "--to",
            "2100-01-01",
            "--json",
        )
    )
    # One person: every cell describes fewer than 5 people, so every cell is suppressed.
    assert report["people_helped"] is None and report["total"] is None
    for dimension in ("purpose", "month", "oblast"):
        assert all(cell["suppressed"] for cell in report[dimension].values())
        assert report[dimension]
    assert "MARKER" not in json.dumps(report)
    # The same report as files for the donor: CSV in English, PDF in Ukrainian.
    period = ("--from", "2000-01-01", "--to", "2100-01-01")
    csv_file, pdf_file = tmp_path / "donor.csv", tmp_path / "donor.pdf"
    run("fin1", "relief", "report", "Cli fund", *period, "--format", "csv", "--out", str(csv_file))
    text = csv_file.read_text("utf-8-sig")
    assert "suppressed" in text and "MARKER" not in text and "5500" not in text
    run(
        "fin1", "relief", "report", "Cli fund", *period, "--format", "pdf", "--lang", "uk",
        "--out", str(pdf_file),
    )  # fmt: skip
    assert pdf_file.read_bytes().startswith(b"%PDF-")
    refused = run("fin1", "relief", "report", "Cli fund", *period, "--format", "xls", ok=False)
    assert "json, csv or pdf" in refused
    books = json.loads(run("fin1", "relief", "fund", "show", "Cli fund", "--json"))
    assert books["balance_sheet"]["assets"] == "1500.00"
    assert books["income_statement"]["expenses"]["accommodation"] == "5500.00"
    other = json.loads(
        run("fin1", "relief", "fund", "add", "Cli other", "--currency", "EUR", "--json")
    )
    moved = json.loads(
        run("fin1", "relief", "fund", "transfer", "Cli fund", "Cli other", "100.00", "--json")
    )
    run("fin2", "relief", "ledger", "reverse", str(moved["transaction"]))
    again = run("fin2", "relief", "ledger", "reverse", str(moved["transaction"]), ok=False)
    assert "reversed already" in again
    assert other["id"]
    # Each command that moved money left the relief log with a signed head, kept outside
    # the database too.
    heads = (f.ws.data_dir / "custody" / "relief-heads.jsonl").read_text().splitlines()
    sizes = [json.loads(line)["tree_size"] for line in heads]
    assert sizes == sorted(sizes) and sizes[-1] == 7

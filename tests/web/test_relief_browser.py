"""The relief fund in a real browser, the issue's "done when": an officer asks for a
6,000 EUR grant from the case page and vets it, two approvers each declare no conflict
and approve, one finance person releases it and another pays it, the bank's CSV
statement is uploaded and its line reconciled with the payment, and the donor report is
opened; then the same pages in Ukrainian. Each person in their own browser context.
Screenshots are saved for a person to look at (see test_browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyotp
import pytest

from civwatch.config import Settings
from civwatch.workspace import Workspace
from tests.support.browser import CHROMIUM
from tests.support.live import live_server, screenshot_dir
from tests.web.conftest import PASSWORD
from tests.web.desk import cheap_kdf, desk_server_env
from tests.web.relief_desk import MAPPING, ReliefDesk, make_relief_desk, statement_csv

pytest.importorskip("playwright.sync_api", reason="needs playwright (dev dependency)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium"),
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return cheap_kdf(settings)


@pytest.fixture
def relief(workspace: Workspace) -> ReliefDesk:
    return make_relief_desk(workspace)


@pytest.fixture
def server(relief: ReliefDesk, cli_env: dict[str, str]) -> Iterator[str]:
    with live_server(desk_server_env(cli_env)) as url:
        yield url


def _signed_in(chromium: Any, server: str, relief: ReliefDesk, name: str, path: str) -> Any:
    """A page of ``name``'s own browser context, signed in and at ``path``."""
    page = chromium.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.goto(server + path)
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(relief.totp[name]).now())
    page.get_by_role("button", name="Sign in").click()
    return page


def test_a_grant_from_request_to_a_reconciled_line_and_a_donor_report(
    chromium: Any, server: str, relief: ReliefDesk, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    shots = screenshot_dir(tmp_path)
    today = date.today().isoformat()

    officer = _signed_in(
        chromium, server, relief, "officer1", f"/protection/cases/{relief.desk.case_id}"
    )
    officer.get_by_role("link", name="Request a relief grant for this case").click()
    expect(officer.get_by_label("Protection case")).to_have_value(relief.desk.case_id)
    officer.get_by_label("Amount, in the fund's currency").fill("6000.00")
    officer.get_by_label("Purpose").select_option("transport")
    officer.get_by_label("People helped (the person and dependants)").fill("3")
    officer.get_by_label("Oblast").fill("Kharkivska")
    officer.get_by_label("Justification").fill("Bus to the border and two nights in Uzhhorod")
    officer.screenshot(path=shots / "relief-request-en.png", full_page=True)
    officer.get_by_role("button", name="Request the grant").click()
    expect(officer.get_by_role("status")).to_contain_text("The grant is requested.")
    grant_url = officer.url.split("?")[0]
    for check in ("identity", "risk", "duplicates"):
        officer.get_by_label("Check", exact=True).select_option(check)
        officer.get_by_role("button", name="Record the check").click()
        expect(officer.get_by_role("status")).to_contain_text("The check is recorded.")
    officer.get_by_role("button", name="Screen against the sanctions list").click()
    expect(officer.get_by_role("status")).to_contain_text("The check is recorded.")
    officer.screenshot(path=shots / "relief-grant-vetted-en.png", full_page=True)

    for name in ("appr1", "appr2"):
        approver = _signed_in(chromium, server, relief, name, "/relief")
        expect(approver.get_by_role("heading", name="Relief fund: waiting for me")).to_be_visible()
        if name == "appr1":
            approver.screenshot(path=shots / "relief-queue-approver-en.png", full_page=True)
        approver.locator(f'a[href="{grant_url.removeprefix(server)}"]').first.click()
        approver.get_by_label("Check", exact=True).select_option("conflict")
        approver.get_by_role("button", name="Record the check").click()
        expect(approver.get_by_role("status")).to_contain_text("The check is recorded.")
        approver.get_by_role("button", name="Approve this grant").click()
        expect(approver.get_by_role("status")).to_contain_text("Your approval is recorded.")
        approver.context.close()

    fin1 = _signed_in(chromium, server, relief, "fin1", "/relief")
    expect(fin1.get_by_text("a finance release").first).to_be_visible()
    fin1.screenshot(path=shots / "relief-queue-finance-en.png", full_page=True)
    fin1.goto(grant_url)
    fin1.get_by_role("button", name="Release for payment").click()
    expect(fin1.get_by_role("status")).to_contain_text("The grant is released for payment.")

    fin2 = _signed_in(chromium, server, relief, "fin2", "/relief")
    fin2.locator(f'a[href="{grant_url.removeprefix(server)}"]').first.click()
    fin2.get_by_label("Reference").fill("PAY-77")
    fin2.get_by_role("button", name="Record the payment").click()
    expect(fin2.get_by_role("status")).to_contain_text("The payment is recorded.")
    expect(fin2.locator(".state")).to_have_text("paid")
    fin2.screenshot(path=shots / "relief-grant-paid-en.png", full_page=True)
    fin2.context.close()

    fin1.goto(f"{server}/relief/funds/{relief.fund}")
    fin1.screenshot(path=shots / "relief-fund-en.png", full_page=True)
    fin1.get_by_role("link", name="Reconcile a bank statement").click()
    fin1.get_by_label("Statement file").set_input_files(
        files=[
            {
                "name": "bank.csv",
                "mimeType": "text/csv",
                "buffer": statement_csv("PAY-77", "6000.00", today),
            }
        ]
    )
    fin1.get_by_label("Mapping of the CSV columns (JSON; see the relief formats guide)").fill(
        MAPPING
    )
    fin1.get_by_role("button", name="Reconcile").click()
    matched = fin1.locator("#matched")
    expect(matched).to_contain_text(grant_url.rsplit("/", 1)[1])
    expect(matched).to_contain_text("6,000.00")
    expect(fin1.locator("#unmatched-lines")).to_contain_text("250.00")
    fin1.screenshot(path=shots / "relief-reconcile-en.png", full_page=True)

    fin1.goto(f"{server}/relief/funds/{relief.fund}/report")
    fin1.get_by_label("From").fill(today[:8] + "01")
    fin1.get_by_label("To").fill(today)
    fin1.get_by_role("button", name="Show the report").click()
    expect(fin1.get_by_role("heading", name="By purpose")).to_be_visible()
    expect(fin1.get_by_text("fewer than 5 people: not shown").first).to_be_visible()
    fin1.screenshot(path=shots / "relief-report-en.png", full_page=True)

    # The same pages in Ukrainian.
    fin1.get_by_role("link", name="Українська").click()
    for path, heading, shot in (
        ("/relief", "Фонд допомоги: чекає на мене", "relief-queue-uk"),
        (grant_url.removeprefix(server), "Грант", "relief-grant-uk"),
        ("/relief/grants", "Гранти фонду допомоги", "relief-grants-uk"),
        ("/relief/funds", "Фонди допомоги", "relief-funds-uk"),
        (f"/relief/funds/{relief.fund}", "Фонд: Safe exit", "relief-fund-uk"),
        (
            f"/relief/funds/{relief.fund}/reconcile",
            "Звірка банківської виписки: Safe exit",
            "relief-reconcile-uk",
        ),
        (
            f"/relief/funds/{relief.fund}/report?from={today[:8]}01&to={today}",
            "Звіт для донорів: Safe exit",
            "relief-report-uk",
        ),
    ):
        fin1.goto(server + path)
        expect(fin1.get_by_role("heading", name=heading).first).to_be_visible()
        fin1.screenshot(path=shots / f"{shot}.png", full_page=True)
    officer.get_by_role("link", name="Українська").click()
    officer.goto(f"{server}/relief/grants/new?case_id={relief.desk.case_id}")
    officer.screenshot(path=shots / "relief-request-uk.png", full_page=True)
    officer.goto(server + "/relief")
    officer.screenshot(path=shots / "relief-queue-officer-uk.png", full_page=True)

"""The protection desk in a real browser on a phone-sized screen (390 px wide): an officer
signs in with a code and goes dashboard -> register a person -> risk assessment -> consent
-> a safe-exit case -> a check-in -> a referral (password again), then reads the same
pages in Ukrainian. Screenshots are saved for a person to look at (see test_browser.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from civwatch.config import Settings
from civwatch.workspace import Workspace
from tests.support.browser import CHROMIUM
from tests.support.live import live_server, screenshot_dir
from tests.web.conftest import PASSWORD
from tests.web.desk import PASSPHRASE, desk_server_env, desk_user, ensure_desk, principal_of

pytest.importorskip("playwright.sync_api", reason="needs playwright (dev dependency)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium"),
]

CHEAP_KDF = {"protection_kdf_memory_kib": 1024, "protection_kdf_time_cost": 1}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"protection_passphrase": PASSPHRASE, **CHEAP_KDF})


@pytest.fixture
def server(workspace: Workspace, cli_env: dict[str, str]) -> Iterator[str]:
    with live_server(desk_server_env(cli_env)) as url:
        yield url


def test_an_officer_takes_a_person_to_a_referral_on_a_phone(
    workspace: Workspace, server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from civwatch.crypto.age_packets import new_identity
    from civwatch.protection.access import request_emergency_access
    from civwatch.protection.partners import add_partner

    secret = desk_user(workspace, "olena", "protection_officer")
    lead_secret = desk_user(workspace, "lead1", "protection_lead")
    ensure_desk(workspace, "lead1")
    _identity, public = new_identity()
    add_partner(
        workspace, principal_of(workspace, "lead1"), "Safe Harbour Warsaw", public, country="PL"
    )
    shots = screenshot_dir(tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(server + "/protection")
        page.get_by_label("Username").fill("olena")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Protection desk")).to_be_visible()
        page.screenshot(path=shots / "desk-dashboard-en.png", full_page=True)

        page.get_by_role("link", name="Register a person").click()
        page.get_by_label("Full name").fill("Олександр Шевченко")
        page.get_by_label("Another name or spelling").fill("Oleksandr Shevchenko")
        page.get_by_label("Phone").fill("+380 67 123 4567")
        page.get_by_label("Oblast").fill("Kharkivska")
        page.get_by_label("Journalist").check()
        page.screenshot(path=shots / "desk-register-en.png", full_page=True)
        page.get_by_role("button", name="Register the person").click()
        expect(page.get_by_role("status")).to_contain_text("The person is registered.")
        expect(page.get_by_role("heading", name="Олександр Шевченко")).to_be_visible()
        assert "Олександр" not in page.url and "380" not in page.url

        page.get_by_text("Record a risk assessment").click()
        page.get_by_label("Detention", exact=True).check()
        page.get_by_label("Surveillance").check()
        page.get_by_label("Likelihood (1-5)").select_option("4")
        page.get_by_label("Impact (1-5)").select_option("5")
        page.get_by_role("button", name="Record the assessment").click()
        expect(page.get_by_role("status")).to_contain_text("The risk assessment is recorded.")
        expect(page.locator(".level-critical").first).to_be_visible()

        for purpose, partner in (("case-handling", None), ("referral", "Safe Harbour Warsaw")):
            page.get_by_text("Record consent").click()
            page.get_by_label("For", exact=True).select_option(purpose)
            if partner:
                page.get_by_label("Partner").select_option(label=partner)
            page.get_by_role("button", name="Record", exact=True).click()
            expect(page.get_by_role("status")).to_contain_text("The consent is recorded.")

        page.get_by_label("Kind of case").select_option("safe-exit")
        page.get_by_role("button", name="Open the case").click()
        expect(page.get_by_role("status")).to_contain_text("The case is opened.")
        page.screenshot(path=shots / "desk-case-opened-en.png", full_page=True)

        page.get_by_label("Where the person says they are safe").fill("Uzhhorod, station")
        page.get_by_role("button", name="Record the check-in").click()
        expect(page.get_by_role("status")).to_contain_text("The check-in is recorded.")
        expect(page.get_by_text("Uzhhorod, station")).to_be_visible()

        page.get_by_text("Refer to a partner").click()
        page.get_by_label("Your password, to confirm").fill("not my password")
        page.get_by_role("button", name="Send the referral").click()
        expect(page.get_by_role("alert")).to_contain_text("password")
        page.get_by_text("Refer to a partner").click()
        page.get_by_label("Your password, to confirm").fill(PASSWORD)
        page.get_by_role("button", name="Send the referral").click()
        expect(page.get_by_role("status")).to_contain_text("The referral is sent")
        expect(page.get_by_text("Safe Harbour Warsaw · Sent")).to_be_visible()
        page.screenshot(path=shots / "desk-case-referred-en.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the case page is {width}px wide on a 390px screen"

        # the same pages in Ukrainian
        case_url = page.url.split("?")[0]
        page.get_by_role("link", name="Українська").click()
        page.goto(server + "/protection")
        expect(page.get_by_role("heading", name="Служба захисту")).to_be_visible()
        page.screenshot(path=shots / "desk-dashboard-uk.png", full_page=True)
        page.goto(case_url)
        expect(page.get_by_role("heading", name="Відмітки про безпеку")).to_be_visible()
        page.screenshot(path=shots / "desk-case-uk.png", full_page=True)
        page.get_by_role("link", name="Олександр Шевченко").first.click()
        page.screenshot(path=shots / "desk-person-uk.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the person page is {width}px wide on a 390px screen"
        person_url = page.url.split("?")[0]
        # the whole record changed from its long form (Ukrainian)
        page.get_by_role("link", name="Змінити запис").click()
        expect(page.get_by_label("Ім’я 2")).to_have_value("Oleksandr Shevchenko")
        page.locator('textarea[name="notes"]').fill("Переїхав до родичів")
        page.screenshot(path=shots / "desk-person-edit-uk.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_role("button", name="Зберегти зміни").click()
        expect(page.get_by_role("status")).to_contain_text("Запис про людину змінено.")
        expect(page.get_by_text("Переїхав до родичів")).to_be_visible()
        # a lead's pages: emergency access to decide, duplicates, deleting (not done here)
        request_emergency_access(
            workspace, principal_of(workspace, "olena"), person_url.rsplit("/", 1)[1], "Ніч"
        )
        lead = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        lead.goto(server + "/protection/access")
        lead.get_by_label("Username").fill("lead1")
        lead.get_by_label("Password").fill(PASSWORD)
        lead.get_by_label("Authenticator code").fill(pyotp.TOTP(lead_secret).now())
        lead.get_by_role("button", name="Sign in").click()
        expect(lead.get_by_role("button", name="Approve")).to_be_visible()
        lead.screenshot(path=shots / "desk-access-lead-en.png", full_page=True)
        for part, shot in (("/duplicates", "desk-duplicates-en"), ("/delete", "desk-delete-en")):
            lead.goto(person_url + part)
            lead.screenshot(path=shots / f"{shot}.png", full_page=True)
            assert lead.evaluate("document.documentElement.scrollWidth") <= 390, part
        # the public form, as a person at risk sees it on a phone (no account)
        plain = browser.new_context(
            java_script_enabled=False, viewport={"width": 390, "height": 844}
        ).new_page()
        plain.goto(server + "/help?lang=uk")
        expect(plain.get_by_role("heading", name="Попросити про допомогу")).to_be_visible()
        plain.screenshot(path=shots / "help-form-uk.png", full_page=True)
        plain.get_by_label("Кому загрожує небезпека і що відбувається?").fill("Мені погрожують")
        plain.get_by_role("button", name="Надіслати звернення").click()
        expect(plain.get_by_text("Ваш номер звернення:")).to_be_visible()
        plain.screenshot(path=shots / "help-sent-uk.png", full_page=True)
        browser.close()

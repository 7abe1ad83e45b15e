"""The offline testimony form in a real browser (headless Chromium, a phone) against
``civwatch serve``: with the network off, a testimony is queued on the phone with the
witness's details encrypted (they are found nowhere in the page's storage), and sent when
the network returns; a queue left by a closed page comes back into the form without the
details, which are typed again. Screenshots are saved in the test's folder (and in
$CIVWATCH_SCREENSHOTS when set)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from civwatch.accounts.credentials import set_password
from civwatch.intake import testimony as service
from tests.intake.conftest import MARKER_HOME, MARKER_NAME, MARKER_PHONE, Field
from tests.protection.conftest import PASSPHRASE
from tests.support.browser import CHROMIUM
from tests.support.live import live_server, screenshot_dir

pytest.importorskip("playwright.sync_api", reason="needs playwright (dev dependency)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium"),
]
PASSWORD = "correct horse battery"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-GB",
}
STORAGE = "JSON.stringify(Object.assign({}, window.localStorage))"


@pytest.fixture
def server(field: Field, cli_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    set_password(field.ws, "viktor", PASSWORD, actor="admin")
    env = {
        **cli_env,
        "CIVWATCH_SERVER_LOG": str(tmp_path / "server.log"),
        "CIVWATCH_PROTECTION_PASSPHRASE": PASSPHRASE,
    }
    with live_server(env) as url:
        yield url


def test_a_testimony_taken_offline_is_sent_when_the_network_returns(
    server: str, field: Field, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = screenshot_dir(tmp_path)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        phone = browser.new_context(**PHONE)
        page = phone.new_page()
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(server + "/signin")
        page.get_by_label("Username").fill("viktor")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(server + "/testimony/offline")
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")

        def fill(statement: str) -> None:
            page.locator("#t-statement").fill(statement)
            page.locator("#t-taken-at").fill("2024-05-02T09:30")
            page.locator("#t-incidents").fill(str(field.incident))
            page.locator("#t-w-name").fill(MARKER_NAME)
            page.locator("#t-w-contacts").fill(MARKER_PHONE)
            page.locator("#t-w-home").fill(MARKER_HOME)

        phone.set_offline(True)
        fill("The tank fired at the bread queue.")
        stored = page.evaluate(STORAGE)
        assert "bread queue" in stored and MARKER_NAME not in stored  # a draft, no identity
        page.get_by_role("button", name="Send").click()
        expect(page.locator("#t-status")).to_contain_text("Waiting to be sent: 1")
        stored = page.evaluate(STORAGE)
        assert '"ct"' in json.loads(stored)["civwatch.testimony.queue"] and not [
            m for m in (MARKER_NAME, MARKER_PHONE, MARKER_HOME) if m in stored
        ]
        page.screenshot(path=shots / "testimony-phone-queued.png", full_page=True)
        phone.set_offline(False)
        expect(page.locator("#t-status")).to_contain_text("Sent: testimony", timeout=15_000)
        assert page.evaluate("localStorage.getItem('civwatch.testimony.queue')") == "[]"
        page.screenshot(path=shots / "testimony-phone-sent.png", full_page=True)
        (made,) = service.testimonies(field.ws, field.who("viktor"))
        assert made["statement"] == "The tank fired at the bread queue."
        # a lead reads it: the interviewer signs in with a password only (no second factor)
        opened = service.witness_identity(field.ws, field.who("lead1"), made["id"])
        assert opened["name"] == MARKER_NAME

        # queued, then the page closed: the details cannot be opened again, only retyped
        phone.set_offline(True)
        fill("A second strike hit the pharmacy.")
        page.get_by_role("button", name="Send").click()
        expect(page.locator("#t-status")).to_contain_text("Waiting to be sent: 1")
        page.reload()  # offline: the service worker answers with the kept page
        expect(page.locator("#t-status")).to_contain_text("Type them again")
        expect(page.locator("#t-statement")).to_have_value("A second strike hit the pharmacy.")
        expect(page.locator("#t-w-name")).to_have_value("")
        page.screenshot(path=shots / "testimony-phone-retype.png", full_page=True)
        phone.close()
        browser.close()
    assert not problems, problems
    assert MARKER_NAME not in (tmp_path / "server.log").read_text(errors="replace")

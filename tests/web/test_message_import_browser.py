"""An investigator imports a WhatsApp chat export through the inbox in a real browser
(headless Chromium): the ZIP is received, the server's worker imports it, and the job page
shows what became of the messages, in Ukrainian and in English."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from civwatch.accounts.credentials import set_password
from civwatch.accounts.service import add_user
from civwatch.workspace import Workspace
from tests.intake.exports import whatsapp_android, zipped
from tests.support.browser import CHROMIUM
from tests.support.live import live_server, screenshot_dir

pytest.importorskip("playwright.sync_api", reason="needs playwright (dev dependency)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium"),
]


@pytest.fixture
def server(workspace: Workspace, cli_env: dict[str, str]) -> Iterator[str]:
    add_user(workspace, "ada", "Ada", ["admin"], actor=None)
    add_user(workspace, "ivan", "Іван Слідчий", ["investigator"], actor="ada")
    set_password(workspace, "ivan", "ivan's long password", actor="ada")
    with live_server(cli_env) as url:
        yield url


@pytest.mark.parametrize(
    "language, kept", [("uk", "Збережено як текст: 2"), ("en", "Kept as text: 2")]
)
def test_a_chat_export_imported_from_the_inbox(
    server: str, language: str, kept: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    archive = zipped(whatsapp_android(tmp_path / "chat"), tmp_path / "WhatsApp Chat.zip")
    shots = screenshot_dir(tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        page.goto(f"{server}/signin?lang={language}")
        page.locator("#username").fill("ivan")
        page.locator("#password").fill("ivan's long password")
        page.locator("form:has(#password) button[type=submit]").click()
        page.wait_for_url(f"{server}/")
        page.locator("#export").set_input_files(str(archive))
        page.locator("#import-title").scroll_into_view_if_needed()
        page.screenshot(path=shots / f"inbox-import-form-{language}.png", full_page=True)
        page.locator("form.upload-export button[type=submit]").click()
        page.wait_for_url(f"{server}/jobs/*")
        for _ in range(120):  # the worker inside `civwatch serve` runs the job
            if kept in page.inner_text("body"):
                break
            page.wait_for_timeout(500)
            page.reload()
        assert kept in page.inner_text("body")
        page.screenshot(path=shots / f"import-job-{language}.png", full_page=True)
        browser.close()

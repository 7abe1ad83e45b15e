"""The evidence inbox on a phone (390 px wide, headless Chromium, Ukrainian and English):
every item's name, type, size, collection, sightings and fingerprint can be read without
scrolling sideways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from civwatch.accounts.credentials import set_password
from civwatch.accounts.service import add_user
from civwatch.evidence.ingest import SourceInfo, ingest_paths
from civwatch.workspace import Workspace
from tests.support.browser import CHROMIUM
from tests.support.files import photo
from tests.support.live import live_server, screenshot_dir

pytest.importorskip("playwright.sync_api", reason="needs playwright (dev dependency)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium"),
]
PHONE = {"width": 390, "height": 844}
LONG_NAME = "Фото_удару_по_школі_№134_Салтівка_2022-03-09_вечір_оригінал_з_телеграму.jpg"


@pytest.fixture
def server(workspace: Workspace, cli_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    add_user(workspace, "ada", "Ada", ["admin"], actor=None)
    add_user(workspace, "ivan", "Іван Слідчий", ["investigator"], actor="ada")
    set_password(workspace, "ivan", "ivan's long password", actor="ada")
    files = [photo(tmp_path / LONG_NAME, seed=3), photo(tmp_path / "IMG_0042.jpg", seed=4)]
    list(ingest_paths(workspace, files, source=SourceInfo(caption="Салтівка"), collector="ivan"))
    with live_server(cli_env) as url:
        yield url


@pytest.mark.parametrize("language", ["uk", "en"])
def test_inbox_reads_on_a_phone_without_scrolling_sideways(
    server: str, language: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    shots = screenshot_dir(tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport=PHONE)
        page.goto(f"{server}/signin?lang={language}")
        page.locator("#username").fill("ivan")
        page.locator("#password").fill("ivan's long password")
        page.locator("form:has(#password) button[type=submit]").click()
        page.wait_for_url(f"{server}/")
        page.screenshot(path=shots / f"inbox-{language}-390.png", full_page=True)
        rows = page.locator("#listing tbody tr")
        assert rows.count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        for n in range(rows.count()):
            for cell in rows.nth(n).locator("td").all():
                box = cell.bounding_box()
                assert box is not None and box["x"] >= 0
                # inside the screen, not past its right edge in a box that scrolls
                assert box["x"] + box["width"] <= PHONE["width"], cell.inner_text()
        # the name comes first and each value says what it is
        first = rows.first.locator("td")
        assert first.first.inner_text().endswith(".jpg")
        label = first.nth(5).evaluate("td => getComputedStyle(td, '::before').content")
        assert "SHA-256" in label
        browser.close()

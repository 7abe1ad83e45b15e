"""The shelter pages in a real browser (headless Chromium) against ``civwatch serve``: a
phone finds the nearest shelter by its location, a typed place or a map click, in
Ukrainian; without JavaScript; and with the network off, from the hromada it saved (the
service worker answers). Screenshots (desktop and phone) are saved in the test's folder
(and in $CIVWATCH_SCREENSHOTS when set)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from civwatch.workspace import Workspace
from tests.support.browser import CHROMIUM
from tests.support.live import live_server, screenshot_dir
from tests.web.shelter_samples import HERE, KEY_CONTACT, KEY_HOLDER, shelters

pytest.importorskip("playwright.sync_api", reason="needs playwright (dev dependency)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium"),
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "uk-UA",
}


@pytest.fixture
def server(workspace: Workspace, cli_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    shelters(workspace)
    env = {**cli_env, "CIVWATCH_SERVER_LOG": str(tmp_path / "server.log")}
    with live_server(env) as url:
        yield url


def test_a_phone_finds_the_nearest_shelter_with_and_without_a_network(
    server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import Request, expect, sync_playwright

    shots = screenshot_dir(tmp_path)
    host = urlsplit(server).netloc
    elsewhere: list[str] = []
    problems: list[str] = []

    def watch(request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https") and parts.netloc != host:
            elsewhere.append(request.url)

    def fits(page: Any) -> None:
        """Nothing wider than the phone's screen: no sideways scrolling."""
        wide = page.evaluate(
            "Math.max(document.documentElement.scrollWidth, window.innerWidth) - screen.width"
        )
        assert wide <= 0, f"{page.url} is {wide} px wider than the screen"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        # a phone that shares its location, in Ukrainian
        phone = browser.new_context(
            **PHONE,
            geolocation={"latitude": HERE[0], "longitude": HERE[1]},
            permissions=["geolocation"],
        )
        phone.on("request", watch)
        page = phone.new_page()
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on(
            "console",
            lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(server + "/shelters")
        expect(page.get_by_role("heading", name="Найближче відчинене укриття")).to_be_visible()
        page.screenshot(path=shots / "shelters-phone-start.png", full_page=True)
        page.get_by_role("button", name="Визначити моє місцезнаходження").click()
        results = page.locator(".results li")
        expect(results.first).to_contain_text("Станція метро «Хрещатик»", timeout=15_000)
        expect(results.first).to_contain_text("невідомо — жодного повідомлення за 30 днів")
        expect(page.locator(".results")).not_to_contain_text("Укриття у школі № 1")  # locked
        fits(page)
        page.screenshot(path=shots / "shelters-phone-nearest.png", full_page=True)
        # one shelter, and the report form (no account)
        results.first.locator("a.name").click()
        expect(page.get_by_role("heading", name="Станція метро «Хрещатик»")).to_be_visible()
        fits(page)
        page.screenshot(path=shots / "shelter-phone-detail.png", full_page=True)
        page.get_by_role("link", name="Повідомити, що ви тут побачили").click()
        page.get_by_label("відчинено").check()
        fits(page)
        page.screenshot(path=shots / "shelter-phone-report.png", full_page=True)
        page.get_by_role("button", name="Надіслати").click()
        expect(
            page.get_by_role("heading", name="Дякуємо! Ваше повідомлення отримано")
        ).to_be_visible()

        # the offline app: save Kyiv's shelters, then lose the network
        page.goto(server + "/shelters/offline")
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.get_by_label("Київська міська громада").check()
        page.get_by_role("button", name="Зберегти на телефоні").click()
        page.on("console", lambda m: problems.append(m.text) if "shelters:" in m.text else None)
        try:
            expect(page.locator("#saved")).to_contain_text("Збережено на цьому телефоні: Київська")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nthe page said: {problems}") from None
        fits(page)
        page.screenshot(path=shots / "shelters-phone-offline-saved.png", full_page=True)
        phone.set_offline(True)
        page.goto(server + f"/shelters?lat={HERE[0]}&lon={HERE[1]}")
        offline = page.locator("#offline-results li")
        expect(offline.first).to_contain_text("Станція метро «Хрещатик»", timeout=15_000)
        expect(page.locator("#offline-results")).not_to_contain_text("Укриття у школі № 1")
        expect(page.locator("#offline-results")).not_to_contain_text("Майдан Конституції")
        page.screenshot(path=shots / "shelters-phone-offline-nearest.png", full_page=True)
        phone.set_offline(False)
        phone.close()

        # a desktop with JavaScript off: a typed place, then a click on the map
        desk = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="uk-UA", java_script_enabled=False
        )
        desk.on("request", watch)
        page = desk.new_page()
        page.goto(server + "/shelters")
        page.get_by_label("Де ви? Місто, село або район").fill("Київ")
        page.get_by_role("button", name="Знайти", exact=True).click()
        heading = "Укриття поблизу: Київ — крім тих, про які відомо, що вони зачинені чи непридатні"
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        expect(page.locator(".results")).to_contain_text("Станція метро «Хрещатик»")
        page.screenshot(path=shots / "shelters-desktop-typed.png", full_page=True)
        page.locator("input.map").click()  # the middle of the map: the place found
        expect(page.locator(".results li").first).to_be_visible()
        page.screenshot(path=shots / "shelters-desktop-map-click.png", full_page=True)
        desk.close()
        browser.close()
    assert not elsewhere, elsewhere
    assert not problems, problems


def test_no_key_holder_in_the_server_log(server: str, tmp_path: Path) -> None:
    import urllib.request

    for path in ("/shelters/sh_near", f"/api/v1/shelters/nearest?lat={HERE[0]}&lon={HERE[1]}"):
        with urllib.request.urlopen(server + path) as answer:
            assert answer.status == 200
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert KEY_HOLDER not in log and KEY_CONTACT not in log


def test_a_coordinator_confirms_a_report_in_the_queue(
    workspace: Workspace, server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from civwatch.accounts import add_user
    from civwatch.accounts.credentials import set_password
    from civwatch.shelters.reports import submit_report

    add_user(workspace, "admin", "Admin", ["admin"], actor=None)
    add_user(workspace, "olena", "Олена", ["shelter_coordinator"], actor="admin")
    set_password(workspace, "olena", "correct horse battery", actor="admin")
    submit_report(workspace, "sh_pets", "locked", note="Двері замкнені, нікого немає")
    submit_report(workspace, "sh_near", "open", note="Відчинено", channel="phone")
    shots = screenshot_dir(tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="uk-UA"
        ).new_page()
        page.goto(server + "/signin?next=/shelters/reports")
        page.locator("input[name=username]").fill("olena")
        page.locator("input[name=password]").fill("correct horse battery")
        page.locator("form button[type=submit]").first.click()
        page.goto(server + "/shelters/reports")
        report = page.locator(".shelter-report").filter(has_text="Двері замкнені, нікого немає")
        expect(report).to_contain_text(KEY_HOLDER)  # the coordinator may call the key holder
        # the channel each report came through, in words, never its code
        expect(report.locator(".report-channel")).to_have_text("Форма на сайті")
        call = page.locator(".shelter-report").filter(has_text="Відчинено")
        expect(call.locator(".report-channel")).to_have_text("Дзвінок на гарячу лінію")
        assert "web" not in page.locator(".report-channel").all_inner_texts()
        page.screenshot(path=shots / "shelters-queue-desktop.png", full_page=True)
        report.get_by_role("button", name="Підтвердити").click()
        expect(page.locator(".shelter-report")).to_have_count(1)
        page.locator(".shelter-report").get_by_role("button", name="Підтвердити").click()
        expect(page.locator("main")).to_contain_text("Немає повідомлень, що чекають на рішення.")
        page.goto(server + f"/shelters?lat={HERE[0]}&lon={HERE[1]}")
        expect(page.locator(".results")).not_to_contain_text("Паркінг ТРЦ «Глобус»")  # locked now
        browser.close()

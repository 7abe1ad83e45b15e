"""The public site in a real browser (headless Chromium) against the app served by uvicorn:
the map with clustered markers, filters, an incident page on a phone with the graphic
content warning, the pages with JavaScript off, and no request to any other site.

Screenshots are saved in the test's folder (and in $CIVWATCH_SCREENSHOTS when set).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from civwatch.publish.redaction import approve_redaction, create_redaction
from tests.support.browser import CHROMIUM, loaded_width
from tests.support.live import live_server, screenshot_dir
from tests.web.test_public_pages import PAGE_BUDGET, Site, site  # noqa: F401

pytest.importorskip("playwright.sync_api", reason="needs playwright (dev dependency)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium"),
]


@pytest.fixture
def server(site: Site, cli_env: dict[str, str]) -> Iterator[str]:  # noqa: F811
    draft = create_redaction(site.ws, site.marked.sha256, graphic=True, actor="ivan")
    approve_redaction(site.ws, draft["id"], actor="pat")
    with live_server(cli_env) as url:
        yield url


def test_public_site_in_a_browser(site: Site, server: str, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import Request, Response, expect, sync_playwright

    shots = screenshot_dir(tmp_path)
    host = urlsplit(server).netloc
    elsewhere: list[str] = []
    csp_errors: list[str] = []
    script_errors: list[str] = []

    def watch(request: Request) -> None:
        if (
            urlsplit(request.url).scheme in ("http", "https")
            and urlsplit(request.url).netloc != host
        ):
            elsewhere.append(request.url)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.on("request", watch)
        page = context.new_page()
        page.on("pageerror", lambda e: script_errors.append(str(e)))
        page.on(
            "console",
            lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
        )
        # the map: Leaflet from our own server, markers of both published incidents
        page.goto(server + "/public")
        expect(page.get_by_role("heading", name="Verified incidents")).to_be_visible()
        map_box = page.locator("#map")
        expect(map_box).to_be_visible()
        expect(map_box).to_have_attribute("data-markers", "2", timeout=15_000)
        expect(page.locator("#map-status")).to_contain_text("2 incidents in this part of the map")
        # the offline basemap behind the markers: land, sea, borders, rivers, city names
        expect(map_box).to_have_attribute("data-basemap", "offline", timeout=15_000)
        # (the first answer builds the labels from the gazetteer: seconds on a cold server)
        expect(page.locator("#map .map-label", has_text="Kyiv")).to_be_visible(timeout=60_000)
        expect(page.locator("#map .map-label", has_text="Saltivka")).to_have_count(0)  # zoom 5
        page.screenshot(path=shots / "public-map.png", full_page=True)
        map_box.screenshot(path=shots / "public-map-basemap.png")
        # filters: the list and the map follow them
        page.get_by_label("Oblast").select_option("Kherson Oblast")
        page.get_by_role("button", name="Show incidents").click()
        expect(page.locator(".incidents li")).to_have_count(1)
        expect(page.locator(".incidents")).to_contain_text("Shelling of a market in Kherson")
        # its injured figure is unknown: "not known", never 0
        expect(page.locator(".incidents")).to_contain_text("Killed: 5 · Injured: not known")
        expect(map_box).to_have_attribute("data-markers", "1", timeout=15_000)
        page.screenshot(path=shots / "public-map-filtered.png", full_page=True)
        # a marker's popup leads to the incident page
        page.goto(server + "/public/dashboard")
        expect(page.get_by_role("heading", name="People killed per month")).to_be_visible()
        page.screenshot(path=shots / "public-dashboard.png", full_page=True)
        page.goto(server + "/public/methodology")
        expect(page.get_by_role("heading", name="Two-person review")).to_be_visible()

        # the map's own controls speak the page's language too (Leaflet's are English)
        in_uk = browser.new_context(viewport={"width": 1280, "height": 900})
        in_uk.on("request", watch)
        uk_page = in_uk.new_page()
        uk_page.goto(server + "/public?lang=uk")
        zoom_in = uk_page.locator(".leaflet-control-zoom-in")
        expect(zoom_in).to_have_attribute("title", "Збільшити", timeout=15_000)
        expect(uk_page.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "Зменшити")
        expect(uk_page.locator("#map .map-label", has_text="Київ")).to_be_visible()
        # without the basemap's data (a proxy dropping it): markers on a plain background
        bare = in_uk.new_page()
        bare.route("**/map/basemap/**", lambda route: route.abort())
        bare.goto(server + "/public?lang=uk")
        expect(bare.locator("#map")).to_have_attribute("data-markers", "2", timeout=15_000)
        expect(bare.locator("#map")).to_have_attribute("data-basemap", "failed")
        bare.locator("#map").screenshot(path=shots / "public-map-no-basemap.png")

        # an incident page on a phone: graphic media stays hidden until asked for
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        phone.on("request", watch)
        mobile = phone.new_page()
        responses: list[Response] = []
        mobile.on("response", lambda r: responses.append(r))
        mobile.goto(server + "/public")
        expect(mobile.locator("#map")).to_have_attribute("data-basemap", "offline", timeout=15_000)
        expect(mobile.locator("#map .map-label", has_text="Kyiv")).to_be_visible()
        mobile.locator("#map").screenshot(path=shots / "public-map-phone.png")
        responses.clear()
        mobile.goto(server + f"/public/incidents/{site.marked.incident_id}")
        expect(mobile.get_by_role("heading", name="Strike on a school in Kharkiv")).to_be_visible()
        mobile.keyboard.press("Tab")  # the keyboard reaches the content by the skip link
        expect(mobile.get_by_role("link", name="Skip to content")).to_be_focused()
        expect(mobile.get_by_text("Killed", exact=True)).to_be_visible()
        photo = mobile.locator(".media img")
        expect(photo).to_be_hidden()
        mobile.wait_for_load_state("networkidle")
        loaded = {  # what the page weighs before media: HTML, CSS, JS, fonts
            r.url: len(r.body())
            for r in responses
            if r.request.resource_type in ("document", "stylesheet", "script", "font")
        }
        assert "/static/public.css" in " ".join(loaded) and sum(loaded.values()) < PAGE_BUDGET
        width = mobile.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
        mobile.screenshot(path=shots / "public-incident-phone.png", full_page=True)
        mobile.get_by_text("Warning: graphic content").click()
        expect(photo).to_be_visible()
        assert loaded_width(photo) > 0
        mobile.screenshot(path=shots / "public-incident-phone-media.png", full_page=True)

        # without JavaScript: the list and incident pages work, the map stays out of the way
        nojs = browser.new_context(
            java_script_enabled=False, viewport={"width": 390, "height": 844}
        )
        nojs.on("request", watch)
        plain = nojs.new_page()
        plain.goto(server + "/public")
        expect(plain.locator("#map")).to_be_hidden()
        expect(plain.locator(".incidents li")).to_have_count(2)
        plain.get_by_role("link", name="Shelling of a market in Kherson").click()
        expect(plain.get_by_role("heading", name="Shelling of a market in Kherson")).to_be_visible()
        injured = plain.locator("section[aria-labelledby=h-casualties] tr", has_text="Injured")
        expect(injured).to_contain_text("not known")
        plain.screenshot(path=shots / "public-incident-not-known-phone.png", full_page=True)
        plain.goto(server + "/public/timeline")
        expect(plain.get_by_role("heading", name="March 2022")).to_be_visible()
        plain.screenshot(path=shots / "public-timeline-nojs-phone.png", full_page=True)
        browser.close()
    assert not elsewhere, f"requests to other sites: {elsewhere}"
    assert not csp_errors, csp_errors
    assert not script_errors, script_errors

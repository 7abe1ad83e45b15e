"""The incident pages in a real browser (headless Chromium) against the app served by
uvicorn: record an incident with the form, link evidence, propose it as verified, have a
second verifier approve it from the review queue, publish it, and see it among clustered
markers on the map (fed by the GeoJSON API); then, without JavaScript, propose a change to
the published incident, see it in review beside the approved version, approve it and
publish it as a correction. Phone-width screenshots of every page are saved (in
$CIVWATCH_SCREENSHOTS when set) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from civwatch.accounts.credentials import set_password
from civwatch.accounts.service import add_user
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident
from civwatch.workspace import Workspace
from tests.incidents.helpers import (
    KHARKIV,
    incident_doc,
    ingest_photo,
    seed_cache,
    verify_item,
)
from tests.support.browser import CHROMIUM, loaded_width, watched_page
from tests.support.live import live_server, screenshot_dir

pytest.importorskip("playwright.sync_api", reason="needs playwright (dev dependency)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium"),
]
PASSWORD = "a long password for the test"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
XSS_TITLE = "Strike in Lviv <img src=x onerror=document.title=1>"


@pytest.fixture
def server(workspace: Workspace, cli_env: dict[str, str], gazetteer_cache: Path) -> Iterator[str]:
    seed_cache(gazetteer_cache, workspace.settings.data_dir)
    with live_server(cli_env) as url:
        yield url


def _seed(ws: Workspace, folder: Path, places: Gazetteer) -> str:
    """Users, a verified evidence item, and incidents: 30 around Kharkiv, one in Lviv."""
    add_user(ws, "boss", "Admin", ["admin"], actor=None)
    for name, role in (("ivan", "investigator"), ("vera", "verifier"), ("vlad", "verifier")):
        add_user(ws, name, name.title(), [role], actor="boss")
    add_user(ws, "pat", "Pat Publisher", ["publisher"], actor="boss")
    for name in ("ivan", "vera", "vlad", "pat"):
        set_password(ws, name, PASSWORD, actor="boss")
    sha = ingest_photo(ws, folder, seed=21)
    verify_item(ws, sha, author="vera", reviewer="vlad")
    start = datetime(2022, 3, 1, 6, 0, tzinfo=UTC)
    for n in range(30):
        create_incident(
            ws,
            incident_doc(
                title=f"Shelling in Kharkiv, report {n + 1}",
                lat=KHARKIV[0] + (n % 6) * 0.01,
                lon=KHARKIV[1] + (n // 6) * 0.01,
                start=start + timedelta(hours=7 * n),
                incident_type="shelling",
                weapons=["BM-21 Grad"],
                objects=["residential"],
                casualties={"injured": {"min": n % 3, "max": n % 3 + 2}},
            ),
            actor="ivan",
            places=places,
        )
    create_incident(
        ws, incident_doc(title=XSS_TITLE, lat=49.8397, lon=24.0297), actor="ivan", places=places
    )
    return sha


def _sign_in(page: Any, server: str, name: str) -> None:
    page.goto(server + "/signin")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server + "/")


def test_record_verify_approve_publish_and_see_it_on_the_map(
    workspace: Workspace, server: str, tmp_path: Path, places: Gazetteer
) -> None:
    from playwright.sync_api import expect, sync_playwright

    sha = _seed(workspace, tmp_path / "photos", places)
    shots = screenshot_dir(tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        errors: list[str] = []

        def context(**kw: Any) -> Any:
            return watched_page(browser, errors, **kw)

        # an investigator records an incident with the form (phone width)
        page = context(viewport=PHONE)
        _sign_in(page, server, "ivan")
        page.goto(server + "/incidents")
        page.get_by_text("Record a new incident").click()
        page.locator("#new-title").fill("Missile strike on the regional hospital")
        page.locator("#new-narrative").fill("A missile hit the hospital <b>at 11:05</b>.")
        page.locator("#new-start").fill("2022-03-09T11:05")
        page.locator("#new-lat").fill("49.9935")
        page.locator("#new-lon").fill("foo")
        page.locator("#new-type").select_option("missile_strike")
        page.get_by_label("Iskander-M").check()
        page.get_by_label("Hospital or clinic").check()
        page.locator("#new-killed").fill("2-4")
        page.locator("#new-killed-source").fill("Regional administration")
        page.get_by_role("button", name="Record the incident").click()
        expect(page.get_by_role("alert")).to_contain_text("The longitude 'foo' is not a number")
        expect(page.locator("#new-title")).to_have_value("Missile strike on the regional hospital")
        expect(page.get_by_label("Iskander-M")).to_be_checked()
        page.screenshot(path=shots / "incident-new-error-phone.png", full_page=True)
        # the place: clicked on the map, then found by its Russian name in the gazetteer
        picker = page.locator("[data-place-map]").first
        expect(picker).to_have_attribute("data-basemap", "offline", timeout=15_000)
        picker.click()  # in its middle
        lat, lon = (
            float(page.locator("#new-lat").input_value()),
            float(page.locator("#new-lon").input_value()),
        )
        assert 44 < lat < 53 and 22 < lon < 41, (lat, lon)  # somewhere in Ukraine
        page.get_by_label("Find a place").fill("Харьков")
        found = page.locator(".place-results button").first
        # (a cold server reads the gazetteer's Ukrainian names first: several seconds)
        expect(found).to_contain_text("Kharkiv", timeout=60_000)
        expect(found).to_contain_text("Kharkiv Oblast")
        found.click()
        expect(page.locator("#new-lat")).to_have_value("49.98177")
        expect(page.locator("#new-lon")).to_have_value("36.25475")
        expect(page.locator("[data-place-status]").first).to_contain_text("Kharkiv chosen")
        page.wait_for_timeout(500)  # the map flies to the place
        tools = page.locator(".place-tools").first
        tools.screenshot(path=shots / "incident-place-picker-phone.png")
        # typed coordinates still win (the exact spot of the hospital)
        page.locator("#new-lat").fill("49.9935")
        page.locator("#new-lon").fill("36.2304")
        page.get_by_role("button", name="Record the incident").click()
        expect(page.get_by_role("status")).to_contain_text("The incident was recorded.")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Missile strike on the regional hospital"
        )
        expect(page.get_by_text("2–4 killed")).to_be_visible()
        expect(page.get_by_text("Kharkiv Oblast").first).to_be_visible()
        incident_url = page.url.split("?")[0]
        # link the verified photo, start verification, propose "verified"
        # the picker: the photo by its thumbnail, ticked; no hash to copy
        picker = page.locator("#evidence-picker")
        thumbnail = picker.get_by_role("img", name="Thumbnail of p21.jpg")
        expect(thumbnail).to_be_visible()
        assert loaded_width(thumbnail) == 160
        picker.scroll_into_view_if_needed()
        page.screenshot(path=shots / "incident-evidence-picker-phone.png", full_page=True)
        picker.get_by_role("checkbox", name="p21.jpg").check()
        page.get_by_label("Role").select_option("primary")
        page.get_by_role("button", name="Link the ticked items").click()
        expect(page.get_by_role("status")).to_contain_text("The evidence item was linked.")
        expect(page.locator(f'.evidence-list a[href="/evidence/{sha}"]').first).to_be_visible()
        expect(page.get_by_text("1 independent source")).to_be_visible()
        page.get_by_role("button", name="Start verification").click()
        page.get_by_label("verified", exact=True).check()
        page.get_by_label("Notes for the reviewer").fill("geolocated and chronolocated photo")
        page.get_by_role("button", name="Submit for review").click()
        expect(page.get_by_text("awaiting a second verifier")).to_be_visible()
        page.screenshot(path=shots / "incident-in-review-phone.png", full_page=True)
        # a verifier finds it in the review queue and approves it (not vera: she wrote the
        # verification records of its evidence, so she is one of its authors)
        reviewer = context(viewport=PHONE)
        _sign_in(reviewer, server, "vlad")
        reviewer.goto(server + "/review")
        expect(reviewer.get_by_role("heading", name="Incidents to review (1)")).to_be_visible()
        reviewer.screenshot(path=shots / "review-queue-phone.png", full_page=True)
        reviewer.get_by_role("link", name="Missile strike on the regional hospital").click()
        reviewer.get_by_role("radio", name="Approve").check()
        reviewer.get_by_role("button", name="Record my decision").click()
        expect(reviewer.get_by_role("status")).to_contain_text("You approved")
        # a publisher publishes it
        publisher = context(viewport=PHONE)
        _sign_in(publisher, server, "pat")
        publisher.goto(incident_url)
        publisher.get_by_role("button", name="Publish this incident").click()
        expect(publisher.get_by_role("status")).to_contain_text("The incident is now public.")
        publisher.screenshot(path=shots / "incident-published-phone.png", full_page=True)
        # list and timeline at phone width
        publisher.goto(server + "/incidents")
        expect(publisher.get_by_role("heading", name="32 incidents")).to_be_visible()
        publisher.screenshot(path=shots / "incidents-list-phone.png", full_page=True)
        publisher.goto(server + "/incidents/timeline?by=month")
        expect(publisher.get_by_role("heading", name="March 2022")).to_be_visible()
        publisher.screenshot(path=shots / "incidents-timeline-phone.png", full_page=True)
        # the map: clustered markers from the GeoJSON API, popups as text
        map_page = context(viewport={"width": 1280, "height": 900})
        _sign_in(map_page, server, "ivan")
        map_page.goto(server + "/incidents/map")
        expect(map_page.locator("#map-status")).to_contain_text(
            "32 incidents in this part of the map"
        )
        clusters = map_page.locator(".marker-cluster")
        expect(clusters.first).to_be_visible()
        assert clusters.count() >= 1
        total = sum(int(t) for t in clusters.all_inner_texts())
        lone = map_page.locator(".leaflet-marker-pane .leaflet-marker-icon:not(.marker-cluster)")
        assert total + lone.count() == 32
        lviv = map_page.locator(f'.leaflet-marker-icon[title="{XSS_TITLE}"]')
        expect(lviv).to_have_count(1)
        lviv.click()
        popup = map_page.locator(".leaflet-popup-content")
        expect(popup).to_contain_text(XSS_TITLE)  # the markup is shown as text
        assert popup.locator("img").count() == 0
        assert map_page.title() != "1"
        map_page.wait_for_timeout(500)  # the popup fades in
        # the offline basemap: borders, rivers, and the cities' names (no tile server here)
        expect(map_page.locator("#incident-map")).to_have_attribute("data-basemap", "offline")
        expect(map_page.locator(".map-label", has_text="Kyiv")).to_be_visible()
        map_page.screenshot(path=shots / "incidents-map.png")
        # filters go to the API too: only verified ones
        map_page.goto(server + "/incidents/map?status=verified")
        expect(map_page.locator("#map-status")).to_contain_text("1 incident in this part")
        map_page.set_viewport_size(PHONE)
        map_page.goto(server + "/incidents/map")
        expect(map_page.locator("#map-status")).to_contain_text("incidents in this part")
        map_page.screenshot(path=shots / "incidents-map-phone.png", full_page=True)
        # without the basemap's data (a proxy dropping it) the markers stay, on plain ground
        map_page.route("**/map/basemap/**", lambda route: route.abort())
        map_page.goto(server + "/incidents/map")
        expect(map_page.locator("#map-status")).to_contain_text("incidents in this part")
        expect(map_page.locator("#incident-map")).to_have_attribute("data-basemap", "failed")
        map_page.screenshot(path=shots / "incidents-map-no-basemap-phone.png", full_page=True)
        map_page.unroute("**/map/basemap/**")
        # without JavaScript the map page is a list with coordinates
        plain = browser.new_context(java_script_enabled=False, viewport=PHONE).new_page()
        _sign_in(plain, server, "ivan")
        plain.goto(server + "/incidents/map?object=hospital")
        expect(plain.locator("#incident-map")).to_be_hidden()
        expect(plain.get_by_text("49.99350, 36.23040").first).to_be_visible()
        expect(
            plain.get_by_role("link", name="Missile strike on the regional hospital")
        ).to_be_visible()
        plain.screenshot(path=shots / "incidents-map-no-javascript-phone.png", full_page=True)
        plain.goto(incident_url)
        plain.screenshot(path=shots / "incident-page-no-javascript-phone.png", full_page=True)
        # without JavaScript: ivan proposes a change to the published incident; it waits for
        # review and the public page keeps the published title
        plain.get_by_text("Propose a change to this incident").click()
        plain.locator("#edit-title").fill("Missile strike on the maternity ward")
        plain.locator("#edit-killed").fill("3-5")
        plain.get_by_role("button", name="Propose the change for review").click()
        expect(plain.get_by_role("status")).to_contain_text("waits for a second verifier")
        change = plain.locator("#change")
        expect(change).to_contain_text("proposed by ivan")
        expect(change.locator("del").first).to_have_text("Missile strike on the regional hospital")
        expect(change.locator("ins").first).to_have_text("Missile strike on the maternity ward")
        expect(plain.get_by_role("heading", level=1)).to_have_text(
            "Missile strike on the regional hospital"
        )
        plain.screenshot(path=shots / "incident-change-in-review-phone.png", full_page=True)
        checker = browser.new_context(java_script_enabled=False, viewport=DESKTOP).new_page()
        _sign_in(checker, server, "vlad")
        checker.goto(server + "/review")
        expect(checker.get_by_role("heading", name="Changes to review (1)")).to_be_visible()
        checker.get_by_role("link", name="Missile strike on the regional hospital").click()
        checker.screenshot(path=shots / "incident-change-in-review.png", full_page=True)
        checker.locator("#change").get_by_role("radio", name="Approve").check()
        checker.locator("#change").get_by_role("button", name="Record my decision").click()
        expect(checker.get_by_role("status")).to_contain_text("publishes the change as a")
        public_page = browser.new_context(java_script_enabled=False).new_page()
        public_page.goto(incident_url.replace("/incidents/", "/public/incidents/"))
        expect(public_page.get_by_role("heading", level=1)).to_have_text(
            "Missile strike on the regional hospital"
        )
        publisher.goto(incident_url)
        publisher.get_by_label("What was corrected?").fill("The target was the maternity ward.")
        publisher.get_by_role("button", name="Publish the correction").click()
        expect(publisher.get_by_role("status")).to_contain_text("The correction notice")
        public_page.reload()
        expect(public_page.get_by_role("heading", level=1)).to_have_text(
            "Missile strike on the maternity ward"
        )
        expect(public_page.get_by_text("The target was the maternity ward.").first).to_be_visible()
        browser.close()
    assert not errors, errors

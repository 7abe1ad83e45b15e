"""Issue 15's last points in headless Chromium against the app served by uvicorn: the
situation report as a page of the app (menu, period form, PDF download, a phone's width),
a redaction whose face box the reviewer removed read back in words with plural forms (in
English and Ukrainian), the item page's map on the offline basemap, and a map drawn from
the operator's PMTiles archive. Screenshots go to the test's folder (and
$CIVWATCH_SCREENSHOTS when set) for a person to look at."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from civwatch.accounts.credentials import set_password
from civwatch.evidence.ingest import SourceInfo, ingest_paths
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, link_evidence
from civwatch.workspace import Workspace
from tests.incidents.helpers import incident_doc, seed_cache, team  # noqa: F401
from tests.publish.published import published_incident, verified_item
from tests.publish.test_redaction import astronaut_jpeg
from tests.support.browser import CHROMIUM, watched_page
from tests.support.live import live_server, screenshot_dir
from tests.support.pmtiles import write_archive

pytest.importorskip("playwright.sync_api", reason="needs playwright (dev dependency)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium"),
]
PASSWORD = "a long password for the test"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def server(team: Workspace, cli_env: dict[str, str], gazetteer_cache: Path) -> Iterator[str]:  # noqa: F811
    seed_cache(gazetteer_cache, team.settings.data_dir)
    for name in ("ivan", "pat"):
        set_password(team, name, PASSWORD, actor="ada")
    with live_server(cli_env) as url:
        yield url


def _sign_in(page: Any, server: str, name: str) -> None:
    page.goto(server + "/signin")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server + "/")


def _fits(page: Any, width: int) -> None:
    """Nothing reaches past the right edge of a ``width`` screen (no sideways scrolling)."""
    wide = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert wide <= width, f"the page is {wide} px wide on a {width} px screen"


def test_situation_report_is_a_page_with_a_period_form_and_a_pdf_button(
    chromium: Any,
    team: Workspace,  # noqa: F811
    places: Gazetteer,
    server: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    sha = verified_item(team, tmp_path / "a", seed=2)
    published_incident(
        team,
        places,
        sha,
        title="Shelling of a market in Kherson",
        lat=46.6354,
        lon=32.6169,
        incident_type="shelling",
        objects=["market"],
        casualties={"killed": {"min": 5, "max": 7, "source": "Police"}},
    )
    sha2 = verified_item(team, tmp_path / "b", seed=3)
    published_incident(
        team,
        places,
        sha2,
        title="Drone attack on a bus stop",
        start=datetime(2022, 3, 20, 8, tzinfo=UTC),
        casualties={},
    )
    shots = screenshot_dir(tmp_path)
    errors: list[str] = []
    page = watched_page(chromium, errors, viewport=DESKTOP)
    _sign_in(page, server, "pat")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Situation report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Situation report")
    page.get_by_label("From").fill("2022-03-01")
    page.get_by_label("To (included)").fill("2022-03-31")
    page.get_by_role("button", name="Show the report").click()
    expect(page).to_have_url(re.compile(r"/sitrep\?from=2022-03-01&to=2022-03-31"))
    report = page.get_by_role("article")
    expect(report).to_contain_text("Shelling of a market in Kherson")
    expect(report).to_contain_text("Drone attack on a bus stop")
    expect(report.get_by_role("img").first).to_be_visible()  # a chart
    page.screenshot(path=shots / "sitrep-desktop.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    pdf = download.value
    assert pdf.suggested_filename == "sitrep-2022-03-01-to-2022-03-31.en.pdf"
    assert Path(pdf.path()).read_bytes().startswith(b"%PDF-")
    # a wrong period comes back as the page with the reason
    page.get_by_label("To (included)").fill("2022-02-01")
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("alert")).to_contain_text("before its first day")
    # a phone: the menu folds, the report's tables become one block per incident
    phone = watched_page(chromium, errors, viewport=PHONE)
    _sign_in(phone, server, "pat")
    phone.locator("label.menu-button").click()
    phone.get_by_role("link", name="Situation report").click()
    phone.get_by_label("From").fill("2022-03-01")
    phone.get_by_label("To (included)").fill("2022-03-31")
    phone.get_by_role("button", name="Show the report").click()
    expect(phone.get_by_role("article")).to_contain_text("Shelling of a market in Kherson")
    _fits(phone, PHONE["width"])
    phone.screenshot(path=shots / "sitrep-phone.png", full_page=True)
    phone.goto(server + "/language?lang=uk&next=" + "/sitrep%3Ffrom%3D2022-03-01%26to%3D2022-03-31")
    expect(phone.get_by_role("button", name="Завантажити PDF")).to_be_visible()
    expect(phone.get_by_role("article")).to_contain_text("Методологія")
    _fits(phone, PHONE["width"])
    phone.screenshot(path=shots / "sitrep-phone-uk.png", full_page=True)
    assert errors == []


def test_a_removed_face_box_reads_as_removed_and_the_item_map_has_a_basemap(
    chromium: Any,
    team: Workspace,  # noqa: F811
    places: Gazetteer,
    server: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    (tmp_path / "in").mkdir()
    face = astronaut_jpeg(tmp_path / "in" / "astronaut.jpg")
    (outcome,) = ingest_paths(team, [face], source=SourceInfo(), collector="ivan")
    face_sha = outcome.sha256
    assert face_sha is not None
    incident = create_incident(team, incident_doc(), actor="ivan", places=places)
    link_evidence(team, incident["id"], face_sha, role="primary", actor="ivan")
    located = verified_item(team, tmp_path / "gps", seed=4)  # a photo with GPS in its EXIF
    shots = screenshot_dir(tmp_path)
    errors: list[str] = []
    page = watched_page(chromium, errors, viewport=DESKTOP)
    _sign_in(page, server, "ivan")
    page.goto(f"{server}/evidence/{face_sha}")
    section = page.locator("#redaction")
    boxes = section.locator(".draw-stage .box.face")
    expect(boxes.first).to_be_visible(timeout=60_000)  # the finder runs on the server
    found = boxes.count()
    status = section.locator(".draw-status")
    expect(status).to_contain_text(
        "The face finder found 1 face." if found == 1 else f"The face finder found {found} faces."
    )
    section.get_by_role("button", name="Remove this face box").last.click()
    expect(boxes).to_have_count(found - 1)
    expect(status).to_contain_text("the record will say you removed it")
    stage = section.get_by_role("img", name="The picture to redact: drag over an area to blur it")
    stage.scroll_into_view_if_needed()
    drawn = stage.bounding_box()
    assert drawn is not None
    page.mouse.move(drawn["x"] + 10, drawn["y"] + drawn["height"] - 60)
    page.mouse.down()
    page.mouse.move(drawn["x"] + 90, drawn["y"] + drawn["height"] - 10, steps=5)
    page.mouse.up()
    expect(section.get_by_label("Areas to blur by hand")).to_have_value(
        re.compile(r"^\d+,\d+,\d+,\d+$")
    )
    section.screenshot(path=shots / "redaction-face-removed.png")
    section.get_by_role("button", name="Make the draft").click()
    expect(page.get_by_role("status").first).to_be_visible(timeout=120_000)
    made = page.locator("#redaction article").first
    # (the finder runs again on the original, not the preview: it may blur one face more
    # than the preview showed, never fewer than the reviewer kept)
    faces_line = made.locator("dt:has-text('Faces') + dd")
    expect(faces_line).to_contain_text(
        re.compile(
            r"^(1 face|[02-9] faces) found and blurred; "
            r"1 more found and removed by the reviewer \(not blurred\)"
        )
    )
    blurred = int(faces_line.inner_text().split()[0])
    assert blurred >= found - 1
    expect(faces_line).to_contain_text("Removed by the reviewer:")
    expect(made.locator("dt:has-text('Blurred by hand') + dd")).to_contain_text("1 area: ")
    steps = made.locator("ul.actions")
    expect(steps).to_contain_text("1 face box removed by the reviewer, not blurred")
    expect(steps).to_contain_text("1 area blurred by hand")
    assert "(s)" not in made.inner_text() and "(es)" not in made.inner_text()
    made.screenshot(path=shots / "redaction-record-en.png")
    page.goto(server + f"/language?lang=uk&next=/evidence/{face_sha}")
    made = page.locator("#redaction article").first
    expect(made.locator("ul.actions")).to_contain_text("рецензент прибрав 1 рамку обличчя")
    expect(made.locator("ul.actions")).to_contain_text("1 ділянку розмито вручну")
    expect(made).to_contain_text("обличчя знайдено й розмито")
    made.screenshot(path=shots / "redaction-record-uk.png")
    page.goto(server + f"/language?lang=en&next=/evidence/{located}")
    # the EXIF location's map: the offline basemap (borders, rivers, town names)
    item_map = page.locator("#item-map")
    expect(item_map).to_have_attribute("data-basemap", "offline", timeout=20_000)
    expect(item_map).to_have_attribute("data-labels", "1", timeout=20_000)
    expect(item_map.locator(".map-label").first).to_be_visible()
    expect(item_map.locator("path.leaflet-interactive")).to_have_count(1)  # the point
    item_map.scroll_into_view_if_needed()
    item_map.screenshot(path=shots / "item-map-offline.png")
    page.set_viewport_size(PHONE)
    item_map.scroll_into_view_if_needed()
    _fits(page, PHONE["width"])
    item_map.screenshot(path=shots / "item-map-offline-phone.png")
    assert errors == []


def _water_pixels(png: bytes) -> int:
    """Pixels of protomaps' light water colour (#80deea) in a screenshot."""
    with Image.open(io.BytesIO(png)) as shot:
        rgb = shot.convert("RGB")
        return sum(
            count
            for count, (r, g, b) in rgb.getcolors(1 << 20) or ()
            if abs(r - 0x80) < 6 and abs(g - 0xDE) < 6 and abs(b - 0xEA) < 6
        )


def test_the_map_draws_the_operators_pmtiles_archive(
    chromium: Any,
    team: Workspace,  # noqa: F811
    places: Gazetteer,
    cli_env: dict[str, str],
    gazetteer_cache: Path,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    archive = write_archive(tmp_path / "ukraine.pmtiles")
    seed_cache(gazetteer_cache, team.settings.data_dir)
    set_password(team, "ivan", PASSWORD, actor="ada")
    create_incident(team, incident_doc(), actor="ivan", places=places)
    shots = screenshot_dir(tmp_path)
    errors: list[str] = []
    ranges: list[int] = []
    with live_server({**cli_env, "CIVWATCH_MAP_PMTILES_PATH": str(archive)}) as server:
        page = watched_page(chromium, errors, viewport=DESKTOP)
        page.on(
            "response",
            lambda r: ranges.append(r.status) if r.url.endswith("/map/tiles.pmtiles") else None,
        )
        _sign_in(page, server, "ivan")
        page.goto(server + "/incidents/map")
        box = page.locator("#incident-map")
        expect(box).to_have_attribute("data-basemap", "pmtiles", timeout=20_000)
        expect(box.locator("canvas").first).to_be_visible(timeout=20_000)
        # tiles come from the archive by range requests, and are drawn: water squares
        for _ in range(100):
            if ranges and _water_pixels(box.screenshot()) > 500:
                break
            page.wait_for_timeout(200)
        assert ranges and set(ranges) <= {206}, ranges
        assert _water_pixels(box.screenshot()) > 500, "no tile of the archive was drawn"
        page.screenshot(path=shots / "incidents-map-pmtiles.png", full_page=True)
        # the offline basemap's layers are not fetched when an archive is configured
        assert not page.locator("#incident-map.basemap-offline").count()
    assert errors == []

"""The item page, the custody log and the account page in headless Chromium against the app
served by uvicorn: the EXIF map draws (no CSP violation), the preview loads, a verification
record is added with the form, and a second factor is set up from the shown secret."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from PIL import Image, ImageOps
from skimage import data

from civwatch.accounts.credentials import set_password
from civwatch.accounts.service import add_user
from civwatch.evidence.collect import Candidate
from civwatch.evidence.copies import hash_pending
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.workspace import Workspace
from tests.support.browser import CHROMIUM, loaded_width
from tests.support.files import photo
from tests.support.live import live_server, screenshot_dir

pytest.importorskip("playwright.sync_api", reason="needs playwright (dev dependency)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium"),
]
PASSWORD = "ivan's long password"


@pytest.fixture
def server(workspace: Workspace, cli_env: dict[str, str]) -> Iterator[str]:
    with live_server(cli_env) as url:
        yield url


def test_item_page_map_preview_record_and_totp_setup(
    workspace: Workspace, server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    add_user(workspace, "root", "Root", ["admin"], actor=None)
    add_user(workspace, "ivan", "Ivan", ["investigator"], actor="root")
    set_password(workspace, "ivan", PASSWORD, actor="root")
    path = photo(tmp_path / "strike.jpg", lat=49.99, lon=36.23)
    (outcome,) = Ingest(workspace, source=SourceInfo(caption="<b>x</b>"), collector="ivan").run(
        [Candidate(path, path.name)]
    )
    sha = outcome.sha256
    astronaut = tmp_path / "astronaut.jpg"
    Image.fromarray(data.astronaut()).save(astronaut, "JPEG", quality=90)
    (face,) = Ingest(workspace, source=SourceInfo(), collector="ivan").run(
        [Candidate(astronaut, astronaut.name)]
    )
    face_sha = face.sha256
    with Image.open(path) as shot:
        ImageOps.mirror(shot).save(tmp_path / "mirrored.jpg", "JPEG", quality=85)
    list(
        Ingest(workspace, source=SourceInfo(), collector="ivan").run(
            [Candidate(tmp_path / "mirrored.jpg", "mirrored.jpg")]
        )
    )
    hash_pending(workspace)
    shots = screenshot_dir(tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        problems: list[str] = []
        page.on(
            "console",
            lambda m: problems.append(m.text) if m.type == "error" else None,
        )
        page.goto(f"{server}/evidence/{sha}")
        page.get_by_label("Username").fill("ivan")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="strike.jpg")).to_be_visible()
        expect(page.locator("#item-map.leaflet-container")).to_be_visible()
        expect(page.locator("#item-map path.leaflet-interactive")).to_have_count(1)
        preview = page.get_by_role("img", name="Preview of strike.jpg")
        expect(preview).to_be_visible()
        assert loaded_width(preview) == 1024
        page.screenshot(path=shots / "item-phone.png", full_page=True)
        page.get_by_label("Account that published it").fill("@kharkiv_news")
        page.get_by_role("button", name="Add source record").click()
        expect(page.get_by_role("status")).to_contain_text("Verification record added.")
        expect(page.get_by_text("@kharkiv_news").first).to_be_visible()
        # redaction: drag an area on the picture; it joins the typed list, and goes again
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{server}/evidence/{sha}")
        stage = page.get_by_role("img", name="The picture to redact: drag over an area to blur it")
        expect(stage).to_be_visible()
        assert loaded_width(stage) == 1024
        # the face finder runs on the server (seconds on a busy machine)
        expect(page.locator(".draw-status")).to_contain_text("face finder", timeout=60_000)
        stage.scroll_into_view_if_needed()
        drawn = stage.bounding_box()
        assert drawn is not None
        page.mouse.move(drawn["x"] + 30, drawn["y"] + 30)
        page.mouse.down()
        page.mouse.move(drawn["x"] + 160, drawn["y"] + 110, steps=6)
        page.mouse.up()
        areas = page.get_by_label("Areas to blur by hand")
        expect(areas).to_have_value(re.compile(r"^\d+,\d+,\d+,\d+$"))
        expect(page.locator(".draw-stage .box.area")).to_have_count(1)
        page.locator("#redaction").screenshot(path=shots / "redaction-draw.png")
        page.get_by_role("button", name="Remove this area").click()
        expect(areas).to_have_value("")
        # a photo with a face: the finder's boxes are drawn, each can be removed
        page.goto(f"{server}/evidence/{face_sha}")
        faces = page.locator(".draw-stage .box.face")
        expect(faces.first).to_be_visible(timeout=60_000)
        found = faces.count()
        page.locator("#redaction").screenshot(path=shots / "redaction-faces.png")
        page.get_by_role("button", name="Remove this face box").last.click()
        expect(faces).to_have_count(found - 1)
        page.set_viewport_size({"width": 390, "height": 844})
        page.locator("#redaction").screenshot(path=shots / "redaction-faces-phone.png")
        # the inbox shows thumbnails (160 px from the preview), lazy-loaded, with alt text
        page.goto(f"{server}/")
        thumb = page.get_by_role("img", name="Thumbnail of strike.jpg")
        expect(thumb).to_be_visible()
        # Thumbnails load lazily: on a phone the inbox's forms (upload, chat export, web
        # capture) push the list below the fold, so scroll to it as a person would.
        thumb.scroll_into_view_if_needed()
        assert loaded_width(thumb) == 160
        page.screenshot(path=shots / "inbox-thumbnails-phone.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 800})
        page.screenshot(path=shots / "inbox-thumbnails.png", full_page=True)
        # the copies of strike.jpg read as words, with thumbnails
        page.goto(f"{server}/evidence/{sha}")
        copies = page.locator("section", has=page.locator("#copies-title"))
        expect(copies).to_contain_text("mirrored.jpg: the same photo, mirrored")
        # (the thumbnail's link is hidden from screen readers: the name's link follows it)
        copy_thumb = copies.locator('img[alt="Thumbnail of mirrored.jpg"]')
        expect(copy_thumb).to_be_visible()
        assert loaded_width(copy_thumb) == 160
        copies.screenshot(path=shots / "item-copies.png")
        page.set_viewport_size({"width": 390, "height": 844})
        copies.screenshot(path=shots / "item-copies-phone.png")
        page.goto(f"{server}/custody?item={sha[:10]}")
        expect(page.get_by_role("heading", name="Signed tree head")).to_be_visible()
        page.screenshot(path=shots / "custody-phone.png", full_page=True)
        page.goto(f"{server}/account")
        page.get_by_role("button", name="Set up an authenticator").click()
        secret = page.locator("code.shown-totp").inner_text()
        expect(
            page.get_by_role("img", name="QR code of your new second-factor secret")
        ).to_be_visible()
        page.screenshot(path=shots / "account-totp-phone.png", full_page=True)
        page.get_by_label("The 6-digit code the app shows now").fill(pyotp.TOTP(secret).now())
        page.get_by_label("Your password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Confirm the new second factor").click()
        expect(page.get_by_role("status")).to_contain_text("second factor is in force")
        browser.close()
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems

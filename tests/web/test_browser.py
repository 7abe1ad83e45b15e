"""The pages in a real browser (headless Chromium) against the app served by uvicorn:
sign in with a TOTP code, upload three files with the form, see the copy flagged.

Screenshots are saved in the test's folder (and in $CIVWATCH_SCREENSHOTS when set) so a
person can look at them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from civwatch.accounts.bootstrap import ensure_demo_admin
from civwatch.accounts.service import add_user
from civwatch.workspace import Workspace
from tests.support.browser import CHROMIUM
from tests.support.files import noise_jpeg, photo
from tests.support.live import live_server, screenshot_dir

pytest.importorskip("playwright.sync_api", reason="needs playwright (dev dependency)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium"),
]


@pytest.fixture
def server(workspace: Workspace, cli_env: dict[str, str]) -> Iterator[str]:
    with live_server(cli_env) as url:
        yield url


def test_sign_in_with_totp_upload_three_files_and_see_the_copy(
    workspace: Workspace, server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    creds = ensure_demo_admin(workspace)
    assert creds is not None
    add_user(workspace, "ivan", "Ivan Investigator", ["investigator"], actor="demo-admin")
    from civwatch.accounts.credentials import set_password

    set_password(workspace, "ivan", "ivan's long password", actor="demo-admin")
    original = photo(tmp_path / "strike-kharkiv.jpg", seed=5)
    from PIL import Image

    Image.open(original).resize((800, 600)).save(tmp_path / "repost.jpg", "JPEG", quality=65)
    other = noise_jpeg(tmp_path / "<b>odesa<b>.jpg", seed=9)
    shots = screenshot_dir(tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server + "/")
        expect(page).to_have_url(server + "/signin?next=%2F")
        page.screenshot(path=shots / "signin.png", full_page=True)
        expect(page.get_by_role("link", name="Public site")).to_have_attribute("href", "/public")
        # the admin needs the code from their authenticator
        page.get_by_label("Username").fill(str(creds["username"]))
        page.get_by_label("Password").fill(str(creds["password"]))
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("Wrong username, password or code")
        page.screenshot(path=shots / "signin-error.png", full_page=True)
        page.get_by_label("Password").fill(str(creds["password"]))
        page.get_by_label("Authenticator code").fill(pyotp.TOTP(creds["totp_secret"]).now())
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Evidence inbox")).to_be_visible()
        expect(page.get_by_text("Add evidence")).to_have_count(0)  # admins do not upload
        # the admin changes ivan's roles: a form per user, disabling looks destructive
        page.goto(server + "/admin/users")
        page.get_by_text("Change the roles of ivan").click()
        page.get_by_role("group", name="Roles of ivan").get_by_label("verifier").check()
        page.screenshot(path=shots / "admin-users-roles.png", full_page=True)
        page.get_by_role("button", name="Save the roles of ivan").click()
        expect(page.get_by_role("status")).to_contain_text("The roles are changed")
        disable = page.get_by_role("button", name="Disable ivan")
        assert disable.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(164, 22, 26)"
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=shots / "admin-users-phone.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(server + "/signin")
        # an investigator uploads three files; the repost is flagged as a copy
        page.get_by_label("Username").fill("ivan")
        page.get_by_label("Password").fill("ivan's long password")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Files").set_input_files([original, tmp_path / "repost.jpg", other])
        page.get_by_label("Caption or notes").fill("Strike on a school, <i>Kharkiv</i>")
        page.get_by_label("Platform (e.g. Telegram)").fill("Telegram")
        page.get_by_label("Account that published it").fill("@kharkiv_news")
        page.get_by_label("Post id on the platform").fill("1234")
        page.get_by_role("button", name="Upload").click()
        result = page.get_by_role("status")
        expect(page.get_by_role("progressbar", name="Upload progress")).to_be_visible()
        expect(result).to_contain_text("strike-kharkiv.jpg: ingested")
        expect(result).to_contain_text("copy of 1 other item")
        expect(result).to_contain_text("<b>odesa<b>.jpg")  # shown as text, not markup
        page.screenshot(path=shots / "inbox-uploaded.png", full_page=True)
        # each file's outcome leads to its item page (not the JSON API), with the source
        expect(result.locator('a[href^="/api/"]')).to_have_count(0)
        result.get_by_role("link", name="item").first.click()
        expect(page.get_by_role("cell", name="Telegram @kharkiv_news post 1234")).to_be_visible()
        page.go_back()
        page.get_by_label("Search names, captions and sources").fill("odesa")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_role("heading", name="1 item matching")).to_be_visible()
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=shots / "inbox-search-phone.png", full_page=True)
        # on a phone the top menu folds behind "Menu" (a box: no JavaScript needed)
        nav = page.get_by_role("navigation", name="Main")
        expect(nav).to_be_hidden()
        page.get_by_text("Menu", exact=True).click()
        expect(nav.get_by_role("link", name="Custody log")).to_be_visible()
        page.screenshot(path=shots / "menu-open-phone.png")
        page.set_viewport_size({"width": 1280, "height": 900})
        expect(nav).to_be_visible()
        assert page.locator('link[rel="icon"]').get_attribute("href") == "/static/favicon.svg"
        assert page.request.get(server + "/static/favicon.svg").ok
        # without JavaScript the same form posts and the page shows the result
        plain = browser.new_context(java_script_enabled=False).new_page()
        plain.goto(server + "/signin")
        plain.get_by_label("Username").fill("ivan")
        plain.get_by_label("Password").fill("ivan's long password")
        plain.get_by_role("button", name="Sign in").click()
        plain.get_by_label("Files").set_input_files([original])
        plain.get_by_role("button", name="Upload").click()
        expect(plain.get_by_role("status")).to_contain_text("strike-kharkiv.jpg: duplicate")
        expect(plain.get_by_role("status")).to_contain_text("already held")
        plain.screenshot(path=shots / "inbox-no-javascript.png", full_page=True)
        browser.close()

"""Publishing in a real browser (headless Chromium) against the app served by uvicorn:
an investigator makes a redacted copy of a photo with a region blurred by hand, a publisher
sees the warning that it would not be shown, approves it, publishes, coarsens the public
location, records a correction and withdraws the incident. Screenshots of the redaction and
publication sections (phone and desktop widths) are saved for a person to look at (in
$CIVWATCH_SCREENSHOTS when set)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from civwatch.accounts.credentials import set_password
from civwatch.accounts.service import add_user
from civwatch.evidence.ingest import SourceInfo, ingest_paths
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, link_evidence
from civwatch.incidents.workflow import review_incident, set_incident_status
from civwatch.workspace import Workspace
from tests.incidents.helpers import incident_doc, seed_cache, verify_item
from tests.publish.test_redaction import astronaut_jpeg
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


@pytest.fixture
def server(workspace: Workspace, cli_env: dict[str, str], gazetteer_cache: Path) -> Iterator[str]:
    seed_cache(gazetteer_cache, workspace.settings.data_dir)
    with live_server(cli_env) as url:
        yield url


def _seed(ws: Workspace, folder: Path, places: Gazetteer) -> tuple[int, str]:
    """Users and a verified, internal incident whose evidence is a photo of a face."""
    add_user(ws, "boss", "Admin", ["admin"], actor=None)
    for name, role in (("ivan", "investigator"), ("vera", "verifier"), ("vlad", "verifier")):
        add_user(ws, name, name.title(), [role], actor="boss")
    add_user(ws, "pat", "Pat Publisher", ["publisher"], actor="boss")
    for name in ("ivan", "pat"):
        set_password(ws, name, PASSWORD, actor="boss")
    folder.mkdir(parents=True)
    path = astronaut_jpeg(folder / "astronaut.jpg")
    (outcome,) = ingest_paths(ws, [path], source=SourceInfo(), collector="ivan")
    sha = outcome.sha256
    assert sha is not None
    verify_item(ws, sha, author="vera", reviewer="vlad")
    incident = create_incident(ws, incident_doc(), actor="ivan", places=places)
    link_evidence(ws, incident["id"], sha, role="primary", actor="ivan")
    set_incident_status(ws, incident["id"], "under_verification", actor="vera")
    set_incident_status(ws, incident["id"], "verified", actor="vera")
    review_incident(ws, incident["id"], "approve", actor="vlad")
    return incident["id"], sha


def _sign_in(page: Any, server: str, name: str) -> None:
    page.goto(server + "/signin")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server + "/")


def test_redact_approve_and_publish_in_the_browser(
    workspace: Workspace, server: str, tmp_path: Path, places: Gazetteer
) -> None:
    from playwright.sync_api import expect, sync_playwright

    incident_id, sha = _seed(workspace, tmp_path / "photos", places)
    item_url = f"{server}/evidence/{sha}"
    incident_url = f"{server}/incidents/{incident_id}"
    shots = screenshot_dir(tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        errors: list[str] = []

        def context(**kw: Any) -> Any:
            return watched_page(browser, errors, **kw)

        # the investigator makes a draft with a region blurred by hand (phone width)
        ivan = context(viewport=PHONE)
        _sign_in(ivan, server, "ivan")
        ivan.goto(item_url)
        section = ivan.locator("#redaction")
        expect(section.get_by_label("Find and blur faces")).to_be_checked()
        section.get_by_label("Areas to blur by hand").fill("10,400,100,60\n300,20,x")
        section.get_by_role("button", name="Make the draft").click()
        expect(ivan.get_by_role("alert")).to_contain_text("Region line 2")
        expect(ivan.locator("#redaction").get_by_label("Areas to blur by hand")).to_have_value(
            "10,400,100,60\n300,20,x"
        )
        ivan.locator("#redaction").get_by_label("Areas to blur by hand").fill("10,400,100,60")
        ivan.locator("#redaction").get_by_label("Graphic content").check()
        ivan.locator("#redaction").get_by_role("button", name="Make the draft").click()
        expect(ivan.get_by_role("status")).to_contain_text("A draft redacted copy was made")
        expect(ivan.get_by_role("heading", name="Redacted copy 1")).to_be_visible()
        expect(ivan.get_by_role("img", name="Redacted copy 1 of this item")).to_be_visible()
        ivan.locator("#redaction").screenshot(path=shots / "item-redaction-draft-phone.png")

        # the publisher: the incident warns that the photo would not be shown
        pat = context(viewport=DESKTOP)
        _sign_in(pat, server, "pat")
        pat.goto(incident_url)
        warning = pat.locator("#unredacted-warning")
        expect(warning).to_contain_text("1 linked photo or video will not be shown")
        pat.locator("#publication").screenshot(path=shots / "incident-publication-warning.png")
        warning.get_by_role("link").click()
        expect(pat.get_by_role("button", name="Approve redacted copy 1")).to_be_visible()
        img = pat.get_by_role("img", name="Redacted copy 1 of this item")
        expect(img).to_be_visible()
        assert loaded_width(img) == 512
        pat.locator("#redaction").screenshot(path=shots / "item-redaction-approve.png")
        pat.get_by_label("Note on your check").fill("faces and badge checked")
        pat.get_by_role("button", name="Approve redacted copy 1").click()
        expect(pat.get_by_role("status")).to_contain_text("You approved the redacted copy")
        expect(pat.get_by_text("approved: the public sees this")).to_be_visible()
        pat.locator("#redaction").screenshot(path=shots / "item-redaction-approved.png")

        # publish without a warning, coarsen the location, correct, withdraw
        pat.goto(incident_url)
        expect(pat.locator("#unredacted-warning")).to_have_count(0)
        pat.get_by_label("Note for the public history").fill("First publication")
        pat.get_by_role("button", name="Publish this incident").click()
        expect(pat.get_by_role("status")).to_contain_text("The incident is now public.")
        pat.get_by_label("Precision").select_option("raion")
        pat.locator("#precision-reason").fill("a small street: exact place exposes residents")
        pat.get_by_role("button", name="Change the precision").click()
        expect(pat.get_by_role("status")).to_contain_text("precision changed")
        pat.get_by_label("What was corrected?").fill(
            "Casualty figures updated <b>from the police</b>"
        )
        pat.get_by_role("button", name="Publish the correction").click()
        expect(pat.get_by_role("status")).to_contain_text("correction notice")
        history = pat.locator(".pub-history")
        expect(history).to_contain_text("Casualty figures updated <b>from the police</b>")
        pat.locator("#publication").screenshot(path=shots / "incident-publication-public.png")
        phone = context(viewport=PHONE)
        _sign_in(phone, server, "pat")
        phone.goto(incident_url + "#publication")
        phone.locator("#publication").screenshot(
            path=shots / "incident-publication-public-phone.png"
        )
        pat.locator("#withdraw-reason").fill("The source retracted the photo.")
        pat.get_by_role("button", name="Withdraw").click()
        expect(pat.get_by_role("status")).to_contain_text("withdrawn from the public site")
        expect(history).to_contain_text("withdrawn")
        pat.locator("#publication").screenshot(path=shots / "incident-publication-withdrawn.png")
        browser.close()
    assert not errors, errors

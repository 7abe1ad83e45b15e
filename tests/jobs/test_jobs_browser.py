"""Jobs in a real browser (headless Chromium) against ``civwatch serve``: the inbox upload
shows the transfer, then the job's progress and each file's outcome, then the list
refreshed in place; a job page follows its job until done without reloading."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx2 as httpx
import pytest

from civwatch.accounts.credentials import set_password
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
PASSWORD = "ivan's long password"


def _investigator(ws: Workspace) -> None:
    add_user(ws, "admin", "Admin", ["admin"], actor=None)
    add_user(ws, "ivan", "Ivan Investigator", ["investigator"], actor="admin")
    set_password(ws, "ivan", PASSWORD, actor="admin")


def _sign_in(page: object, server: str) -> None:
    page.goto(server + "/signin")  # type: ignore[attr-defined]
    page.get_by_label("Username").fill("ivan")  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]


def test_inbox_upload_shows_the_job_then_the_refreshed_list(
    workspace: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _investigator(workspace)
    first = photo(tmp_path / "strike-kharkiv.jpg", seed=5)
    other = noise_jpeg(tmp_path / "odesa.jpg", seed=9)
    shots = screenshot_dir(tmp_path)
    with live_server(cli_env) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        _sign_in(page, server)
        expect(page.get_by_role("heading", name="0 items")).to_be_visible()
        page.evaluate("window.notReloaded = true")
        page.get_by_label("Files").set_input_files([first, other])
        page.get_by_role("button", name="Upload").click()
        status = page.get_by_role("status")
        expect(page.get_by_role("progressbar", name="Upload progress")).to_be_visible()
        expect(status).to_contain_text("Upload result", timeout=30_000)
        expect(status).to_contain_text("strike-kharkiv.jpg: ingested")
        expect(status).to_contain_text("odesa.jpg: ingested")
        expect(page.get_by_role("progressbar", name="Processing progress")).to_be_visible()
        # the list below shows the new items without a reload (it used to stay stale)
        expect(page.get_by_role("heading", name="2 items")).to_be_visible()
        assert page.evaluate("window.notReloaded") is True
        page.screenshot(path=shots / "inbox-upload-job-phone.png", full_page=True)
        # the job is listed, and its page shows the outcomes
        status.get_by_role("link", name="job 1").click()
        expect(page.get_by_role("heading", name="Upload of 2 files")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("Job 1: done")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=shots / "job-done.png", full_page=True)
        browser.close()


def test_job_page_follows_a_waiting_job_until_done(
    workspace: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _investigator(workspace)
    shots = screenshot_dir(tmp_path)
    # no job workers in the server: the job waits until a `civwatch worker` starts
    with live_server(cli_env, "--workers", "0") as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        _sign_in(page, server)
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
        assert csrf
        data = photo(tmp_path / "a.jpg", seed=2).read_bytes()
        r = httpx.post(
            server + "/api/v1/evidence",
            files=[("files", ("a.jpg", data, "image/jpeg"))],
            headers={"X-CSRF-Token": csrf},
            cookies=cookies,
        )
        assert r.status_code == 202, r.text
        page.goto(server + r.json()["page"])
        expect(page.get_by_role("status")).to_contain_text("waiting")
        page.screenshot(path=shots / "job-waiting.png", full_page=True)
        page.evaluate("window.notReloaded = true")
        worker = subprocess.Popen(
            [sys.executable, "-m", "civwatch", "worker"],
            env=cli_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            expect(page.get_by_role("status")).to_contain_text("a.jpg: ingested", timeout=30_000)
            expect(page.get_by_role("status")).to_contain_text("done")
            assert page.evaluate("window.notReloaded") is True
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        assert worker.returncode == 0, "the worker stops cleanly on SIGTERM"
        browser.close()

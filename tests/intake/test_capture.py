"""Web captures with a real headless Chromium against a local site (127.0.0.1, allowed
through CIVWATCH_CAPTURE_ALLOW_HOSTS): the page, its redirect, its photo, the WACZ that
validates, the screenshot and HTML, the custody entries, and the refusals. Browser
launches are few: one capture through the command line, one refused redirect, one page
that never finishes loading."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from civwatch.accounts import add_user
from civwatch.config import Settings
from civwatch.errors import ConfigurationError, PermissionDeniedError
from civwatch.i18n import localise
from civwatch.intake.capture import capture_page
from civwatch.intake.capture_ssrf import CaptureRefusedError
from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.intake.site import PHOTO, Site, running_site
from tests.support.tokens import as_user

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"capture_allow_hosts": "127.0.0.1", "capture_media_min_bytes": 1024}
    )


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with running_site() as s:
        yield s


def _team(ws: Workspace, *more: tuple[str, str]) -> None:
    add_user(ws, "admin", "Admin", ["admin"], actor=None)
    add_user(ws, "olena", "Olena", ["investigator"], actor="admin")
    for name, role in more:
        add_user(ws, name, name.title(), [role], actor="admin")


def _entries(ws: Workspace, act: str) -> list[dict[str, object]]:
    from sqlalchemy import text

    with ws.sessions() as session:
        rows = session.execute(text("SELECT entry FROM custody_leaves ORDER BY idx")).all()
    docs = [json.loads(bytes(r[0])) for r in rows]
    return [d for d in docs if d["act"] == act]


def _wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    wacz = shutil.which("wacz") or str(Path(sys.executable).with_name("wacz"))
    return subprocess.run(
        [wacz, "validate", "-f", str(path)], capture_output=True, text=True, timeout=120
    )


def test_a_page_is_captured_through_its_redirect_with_its_photo_archive_and_custody(
    workspace: Workspace, cli_env: dict[str, str], site: Site, tmp_path: Path
) -> None:
    _team(workspace)
    env = {
        **as_user(cli_env, workspace, "olena"),
        "CIVWATCH_CAPTURE_ALLOW_HOSTS": "127.0.0.1",
        "CIVWATCH_CAPTURE_MEDIA_MIN_BYTES": "1024",
    }
    started = time.monotonic()
    proc = run_cli(env, "capture", site.url("/start"), "--json", check=True)
    took = time.monotonic() - started
    doc = json.loads(proc.stdout)
    assert set(doc) == {"url", "final_url", "http_status", "captured_at", "items", "warnings"}
    assert doc["url"] == site.url("/start")
    assert doc["final_url"] == site.url("/page.html")
    assert doc["http_status"] == 200
    kinds = sorted(i["kind"] for i in doc["items"])
    assert kinds == ["html", "media", "screenshot", "wacz"], (kinds, took)
    by_kind = {i["kind"]: i["sha256"] for i in doc["items"]}
    # the photo is kept as it was served; the 4x4 icon is below the size kept apart
    assert by_kind["media"] == hashlib.sha256(PHOTO).hexdigest()
    warnings = "\n".join(doc["warnings"])
    assert "10.255.255.1" in warnings and "private" in warnings
    assert "localhost" in warnings and "loopback" in warnings  # refused after resolution
    assert "fd00:ec2::254" in warnings and "metadata" in warnings  # a picture's redirect
    assert not any("via=name" in p for p in site.asked)  # never fetched by name

    vault = workspace.vault
    html = Path(vault.local_path(by_kind["html"]) or "").read_text(encoding="utf-8")
    assert "CAPTURE-MARKER-7731" in html
    shot = Path(vault.local_path(by_kind["screenshot"]) or "")
    with Image.open(shot) as image:
        assert image.format == "PNG" and image.height >= 2400  # the whole page, scrolled

    wacz = tmp_path / "capture.wacz"
    wacz.write_bytes(Path(vault.local_path(by_kind["wacz"]) or "").read_bytes())
    checked = _wacz_validate(wacz)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "is valid" in checked.stdout
    with zipfile.ZipFile(wacz) as z:
        names = set(z.namelist())
        assert {"archive/data.warc.gz", "indexes/index.cdx", "pages/pages.jsonl"} <= names
        assert z.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").splitlines()]
        assert pages[1]["url"] == site.url("/page.html")
        index = z.read("indexes/index.cdx").decode()
        assert "/photo.png" in index and "/page.html" in index
        from warcio.archiveiterator import ArchiveIterator

        bodies = {
            r.rec_headers.get_header("WARC-Target-URI"): r.content_stream().read()
            for r in ArchiveIterator(io.BytesIO(z.read("archive/data.warc.gz")))
            if r.rec_type == "response"
        }
    assert b"CAPTURE-MARKER-7731" in bodies[site.url("/page.html")]
    assert bodies[site.url("/photo.png")] == PHOTO
    assert bodies[site.url("/start")] == b""  # the redirect itself is archived too

    (capture,) = _entries(workspace, "web-capture")
    assert capture["actor"] == "olena"
    assert capture["final_url"] == site.url("/page.html") and capture["http_status"] == 200
    assert capture["certificate_sha256"] is None  # plain http
    assert str(capture["browser"]).startswith("Chromium ")
    assert {i["sha256"] for i in capture["items"]} == set(by_kind.values())  # type: ignore[union-attr]
    ingested = {e["sha256"]: e for e in _entries(workspace, "ingest")}
    for sha in by_kind.values():
        assert ingested[sha]["actor"] == "olena"
        assert ingested[sha]["source"]["url"] == site.url("/page.html")  # type: ignore[index]
        assert ingested[sha]["source"]["platform"] == "web"  # type: ignore[index]


def test_a_redirect_to_the_metadata_service_is_refused_and_nothing_is_stored(
    workspace: Workspace, site: Site
) -> None:
    _team(workspace)
    with pytest.raises(CaptureRefusedError) as refused:
        capture_page(workspace, site.url("/to-metadata"), collector="olena")
    assert "169.254.169.254" in localise(refused.value.message, "en")
    assert "metadata" in localise(refused.value.message, "en")
    assert _entries(workspace, "ingest") == [] and _entries(workspace, "web-capture") == []


def test_a_page_that_never_finishes_is_captured_at_the_time_limit_with_a_warning(
    workspace: Workspace, site: Site
) -> None:
    _team(workspace)
    ws = workspace
    ws.settings = ws.settings.model_copy(update={"capture_timeout_s": 5.0})
    started = time.monotonic()
    doc = capture_page(ws, site.url("/slow.html"), collector="olena")
    took = time.monotonic() - started
    assert took < 12, took
    assert any("had not finished loading" in w for w in doc["warnings"]), doc["warnings"]
    assert {i["kind"] for i in doc["items"]} >= {"wacz", "screenshot", "html"}


def test_a_capture_refuses_a_user_who_may_not_add_evidence_before_any_browser(
    workspace: Workspace, site: Site
) -> None:
    _team(workspace, ("vera", "viewer"))
    asked = len(site.asked)
    with pytest.raises(PermissionDeniedError, match=r"evidence\.upload"):
        capture_page(workspace, site.url("/page.html"), collector="vera")
    assert len(site.asked) == asked


def test_the_command_refuses_malformed_and_private_addresses_and_strangers(
    workspace: Workspace, cli_env: dict[str, str]
) -> None:
    _team(workspace)
    env = as_user(cli_env, workspace, "olena")
    bad = run_cli(env, "capture", "file:///etc/passwd")
    assert bad.returncode == 1 and "Only http and https" in bad.stderr
    private = run_cli(env, "capture", "http://192.168.0.1/admin", "--json")
    assert private.returncode == 1 and "private" in private.stderr and private.stdout == ""
    ukrainian = run_cli({**env, "CIVWATCH_LANGUAGE": "uk"}, "capture", "http://10.0.0.1/")
    assert ukrainian.returncode == 1 and "Відхилено" in ukrainian.stderr
    stranger = run_cli(cli_env, "capture", "http://10.0.0.1/")
    assert stranger.returncode == 1 and "CIVWATCH_TOKEN" in stranger.stderr


def test_a_missing_browser_is_a_clear_configuration_error(workspace: Workspace, site: Site) -> None:
    _team(workspace)
    workspace.settings = workspace.settings.model_copy(
        update={"capture_browser_path": "/nonexistent/chromium"}
    )
    with pytest.raises(ConfigurationError) as missing:
        capture_page(workspace, site.url("/page.html"), collector="olena")
    assert "CIVWATCH_CAPTURE_BROWSER_PATH" in localise(missing.value.message, "uk")

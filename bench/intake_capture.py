"""How long a web capture of a small page takes, against loading the same page in the same
headless Chromium without capturing it (``page.goto`` + screenshot), in the same run.

Run:  .venv/bin/python bench/intake_capture.py [--runs 5]

The page is the capture tests' local site (``tests/intake/site.py``, on 127.0.0.1, allowed
through ``CIVWATCH_CAPTURE_ALLOW_HOSTS``): a redirect to a page with a 28 KB photo, an
icon, a picture on a private address (refused) and one behind a name resolving to
loopback (refused). Each capture is the whole service (`capture_page`): browser start,
every request checked and fetched by civwatch, scroll, screenshot, HTML, WARC, WACZ, ingest
of four items with their custody entries. The reference loads the same page with the
browser reaching the site directly (requests off 127.0.0.1 stopped in the browser, so
nothing leaves the machine), takes the same screenshot, and stores nothing.

Figures: the median and the slowest wall time of each over the runs (one run first, not
counted: the disk cache), and the load average before and after (how busy the machine was).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from civwatch.accounts import add_user
from civwatch.config import Settings
from civwatch.intake.capture import capture_page
from civwatch.workspace import Workspace
from tests.intake.site import running_site

WARMUP = 1


async def _reference(url: str, shot: Path, browser_path: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=browser_path, headless=True)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})

        async def local_only(route: Any) -> None:
            # The reference reaches the site directly: anything not on 127.0.0.1 (the page's
            # private and by-name pictures) is stopped before it leaves the browser.
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                await route.continue_()
            else:
                await route.abort("blockedbyclient")

        await page.route("**/*", local_only)
        await page.goto(url, wait_until="load")
        await page.screenshot(path=str(shot), full_page=True)
        await page.content()
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="Counted runs of each.")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="cw-capture-") as tmp, running_site() as site:
        settings = Settings(
            data_dir=Path(tmp) / "data",
            min_free_disk=0,
            capture_allow_hosts="127.0.0.1",
            capture_media_min_bytes=1024,
        )
        ws, _ = Workspace.init(settings)
        add_user(ws, "admin", "Admin", ["admin"], actor=None)
        add_user(ws, "olena", "Olena", ["investigator"], actor="admin")
        captures: list[float] = []
        references: list[float] = []
        items = 0
        for n in range(WARMUP + args.runs):
            started = time.perf_counter()
            doc = capture_page(ws, site.url("/start"), collector="olena")
            took = time.perf_counter() - started
            items = len(doc["items"])
            started = time.perf_counter()
            asyncio.run(
                _reference(
                    site.url("/page.html"), Path(tmp) / "ref.png", settings.capture_browser_path
                )
            )
            ref = time.perf_counter() - started
            if n >= WARMUP:
                captures.append(took)
                references.append(ref)
        ws.close()
    load_after = os.getloadavg()
    print(f"web capture of the test page ({items} items stored), {args.runs} runs:")
    print(
        f"  civwatch capture_page: median {statistics.median(captures):.2f} s, "
        f"slowest {max(captures):.2f} s"
    )
    print(
        f"  reference (goto + screenshot, nothing kept): median "
        f"{statistics.median(references):.2f} s, slowest {max(references):.2f} s"
    )
    print(
        f"  ratio {statistics.median(captures) / statistics.median(references):.2f}x; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )


if __name__ == "__main__":
    main()

"""The public map's grid cells in a real browser (headless Chromium) against the app served
by uvicorn: cells drawn as round labels with their counts, in English and Ukrainian, and a
click on a cell zooms into it. The test's collection is small, so the map's requests are
sent with ``kind=cells`` (what a wide view of a large collection gets by itself).

Screenshots are saved in the test's folder (and in $CIVWATCH_SCREENSHOTS when set).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.browser import CHROMIUM
from tests.support.live import live_server, screenshot_dir
from tests.web.test_public_pages import Site, site  # noqa: F401

pytest.importorskip("playwright.sync_api", reason="needs playwright (dev dependency)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium"),
]


def _width(url: str) -> float:
    bbox = parse_qs(urlsplit(url).query)["bbox"][0]
    west, _, east, _ = (float(v) for v in bbox.split(","))
    return east - west


@pytest.fixture
def server(site: Site, cli_env: dict[str, str]) -> Iterator[str]:  # noqa: F811
    with live_server(cli_env) as url:
        yield url


def test_cells_are_labelled_counts_that_zoom_in(
    site: Site,  # noqa: F811
    server: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import Route, expect, sync_playwright

    shots = screenshot_dir(tmp_path)
    asked: list[str] = []

    def as_cells(route: Route) -> None:
        url = route.request.url
        asked.append(url)
        route.continue_(url=url if "kind=" in url else url + "&kind=cells")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        errors: list[Any] = []
        for language, words in (
            ("en", "2 incidents in this part of the map, counted by area"),
            ("uk", "2 інциденти в цій частині мапи, підраховано за ділянками"),
        ):
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            page.on("pageerror", lambda error: errors.append(error))
            page.route("**/api/v1/public/map?*", as_cells)
            page.goto(f"{server}/public?lang={language}")
            box = page.locator("#map")
            expect(box).to_have_attribute("data-kind", "cells", timeout=15_000)
            expect(page.locator("#map-status")).to_contain_text(words)
            cells = page.locator(".map-cell .map-cell-count")
            assert sum(int(text) for text in cells.all_inner_texts()) == 2
            assert not page.locator(".leaflet-marker-icon:not(.map-cell)").count()
            page.screenshot(path=str(shots / f"map-cells-{language}.png"))
            before = len(asked)
            page.locator(".map-cell").first.click()
            for _ in range(100):  # the map moves, then asks for its new box
                if len(asked) > before:
                    break
                page.wait_for_timeout(100)
            assert len(asked) > before
            assert _width(asked[-1]) < _width(asked[before - 1]) / 2  # zoomed into the cell
            page.close()
        browser.close()
    assert not errors

"""What the browser tests share: where Chromium is and how to wait for an image."""

from __future__ import annotations

import shutil
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def watched_page(browser: Any, errors: list[str], **context_options: Any) -> Any:
    """A page in a new browser context that adds to ``errors`` every script error and every
    answer that is a server error or a missing resource (the favicon aside)."""
    page = browser.new_context(**context_options).new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def answered(r: Any) -> None:
        if (r.status >= 500 or r.status == 404) and not r.url.endswith("/favicon.ico"):
            errors.append(f"{r.status} {r.url}")

    page.on("response", answered)
    return page


def loaded_width(img: Any, *, timeout_s: float = 10.0) -> int:
    """The natural width of the image behind a Playwright locator once it has loaded.

    "Visible" only means the element has a box; the picture may still be on its way. This
    polls from Python because ``wait_for_function`` evaluates a string with ``eval()``,
    which our pages' Content-Security-Policy rightly forbids. Fails if it never loads.
    """
    page = img.page
    for _ in range(int(timeout_s * 10)):
        width = img.evaluate("i => (i.complete && i.naturalWidth) || 0")
        if width:
            return int(width)
        page.wait_for_timeout(100)
    raise AssertionError(f"the image never loaded: {img}")

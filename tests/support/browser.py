"""What the browser tests share: where Chromium is and how to wait for an image."""

from __future__ import annotations

import shutil
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


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

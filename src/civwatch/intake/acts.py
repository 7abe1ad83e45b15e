"""The custody acts of web captures (``custody/entries.py``).

A capture's items are ingested like any file (``ingest`` or ``sighting`` entries, each
with the page's address as its source); the ``web-capture`` entry then binds them
together with what only the capture knows: the address asked for, the address after
redirects, the page's HTTP status, the time, the server's TLS certificate and the browser.
"""

from __future__ import annotations

from civwatch.custody.entries import (
    SHA256,
    TEXT,
    TIME,
    Act,
    Schema,
    nullable,
    one_of,
    register,
)

#: What each item of a capture is.
ITEM_KINDS = ("wacz", "screenshot", "html", "media")

_ITEM: Schema = {
    "type": "object",
    "properties": {
        "sha256": SHA256,
        "kind": one_of(ITEM_KINDS),
        "url": nullable(TEXT),
    },
    "required": ["sha256", "kind", "url"],
    "additionalProperties": False,
}

WEB_CAPTURE = register(
    Act(
        "web-capture",
        "A web page captured by civwatch's headless browser: the address asked for, the "
        "address after redirects, the page's HTTP status, when it was captured, the SHA-256 "
        "of the server's TLS certificate (null over plain http), the browser's version, "
        "every item the capture stored (the WACZ web archive, the full-page screenshot, the "
        "rendered HTML and the media the page loaded, each with the address it came from) "
        "and the warnings (requests refused or failed, limits reached).",
        {
            "url": TEXT,
            "final_url": TEXT,
            "http_status": nullable({"type": "integer", "minimum": 100, "maximum": 999}),
            "captured_at": TIME,
            "certificate_sha256": nullable(SHA256),
            "browser": TEXT,
            "items": {"type": "array", "items": _ITEM},
            "warnings": {"type": "array", "items": TEXT},
        },
    )
)

ACTS: tuple[Act, ...] = (WEB_CAPTURE,)

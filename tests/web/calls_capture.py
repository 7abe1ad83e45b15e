"""How the route walk in test_permissions.py calls the web capture routes. The address is
a loopback one: a caller allowed to capture is refused it (422) before anything is
queued, so the walk never starts a browser or reaches out."""

from __future__ import annotations

from typing import Any

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/capture"): {},
    ("POST", "/capture"): {"data": {"url": "http://127.0.0.1:9/"}},
    ("POST", "/api/v1/captures"): {"json": {"url": "http://127.0.0.1:9/"}},
}
CALLS |= {
    # a capture's record (none in the walk: 404 for those allowed to read evidence)
    ("GET", "/captures/{capture_id}"): {},
    ("GET", "/api/v1/captures/{capture_id}"): {},
    # chat exports on the API: a .txt that is no chat (the job would fail; the walk only
    # checks who may send one), and the results of a job that is not there
    ("POST", "/api/v1/imports/messages"): {
        "files": {"export": ("_chat.txt", b"not a chat\n", "text/plain")}
    },
    ("GET", "/api/v1/imports/messages/{job_id}"): {},
}

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

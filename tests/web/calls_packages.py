"""How the route walk in test_permissions.py calls the packages routes (see CORE_CALLS there)."""

from __future__ import annotations

from typing import Any

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/incidents/{incident_id}/package"): {},
    ("POST", "/api/v1/incidents/{incident_id}/package"): {"data": {"recipient": "walk"}},
}

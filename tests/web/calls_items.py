"""How the route walk in test_permissions.py calls the items routes (see CORE_CALLS there)."""

from __future__ import annotations

from typing import Any

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/custody/entries"): {},
    ("GET", "/api/v1/custody/proof/{index}"): {},
    ("GET", "/api/v1/custody/consistency"): {"params": {"first": 1}},
    ("GET", "/api/v1/evidence/{sha256}/proof"): {},
    ("GET", "/custody"): {},
    ("GET", "/evidence/{sha256}"): {},
    ("GET", "/evidence/{sha256}/preview"): {},
    ("GET", "/evidence/{sha256}/thumbnail"): {},
    ("GET", "/evidence/{sha256}/faces"): {},
    ("POST", "/evidence/{sha256}/incidents"): {"data": {"incident_id": "1"}},
    ("POST", "/evidence/{sha256}/records"): {
        "data": {"kind": "content", "damage": "windows broken"}
    },
    ("POST", "/evidence/{sha256}/status"): {"data": {"status": "under_verification"}},
    ("POST", "/evidence/{sha256}/review"): {"data": {"decision": "approve"}},
    ("GET", "/custody/consistency"): {"params": {"first": 1}},
    # regions the page refuses before any work (422): the walk makes no redaction
    ("POST", "/evidence/{sha256}/redactions"): {"data": {"regions": "not a region"}},
    ("POST", "/evidence/{sha256}/redactions/{redaction_id}/approve"): {"data": {"note": "ok"}},
}

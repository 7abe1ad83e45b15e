"""How the route walk in test_permissions.py calls the publish routes (see CORE_CALLS there)."""

from __future__ import annotations

from typing import Any

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", "/api/v1/incidents/{incident_id}/location-precision"): {
        "json": {"precision": "oblast"}
    },
    ("POST", "/api/v1/incidents/{incident_id}/publish"): {"json": {}},
    ("POST", "/api/v1/incidents/{incident_id}/corrections"): {"json": {"note": "Fixed."}},
    ("POST", "/api/v1/incidents/{incident_id}/withdraw"): {"json": {"reason": "Doubts."}},
    ("GET", "/api/v1/incidents/{incident_id}/public-history"): {},
    ("GET", "/api/v1/incidents/{incident_id}/internal"): {},
    ("PUT", "/api/v1/incidents/{incident_id}/internal-notes"): {"json": {"notes": "n"}},
    ("POST", "/api/v1/incidents/{incident_id}/witnesses"): {"json": {"name": "W"}},
    ("DELETE", "/api/v1/incidents/{incident_id}/witnesses/{witness_id}"): {},
    ("POST", "/api/v1/evidence/{sha256}/redactions"): {"json": {"blur_faces": False}},
    ("GET", "/api/v1/evidence/{sha256}/redactions"): {},
    ("GET", "/api/v1/redactions/{redaction_id}"): {},
    ("GET", "/api/v1/redactions/{redaction_id}/preview"): {},
    ("POST", "/api/v1/redactions/{redaction_id}/approve"): {"json": {}},
}

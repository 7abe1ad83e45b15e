"""How the route walk in test_permissions.py calls the incident pages (see CORE_CALLS there).

The forms are sent with values the services refuse (422) so the walk writes nothing and
never needs the gazetteer; refusals by permission come before any of that.
"""

from __future__ import annotations

from typing import Any

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/incidents"): {},
    ("POST", "/incidents"): {"data": {"title": "walk", "lat": ""}},
    ("GET", "/incidents/map"): {},
    ("GET", "/incidents/timeline"): {},
    ("GET", "/review"): {},
    ("GET", "/incidents/{incident_id}"): {},
    ("GET", "/incidents/{incident_id}/internal"): {},
    ("POST", "/incidents/{incident_id}/edit"): {"data": {"title": "walk", "lat": ""}},
    ("POST", "/incidents/{incident_id}/evidence"): {"data": {"sha256": "abababababab"}},
    ("POST", "/incidents/{incident_id}/evidence/unlink"): {"data": {"sha256": "abababababab"}},
    ("POST", "/incidents/{incident_id}/status"): {"data": {"target": "reported"}},
    ("POST", "/incidents/{incident_id}/review"): {"data": {"decision": "approve"}},
    ("POST", "/incidents/{incident_id}/visibility"): {"data": {"visibility": "public"}},
    ("POST", "/incidents/{incident_id}/suggestions"): {"data": {"decision": "maybe"}},
    ("POST", "/incidents/{incident_id}/location-precision"): {"data": {"precision": "street"}},
    ("POST", "/incidents/{incident_id}/corrections"): {"data": {"note": ""}},
}

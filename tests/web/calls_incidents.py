"""How the route walk in test_permissions.py calls the incidents routes (see CORE_CALLS there).

Bodies are chosen so that a role the table allows never meets a refusal from the two-person
rule while walking (it proposes nothing it could then review itself). Creating an incident
is walked with a body the schema refuses (422): a valid one would make every walk build the
gazetteer; tests/web/test_incidents_api.py creates incidents for real.
"""

from __future__ import annotations

from typing import Any

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/incidents.geojson"): {"params": {"bbox": "22,44,41,53"}},
    ("GET", "/api/v1/places"): {"params": {"q": "Kharkiv", "limit": "3"}},
    ("GET", "/api/v1/incidents/facets"): {},
    ("GET", "/api/v1/incidents"): {},
    ("GET", "/api/v1/incidents/totals"): {},
    ("GET", "/api/v1/incidents/series"): {"params": {"period": "week"}},
    ("GET", "/api/v1/incidents/{incident_id}"): {},
    ("GET", "/api/v1/incidents/{incident_id}/places"): {},
    ("POST", "/api/v1/incidents"): {"json": {"title": ""}},
    ("PATCH", "/api/v1/incidents/{incident_id}"): {"json": {"narrative": "Walked."}},
    ("POST", "/api/v1/incidents/{incident_id}/evidence"): {"json": {"sha256": "0" * 64}},
    ("POST", "/api/v1/incidents/{incident_id}/evidence/{sha256}/unlink"): {
        "json": {"reason": "walk"}
    },
    ("POST", "/api/v1/incidents/{incident_id}/status"): {"json": {"status": "under_verification"}},
    ("POST", "/api/v1/incidents/{incident_id}/review"): {"json": {"decision": "approve"}},
    ("POST", "/api/v1/incidents/{incident_id}/visibility"): {"json": {"visibility": "public"}},
    ("GET", "/api/v1/evidence/{sha256}/verification"): {},
    ("POST", "/api/v1/evidence/{sha256}/verification/records"): {
        "json": {"kind": "source", "content": {"account": "@walk"}}
    },
    ("POST", "/api/v1/evidence/{sha256}/verification/status"): {"json": {"status": "verified"}},
    ("POST", "/api/v1/evidence/{sha256}/verification/review"): {"json": {"decision": "approve"}},
    ("GET", "/api/v1/evidence/{sha256}/suggestions"): {},
    ("POST", "/api/v1/evidence/{sha256}/suggestions/{incident_id}"): {
        "json": {"decision": "dismissed"}
    },
    ("GET", "/api/v1/vocabulary"): {},
    ("POST", "/api/v1/vocabulary"): {"json": {"kind": "weapon", "label": "Walk launcher"}},
}

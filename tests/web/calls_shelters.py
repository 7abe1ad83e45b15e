"""How the route walk in test_permissions.py calls the shelter routes (issue 16)."""

from __future__ import annotations

from typing import Any

from civwatch.shelters.reports import submit_report
from civwatch.workspace import Workspace
from tests.web.shelter_samples import HERE, KYIV, shelters

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/shelters"): {"params": {"lat": str(HERE[0]), "lon": str(HERE[1])}},
    ("GET", "/shelters/map.svg"): {"params": {"lat": str(HERE[0]), "lon": str(HERE[1])}},
    ("GET", "/shelters/{shelter_id}"): {},
    ("GET", "/shelters/{shelter_id}/report"): {},
    ("POST", "/shelters/{shelter_id}/report"): {"data": {"status": "open", "csrf_token": "x"}},
    ("GET", "/shelters/offline"): {},
    ("GET", "/shelters/manifest.webmanifest"): {},
    ("GET", "/shelters/sw.js"): {},
    ("GET", "/shelters/bundle/{katottg}.json"): {},
    ("GET", "/shelters/print/{katottg}.pdf"): {},
    ("GET", "/shelters/reports"): {},
    ("POST", "/shelters/reports/{report_id}/confirm"): {},
    ("POST", "/shelters/reports/{report_id}/dismiss"): {"data": {"reason": "a duplicate"}},
    ("GET", "/api/v1/shelters/nearest"): {"params": {"lat": str(HERE[0]), "lon": str(HERE[1])}},
    ("GET", "/api/v1/shelters/{shelter_id}"): {},
    ("POST", "/api/v1/shelters/{shelter_id}/reports"): {"json": {"status": "open"}},
    ("GET", "/api/v1/shelters/reports"): {},
    ("POST", "/api/v1/shelters/reports/{report_id}/confirm"): {},
    ("POST", "/api/v1/shelters/reports/{report_id}/dismiss"): {"json": {"reason": "a duplicate"}},
}


def shelter_samples(ws: Workspace) -> dict[str, str]:
    """Path parameters of the shelter routes: a shelter, a pending report, a hromada."""
    found = shelters(ws)
    report = submit_report(ws, found.near, "open", note="walk")
    return {"shelter_id": found.near, "report_id": report, "katottg": KYIV}

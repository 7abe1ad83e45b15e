"""How the route walk in test_permissions.py calls the jobs routes (see CORE_CALLS there)."""

from __future__ import annotations

from typing import Any

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/jobs"): {},
    ("GET", "/api/v1/jobs/{job_id}"): {},
    ("POST", "/api/v1/jobs/find-copies"): {},
    ("GET", "/jobs"): {},
    ("GET", "/jobs/{job_id}"): {},
    ("POST", "/jobs/find-copies"): {},
}

"""How the route walk in test_permissions.py calls the campaigns' public API (see
CORE_CALLS there). Every route is public: the walk checks that no role is refused. The
campaign and token are samples nobody has (999999), so nothing is stored; the flows are in
tests/campaigns/test_api.py."""

from __future__ import annotations

from typing import Any

API = "/api/v1/public/campaigns"
SIGNER = {"name": "Walk", "email": "walk@example.org", "country": "UA"}

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", f"{API}/{{campaign_id}}"): {},
    ("GET", f"{API}/{{campaign_id}}/challenge"): {},
    ("POST", f"{API}/{{campaign_id}}/signatures"): {"json": SIGNER},
    ("POST", f"{API}/{{campaign_id}}/letters"): {"json": {**SIGNER, "letter": "walk"}},
    ("GET", f"{API}/confirm/{{token}}"): {},
    ("POST", f"{API}/delete/{{token}}"): {},
}

"""How the route walk in test_permissions.py calls the campaign pages (see CORE_CALLS
there), and the samples their paths take.

Samples: a draft petition the walk's investigator made. The public forms are sent without
their CSRF cookie (refused with 400, never 401 or 403); the team's forms are chosen so that
a role the table allows is never refused with 401 or 403 (a draft has nothing to deliver:
409).
"""

from __future__ import annotations

from typing import Any

from civwatch.workspace import Workspace

TARGETS = b"name,country,email\nWalk mission,DE,walk@example.org\n"

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/campaigns"): {},
    ("GET", "/campaigns/confirm/{token}"): {},
    ("GET", "/campaigns/delete/{token}"): {},
    ("POST", "/campaigns/delete/{token}"): {"data": {"csrf_token": "walk"}},
    ("GET", "/campaigns/{campaign_id}"): {},
    ("POST", "/campaigns/{campaign_id}/act"): {
        "data": {"csrf_token": "walk", "name": "Walk", "email": "w@example.org", "country": "UA"}
    },
    ("GET", "/campaigns/{campaign_id}/share/{size}.png"): {},
    ("GET", "/team/campaigns"): {},
    ("GET", "/team/campaigns/new"): {},
    ("POST", "/team/campaigns"): {"data": {"title": "Walk campaign", "kind": "petition"}},
    ("GET", "/team/campaigns/{campaign_id}"): {},
    ("POST", "/team/campaigns/{campaign_id}"): {"data": {"title": "Walk campaign again"}},
    ("POST", "/team/campaigns/{campaign_id}/targets"): {
        "files": {"file": ("targets.csv", TARGETS, "text/csv")}
    },
    ("POST", "/team/campaigns/{campaign_id}/publish"): {},
    ("POST", "/team/campaigns/{campaign_id}/close"): {},
    ("POST", "/team/campaigns/{campaign_id}/deliver"): {},
}


def campaign_page_samples(ws: Workspace) -> dict[str, str]:
    """Path values: a draft petition (the walk's users, as tests/web/conftest.py's team
    names them), and a share image's size."""
    from civwatch.campaigns.service import create_campaign

    made = create_campaign(ws, actor="investigator", title="Walk petition", kind="petition")
    return {"campaign_id": str(made["id"]), "size": "wide"}

"""How the route walk in test_permissions.py calls the field testimony routes (issue 17)."""

from __future__ import annotations

from datetime import date
from typing import Any

from civwatch.intake.testimony import (
    TestimonyInput,
    WitnessInput,
    give_consent,
    record_testimony,
)
from civwatch.workspace import Workspace
from tests.web.desk import principal_of

TAKEN = "2024-05-02T09:30:00+03:00"
_BODY = {"statement": "Walked.", "taken_at": TAKEN, "language": "uk"}

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/testimony"): {},
    ("GET", "/testimony/new"): {},
    ("POST", "/testimony/new"): {
        "data": {"statement": "Walked.", "taken_at": "2024-05-02T09:30", "language": "uk"}
    },
    ("GET", "/testimony/offline"): {},
    ("GET", "/testimony/sw.js"): {},
    ("GET", "/testimony/{testimony_id}"): {},
    ("GET", "/testimony/{testimony_id}/witness"): {},
    ("POST", "/testimony/{testimony_id}/consent"): {
        "data": {"purpose": "investigation", "given_on": "2024-05-02"}
    },
    ("POST", "/testimony/{testimony_id}/consent/{consent_id}/withdraw"): {},
    ("POST", "/testimony/{testimony_id}/flags"): {"data": {"flags": []}},
    ("POST", "/api/v1/testimony"): {"json": _BODY},
    ("GET", "/api/v1/testimony"): {},
    ("GET", "/api/v1/testimony/{testimony_id}"): {},
    ("GET", "/api/v1/testimony/{testimony_id}/witness"): {},
    ("POST", "/api/v1/testimony/{testimony_id}/consents"): {
        "json": {"purpose": "investigation", "given_on": "2024-05-02"}
    },
    ("POST", "/api/v1/testimony/{testimony_id}/consents/{consent_id}/withdraw"): {},
    ("PUT", "/api/v1/testimony/{testimony_id}/flags"): {"json": {"flags": []}},
    ("POST", "/testimony/{testimony_id}/team"): {"data": {"username": "verifier"}},
    ("POST", "/testimony/{testimony_id}/witness/shred"): {},
    ("POST", "/api/v1/testimony/{testimony_id}/team"): {"json": {"username": "verifier"}},
    ("POST", "/api/v1/testimony/{testimony_id}/witness/shred"): {},
    ("POST", "/testimony/{testimony_id}/quotes"): {
        "data": {"excerpt": "Walk statement.", "reviewed": "yes"}
    },
    ("POST", "/testimony/{testimony_id}/quotes/{quote_id}/withdraw"): {},
    ("POST", "/testimony/{testimony_id}/disclosures"): {
        "data": {"recipient": "Walk Court", "reason": "Summons"}
    },
    ("POST", "/testimony/{testimony_id}/disclosures/{disclosure_id}/approve"): {},
    ("POST", "/testimony/{testimony_id}/disclosures/{disclosure_id}/revoke"): {},
}


def testimony_samples(ws: Workspace, incident_id: int) -> dict[str, str]:
    """A testimony the walk's investigator took (with a witness), and a consent on it. The
    investigator and the protection lead sign in with a second factor, as reading a
    witness's identity or deciding its disclosure needs."""
    from datetime import UTC, datetime

    from civwatch.accounts.credentials import reset_totp

    secrets = {
        user: reset_totp(ws, user, actor="admin")["secret"]
        for user in ("investigator", "protection-lead")
    }

    who = principal_of(ws, "investigator")
    made = record_testimony(
        ws,
        who,
        TestimonyInput(
            statement="Walk statement.",
            taken_at=datetime(2024, 5, 2, 6, 30, tzinfo=UTC),
            language="uk",
            incidents=[incident_id],
            witness=WitnessInput(name="Walk Witness"),
        ),
    )
    consent = give_consent(ws, who, made["id"], "investigation", given_on=date(2024, 5, 2))
    return {
        "testimony_id": str(made["id"]),
        "consent_id": str(consent),
        # not a path parameter: how a test signs in as the investigator (see sign_in's code)
        "investigator_totp": secrets["investigator"],
    }

"""How the route walk in test_permissions.py calls the protection desk's routes and the
public request-for-help form (see CORE_CALLS there).

Path ids come from the walk's samples (a person and a case the walk's protection officer
registered and leads, the alert overdue on it, the officer's request for emergency
access). Bodies are chosen so that no call of a role the table allows ends
the walk early: locking the desk and referring are sent with a wrong password (422: a
lock would revoke the walking officer's own token), deleting the person without a reason
(refused before the password is even checked);
unlocking (an unlocked desk) with the right passphrase (a wrong one is refused with 403).
"""

from __future__ import annotations

from typing import Any

from tests.web.desk import PASSPHRASE

WRONG = {"password": "not the password"}
#: A person id of the right shape that nobody has (asking access to it is answered as for
#: any person outside the asker's reach: a request is kept, a lead refuses it).
NOBODY = "per_walkwalkwalkwalk"

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    # pages
    ("GET", "/protection"): {},
    ("POST", "/protection/find"): {"data": {"name": "Walker"}},
    ("GET", "/protection/persons/new"): {},
    ("POST", "/protection/persons"): {"data": {"name1": "Walk Person"}},
    ("GET", "/protection/persons/{person_id}"): {},
    ("POST", "/protection/persons/{person_id}/risk"): {
        "data": {"threats": "surveillance", "likelihood": "2", "impact": "2"}
    },
    ("POST", "/protection/persons/{person_id}/consent"): {
        "data": {"purpose": "contact", "how": "verbal", "given": "yes"}
    },
    ("POST", "/protection/persons/{person_id}/cases"): {"data": {"kind": "relocation"}},
    ("GET", "/protection/persons/{person_id}/audit"): {},
    ("GET", "/protection/persons/{person_id}/edit"): {},
    ("POST", "/protection/persons/{person_id}/edit"): {"data": {"name1": "Walk Person"}},
    ("GET", "/protection/persons/{person_id}/duplicates"): {},
    ("GET", "/protection/persons/{person_id}/delete"): {},
    ("POST", "/protection/persons/{person_id}/delete"): {"data": {"reason": "", **WRONG}},
    ("GET", "/protection/access"): {},
    ("POST", "/protection/access"): {"data": {"person_id": NOBODY, "reason": "Walk"}},
    ("POST", "/protection/access/{grant_id}/approve"): {"data": {"hours": "2"}},
    ("POST", "/protection/access/{grant_id}/revoke"): {},
    ("POST", "/protection/alerts/{alert_id}/acknowledge"): {},
    ("GET", "/protection/cases/{case_id}"): {},
    ("POST", "/protection/cases/{case_id}/transition"): {"data": {"to_state": "assessment"}},
    ("POST", "/protection/cases/{case_id}/assign"): {"data": {"username": "nobody-here"}},
    ("POST", "/protection/cases/{case_id}/checkins"): {"data": {"place": "Walk point"}},
    ("POST", "/protection/cases/{case_id}/referrals"): {
        "data": {"partner_id": "prt_walkwalkwalk", "fields": "names", **WRONG}
    },
    ("POST", "/protection/cases/{case_id}/tasks"): {"data": {"kind": "visa", "title": "Walk"}},
    ("POST", "/protection/cases/{case_id}/checkpoints"): {"data": {"place": "Walk border"}},
    ("GET", "/protection/cases/{case_id}/audit"): {},
    ("POST", "/protection/referrals/{referral_id}/packet"): {"data": WRONG},
    ("GET", "/protection/partners"): {},
    ("POST", "/protection/partners"): {
        "data": {"name": "Walk partner", "country": "PL", "age_recipient": "age1nonsense"}
    },
    ("GET", "/protection/help-requests/{request_id}"): {},
    ("GET", "/protection/help-requests/{request_id}/person"): {},
    ("POST", "/protection/help-requests/{request_id}/person"): {"data": {"name1": "Walk Helped"}},
    ("GET", "/protection/lock"): {},
    ("POST", "/protection/lock"): {"data": WRONG},
    ("GET", "/protection/unlock"): {},
    ("POST", "/protection/unlock"): {"data": {"passphrase": PASSPHRASE}},
    ("POST", "/protection/rotate-key"): {"data": WRONG},
    ("GET", "/help"): {},
    ("POST", "/help"): {"data": {"about": "walk", "csrf_token": "none"}},
    # API
    ("GET", "/api/v1/protection/dashboard"): {},
    ("POST", "/api/v1/protection/persons"): {"json": {"names": [{"name": "Walk Person"}]}},
    ("POST", "/api/v1/protection/persons/find"): {"json": {"name": "Walker"}},
    ("GET", "/api/v1/protection/persons/{person_id}"): {},
    ("PUT", "/api/v1/protection/persons/{person_id}"): {
        "json": {"names": [{"name": "Walk Person"}]}
    },
    ("PATCH", "/api/v1/protection/persons/{person_id}"): {"json": {"notes": "Walk"}},
    ("GET", "/api/v1/protection/persons/{person_id}/cases"): {},
    ("GET", "/api/v1/protection/persons/{person_id}/duplicates"): {},
    ("POST", "/api/v1/protection/persons/{person_id}/delete"): {"json": {"reason": "", **WRONG}},
    ("GET", "/api/v1/protection/access"): {},
    ("POST", "/api/v1/protection/access"): {"json": {"person_id": NOBODY, "reason": "Walk"}},
    ("POST", "/api/v1/protection/access/{grant_id}/approve"): {"json": {"hours": 2}},
    ("POST", "/api/v1/protection/access/{grant_id}/revoke"): {},
    ("POST", "/api/v1/protection/alerts/{alert_id}/acknowledge"): {},
    ("GET", "/api/v1/protection/persons/{person_id}/risk"): {},
    ("POST", "/api/v1/protection/persons/{person_id}/risk"): {
        "json": {"threats": ["surveillance"], "likelihood": 2, "impact": 2}
    },
    ("POST", "/api/v1/protection/persons/{person_id}/consent"): {
        "json": {"purpose": "contact", "channel": "signal"}
    },
    ("POST", "/api/v1/protection/persons/{person_id}/cases"): {"json": {"kind": "relocation"}},
    ("GET", "/api/v1/protection/persons/{person_id}/audit"): {},
    ("GET", "/api/v1/protection/cases/{case_id}"): {},
    ("POST", "/api/v1/protection/cases/{case_id}/transition"): {"json": {"to_state": "assessment"}},
    ("POST", "/api/v1/protection/cases/{case_id}/assign"): {"json": {"username": "nobody-here"}},
    ("POST", "/api/v1/protection/cases/{case_id}/checkins"): {"json": {"place": "Walk point"}},
    ("POST", "/api/v1/protection/cases/{case_id}/referrals"): {
        "json": {"partner_id": "prt_walkwalkwalk", "fields": ["names"], **WRONG}
    },
    ("GET", "/api/v1/protection/cases/{case_id}/audit"): {},
    ("POST", "/api/v1/protection/referrals/{referral_id}/packet"): {"json": WRONG},
    ("GET", "/api/v1/protection/help-requests"): {},
    ("GET", "/api/v1/protection/help-requests/{request_id}"): {},
    ("POST", "/api/v1/protection/help-requests/{request_id}/person"): {
        "json": {"names": [{"name": "Walk Helped"}]}
    },
    ("GET", "/api/v1/protection/partners"): {},
    ("POST", "/api/v1/protection/lock"): {"json": WRONG},
    ("POST", "/api/v1/protection/unlock"): {"json": {"passphrase": PASSPHRASE}},
    ("POST", "/api/v1/protection/rotate-key"): {"json": {**WRONG, "passphrase": PASSPHRASE}},
}

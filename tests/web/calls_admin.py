"""How the route walk in test_permissions.py calls the admin routes (see CORE_CALLS there)."""

from __future__ import annotations

from typing import Any

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/admin/users"): {},
    ("POST", "/admin/users"): {"data": {"username": "walker", "roles": ["viewer"]}},
    ("POST", "/admin/users/{username}/disable"): {},
    ("POST", "/admin/users/{username}/enable"): {},
    ("POST", "/admin/users/{username}/roles"): {"data": {"roles": ["viewer"]}},
    ("POST", "/admin/users/{username}/totp"): {},
    ("POST", "/admin/users/{username}/password"): {},
    ("GET", "/account"): {},
    ("POST", "/account/password"): {
        "data": {"current": "x", "new": "long enough password", "repeat": "long enough password"}
    },
    ("POST", "/account/totp/new"): {},
    ("POST", "/account/totp"): {"data": {"secret": "x", "code": "000000", "password": "y"}},
    ("POST", "/account/tokens"): {"data": {"name": " ", "role": "viewer"}},
    ("POST", "/account/tokens/{token_id}/revoke"): {},
}

"""People who use civwatch: usernames, display names, roles, and whether they may act."""

from __future__ import annotations

from civwatch.accounts.roles import ROLES, Role
from civwatch.accounts.service import (
    add_user,
    disable_user,
    get_user,
    list_users,
    require,
    user_json,
)

__all__ = [
    "ROLES",
    "Role",
    "add_user",
    "disable_user",
    "get_user",
    "list_users",
    "require",
    "user_json",
]

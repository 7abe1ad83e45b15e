"""What ``civwatch verify`` checks of accounts: each user against the ``user-add`` entry
that added them (found by username: the table has no leaf column), their roles against
the newest ``user-add`` or ``user-roles`` entry, and whether they are active against the
``user-disable`` and ``user-enable`` entries."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from civwatch.accounts.acts import USER_ADD, USER_DISABLE, USER_ENABLE, USER_ROLES
from civwatch.accounts.models import User
from civwatch.custody.bindings import AnySelect, Binding, Declarations, LogState, as_bool, fields


def _role_set(value: Any) -> tuple[str, ...]:
    """Roles as a sorted tuple, from an entry's list or the column (JSON text or a list)."""
    if isinstance(value, str):
        value = json.loads(value)
    return tuple(sorted(str(r) for r in value or ()))


def _users() -> AnySelect:
    return select(
        User.id.label("id"),
        User.username.label("username"),
        User.display_name.label("display_name"),
        User.roles.label("roles"),
        User.created_by.label("created_by"),
        User.created_at.label("created_at"),
    )


def declarations() -> Declarations:
    """The accounts domain's binding and logged state."""
    return Declarations(
        bindings=[
            Binding(
                table="user_account",
                stage="users",
                acts=(USER_ADD.name,),
                query=_users,
                row_key=lambda row: row["username"],
                entry_key=lambda entry: entry.get("username"),
                fields=fields(
                    "username",
                    "display_name",
                    ("actor", "created_by"),
                    ("at", "created_at", "time"),
                ),
            )
        ],
        states=[
            LogState(
                table="user_account",
                what="active",
                acts=(USER_ADD.name, USER_DISABLE.name, USER_ENABLE.name),
                changes=lambda e: [
                    (e.get("username"), e.get("act") in (USER_ADD.name, USER_ENABLE.name))
                ],
                query=lambda: select(
                    User.id.label("id"),
                    User.username.label("username"),
                    User.active.label("active"),
                ),
                row_value=lambda row: (row["username"], as_bool(row["active"])),
            ),
            LogState(
                table="user_account",
                what="roles",
                acts=(USER_ADD.name, USER_ROLES.name),
                changes=lambda e: [(e.get("username"), _role_set(e.get("roles")))],
                query=lambda: select(
                    User.id.label("id"),
                    User.username.label("username"),
                    User.roles.label("roles"),
                ),
                row_value=lambda row: (row["username"], _role_set(row["roles"])),
            ),
        ],
    )

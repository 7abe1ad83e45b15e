"""Adding, listing and disabling users, and checking that an actor may do something.

Adding or disabling a user is recorded in the custody log, so who held which role when
can be shown later. The first user of an empty database may be added without an actor
(and must be an admin); after that only an active admin adds or disables users.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civwatch.accounts.models import User
from civwatch.accounts.roles import ROLES
from civwatch.db import utcnow
from civwatch.errors import NotFoundError, PermissionDeniedError, RejectedInputError
from civwatch.workspace import Workspace

ENTRY_VERSION = 1
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def _username(value: str) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not _USERNAME.match(name):
        raise RejectedInputError(
            f"{value!r} is not a valid username: use 2-64 lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter or digit."
        )
    return name


def _roles(values: Iterable[str]) -> list[str]:
    roles = sorted({v.strip() for v in values})
    if not roles:
        raise RejectedInputError(f"Give at least one role: {', '.join(ROLES)}.")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise RejectedInputError(f"Unknown role {unknown[0]!r}; the roles are: {', '.join(ROLES)}.")
    return roles


def user_json(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "roles": list(user.roles),
        "active": user.active,
        "created_at": user.created_at.isoformat(),
        "created_by": user.created_by,
    }


def require_role(session: Session, username: str | None, *roles: str) -> User:
    """The active user ``username`` holding one of ``roles`` (any role when none given)."""
    if not username:
        raise PermissionDeniedError("Say who is acting: give --as USERNAME (or set CIVWATCH_USER).")
    user = session.scalars(select(User).where(User.username == username.strip())).first()
    if user is None:
        raise PermissionDeniedError(f"No user {username!r}: an admin must add them first.")
    if not user.active:
        raise PermissionDeniedError(f"User {username!r} is disabled and cannot act.")
    if roles and not set(roles) & set(user.roles):
        needed = " or ".join(roles)
        raise PermissionDeniedError(
            f"User {username!r} does not hold the {needed} role this needs "
            f"(holds: {', '.join(user.roles) or 'none'})."
        )
    return user


def add_user(
    ws: Workspace,
    username: str,
    display_name: str,
    roles: Iterable[str],
    *,
    actor: str | None,
) -> dict[str, Any]:
    """Add a user. Without ``actor`` only the first user (an admin) of an empty database."""
    name = _username(username)
    role_list = _roles(roles)
    display = (display_name or "").strip() or name
    if len(display) > 255:
        raise RejectedInputError("A display name is at most 255 characters.")
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        count = session.scalar(select(func.count()).select_from(User)) or 0
        if count == 0 and actor is None:
            if "admin" not in role_list:
                raise RejectedInputError(
                    "The first user must be an admin (give --role admin), so that someone "
                    "can add the others."
                )
        else:
            require_role(session, actor, "admin")
        if session.scalars(select(User.id).where(User.username == name)).first() is not None:
            raise RejectedInputError(f"There is already a user {name!r}.")
        now = utcnow()
        ws.custody.append(
            session,
            [
                {
                    "v": ENTRY_VERSION,
                    "act": "user-add",
                    "username": name,
                    "display_name": display,
                    "roles": role_list,
                    "actor": actor,
                    "at": now.isoformat(),
                }
            ],
        )
        user = User(
            username=name,
            display_name=display,
            roles=role_list,
            active=True,
            created_at=now,
            created_by=actor,
        )
        session.add(user)
        session.flush()
        return user_json(user)


def disable_user(ws: Workspace, username: str, *, actor: str | None) -> dict[str, Any]:
    """Disable a user: they keep their history but can no longer act."""
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        admin = require_role(session, actor, "admin")
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFoundError(f"No user {username!r}.")
        if user.id == admin.id:
            raise RejectedInputError("You cannot disable yourself; ask another admin.")
        if user.active:
            user.active = False
            ws.custody.append(
                session,
                [
                    {
                        "v": ENTRY_VERSION,
                        "act": "user-disable",
                        "username": user.username,
                        "actor": admin.username,
                        "at": utcnow().isoformat(),
                    }
                ],
            )
        return user_json(user)


def get_user(ws: Workspace, username: str) -> dict[str, Any]:
    with ws.sessions() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFoundError(f"No user {username!r}.")
        return user_json(user)


def list_users(ws: Workspace, *, include_disabled: bool = True) -> list[dict[str, Any]]:
    with ws.sessions() as session:
        query = select(User).order_by(User.username)
        if not include_disabled:
            query = query.where(User.active.is_(True))
        return [user_json(u) for u in session.scalars(query)]

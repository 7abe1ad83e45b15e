"""Changing an existing user: their roles, and enabling a disabled user again. Both are
custody entries (``user-roles``, ``user-enable``) like adding and disabling, by an admin
or locally by whoever holds the data folder; no change may leave the data folder without
an active admin."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.acts import USER_ENABLE, USER_ROLES
from civwatch.accounts.credentials import _end_sign_ins
from civwatch.accounts.models import User
from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.service import record_local, require, user_json, valid_roles
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import NotFoundError, RejectedInputError
from civwatch.i18n import _
from civwatch.workspace import Workspace


def _target(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFoundError(_("No user %(username)s.", username=repr(username)))
    return user


def _admins_left(session: Session, user: User, roles: Iterable[str]) -> bool:
    """Whether an active admin remains if ``user`` held ``roles`` (and stays as active)."""
    others = session.scalars(select(User).where(User.active.is_(True), User.id != user.id))
    if any(allows(u.roles, Permission.USERS_MANAGE) for u in others):
        return True
    return user.active and allows(list(roles), Permission.USERS_MANAGE)


def set_roles(
    ws: Workspace, username: str, roles: Iterable[str], *, actor: str | None, local: bool = False
) -> dict[str, Any]:
    """Give a user exactly ``roles`` (their API tokens for a role taken away stop working).
    By the admin ``actor``, or ``local`` by whoever holds the data folder; refused when it
    would leave no active admin, who alone can manage users on the web."""
    role_list = valid_roles(roles)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        admin = None if local else require(session, actor, Permission.USERS_MANAGE)
        user = _target(session, username)
        if sorted(user.roles) == role_list:
            return user_json(user)
        if not _admins_left(session, user, role_list):
            raise RejectedInputError(
                _(
                    "%(username)s is the last active admin: give the admin role to someone "
                    "else first, or nobody could manage users any more.",
                    username=user.username,
                )
            )
        entries.append(
            ws.custody,
            session,
            USER_ROLES,
            None if admin is None else admin.username,
            utcnow(),
            username=user.username,
            roles=role_list,
            **({"local": True} if local else {}),
        )
        if local:
            record_local(session, "user-roles", user.username, roles=role_list)
        user.roles = role_list
        return user_json(user)


def enable_user(
    ws: Workspace, username: str, *, actor: str | None, local: bool = False
) -> dict[str, Any]:
    """Enable a disabled user again, with the roles they held; their old sessions and API
    tokens stay ended (they sign in again). By the admin ``actor``, or ``local`` by
    whoever holds the data folder."""
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        admin = None if local else require(session, actor, Permission.USERS_MANAGE)
        user = _target(session, username)
        if not user.active:
            user.active = True
            # a fresh start: whatever browser or token they had (maybe why they were
            # disabled) stays ended; they sign in again and make new tokens
            _end_sign_ins(session, user.id, revoke_tokens=True)
            entries.append(
                ws.custody,
                session,
                USER_ENABLE,
                None if admin is None else admin.username,
                utcnow(),
                username=user.username,
                **({"local": True} if local else {}),
            )
            if local:
                record_local(session, "user-enable", user.username)
        return user_json(user)

"""Adding, listing and disabling users, and checking that an actor may do something
(:func:`require`: the domain code's one question to the permission table).

Adding or disabling a user is recorded in the custody log, so who held which role when
can be shown later. The first user of an empty database may be added without an actor
(and must be an admin); after that an active admin adds or disables users, or whoever
holds the data folder does so on its own machine (``local=True``: the command line without
a token), which the custody entry and the audit log record as done from the local machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from civwatch.accounts import audit
from civwatch.accounts.acts import USER_ADD, USER_DISABLE
from civwatch.accounts.models import User
from civwatch.accounts.permissions import Permission, allows, holders
from civwatch.accounts.principal import Principal
from civwatch.accounts.roles import ROLES
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import NotFoundError, PermissionDeniedError, RejectedInputError
from civwatch.i18n import _
from civwatch.workspace import Workspace

#: The audit log's ``client`` of an act done on the data folder's own machine, without a user.
LOCAL_CLIENT = "local"
#: What a local act's audit record says about who did it.
LOCAL_DETAIL = {"by": "whoever holds the data folder, on its own machine (no user signed in)"}
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def _username(value: str) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not _USERNAME.match(name):
        raise RejectedInputError(
            _(
                "%(username)s is not a valid username: use 2-64 lower-case letters, "
                "digits, '.', '_' or '-', starting with a letter or digit.",
                username=repr(value),
            )
        )
    return name


def valid_roles(values: Iterable[str]) -> list[str]:
    """``values`` as a sorted list of known roles, at least one; refused otherwise."""
    roles = sorted({v.strip() for v in values})
    if not roles:
        raise RejectedInputError(_("Give at least one role: %(roles)s.", roles=", ".join(ROLES)))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise RejectedInputError(
            _(
                "Unknown role %(role)s; the roles are: %(roles)s.",
                role=repr(unknown[0]),
                roles=", ".join(ROLES),
            )
        )
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


def record_local(session: Session, action: str, username: str, **detail: Any) -> None:
    """Audit an act on user ``username`` done locally by whoever holds the data folder."""
    audit.record(
        session,
        action,
        actor=None,
        target=f"user:{username}",
        client=LOCAL_CLIENT,
        detail={**LOCAL_DETAIL, **detail},
    )


def require(
    session: Session, username: str | None, permission: Permission, *alternatives: Permission
) -> User:
    """The active user ``username``, whose roles allow ``permission`` (or one of the
    ``alternatives``): the permission table, :mod:`civwatch.accounts.permissions`,
    decides. Otherwise a refusal naming the roles that would allow it."""
    permissions = (permission, *alternatives)
    if not username:
        raise PermissionDeniedError(
            _(
                "Say who is acting: give that user's API token (set CIVWATCH_TOKEN, or "
                "use --token-file FILE).",
            )
        )
    user = session.scalars(select(User).where(User.username == username.strip())).first()
    if user is None:
        raise PermissionDeniedError(
            _("No user %(username)s: an admin must add them first.", username=repr(username))
        )
    if not user.active:
        raise PermissionDeniedError(
            _("User %(username)s is disabled and cannot act.", username=repr(username))
        )
    if not any(allows(user.roles, p) for p in permissions):
        needed = " or ".join(holders(*permissions))
        wanted = " or ".join(p.value for p in permissions)
        raise PermissionDeniedError(
            _(
                "User %(username)s does not hold the %(needed)s role this needs "
                "(%(wanted)s; holds: %(roles)s).",
                username=repr(username),
                needed=needed,
                wanted=wanted,
                roles=", ".join(user.roles) or "none",
            )
        )
    return user


def authorise(session: Session, principal: Principal, permission: Permission) -> User:
    """The acting user, or a refusal (PermissionDeniedError) unless the roles in force of
    ``principal`` (a session's roles, a token's one role) allow ``permission`` and the
    user, still active, still holds such a role. The one check of a principal that the
    domains acting for a signed-in user (the protection desk, shelters) share."""
    user = require(session, principal.username, permission)
    if not allows(principal.roles, permission):
        raise PermissionDeniedError(
            _(
                "You act with the %(roles)s role, which does not allow %(permission)s.",
                roles=", ".join(sorted(principal.roles)) or "no",
                permission=permission.value,
            )
        )
    return user


def usernames_by_id(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The usernames of the users ``ids`` (for answers that show who acted)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {int(i): str(name) for i, name in rows}


def username_of(user_id: ColumnElement[Any] | QueryableAttribute[Any]) -> ScalarSelect[str]:
    """The username of the user whose id is ``user_id`` (a column of another domain's
    table), as a correlated subquery: for queries that show or check who acted."""
    return select(User.username).where(User.id == user_id).scalar_subquery()


def active_user_id(session: Session, username: str) -> int:
    """The id of the active user ``username``; NotFoundError otherwise."""
    found = session.scalars(
        select(User.id).where(User.username == username.strip(), User.active.is_(True))
    ).first()
    if found is None:
        raise NotFoundError(_("No active user %(username)s.", username=repr(username)))
    return int(found)


def roles_of(session: Session, user_id: int) -> frozenset[str]:
    """The roles the active user ``user_id`` holds now (none when disabled or unknown)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return frozenset()
    return frozenset(user.roles)


def has_second_factor(session: Session, user_id: int) -> bool:
    """Whether the user signs in with a second factor (a TOTP secret is set): a session of
    theirs was opened with it, since setting one ends every other session."""
    secret = session.scalar(select(User.totp_secret).where(User.id == user_id))
    return secret is not None


def add_user(
    ws: Workspace,
    username: str,
    display_name: str,
    roles: Iterable[str],
    *,
    actor: str | None,
    local: bool = False,
) -> dict[str, Any]:
    """Add a user: by the admin ``actor``, or ``local`` by whoever holds the data folder.

    Without either, only the first user of an empty database. The first user is always an
    admin, so that someone can add the others on the web.
    """
    name = _username(username)
    role_list = valid_roles(roles)
    display = (display_name or "").strip() or name
    if len(display) > 255:
        raise RejectedInputError(_("A display name is at most 255 characters."))
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        count = session.scalar(select(func.count()).select_from(User)) or 0
        if count == 0 and not allows(role_list, Permission.USERS_MANAGE):
            raise RejectedInputError(
                _(
                    "The first user must be an admin (give --role admin), so that someone "
                    "can add the others.",
                )
            )
        if local or (count == 0 and actor is None):
            actor = None
        else:
            require(session, actor, Permission.USERS_MANAGE)
        if session.scalars(select(User.id).where(User.username == name)).first() is not None:
            raise RejectedInputError(_("There is already a user %(name)s.", name=repr(name)))
        now = utcnow()
        entries.append(
            ws.custody,
            session,
            USER_ADD,
            actor,
            now,
            username=name,
            display_name=display,
            roles=role_list,
            **({"local": True} if local else {}),
        )
        if local:
            record_local(session, "user-add", name, roles=role_list)
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


def disable_user(
    ws: Workspace, username: str, *, actor: str | None, local: bool = False
) -> dict[str, Any]:
    """Disable a user: they keep their history but can no longer act (nor can their API
    tokens). By the admin ``actor``, or ``local`` by whoever holds the data folder."""
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        admin = None if local else require(session, actor, Permission.USERS_MANAGE)
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFoundError(_("No user %(username)s.", username=repr(username)))
        if admin is not None and user.id == admin.id:
            raise RejectedInputError(_("You cannot disable yourself; ask another admin."))
        if user.active:
            user.active = False
            entries.append(
                ws.custody,
                session,
                USER_DISABLE,
                None if admin is None else admin.username,
                utcnow(),
                username=user.username,
                **({"local": True} if local else {}),
            )
            if local:
                record_local(session, "user-disable", user.username)
        return user_json(user)


def get_user(ws: Workspace, username: str) -> dict[str, Any]:
    with ws.sessions() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFoundError(_("No user %(username)s.", username=repr(username)))
        return user_json(user)


def list_users(ws: Workspace, *, include_disabled: bool = True) -> list[dict[str, Any]]:
    with ws.sessions() as session:
        query = select(User).order_by(User.username)
        if not include_disabled:
            query = query.where(User.active.is_(True))
        return [user_json(u) for u in session.scalars(query)]

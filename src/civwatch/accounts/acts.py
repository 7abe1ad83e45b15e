"""The custody acts of accounts: users added, their roles changed, disabled and enabled
again (``custody/entries.py``).

The actor is null for the first admin of an empty database and for acts done on the data
folder's own machine, which say ``"local": true``. Neither act goes into evidence
packages (they name people, not evidence)."""

from __future__ import annotations

from civwatch.accounts.roles import ROLES
from civwatch.custody.entries import NAME, TEXT, TRUE, Act, Actor, Schema, register

_USER: dict[str, Schema] = {"username": NAME, "local": TRUE}
_ROLES: Schema = {
    "type": "array",
    "items": {"enum": list(ROLES)},
    "minItems": 1,
    "uniqueItems": True,
}

USER_ADD = register(
    Act(
        "user-add",
        "A user added, with their display name and roles.",
        {
            **_USER,
            "display_name": TEXT,
            "roles": _ROLES,
        },
        actor=Actor.PERSON_OR_NONE,
        optional=("local",),
    )
)
USER_DISABLE = register(
    Act(
        "user-disable",
        "A user disabled: they keep their history but can no longer act.",
        _USER,
        actor=Actor.PERSON_OR_NONE,
        optional=("local",),
    )
)

USER_ROLES = register(
    Act(
        "user-roles",
        "A user's roles changed: the roles they hold from now on.",
        {**_USER, "roles": _ROLES},
        actor=Actor.PERSON_OR_NONE,
        optional=("local",),
    )
)
USER_ENABLE = register(
    Act(
        "user-enable",
        "A disabled user enabled again: they may act again with the roles they hold.",
        _USER,
        actor=Actor.PERSON_OR_NONE,
        optional=("local",),
    )
)

#: The accounts domain's acts.
ACTS = (USER_ADD, USER_DISABLE, USER_ROLES, USER_ENABLE)

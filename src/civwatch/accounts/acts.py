"""The custody acts of accounts: users added and disabled (``custody/entries.py``).

The actor is null for the first admin of an empty database and for acts done on the data
folder's own machine, which say ``"local": true``. Neither act goes into evidence
packages (they name people, not evidence)."""

from __future__ import annotations

from civwatch.accounts.roles import ROLES
from civwatch.custody.entries import NAME, TEXT, TRUE, Act, Actor, Schema, register

_USER: dict[str, Schema] = {"username": NAME, "local": TRUE}

USER_ADD = register(
    Act(
        "user-add",
        "A user added, with their display name and roles.",
        {
            **_USER,
            "display_name": TEXT,
            "roles": {
                "type": "array",
                "items": {"enum": list(ROLES)},
                "minItems": 1,
                "uniqueItems": True,
            },
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

#: The accounts domain's acts.
ACTS = (USER_ADD, USER_DISABLE)

"""Who is making a request: a signed-in user with the roles in force for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Principal:
    """A user acting through a browser session or an API token.

    ``roles`` are the roles in force: all the user's roles for a session, the token's one
    role (while the user still holds it) for a token.
    """

    user_id: int
    username: str
    display_name: str
    roles: frozenset[str]
    via: Literal["session", "token"]
    #: The session's CSRF token (sessions only).
    csrf_token: str | None = None

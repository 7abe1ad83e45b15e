"""Running the ``civwatch`` command as a user: with an API token of theirs, as a person would.

The token is issued the way the data folder's holder issues one (``civwatch user token``),
in-process so that a test launches no extra subprocess for it.
"""

from __future__ import annotations

from civwatch.workspace import Workspace


def token_of(ws: Workspace, username: str, role: str | None = None) -> str:
    """A new API token of ``username`` for ``role`` (default: their only role)."""
    from civwatch.accounts.local import issue_token

    return str(issue_token(ws, username, role=role, name="tests")["token"])


def as_user(
    env: dict[str, str], ws: Workspace, username: str, role: str | None = None
) -> dict[str, str]:
    """``env`` with a fresh token of ``username`` in ``CIVWATCH_TOKEN``: the command acts
    as them (for ``role``, default their only role)."""
    return {**env, "CIVWATCH_TOKEN": token_of(ws, username, role)}

"""Rotating the key that signs the custody logs' tree heads (an admin's act).

The mechanics are the custody engine's (:mod:`civwatch.custody.key_rotation`); this module
decides who may rotate and which logs the new key signs: the evidence custody log (which
holds the announcement), the protection audit log and the relief log.
"""

from __future__ import annotations

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.custody.key_rotation import KeyRotation, rotate
from civwatch.workspace import Workspace


def rotate_signing_key(ws: Workspace, actor: str | None) -> KeyRotation:
    """Make a new signing key, announce it in the custody log signed by the key in force,
    and retire (destroy) the old key. Only an admin may; see docs/admins.md."""
    with ws.sessions() as session:
        who = require(session, actor, Permission.CUSTODY_KEYS).username
    rotation = rotate(
        ws.sessions,
        ws.custody,
        [ws.protection_log, ws.relief_log],
        ws.settings.signing_key_path,
        who,
    )
    ws.show_head(rotation.head)
    return rotation

"""Watching the permission checks the domain code makes while a request or command runs.

Every authorisation decision of the domain asks :func:`civwatch.accounts.service.require`
for named permissions; :func:`watch_requirements` records each question (who, which
permissions, refused or not), so a test can compare what an interface declares with what
the domain behind it asks.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from civwatch.accounts import service
from civwatch.accounts.models import User
from civwatch.accounts.permissions import Permission
from civwatch.errors import PermissionDeniedError

#: The packages whose modules may ask for permissions (imported whole before watching,
#: since each module binds ``require`` by name).
DOMAIN_PACKAGES = (
    "accounts",
    "evidence",
    "incidents",
    "publish",
    "protection",
    "shelters",
    "intake",
    "jobs",
)


@dataclass(frozen=True)
class Asked:
    """One question to the permission table: ``require(session, username, *permissions)``."""

    username: str | None
    permissions: tuple[Permission, ...]
    refused: bool


def watch_requirements(monkeypatch: pytest.MonkeyPatch) -> list[Asked]:
    """Record every :func:`~civwatch.accounts.service.require` call from now on (in
    every domain module that uses it) in the list returned."""
    for name in DOMAIN_PACKAGES:
        package = importlib.import_module(f"civwatch.{name}")
        for found in pkgutil.walk_packages(package.__path__, f"civwatch.{name}."):
            importlib.import_module(found.name)
    asked: list[Asked] = []
    original = service.require

    def require(session: Any, username: str | None, *permissions: Permission) -> User:
        try:
            user = original(session, username, *permissions)
        except PermissionDeniedError:
            asked.append(Asked(username, permissions, True))
            raise
        asked.append(Asked(username, permissions, False))
        return user

    for module in list(sys.modules.values()):
        if (module.__name__ or "").startswith("civwatch.") and (
            getattr(module, "require", None) is original
        ):
            monkeypatch.setattr(module, "require", require)
    return asked

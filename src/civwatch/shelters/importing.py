"""Imports of shelters (first commit: the interface; the readers follow)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from civwatch.accounts.principal import Principal
from civwatch.errors import RejectedInputError
from civwatch.i18n import _

if TYPE_CHECKING:
    from civwatch.workspace import Workspace


@dataclass
class ImportResult:
    """What an import did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_gone: int = 0
    #: (line or record number, reason in the language in force) of each row skipped.
    skipped: list[tuple[int, str]] = field(default_factory=list)


def import_file(
    ws: Workspace, path: Path, fmt: str | None = None, *, actor: Principal | None = None
) -> ImportResult:
    """Import the shelters of ``path``."""
    raise RejectedInputError(_("Shelter imports are not ready yet."))

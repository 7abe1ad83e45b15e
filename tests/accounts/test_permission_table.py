"""One permission table: no code outside it names a role, and the domain refuses what the
table refuses, whichever interface (or none) the call comes through."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from civwatch.accounts.permissions import ALL_ROLES
from civwatch.errors import PermissionDeniedError
from civwatch.workspace import Workspace

SRC = Path(__file__).resolve().parents[2] / "src" / "civwatch"
#: The table itself: the only modules that may write a role's name.
TABLE = {SRC / "accounts" / "permissions.py", SRC / "accounts" / "roles.py"}
_QUOTED_ROLE = re.compile("[\"']({})[\"']".format("|".join(sorted(ALL_ROLES))))


def test_no_role_name_is_written_outside_the_permission_table() -> None:
    """A role check written as a role name (``require_role(..., "admin")``, ``"publisher"
    in user.roles``, a tuple of writers) escapes the table: each must name a Permission."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path in TABLE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in ALL_ROLES:
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.value!r}")
    for path in sorted(SRC.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if match := _QUOTED_ROLE.search(line):
                found.append(f"{path.relative_to(SRC)}:{number}: {match.group(0)}")
    assert not found, "role names outside the permission table:\n" + "\n".join(found)


def test_importing_protected_places_is_the_admins_as_the_table_says(
    team: Workspace, tmp_path: Path
) -> None:
    """The table gives reference.manage to admins only; the domain let investigators and
    protection officers import place lists too (a tuple of its own)."""
    from civwatch.incidents.places import import_places

    csv_file = tmp_path / "places.csv"
    csv_file.write_text("id,name,kind,lat,lon\nh1,Hospital,hospital,49.99,36.23\n", "utf-8")
    with pytest.raises(PermissionDeniedError, match=r"admin role .*reference\.manage"):
        import_places(team, csv_file, source="moh", actor="ivan")
    assert import_places(team, csv_file, source="moh", actor="ada")["imported"] == 1

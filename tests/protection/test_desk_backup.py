"""A backup of a workspace whose protection desk holds a person at risk: no marker string
of that person is anywhere in the backup (the database copy holds only what the desk
sealed), the desk's passphrase and key are not in it, and the restored desk opens with its
own passphrase and reads the person back, the read recorded in the restored audit log."""

from __future__ import annotations

import os
from pathlib import Path

from civwatch.backups import make_backup, restore_backup
from civwatch.config import Settings
from civwatch.integrity import verify_workspace
from civwatch.protection.persons import add_person, show_person
from civwatch.workspace import Workspace
from tests.protection.conftest import PASSPHRASE, PrincipalOf, principal_of
from tests.protection.helpers import MARKER_NAME, MARKERS, encodings, marker_person

BACKUP_PASSPHRASE = "backup-passphrase-4821"


def test_a_backup_holds_no_person_in_clear_and_restores_the_desk(
    desk: Workspace, principal: PrincipalOf, tmp_path: Path, settings: Settings
) -> None:
    person_id = add_person(desk, principal("officer1"), marker_person())
    dest = tmp_path / "backup"
    make_backup(desk, dest, passphrase=BACKUP_PASSPHRASE)

    needles = [n for marker in MARKERS for n in encodings(marker)]
    needles += encodings(PASSPHRASE) + encodings(BACKUP_PASSPHRASE)
    found = [
        f"{Path(folder, name).relative_to(dest)}: {needle!r}"
        for folder, _dirs, names in os.walk(dest)
        for name in names
        for needle in needles
        if needle in Path(folder, name).read_bytes()
    ]
    assert found == []

    if desk.engine.dialect.name != "sqlite":
        return  # the restore into PostgreSQL is drilled in tests/backups
    target = settings.model_copy(update={"data_dir": tmp_path / "restored", "database_url": None})
    restore_backup(target, dest, passphrase=lambda: BACKUP_PASSPHRASE)
    restored = Workspace.open(target)
    try:
        shown = show_person(restored, principal_of(restored, "officer1"), person_id)
        assert shown["names"][0]["name"] == MARKER_NAME
        assert verify_workspace(restored) == []
    finally:
        restored.close()

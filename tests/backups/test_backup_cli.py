"""``civwatch backup`` and ``civwatch restore`` through the real command: the passphrase from
the environment or standard input (never an argument, never printed), what each prints,
``civwatch verify`` on the restored folder, and refusals in Ukrainian."""

from __future__ import annotations

import json
from pathlib import Path

from civwatch.workspace import Workspace
from tests.backups.conftest import PASSPHRASE, Target
from tests.conftest import run_cli
from tests.incidents.helpers import ingest_photo


def _env_for(cli_env: dict[str, str], target: Target, name: str) -> dict[str, str]:
    settings = target(name)
    env = {k: v for k, v in cli_env.items() if k != "CIVWATCH_DATABASE_URL"}
    env["CIVWATCH_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["CIVWATCH_DATABASE_URL"] = settings.database_url
    return env


def test_backup_restore_verify_on_the_command_line(
    workspace: Workspace, cli_env: dict[str, str], tmp_path: Path, fresh_target: Target
) -> None:
    ingest_photo(workspace, tmp_path / "photos", seed=1)
    dest = tmp_path / "backup"
    env = {**cli_env, "CIVWATCH_BACKUP_PASSPHRASE": PASSPHRASE}
    made = run_cli(env, "backup", str(dest), "--with-keys", check=True)
    assert "1 blob in the manifest, 1 copied now" in made.stdout
    assert "1 key file sealed with the passphrase." in made.stdout
    again = run_cli(cli_env, "backup", str(dest), "--json", check=True)
    assert json.loads(again.stdout)["copied"] == 0
    assert PASSPHRASE not in made.stdout + made.stderr

    target = _env_for(cli_env, fresh_target, "r")
    first = sorted((dest / "snapshots").iterdir())[0].name
    restored = run_cli(
        target,
        "restore",
        str(dest),
        "--snapshot",
        first,
        "--passphrase-stdin",
        input=PASSPHRASE + "\n",
        check=True,
    )
    assert f"Restored snapshot {first}" in restored.stdout
    assert "1 blob copied and re-hashed." in restored.stdout
    assert "consistent with the head signed at" in restored.stdout
    assert PASSPHRASE not in restored.stdout + restored.stderr
    assert run_cli(target, "verify", check=True).returncode == 0

    again_into_it = run_cli(target, "--lang", "uk", "restore", str(dest), "--without-keys")
    assert again_into_it.returncode == 1
    assert "не порожня" in again_into_it.stderr
    not_a_backup = run_cli(
        _env_for(cli_env, fresh_target, "s"), "--lang", "uk", "restore", str(tmp_path / "photos")
    )
    assert not_a_backup.returncode == 1
    assert "не є текою резервної копії civwatch" in not_a_backup.stderr

"""``civwatch import telegram|whatsapp``: as the user of the credential, one JSON line per
message, a summary in the user's language; killed in the middle, a re-run finishes it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from civwatch.accounts import add_user
from civwatch.accounts.roles import ADMIN, INVESTIGATOR, VIEWER
from civwatch.integrity import verify_workspace
from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.intake.exports import whatsapp_android, whatsapp_ios, zipped
from tests.intake.test_crash import bigger_export, counts
from tests.support.tokens import as_user


def _crew(ws: Workspace) -> None:
    add_user(ws, "ada", "Ada", [ADMIN], actor=None)
    add_user(ws, "olena", "Olena", [INVESTIGATOR], actor="ada")
    add_user(ws, "val", "Val", [VIEWER], actor="ada")


def test_telegram_json_lines_as_the_credentials_user(
    workspace: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    _crew(workspace)
    export = bigger_export(tmp_path / "export", n=2)
    refused = run_cli(cli_env, "import", "telegram", str(export), "--json")
    assert refused.returncode != 0 and "token" in refused.stderr.lower()
    viewer = run_cli(as_user(cli_env, workspace, "val"), "import", "telegram", str(export))
    assert viewer.returncode != 0
    env = as_user(cli_env, workspace, "olena")
    done = run_cli(env, "import", "telegram", str(export), "--json", check=True)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["status"] for line in lines] == [
        "skipped",
        "ingested",
        "text",
        "ingested",
        "missing-media",
        "ingested",
        "ingested",
    ]
    assert set(lines[1]) == {"message_id", "status", "sha256", "published_at"}
    assert lines[1]["published_at"] == "2024-03-01T08:05:00+00:00"
    assert "message 5" in done.stderr  # the missing media, said on stderr
    summary = run_cli(
        {**env, "CIVWATCH_LANGUAGE": "uk"}, "import", "telegram", str(export), check=True
    )
    assert "6 вже" in summary.stdout, summary.stdout
    assert "пропущено" in summary.stdout


def test_whatsapp_both_layouts_from_the_command_line(
    workspace: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    _crew(workspace)
    env = as_user(cli_env, workspace, "olena")
    ios = zipped(whatsapp_ios(tmp_path / "ios"), tmp_path / "WhatsApp Chat - Kharkiv.zip")
    done = run_cli(env, "import", "whatsapp", str(ios), "--json", check=True)
    assert [json.loads(x)["status"] for x in done.stdout.splitlines()] == [
        "skipped",
        "text",
        "ingested",
        "text",
        "missing-media",
    ]
    android = whatsapp_android(tmp_path / "android", ambiguous=True)
    refused = run_cli(env, "import", "whatsapp", str(android))
    assert refused.returncode == 1
    assert "--date-order" in refused.stderr
    ok = run_cli(env, "import", "whatsapp", str(android), "--date-order", "day-first", check=True)
    assert "5 messages read" in ok.stdout
    wrong = run_cli(env, "import", "telegram", str(android))
    assert wrong.returncode == 1 and "not a Telegram" in refused.stderr + wrong.stderr


def test_killed_in_the_middle_then_run_again(
    workspace: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    _crew(workspace)
    env = as_user(cli_env, workspace, "olena")
    export = bigger_export(tmp_path / "export", n=40)
    proc = subprocess.Popen(
        [sys.executable, "-m", "civwatch", "import", "telegram", str(export), "--json"],
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    seen = 0
    deadline = time.monotonic() + 60
    while seen < 8 and time.monotonic() < deadline:
        if proc.stdout.readline():
            seen += 1
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert seen >= 8
    done = run_cli(env, "import", "telegram", str(export), "--json", check=True)
    statuses = [json.loads(x)["status"] for x in done.stdout.splitlines()]
    assert len(statuses) == 45 and statuses.count("skipped") == 1
    items, sightings, messages, _entries = counts(workspace)
    assert messages == 44
    assert items == sightings  # no media stored twice, no sighting recorded twice
    assert verify_workspace(workspace, rehash=True) == []

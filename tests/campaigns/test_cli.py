"""``civwatch campaign ...`` in a real process: create (--json gives the id), import
targets (a bad file refused with its row numbers), publish, close, deliver the PDF, list,
show; each acting as the user of the token given."""

from __future__ import annotations

import json
from pathlib import Path

from civwatch.workspace import Workspace
from tests.campaigns.conftest import TARGETS_CSV
from tests.conftest import run_cli
from tests.support.tokens import as_user


def test_a_letter_campaign_from_the_command_line(
    team: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    ivan = as_user(cli_env, team, "ivan")
    pat = as_user(cli_env, team, "pat")
    letter = tmp_path / "letter.txt"
    letter.write_text("Dear delegate,\nplease vote.\n", "utf-8")
    made = run_cli(
        ivan,
        "campaign",
        "create",
        "--title",
        "Write to the missions",
        "--kind",
        "letter",
        "--letter-file",
        str(letter),
        "--json",
        check=True,
    )
    campaign = str(json.loads(made.stdout)["id"])

    bad = tmp_path / "bad.csv"
    bad.write_text("name,country,email\nMission,QQ,x@example.org\n", "utf-8")
    refused = run_cli(ivan, "campaign", "targets-import", campaign, str(bad))
    assert refused.returncode != 0 and "row 2" in refused.stderr
    uk = run_cli(
        {**ivan, "CIVWATCH_LANGUAGE": "uk"}, "campaign", "targets-import", campaign, str(bad)
    )
    assert "рядок 2" in uk.stderr

    good = tmp_path / "targets.csv"
    good.write_bytes(TARGETS_CSV)
    imported = run_cli(ivan, "campaign", "targets-import", campaign, str(good), check=True)
    assert "2 targets imported" in imported.stdout
    assert run_cli(ivan, "campaign", "publish", campaign).returncode != 0  # not a publisher
    run_cli(pat, "campaign", "publish", campaign, check=True)
    shown = json.loads(run_cli(ivan, "campaign", "show", campaign, "--json", check=True).stdout)
    assert shown["state"] == "live" and len(shown["targets"]) == 2

    out = tmp_path / "delivery.pdf"
    done = run_cli(ivan, "campaign", "deliver", campaign, "--out", str(out), "--json", check=True)
    assert json.loads(done.stdout)["count"] == 0
    assert out.read_bytes().startswith(b"%PDF")
    run_cli(pat, "campaign", "close", campaign, check=True)
    listed = run_cli(ivan, "campaign", "list", check=True)
    assert "Write to the missions" in listed.stdout and "ended" in listed.stdout

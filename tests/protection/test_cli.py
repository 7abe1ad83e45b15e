"""``civwatch protect ...`` end to end in real subprocesses, acting with API tokens:
set up, register, show, find, audit, lock, unlock, delete; clear errors for a locked
desk, a wrong passphrase, a person out of reach and a bad token."""

from __future__ import annotations

import json
import subprocess

from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.protection.conftest import PASSPHRASE
from tests.protection.helpers import MARKER_PHONE
from tests.support.tokens import as_user


def _json(proc: subprocess.CompletedProcess[str]) -> object:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_the_protect_commands_round_trip(team: Workspace, cli_env: dict[str, str]) -> None:
    env = {
        **cli_env,
        "CIVWATCH_PROTECTION_KDF_MEMORY_KIB": "1024",
        "CIVWATCH_PROTECTION_KDF_TIME_COST": "1",
    }
    lead = as_user(env, team, "lead1")
    officer = as_user(env, team, "officer1")
    outsider = as_user(env, team, "officer2")

    state = _json(
        run_cli(lead, "protect", "init", "--passphrase-stdin", "--json", input=PASSPHRASE + "\n")
    )
    assert state["locked"] is False  # type: ignore[index]
    # From now on each process derives the desk's key from the configured passphrase.
    for e in (lead, officer, outsider):
        e["CIVWATCH_PROTECTION_PASSPHRASE"] = PASSPHRASE

    added = _json(
        run_cli(
            officer,
            "protect",
            "person",
            "add",
            "--name",
            "Олександр Шевченко",
            "--name",
            "Oleksandr Shevchenko",
            "--phone",
            MARKER_PHONE,
            "--group",
            "journalist",
            "--json",
        )
    )
    person_id = added["id"]  # type: ignore[index]
    shown = _json(run_cli(officer, "protect", "person", "show", person_id, "--json"))
    assert shown == {
        "id": person_id,
        "names": [
            {"name": "Олександр Шевченко", "kind": "legal", "script": "cyrillic"},
            {"name": "Oleksandr Shevchenko", "kind": "legal", "script": "latin"},
        ],
        "phones": ["+380671234567"],
        "groups": ["journalist"],
        "risk_level": None,
        "next_review": None,
    }
    found = _json(run_cli(officer, "protect", "person", "find", "--name", "Aleksandr", "--json"))
    assert found == {"ids": [person_id]}
    assert _json(
        run_cli(officer, "protect", "person", "find", "--phone", "067 123 45 67", "--json")
    ) == {"ids": [person_id]}

    # Out of reach: the same answer as an id that does not exist.
    refused = run_cli(outsider, "protect", "person", "show", person_id)
    assert refused.returncode == 1 and f"No person '{person_id}'" in refused.stderr
    assert _json(
        run_cli(outsider, "protect", "person", "find", "--phone", MARKER_PHONE, "--json")
    ) == {"ids": []}

    history = _json(run_cli(lead, "protect", "audit", person_id, "--json"))
    assert isinstance(history, list)
    assert {"actor": "officer1", "act": "protection-read"}.items() <= history[0].items()
    assert all(set(h) == {"actor", "at", "act", "fields"} for h in history)

    locked = _json(run_cli(lead, "protect", "lock", "--json"))
    assert locked["locked"] is True and locked["tokens_revoked"] >= 3  # type: ignore[index]
    revoked = run_cli(officer, "protect", "person", "show", person_id)
    assert revoked.returncode == 1 and "revoked" in revoked.stderr
    officer = as_user(env, team, "officer1") | {"CIVWATCH_PROTECTION_PASSPHRASE": PASSPHRASE}
    while_locked = run_cli(officer, "protect", "person", "show", person_id)
    assert while_locked.returncode == 1
    assert "The protection desk is locked. A protection lead must unlock it." in while_locked.stderr

    lead = as_user(env, team, "lead1")
    wrong = run_cli(
        lead, "protect", "unlock", "--passphrase-stdin", input="not the passphrase at all\n"
    )
    assert wrong.returncode == 1 and "not the protection desk's passphrase" in wrong.stderr
    assert (
        _json(
            run_cli(
                lead, "protect", "unlock", "--passphrase-stdin", "--json", input=PASSPHRASE + "\n"
            )
        )["locked"]
        is False
    )  # type: ignore[index]

    lead["CIVWATCH_PROTECTION_PASSPHRASE"] = PASSPHRASE
    gone = run_cli(
        lead, "protect", "person", "delete", person_id, "--reason", "asked to be forgotten"
    )
    assert gone.returncode == 0, gone.stderr
    after = run_cli(lead, "protect", "person", "show", person_id)
    assert after.returncode == 1 and f"No person '{person_id}'" in after.stderr

    bad = run_cli(
        {**lead, "CIVWATCH_TOKEN": "cwt_not-a-token"}, "protect", "person", "show", person_id
    )
    assert bad.returncode == 1 and "token" in bad.stderr
    assert "Traceback" not in bad.stderr + after.stderr + wrong.stderr

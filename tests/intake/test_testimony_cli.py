"""``civwatch testimony add`` and ``list``: the witness read from standard input (never an
option), printed nowhere; the list by incident names the witness by code."""

from __future__ import annotations

import json

from civwatch.accounts.principal import Principal
from civwatch.accounts.tokens import create_token
from civwatch.config import Settings
from tests.conftest import run_cli
from tests.intake.conftest import MARKER_NAME, MARKER_PHONE, Field


def test_add_reads_the_witness_from_stdin_and_list_shows_the_code(
    field: Field, cli_env: dict[str, str], settings: Settings
) -> None:
    ivan: Principal = field.who("ivan")
    env = {
        **cli_env,
        "CIVWATCH_TOKEN": create_token(field.ws, ivan, "cli", "investigator")["token"],
        "CIVWATCH_PROTECTION_PASSPHRASE": settings.protection_passphrase.get_secret_value()
        if settings.protection_passphrase
        else "",
        "CIVWATCH_PROTECTION_KDF_MEMORY_KIB": "1024",
        "CIVWATCH_PROTECTION_KDF_TIME_COST": "1",
    }
    added = run_cli(
        env,
        "testimony",
        "add",
        "--statement",
        "The school was hit twice.",
        "--taken-at",
        "2024-05-02T09:30:00+03:00",
        "--language",
        "uk",
        "--incident",
        str(field.incident),
        "--flag",
        "occupied",
        "--witness-stdin",
        "--json",
        input=json.dumps({"name": MARKER_NAME, "contacts": [MARKER_PHONE]}),
        check=True,
    )
    made = json.loads(added.stdout)
    assert made["witness"].startswith("W-") and MARKER_NAME not in added.stdout + added.stderr
    listed = run_cli(
        env, "testimony", "list", "--incident", str(field.incident), "--json", check=True
    )
    (row,) = json.loads(listed.stdout)
    assert row["witness"] == made["witness"] and row["flags"] == ["occupied"]
    assert MARKER_NAME not in listed.stdout
    bad = run_cli(
        env,
        "testimony",
        "add",
        "--statement",
        "x",
        "--taken-at",
        "2024-05-02T09:30:00+03:00",
        "--language",
        "uk",
        "--witness-stdin",
        input="[1, 2]",
    )
    assert bad.returncode == 2 and "JSON object" in bad.stderr


def test_quote_and_disclosure_commands_follow_the_same_rules(
    field: Field, cli_env: dict[str, str], settings: Settings
) -> None:
    from datetime import date

    from civwatch.intake import testimony as t
    from civwatch.intake.testimony_disclosure import decisions
    from tests.intake.conftest import marked

    made = t.record_testimony(field.ws, field.who("ivan"), marked(field.incident))
    t.add_member(field.ws, field.who("ivan"), made["id"], "olek")
    t.give_consent(
        field.ws, field.who("ivan"), made["id"], "share", given_on=date(2024, 5, 2), recipient="ICC"
    )
    base = {
        **cli_env,
        "CIVWATCH_PROTECTION_PASSPHRASE": settings.protection_passphrase.get_secret_value()
        if settings.protection_passphrase
        else "",
        "CIVWATCH_PROTECTION_KDF_MEMORY_KIB": "1024",
        "CIVWATCH_PROTECTION_KDF_TIME_COST": "1",
    }

    def as_(user: str, role: str) -> dict[str, str]:
        token = create_token(field.ws, field.who(user), "cli", role)["token"]
        return {**base, "CIVWATCH_TOKEN": token}

    tid = str(made["id"])
    # no consent to anonymised publication: refused, with a clear message
    refused = run_cli(
        as_("ivan", "investigator"),
        "testimony",
        "quote",
        tid,
        "--excerpt",
        "the missile hit",
        "--reviewed",
    )
    assert refused.returncode != 0 and "anonymised publication" in refused.stderr
    # an investigator's token may not propose a disclosure
    denied = run_cli(
        as_("ivan", "investigator"),
        "testimony",
        "disclose",
        tid,
        "--recipient",
        "ICC",
        "--reason",
        "Summons",
    )
    assert denied.returncode != 0
    proposed = run_cli(
        as_("olek", "protection_officer"),
        "testimony",
        "disclose",
        tid,
        "--recipient",
        "ICC",
        "--reason",
        "Summons",
        "--json",
        check=True,
    )
    decision = str(json.loads(proposed.stdout)["id"])
    run_cli(
        as_("lead1", "protection_lead"),
        "testimony",
        "approve-disclosure",
        tid,
        decision,
        check=True,
    )
    assert decisions(field.ws, field.who("ivan"), made["id"])[0]["in_force"] is True
    run_cli(
        as_("ivan", "investigator"), "testimony", "revoke-disclosure", tid, decision, check=True
    )
    assert decisions(field.ws, field.who("ivan"), made["id"])[0]["in_force"] is False
    assert MARKER_NAME not in proposed.stdout + proposed.stderr

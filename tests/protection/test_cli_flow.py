"""The issue's whole flow on the command line, in real ``civwatch`` subprocesses acting
with API tokens: a request for help is listed, read and turned into a person; risk is
assessed; consent recorded; a safe-exit case opened with a checkpoint and a check-in; a
partner added by a lead; the case referred to the partner with the officer's password on
standard input, the packet opened with the partner's identity holding only the chosen
fields; the audit lists the reads. On the way: an officer outside the team is told "not
found", a wrong password writes no packet, errors come in Ukrainian with ``--lang uk``."""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from civwatch.crypto.age_packets import decrypt, new_identity
from civwatch.i18n import _, use_language
from civwatch.protection.help_limits import AddressLimiter
from civwatch.protection.help_requests import HelpRequestInput, submit_help_request
from civwatch.protection.models import ProtectionAuditEvent
from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.protection.case_helpers import (
    MARK_NAME,
    MARK_PHONE,
    MARK_PLACE,
    PASSWORD,
    give_consent,
    open_marked_case,
    set_password,
)
from tests.protection.conftest import PASSPHRASE, PrincipalOf
from tests.support.tokens import as_user


def _json(proc: subprocess.CompletedProcess[str]) -> Any:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _refused(proc: subprocess.CompletedProcess[str], text: str) -> None:
    assert proc.returncode != 0, proc.stdout
    assert text in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_from_a_request_for_help_to_a_referral_on_the_command_line(
    desk: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **cli_env,
        "CIVWATCH_PROTECTION_PASSPHRASE": PASSPHRASE,
        "CIVWATCH_PROTECTION_KDF_MEMORY_KIB": "1024",
        "CIVWATCH_PROTECTION_KDF_TIME_COST": "1",
    }
    for username in ("officer1", "officer2"):
        set_password(desk, username)
    officer = as_user(env, desk, "officer1")
    outsider = as_user(env, desk, "officer2")
    lead = as_user(env, desk, "lead1")

    reference = submit_help_request(
        desk,
        HelpRequestInput(about=f"Я {MARK_NAME}, журналістка, мене шукають.", contact=MARK_PHONE),
        "uk",
        limiter=AddressLimiter(),
    )
    waiting = _json(run_cli(officer, "protect", "requests", "list", "--json"))
    assert [(r["reference"], r["state"]) for r in waiting] == [(reference, "new")]
    assert set(waiting[0]) == {"id", "reference", "received", "language", "state"}
    request_id = waiting[0]["id"]
    read = _json(run_cli(officer, "protect", "requests", "show", request_id, "--json"))
    assert MARK_NAME in read["about"] and read["contact"] == MARK_PHONE

    person_id = _json(
        run_cli(
            officer,
            "protect",
            "requests",
            "convert",
            request_id,
            "--name",
            MARK_NAME,
            "--phone",
            MARK_PHONE,
            "--group",
            "journalist",
            "--json",
        )
    )["id"]
    _refused(run_cli(outsider, "protect", "person", "show", person_id), f"No person '{person_id}'")
    assessed = _json(
        run_cli(
            officer,
            "protect",
            "risk",
            "add",
            person_id,
            "--threat",
            "detention",
            "--likelihood",
            "4",
            "--impact",
            "5",
            "--json",
        )
    )
    assert assessed["level"] == "critical"

    _refused(run_cli(officer, "protect", "case", "open", person_id), "consent")
    _json(
        run_cli(
            officer, "protect", "consent", "add", person_id, "--purpose", "case-handling", "--json"
        )
    )
    case_id = _json(
        run_cli(officer, "protect", "case", "open", person_id, "--kind", "safe-exit", "--json")
    )["id"]
    expected = (datetime.now(UTC) + timedelta(hours=3)).isoformat(timespec="seconds")
    checkpoint_id = _json(
        run_cli(
            officer,
            "protect",
            "case",
            "checkpoint",
            case_id,
            "--place",
            MARK_PLACE,
            "--expected",
            expected,
            "--json",
        )
    )["id"]
    _json(
        run_cli(
            officer,
            "protect",
            "case",
            "checkin",
            case_id,
            "--place",
            MARK_PLACE,
            "--checkpoint",
            checkpoint_id,
            "--json",
        )
    )

    secret, public = new_identity()
    partner_id = _json(
        run_cli(
            lead,
            "protect",
            "partner",
            "add",
            "--name",
            "Safe Harbour",
            "--country",
            "pl",
            "--age-key",
            public,
            "--json",
        )
    )["id"]
    assert [p["id"] for p in _json(run_cli(officer, "protect", "partner", "list", "--json"))] == [
        partner_id
    ]
    _json(
        run_cli(
            officer,
            "protect",
            "consent",
            "add",
            person_id,
            "--purpose",
            "referral",
            "--partner",
            partner_id,
            "--how",
            "written",
            "--json",
        )
    )

    packet = tmp_path / "referral.age"
    refer = ("protect", "refer", case_id, "--partner", partner_id)
    chosen = ("--field", "names", "--field", "contacts", "--out", str(packet))
    wrong = run_cli(officer, *refer, *chosen, "--password-stdin", input="not my password\n")
    _refused(wrong, "password")
    hidden = run_cli(outsider, *refer, *chosen, "--password-stdin", input=PASSWORD + "\n")
    _refused(hidden, f"No case '{case_id}'")
    no_stdin = run_cli(officer, *refer, *chosen)
    _refused(no_stdin, "--password-stdin")
    assert not packet.exists()

    sent = _json(
        run_cli(officer, *refer, *chosen, "--password-stdin", "--json", input=PASSWORD + "\n")
    )
    data = packet.read_bytes()
    assert stat.S_IMODE(packet.stat().st_mode) == 0o600
    assert sent["packet_sha256"] == hashlib.sha256(data).hexdigest()
    opened = json.loads(decrypt(data, secret))
    assert opened["fields"] == ["contacts", "names"]
    assert set(opened["person"]) == {"contacts", "names"}
    assert opened["person"]["names"][0]["name"] == MARK_NAME
    again = run_cli(officer, *refer, *chosen, "--password-stdin", input=PASSWORD + "\n")
    _refused(again, "exists already")
    assert packet.read_bytes() == data

    case = _json(run_cli(officer, "protect", "case", "show", case_id, "--json"))
    assert [c["checkpoint_id"] for c in case["checkins"]] == [checkpoint_id]
    assert [(r["id"], r["fields"]) for r in case["referrals"]] == [
        (sent["id"], ["contacts", "names"])
    ]
    assert [c["id"] for c in _json(run_cli(officer, "protect", "case", "list", "--json"))] == [
        case_id
    ]
    _refused(run_cli(outsider, "protect", "case", "show", case_id), f"No case '{case_id}'")
    in_ukrainian = run_cli(outsider, "--lang", "uk", "protect", "case", "show", case_id)
    with use_language("uk"):
        expected_error = str(_("No case %(id)s.", id=repr(case_id)))
    assert expected_error != f"No case '{case_id}'."
    _refused(in_ukrainian, expected_error)

    history = _json(run_cli(lead, "protect", "audit", person_id, "--json"))
    reads = [(h["actor"], h["fields"]) for h in history if h["act"] == "protection-read"]
    assert any(actor == "officer1" and "checkins" in fields for actor, fields in reads)
    # Reading the request (before its person existed) is in the protection audit log too.
    with desk.sessions() as session:
        request_reads = session.scalars(
            select(ProtectionAuditEvent.fields).where(
                ProtectionAuditEvent.act == "protection-read",
                ProtectionAuditEvent.person_id.is_(None),
            )
        ).all()
    assert request_reads == [["help_request"]]
    assert all(MARK_NAME not in json.dumps(h, ensure_ascii=False) for h in history)


def test_emergency_access_withdrawn_consent_and_a_revoked_referral_on_the_command_line(
    desk: Workspace, principal: PrincipalOf, cli_env: dict[str, str]
) -> None:
    from civwatch.protection.partners import add_partner
    from civwatch.protection.referrals import refer

    env = {**cli_env, "CIVWATCH_PROTECTION_PASSPHRASE": PASSPHRASE}
    officer, outsider, lead = (as_user(env, desk, u) for u in ("officer1", "officer2", "lead1"))
    set_password(desk, "officer1")
    person_id, case_id = open_marked_case(desk, principal("officer1"))
    partner_id = add_partner(desk, principal("lead1"), "Safe Harbour", new_identity()[1])
    give_consent(desk, principal("officer1"), person_id, "referral", partner_id=partner_id)
    referral_id = refer(desk, principal("officer1"), case_id, partner_id, ["names"], PASSWORD)

    asked = _json(
        run_cli(
            outsider, "protect", "access", "request", person_id, "--reason", "night duty", "--json"
        )
    )
    _refused(run_cli(outsider, "protect", "access", "approve", asked["id"]), "protection_lead")
    _json(run_cli(lead, "protect", "access", "approve", asked["id"], "--hours", "2", "--json"))
    seen = _json(run_cli(outsider, "protect", "person", "show", person_id, "--json"))
    assert seen["names"][0]["name"] == MARK_NAME
    _json(run_cli(lead, "protect", "access", "revoke", asked["id"], "--json"))
    _refused(run_cli(outsider, "protect", "person", "show", person_id), f"No person '{person_id}'")

    withdrawn = run_cli(
        officer, "protect", "consent", "add", person_id, "--purpose", "referral",
        "--partner", partner_id, "--withdraw",
    )  # fmt: skip
    assert withdrawn.returncode == 0 and "withdrawn" in withdrawn.stdout, withdrawn.stderr
    decisions = _json(run_cli(officer, "protect", "consent", "list", person_id, "--json"))
    assert [(d["purpose"], d["given"]) for d in decisions][:1] == [("referral", False)]
    _refused(
        run_cli(officer, "protect", "consent", "override", person_id, "--purpose", "referral",
                "--reason", "x"),
        "protection_lead",
    )  # fmt: skip

    revoked = _json(run_cli(officer, "protect", "referral", "revoke", referral_id, "--json"))
    assert revoked["state"] == "revoked"
    case = _json(run_cli(officer, "protect", "case", "show", case_id, "--json"))
    assert [r["state"] for r in case["referrals"]] == ["revoked"]

"""``civwatch protect case ...`` and ``civwatch protect risk add`` in real subprocesses,
acting with API tokens: open, assign, check in, assess; need to know on the command line."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta

from civwatch.protection.cases import show_case
from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.protection.case_helpers import MARK_NAME, add_marked_person, give_consent
from tests.protection.conftest import PASSPHRASE, PrincipalOf
from tests.support.tokens import as_user


def _json(proc: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert isinstance(doc, dict)
    return doc


def test_cases_and_risk_on_the_command_line(
    desk: Workspace, principal: PrincipalOf, cli_env: dict[str, str]
) -> None:
    env = {**cli_env, "CIVWATCH_PROTECTION_PASSPHRASE": PASSPHRASE}
    officer = as_user(env, desk, "officer1")
    outsider = as_user(env, desk, "officer2")
    person_id = add_marked_person(desk, principal("officer1"))
    refused = run_cli(officer, "protect", "case", "open", person_id, "--kind", "safe-exit")
    assert refused.returncode == 1 and "consent" in refused.stderr
    give_consent(desk, principal("officer1"), person_id, "case-handling")

    opened = _json(
        run_cli(officer, "protect", "case", "open", person_id, "--kind", "safe-exit", "--json")
    )
    case_id = str(opened["id"])
    hidden = run_cli(outsider, "protect", "case", "checkin", case_id, "--place", "Chop")
    assert hidden.returncode == 1 and f"No case '{case_id}'" in hidden.stderr
    assert MARK_NAME not in hidden.stderr + hidden.stdout

    assigned = run_cli(officer, "protect", "case", "assign", case_id, "officer2")
    assert assigned.returncode == 0, assigned.stderr
    assert "officer2" in assigned.stdout
    checked = run_cli(outsider, "protect", "case", "checkin", case_id, "--place", "Chop")
    assert checked.returncode == 0, checked.stderr

    review = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
    assessed = _json(
        run_cli(
            officer,
            "protect",
            "risk",
            "add",
            person_id,
            "--threat",
            "filtration",
            "--threat",
            "surveillance",
            "--likelihood",
            "4",
            "--impact",
            "5",
            "--next-review",
            review,
            "--json",
        )
    )
    assert assessed["level"] == "critical" and assessed["person_id"] == person_id
    bad = run_cli(
        officer,
        "protect",
        "risk",
        "add",
        person_id,
        "--threat",
        "filtration",
        "--likelihood",
        "9",
        "--impact",
        "1",
    )
    assert bad.returncode == 1 and "from 1 to 5" in bad.stderr

    doc = show_case(desk, principal("officer1"), case_id)
    assert [m["username"] for m in doc["team"]] == ["officer1", "officer2"]
    assert [c["place"] for c in doc["checkins"]] == ["Chop"]

"""The command line acts as a user only with that user's API token, checked as the API checks
it; whoever holds the data folder administers it without one, and each such act is audited as
done from the local machine."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, update

from civwatch.accounts.audit import list_audit
from civwatch.accounts.auth import authenticate
from civwatch.accounts.models import ApiToken, User
from civwatch.accounts.principal import Principal
from civwatch.accounts.tokens import revoke_token
from civwatch.config import Settings
from civwatch.incidents.service import list_incidents
from civwatch.incidents.verification import add_record, item_verification
from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.incidents.helpers import CHRONO, GEO, ingest_photo, seed_cache
from tests.support.tokens import as_user, token_of

CREATE = (
    "incident",
    "create",
    "--title",
    "Strike on a school",
    "--start",
    "2022-03-09T14:00:00+03:00",
    "--lat",
    "49.9940",
    "--lon",
    "36.2310",
    "--type",
    "shelling",
    "--settlement",
    "Kharkiv",
    "--oblast",
    "Kharkiv Oblast",
    "--json",
)


def _log_size(ws: Workspace) -> int:
    with ws.sessions() as session:
        return ws.custody.size(session)


def _one_line_error(proc: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    return proc.stderr


def test_one_person_in_one_shell_cannot_meet_the_two_person_rule(
    team: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    sha = ingest_photo(team, tmp_path / "in")
    add_record(team, sha, "geolocation", GEO, actor="ivan")
    add_record(team, sha, "chronolocation", CHRONO, actor="ivan")
    ivan = as_user(cli_env, team, "ivan")
    proposed = json.loads(
        run_cli(ivan, "verify-item", "status", sha, "verified", "--json", check=True).stdout
    )
    assert proposed["status"] == "in_review"
    before = _log_size(team)

    # Naming someone else is no longer a way to act as them...
    named = run_cli(ivan, "verify-item", "review", sha, "approve", "--as", "vera")
    assert named.returncode == 2 and "No such option: --as" in named.stderr
    # ...nor is the old environment variable: the acts are the token's user's.
    claimed = run_cli({**ivan, "CIVWATCH_USER": "vera"}, "verify-item", "review", sha, "approve")
    assert "does not allow review" in _one_line_error(claimed)
    # A token made for the investigator role cannot review, though its owner is a verifier too.
    viktor = as_user(cli_env, team, "viktor", "investigator")
    scoped = run_cli(viktor, "verify-item", "review", sha, "approve")
    assert "'investigator' role" in _one_line_error(scoped)
    assert item_verification(team, sha)["status"] == "in_review"
    assert _log_size(team) == before

    # The second person, with their own token, is who approves.
    vera = as_user(cli_env, team, "vera")
    approved = run_cli(vera, "verify-item", "review", sha, "approve", "--json", check=True)
    history = json.loads(approved.stdout)["history"]
    assert [(h["act"], h["actor"]) for h in history][-2:] == [
        ("submit", "ivan"),
        ("approve", "vera"),
    ]
    denied = list_audit(team, action="authorise")
    assert {(a["actor"], a["outcome"], a["client"]) for a in denied} == {
        ("ivan", "denied", "local"),
        ("viktor", "denied", "local"),
    }


def _revoked(ws: Workspace, env: dict[str, str]) -> dict[str, str]:
    token = token_of(ws, "ivan")
    with ws.sessions() as session:
        row = session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
        assert row is not None
        user = session.get_one(User, row.user_id)
        who = Principal(user.id, user.username, user.display_name, frozenset(user.roles), "token")
    revoke_token(ws, who, row.id)
    return {**env, "CIVWATCH_TOKEN": token}


def _owner_disabled(ws: Workspace, env: dict[str, str]) -> dict[str, str]:
    from civwatch.accounts import disable_user

    token = token_of(ws, "ivan")
    disable_user(ws, "ivan", actor="ada")
    return {**env, "CIVWATCH_TOKEN": token}


def _role_taken_away(ws: Workspace, env: dict[str, str]) -> dict[str, str]:
    token = token_of(ws, "viktor", "investigator")
    with ws.sessions() as session, session.begin():
        session.execute(update(User).where(User.username == "viktor").values(roles=["verifier"]))
    return {**env, "CIVWATCH_TOKEN": token}


def _garbage(ws: Workspace, env: dict[str, str]) -> dict[str, str]:
    return {**env, "CIVWATCH_TOKEN": "ivan"}


def _unknown(ws: Workspace, env: dict[str, str]) -> dict[str, str]:
    return {**env, "CIVWATCH_TOKEN": "cw_" + "x" * 43}


def _none(ws: Workspace, env: dict[str, str]) -> dict[str, str]:
    return env


@pytest.mark.parametrize(
    ("make_env", "said"),
    [
        (_revoked, "was revoked"),
        (_owner_disabled, "user 'ivan' is disabled"),
        (_role_taken_away, "no longer holds"),
        (_garbage, "not a civwatch API token"),
        (_unknown, "unknown"),
        (_none, "CIVWATCH_TOKEN"),
    ],
    ids=["revoked", "owner-disabled", "role-taken-away", "garbage", "unknown", "none"],
)
def test_a_refused_token_says_why_and_changes_nothing(
    team: Workspace,
    cli_env: dict[str, str],
    gazetteer_cache: Path,
    make_env: Callable[[Workspace, dict[str, str]], dict[str, str]],
    said: str,
) -> None:
    seed_cache(gazetteer_cache, team.data_dir)
    env = make_env(team, cli_env)
    before = _log_size(team)
    proc = run_cli(env, *CREATE)
    assert said in _one_line_error(proc)
    assert _log_size(team) == before
    assert list_incidents(team)["total"] == 0


def test_an_unreadable_token_file_says_why_and_changes_nothing(
    team: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    before = _log_size(team)
    proc = run_cli(
        as_user(cli_env, team, "ivan"),  # the file, when given, is what counts
        *CREATE,
        "--token-file",
        str(tmp_path / "no-such-token"),
    )
    assert "Cannot read the token file" in _one_line_error(proc)
    assert _log_size(team) == before and list_incidents(team)["total"] == 0


def test_token_files_that_are_not_private_empty_or_huge_are_refused(
    team: Workspace, tmp_path: Path
) -> None:
    from civwatch.cli.common import read_token_file
    from civwatch.errors import CivwatchError

    good = tmp_path / "good"
    good.write_text("  " + token_of(team, "ivan") + "\n")
    good.chmod(0o600)
    assert read_token_file(good).startswith("cw_")
    shared = tmp_path / "shared"
    shared.write_text(read_token_file(good))
    shared.chmod(0o644)
    empty = tmp_path / "empty"
    empty.write_text(" \n")
    empty.chmod(0o600)
    huge = tmp_path / "huge"
    huge.write_text("cw_" + "x" * 100_000)
    huge.chmod(0o600)
    binary = tmp_path / "binary"
    binary.write_bytes(b"cw_\xff\xfe")
    binary.chmod(0o600)
    for path, said in (
        (shared, "other users of this machine can read"),
        (empty, "is empty"),
        (huge, "too large"),
        (binary, "not text"),
        (tmp_path, "Cannot read the token file"),
    ):
        with pytest.raises(CivwatchError, match=said):
            read_token_file(path)


def test_the_data_folder_holder_administers_it_without_a_token(
    cli_env: dict[str, str], settings: Settings, gazetteer_cache: Path
) -> None:
    made = run_cli(cli_env, "init", "--admin", "ada", "--name", "Ada", "--json", check=True)
    admin = json.loads(made.stdout)["admin"]
    assert admin["username"] == "ada" and admin["roles"] == ["admin"]
    assert admin["token"].startswith("cw_") and admin["password"] and admin["totp_secret"]
    seed_cache(gazetteer_cache, settings.data_dir)
    again = run_cli(cli_env, "init", "--admin", "eve")
    assert "already has users" in _one_line_error(again)

    added = run_cli(
        cli_env,
        "user",
        "add",
        "ivan",
        "--role",
        "investigator",
        "--password-stdin",
        "--json",
        input="ivan's chosen password\n",
        check=True,
    )
    assert json.loads(added.stdout)["username"] == "ivan"
    issued = run_cli(cli_env, "user", "token", "ivan", "--name", "laptop", "--json", check=True)
    (line,) = issued.stdout.splitlines()
    shown = json.loads(line)
    assert (shown["username"], shown["role"], shown["name"]) == ("ivan", "investigator", "laptop")
    ivan = {**cli_env, "CIVWATCH_TOKEN": shown["token"]}
    created = json.loads(run_cli(ivan, *CREATE, check=True).stdout)
    assert created["created_by"] == "ivan"

    run_cli(
        cli_env,
        "user",
        "set-password",
        "ivan",
        "--password-stdin",
        input="ivan's new long password\n",
        check=True,
    )
    ws = Workspace.open(settings)
    try:
        assert authenticate(ws, "ivan", "ivan's new long password", None, client=None)
    finally:
        ws.close()
    # Replacing a password is a reset: the tokens made before it stop working.
    assert "was revoked" in _one_line_error(run_cli(ivan, *CREATE))
    again = run_cli(cli_env, "user", "token", "ivan", "--json", check=True)
    ivan = {**cli_env, "CIVWATCH_TOKEN": json.loads(again.stdout)["token"]}
    totp = run_cli(cli_env, "user", "reset-totp", "ada", "--json", check=True)
    assert json.loads(totp.stdout)["totp_secret"] != admin["totp_secret"]
    run_cli(cli_env, "user", "disable", "ivan", check=True)
    refused = run_cli(ivan, *CREATE)
    assert "user 'ivan' is disabled" in _one_line_error(refused)

    ws = Workspace.open(settings)
    try:
        local = [a for a in list_audit(ws) if a["client"] == "local"]
        assert {
            ("user-add", "user:ada"),
            ("token-create", "user:ada"),
            ("user-add", "user:ivan"),
            ("token-create", "user:ivan"),
            ("password-set", "user:ivan"),
            ("totp-reset", "user:ada"),
            ("user-disable", "user:ivan"),
        } <= {(a["action"], a["target"]) for a in local}
        assert all(a["actor"] is None for a in local)
    finally:
        ws.close()

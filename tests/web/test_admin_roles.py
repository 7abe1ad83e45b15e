"""Admins change an existing user's roles and enable a disabled user again, on the web and
on the command line; both are custody entries that `civwatch verify` checks. Attacks: a
non-admin cannot; an admin cannot remove the last admin; a role taken away stops its
tokens at once; re-enabling does not bring back the old tokens."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.conftest import run_cli
from tests.web.conftest import Team, bearer, sign_in, totp_now


def _admin(client: TestClient, team: Team) -> str:
    return sign_in(client, "admin", code=totp_now(team.admin_totp))


def _acts(team: Team, act: str) -> list[dict[str, object]]:
    """The custody entries of ``act``, as logged."""
    with team.ws.sessions() as session:
        found = [json.loads(raw) for _, raw in team.ws.custody.entries(session)]
    return [e for e in found if e.get("act") == act]


def test_admin_changes_roles_and_a_removed_role_stops_its_token(
    team: Team, client: TestClient
) -> None:
    csrf = _admin(client, team)
    page = client.get("/admin/users").text
    assert "Change the roles of investigator" in page and 'class="danger"' in page
    me = client.get("/api/v1/me", headers=bearer(team.tokens["investigator"]))
    assert me.status_code == 200
    r = client.post(
        "/admin/users/investigator/roles",
        data={"csrf_token": csrf, "roles": ["viewer", "verifier"]},
    )
    assert r.status_code == 200 and "The roles are changed" in r.text, r.text[-2000:]
    users = client.get("/api/v1/users", headers=bearer(team.tokens["admin"])).json()
    (inv,) = [u for u in users if u["username"] == "investigator"]
    assert inv["roles"] == ["verifier", "viewer"]
    # the investigator token no longer acts
    assert client.get("/api/v1/me", headers=bearer(team.tokens["investigator"])).status_code == 401
    (entry,) = _acts(team, "user-roles")
    assert entry["username"] == "investigator" and entry["actor"] == "admin"
    audit = client.get(
        "/api/v1/audit", params={"action": "user-roles"}, headers=bearer(team.tokens["admin"])
    ).json()
    assert audit[0]["target"] == "user:investigator" and audit[0]["actor"] == "admin"


def test_the_last_admin_cannot_remove_their_own_admin_role(team: Team, client: TestClient) -> None:
    csrf = _admin(client, team)
    r = client.post("/admin/users/admin/roles", data={"csrf_token": csrf, "roles": ["viewer"]})
    assert r.status_code == 422 and "last active admin" in r.text
    users = client.get("/api/v1/users", headers=bearer(team.tokens["admin"])).json()
    assert [u["roles"] for u in users if u["username"] == "admin"] == [["admin"]]
    assert not _acts(team, "user-roles")


@pytest.mark.parametrize("role", ["investigator", "viewer", "publisher"])
def test_a_non_admin_cannot_change_roles_or_enable(
    team: Team, client: TestClient, role: str
) -> None:
    sign_in_as = {"investigator": "investigator"}.get(role)
    headers = bearer(team.tokens[role])
    if sign_in_as:  # through the browser too, with a valid CSRF token of their own
        csrf = sign_in(client, sign_in_as)
        r = client.post("/admin/users/viewer/roles", data={"csrf_token": csrf, "roles": ["admin"]})
        assert r.status_code == 403
    for path, data in (
        ("/admin/users/viewer/roles", {"roles": ["admin"]}),
        ("/admin/users/viewer/enable", {}),
    ):
        assert client.post(path, data=data, headers=headers).status_code in (401, 403)
    assert not _acts(team, "user-roles") and not _acts(team, "user-enable")


def test_admin_enables_a_disabled_user_without_their_old_tokens(
    team: Team, client: TestClient
) -> None:
    csrf = _admin(client, team)
    client.post("/admin/users/viewer/disable", data={"csrf_token": csrf})
    page = client.get("/admin/users").text
    assert "Enable viewer again" in page
    r = client.post("/admin/users/viewer/enable", data={"csrf_token": csrf})
    assert r.status_code == 200 and "enabled again" in r.text
    users = client.get("/api/v1/users", headers=bearer(team.tokens["admin"])).json()
    assert [u["active"] for u in users if u["username"] == "viewer"] == [True]
    # the token they had when disabled stays dead
    assert client.get("/api/v1/me", headers=bearer(team.tokens["viewer"])).status_code == 401
    assert [e["username"] for e in _acts(team, "user-enable")] == ["viewer"]


def test_cli_roles_and_enable_are_recorded_and_verify(team: Team, cli_env: dict[str, str]) -> None:
    done = run_cli(cli_env, "user", "roles", "viewer", "--role", "investigator", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["roles"] == ["investigator"]
    last = run_cli(cli_env, "user", "roles", "admin", "--role", "viewer")
    assert last.returncode == 1 and "last active admin" in last.stderr
    run_cli(cli_env, "user", "disable", "viewer", check=True)
    enabled = run_cli(cli_env, "user", "enable", "viewer", "--json", check=True)
    assert json.loads(enabled.stdout)["active"] is True
    audit = run_cli(cli_env, "verify", "--no-rehash", "--json")
    assert json.loads(audit.stdout)["ok"] is True, audit.stdout


def test_verify_finds_roles_changed_behind_the_log(team: Team, cli_env: dict[str, str]) -> None:
    """Roles written into the database without a custody entry are a finding."""
    from sqlalchemy import update

    from civwatch.accounts.models import User

    with team.ws.sessions() as session, session.begin():
        session.execute(update(User).where(User.username == "viewer").values(roles=["admin"]))
    audit = run_cli(cli_env, "verify", "--no-rehash", "--json")
    assert audit.returncode == 1 and "roles" in audit.stdout, audit.stdout

"""User administration and the own-account page: secrets shown once, TOTP set up in the
browser end to end, tokens, refusals for everyone but admins; plus the route x role walk
of the item, custody, admin and account routes."""

from __future__ import annotations

import re
import urllib.parse

import pyotp
import pytest
from fastapi.testclient import TestClient

from civwatch.accounts.permissions import ALL_ROLES, Permission, allows
from civwatch.web.app import declared_routes
from tests.web import calls_admin, calls_items
from tests.web.conftest import PASSWORD, Team, bearer, csrf_of, sign_in, totp_now
from tests.web.test_permissions import _call
from tests.web.test_permissions import samples as samples  # the walk's fixture

_SHOWN = re.compile(r'<code class="shown-(password|totp|token)">([^<]+)</code>')


def _shown(html: str) -> dict[str, str]:
    return dict(_SHOWN.findall(html))


def _admin(client: TestClient, team: Team) -> str:
    return sign_in(client, "admin", code=totp_now(team.admin_totp))


def test_admin_adds_an_officer_who_signs_in_with_the_shown_secret(
    team: Team, client: TestClient
) -> None:
    csrf = _admin(client, team)
    page = client.get("/admin/users")
    assert page.status_code == 200 and "Add a user" in page.text
    r = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "username": "olena",
            "display_name": "<b>Olena</b>",
            "roles": ["protection_officer", "viewer"],
        },
    )
    assert r.status_code == 200 and "Shown this once" in r.text
    assert "<b>Olena</b>" not in r.text and "&lt;b&gt;Olena&lt;/b&gt;" in r.text
    shown = _shown(r.text)
    assert set(shown) == {"password", "totp"}
    assert 'src="data:image/svg+xml' in r.text  # the QR code, inline, allowed by the CSP
    # the secrets are not on the list page again
    again = client.get("/admin/users").text
    assert shown["password"] not in again and shown["totp"] not in again
    client.post("/signout", data={"csrf_token": csrf})
    officer = TestClient(client.app, base_url=str(client.base_url))
    sign_in(officer, "olena", shown["password"], pyotp.TOTP(shown["totp"]).now())
    assert officer.get("/api/v1/me").json()["roles"] == ["protection_officer", "viewer"]
    audit = client.get(
        "/api/v1/audit", params={"action": "user-add"}, headers=bearer(team.tokens["admin"])
    ).json()
    assert audit[0]["target"] == "user:olena" and audit[0]["actor"] == "admin"


def test_admin_refusals_keep_the_form_and_say_why(team: Team, client: TestClient) -> None:
    csrf = _admin(client, team)
    r = client.post(
        "/admin/users", data={"csrf_token": csrf, "username": "Bad Name", "roles": ["viewer"]}
    )
    assert r.status_code == 422 and "is not a valid username" in r.text
    assert 'value="Bad Name"' in r.text
    r = client.post("/admin/users", data={"csrf_token": csrf, "username": "nobody"})
    assert r.status_code == 422 and "Give at least one role" in r.text
    r = client.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "shorty", "roles": ["viewer"], "password": "short"},
    )
    assert r.status_code == 422 and "at least 12 characters" in r.text
    r = client.post("/admin/users/admin/disable", data={"csrf_token": csrf})
    assert r.status_code == 422 and "cannot disable yourself" in r.text
    failed = client.get(
        "/api/v1/audit", params={"action": "user-disable"}, headers=bearer(team.tokens["admin"])
    ).json()
    assert failed[0]["outcome"] == "failed"
    # no CSRF token: refused before anything happens
    r = client.post("/admin/users", data={"username": "sneaky", "roles": ["admin"]})
    assert r.status_code == 403 and "security token" in r.text
    assert "sneaky" not in client.get("/admin/users").text


def test_admin_disables_resets_totp_and_sets_passwords(team: Team, client: TestClient) -> None:
    csrf = _admin(client, team)
    r = client.post(
        "/admin/users/viewer/disable", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    assert "sessions and tokens stopped working" in client.get(r.headers["location"]).text
    assert client.get("/api/v1/me", headers=bearer(team.tokens["viewer"])).status_code == 401
    r = client.post("/admin/users/investigator/password", data={"csrf_token": csrf})
    new_password = _shown(r.text)["password"]
    inv = TestClient(client.app, base_url=str(client.base_url))
    sign_in(inv, "investigator", new_password)
    r = client.post(
        "/admin/users/verifier/password",
        data={"csrf_token": csrf, "password": "chosen by the admin"},
    )
    assert r.status_code == 200 and "password" not in _shown(r.text)
    sign_in(
        TestClient(client.app, base_url=str(client.base_url)), "verifier", "chosen by the admin"
    )
    r = client.post("/admin/users/admin/totp", data={"csrf_token": csrf})
    secret = _shown(r.text)["totp"]
    assert secret != team.admin_totp
    fresh = TestClient(client.app, base_url=str(client.base_url))
    sign_in(fresh, "admin", PASSWORD, pyotp.TOTP(secret).now())


@pytest.mark.parametrize("role", sorted(ALL_ROLES - {"admin"}))
def test_admin_pages_are_refused_to_other_roles(team: Team, client: TestClient, role: str) -> None:
    auth = bearer(team.tokens[role])
    assert client.get("/admin/users", headers=auth).status_code == 403
    r = client.post("/admin/users", data={"username": "x1", "roles": ["admin"]}, headers=auth)
    assert r.status_code == 403 and "do not allow users.manage" in r.text


def test_totp_setup_in_the_browser(team: Team, client: TestClient) -> None:
    csrf = sign_in(client, "investigator")
    page = client.get("/account").text
    assert "not set (optional for your roles)" in page
    r = client.post("/account/totp/new", data={"csrf_token": csrf})
    secret = _shown(r.text)["totp"]
    qr = re.search(r'<img src="data:image/svg\+xml;charset=utf-8,([^"]+)"', r.text)
    assert qr and "<svg" in urllib.parse.unquote(qr.group(1))
    # nothing changed yet: sign-in still works without a code
    sign_in(TestClient(client.app, base_url=str(client.base_url)), "investigator")
    wrong = client.post(
        "/account/totp",
        data={"csrf_token": csrf, "secret": secret, "code": "000000", "password": PASSWORD},
    )
    assert wrong.status_code == 422 and "does not match the new secret" in wrong.text
    assert _shown(wrong.text)["totp"] == secret  # offered again to retry
    code = pyotp.TOTP(secret).now()
    bad_pw = client.post(
        "/account/totp",
        data={"csrf_token": csrf, "secret": secret, "code": code, "password": "not my password"},
    )
    assert bad_pw.status_code == 422 and "current password is not right" in bad_pw.text
    r = client.post(
        "/account/totp",
        data={"csrf_token": csrf, "secret": secret, "code": code, "password": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "second factor is in force" in client.get(r.headers["location"]).text
    # now a code is needed, and the new secret's code works
    other = TestClient(client.app, base_url=str(client.base_url))
    form = other.get("/signin").text
    refused = other.post(
        "/signin",
        data={"username": "investigator", "password": PASSWORD, "csrf_token": csrf_of(form)},
    )
    assert refused.status_code == 401
    # (the confirming code was used; wait-free: the next step's code is accepted as drift)
    import time

    sign_in(other, "investigator", PASSWORD, pyotp.TOTP(secret).at(time.time() + 30))
    tampered = client.post(
        "/account/totp",
        data={"csrf_token": csrf, "secret": "not base32!", "code": code, "password": PASSWORD},
    )
    assert tampered.status_code == 422 and "start the setup again" in tampered.text


def test_own_password_and_tokens(team: Team, client: TestClient) -> None:
    csrf = sign_in(client, "investigator")
    r = client.post(
        "/account/password",
        data={"csrf_token": csrf, "current": PASSWORD, "new": "a new long one", "repeat": "typo"},
    )
    assert r.status_code == 422 and "differ" in r.text
    r = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current": PASSWORD,
            "new": "a new long passphrase",
            "repeat": "a new long passphrase",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    sign_in(
        TestClient(client.app, base_url=str(client.base_url)),
        "investigator",
        "a new long passphrase",
    )
    r = client.post(
        "/account/tokens",
        data={"csrf_token": csrf, "name": "<i>script</i>", "role": "investigator"},
    )
    token = _shown(r.text)["token"]
    assert token.startswith("cw_") and "<i>script</i>" not in r.text
    assert client.get("/api/v1/me", headers=bearer(token)).json()["roles"] == ["investigator"]
    page = client.get("/account").text
    assert token not in page and "&lt;i&gt;script&lt;/i&gt;" in page
    (mine,) = [
        t
        for t in client.get("/api/v1/tokens", headers=bearer(token)).json()
        if t["name"] == "<i>script</i>"
    ]
    r = client.post(
        f"/account/tokens/{mine['id']}/revoke",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    r = client.post("/account/tokens", data={"csrf_token": csrf, "name": "x", "role": "admin"})
    assert r.status_code == 403 and "cannot make a token with the &#39;admin&#39; role" in r.text


def test_account_via_a_token_shows_no_session_forms(team: Team, client: TestClient) -> None:
    page = client.get("/account", headers=bearer(team.tokens["viewer"]))
    assert page.status_code == 200 and "Your API tokens" in page.text
    assert "Change your password" not in page.text


# -- the route x role walk for this helper's routes (the full walk is in test_permissions.py)
MINE = {**calls_items.CALLS, **calls_admin.CALLS}


@pytest.mark.parametrize("role", [None, *sorted(ALL_ROLES)])
def test_my_routes_with_every_role_follow_the_table(
    team: Team,
    client: TestClient,
    samples: dict[str, str],
    role: str | None,
) -> None:
    headers = bearer(team.tokens[role]) if role else {}
    routes = {(m, p): perm for m, p, perm in declared_routes() if (m, p) in MINE}
    assert set(routes) == set(MINE), "every route in calls_items/calls_admin is served"
    wrong = []
    for (method, path), perm in routes.items():
        assert perm is not None
        status = _call(client, method, path, samples, headers, role)
        allowed = role is not None and (perm is Permission.SIGNED_IN or allows({role}, perm))
        refusal = 401 if role is None else 403
        if role is None and method == "GET" and not path.startswith("/api/"):
            refusal = 303
        if (
            status >= 500
            or (allowed and status in (401, 403))
            or (not allowed and status != refusal)
        ):
            wrong.append(f"{method} {path} as {role}: {status} ({perm})")
    assert not wrong, "\n".join(wrong)

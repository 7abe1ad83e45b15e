"""Sign-in, sessions and the attacks a web interface must withstand."""

from __future__ import annotations

import io
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from civwatch.accounts import disable_user
from civwatch.accounts.models import ApiToken, User, WebSession
from civwatch.accounts.throttle import FREE_FAILURES
from civwatch.db import utcnow
from civwatch.web.app import create_app
from tests.jobs.helpers import running_workers
from tests.support.files import png_bytes
from tests.web.conftest import BASE, PASSWORD, Team, bearer, csrf_of, sign_in, totp_now

COOKIE = "__Host-civwatch"


def _post_signin(c: TestClient, username: str, password: str, code: str = "", **extra: str):
    form = c.get("/signin")
    data = {
        "username": username,
        "password": password,
        "code": code,
        "csrf_token": csrf_of(form.text),
        **extra,
    }
    return c.post("/signin", data=data, follow_redirects=False)


def test_session_cookie_is_secure_httponly_samesite_and_new_at_sign_in(
    team: Team, client: TestClient
) -> None:
    client.cookies.set(COOKIE, "attacker-chosen-session-id", domain="testserver.local")
    r = _post_signin(client, "investigator", PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/"
    set_cookie = r.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "Secure" in set_cookie
    assert "samesite=strict" in set_cookie.lower()
    issued = client.cookies.get(COOKIE, domain="testserver.local")
    assert issued and issued != "attacker-chosen-session-id"
    first_csrf = csrf_of(client.get("/").text)
    # signing in again gives yet another session; the first one stops working
    with TestClient(client.app, base_url=BASE) as other:
        other.cookies.set(COOKIE, issued, domain="testserver.local")
        assert other.get("/api/v1/me").json()["username"] == "investigator"
        sign_in(client, "investigator")
        assert client.cookies.get(COOKIE, domain="testserver.local") != issued
        assert other.get("/api/v1/me").status_code == 401
    assert csrf_of(client.get("/").text) != first_csrf


def test_wrong_password_is_refused_and_the_account_pauses_with_the_same_answer(
    team: Team, client: TestClient
) -> None:
    for _ in range(FREE_FAILURES + 1):
        r = _post_signin(client, "investigator", "wrong password!!")
        assert r.status_code == 401 and "Wrong username, password or code" in r.text
    r = _post_signin(client, "investigator", PASSWORD)  # right password, but during the pause
    assert r.status_code == 401 and "Wrong username, password or code" in r.text
    r = _post_signin(client, "nobody-at-all", PASSWORD)
    assert r.status_code == 401 and "Wrong username, password or code" in r.text
    audit = client.get(
        "/api/v1/audit", params={"action": "sign-in"}, headers=bearer(team.tokens["admin"])
    ).json()
    assert [(a["outcome"], a["detail"]["reason"]) for a in audit[:3]] == [
        ("failed", "unknown or disabled"),
        ("failed", "paused after failed attempts"),
        ("failed", "wrong password or code"),
    ]


def test_admin_needs_a_totp_code_used_only_once(team: Team, client: TestClient) -> None:
    assert _post_signin(client, "admin", PASSWORD).status_code == 401
    assert _post_signin(client, "admin", PASSWORD, code="000000").status_code == 401
    code = totp_now(team.admin_totp)
    assert _post_signin(client, "admin", PASSWORD, code=code).status_code == 303
    with TestClient(client.app, base_url=BASE) as replay:
        assert _post_signin(replay, "admin", PASSWORD, code=code).status_code == 401


def test_sessions_expire_after_inactivity_and_when_the_user_is_disabled(
    team: Team, client: TestClient
) -> None:
    sign_in(client, "investigator")
    assert client.get("/api/v1/me").status_code == 200
    with team.ws.sessions() as s, s.begin():
        s.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    assert client.get("/api/v1/me").status_code == 401
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")
    sign_in(client, "investigator")
    disable_user(team.ws, "investigator", actor="admin")
    assert client.get("/api/v1/me").status_code == 401


def test_sign_out_ends_the_session_and_next_cannot_leave_the_site(
    team: Team, client: TestClient
) -> None:
    r = _post_signin(client, "investigator", PASSWORD, next="//evil.example/x")
    assert r.headers["location"] == "/"
    token = csrf_of(client.get("/").text)
    cookie = client.cookies.get(COOKIE, domain="testserver.local")
    r = client.post("/signout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    with TestClient(client.app, base_url=BASE) as other:
        other.cookies.set(COOKIE, cookie or "", domain="testserver.local")
        assert other.get("/api/v1/me").status_code == 401


def test_sign_in_form_needs_its_own_csrf_token(team: Team, client: TestClient) -> None:
    client.get("/signin")
    r = client.post(
        "/signin",
        data={"username": "investigator", "password": PASSWORD, "csrf_token": "guessed"},
        follow_redirects=False,
    )
    assert r.status_code == 400 and "expired" in r.text


def test_tokens_are_scoped_revocable_and_private_to_their_owner(
    team: Team, client: TestClient
) -> None:
    inv = bearer(team.tokens["investigator"])
    r = client.post("/api/v1/tokens", json={"name": "x", "role": "admin"}, headers=inv)
    assert r.status_code == 403 and "cannot make a token" in r.json()["detail"]
    made = client.post(
        "/api/v1/tokens", json={"name": "cron", "role": "investigator"}, headers=inv
    ).json()
    assert made["token"].startswith("cw_")
    listed = client.get("/api/v1/tokens", headers=inv).json()
    assert all("token" not in t for t in listed) and {t["name"] for t in listed} == {
        "tests",
        "cron",
    }
    # IDOR: another user can neither list nor revoke it
    viewer = bearer(team.tokens["viewer"])
    assert made["id"] not in [t["id"] for t in client.get("/api/v1/tokens", headers=viewer).json()]
    r = client.delete(f"/api/v1/tokens/{made['id']}", headers=viewer)
    assert r.status_code == 404
    assert client.get("/api/v1/me", headers=bearer(made["token"])).status_code == 200
    client.delete(f"/api/v1/tokens/{made['id']}", headers=inv)
    r = client.get("/api/v1/me", headers=bearer(made["token"]))
    assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_a_token_stops_working_when_its_owner_loses_the_role_or_is_disabled(
    team: Team, client: TestClient
) -> None:
    inv = bearer(team.tokens["investigator"])
    made = client.post(
        "/api/v1/tokens", json={"name": "sync", "role": "investigator"}, headers=inv
    ).json()
    assert client.get("/api/v1/me", headers=bearer(made["token"])).status_code == 200
    with team.ws.sessions() as s, s.begin():  # its use is stamped, once per minute at most
        stamped = s.get(ApiToken, made["id"])
        assert stamped is not None and stamped.last_used_at is not None
        first_use = stamped.last_used_at
    assert client.get("/api/v1/me", headers=bearer(made["token"])).status_code == 200
    with team.ws.sessions() as s:
        assert s.scalar(select(ApiToken.last_used_at).where(ApiToken.id == made["id"])) == (
            first_use
        )
    with team.ws.sessions() as s, s.begin():  # the role is taken from its owner
        s.execute(update(User).where(User.username == "investigator").values(roles=["viewer"]))
    r = client.get("/api/v1/me", headers=bearer(made["token"]))
    assert r.status_code == 401 and "role was taken" in r.json()["detail"]
    with team.ws.sessions() as s, s.begin():
        s.execute(
            update(User).where(User.username == "investigator").values(roles=["investigator"])
        )
    assert client.get("/api/v1/me", headers=bearer(made["token"])).status_code == 200
    disable_user(team.ws, "investigator", actor="admin")
    assert client.get("/api/v1/me", headers=bearer(made["token"])).status_code == 401


def test_upload_whose_content_type_lies_is_stored_as_what_it_is_and_served_inert(
    team: Team, client: TestClient
) -> None:
    inv = bearer(team.tokens["investigator"])
    html = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
    files = [
        ("files", ("holiday.jpg", io.BytesIO(html), "image/jpeg")),
        ("files", ("<img src=x onerror=alert(1)>.png", io.BytesIO(png_bytes()), "image/png")),
    ]
    with running_workers(team.ws.settings):  # uploads are ingested by a background job
        r = client.post(
            "/api/v1/evidence",
            files=files,
            data={"caption": "<b>bold</b>"},
            headers={**inv, "Prefer": "wait=60"},
        )
    assert r.status_code == 200, r.text
    lying, png = r.json()["result"]["outcomes"]
    assert lying["status"] == "ingested" and png["status"] == "ingested"
    item = client.get(f"/api/v1/evidence/{lying['sha256']}", headers=inv).json()
    assert item["media_type"] == "text/html"
    assert any("image/jpeg" in w for w in item["warnings"])
    media = client.get(f"/api/v1/evidence/{lying['sha256']}/media", headers=inv)
    assert media.content == html
    assert media.headers["content-type"] == "application/octet-stream"
    assert media.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in media.headers["content-security-policy"]
    assert media.headers["x-content-type-options"] == "nosniff"
    image = client.get(f"/api/v1/evidence/{png['sha256']}/media", headers=inv)
    assert image.headers["content-type"] == "image/png" and image.content == png_bytes()
    # the file name with markup is shown as text in the inbox
    sign_in(client, "investigator")
    page = client.get("/").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.png" in page
    downloads = client.get(
        "/api/v1/audit", params={"action": "media-download"}, headers=bearer(team.tokens["admin"])
    ).json()
    assert {d["target"] for d in downloads} == {
        f"evidence:{lying['sha256']}",
        f"evidence:{png['sha256']}",
    }
    assert all(d["actor"] == "investigator" for d in downloads)


def test_plain_http_deployment_uses_a_non_host_cookie(team: Team) -> None:
    app = create_app(team.ws.settings, secure_cookies=False)
    with TestClient(app) as c:
        r = _post_signin(c, "investigator", PASSWORD)
        assert r.status_code == 303 and "civwatch_session=" in r.headers["set-cookie"]
        assert c.get("/api/v1/me").json()["via"] == "session"


def test_admin_adds_and_disables_users_through_the_api(team: Team, client: TestClient) -> None:
    admin = bearer(team.tokens["admin"])
    made = client.post(
        "/api/v1/users",
        json={"username": "olena", "display_name": "Olena", "roles": ["protection_officer"]},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    doc = made.json()
    assert doc["password"] and doc["totp_secret"]
    r = client.post("/api/v1/users", json={"username": "olena", "roles": ["viewer"]}, headers=admin)
    assert r.status_code == 422 and "already a user" in r.json()["detail"]
    viewer = bearer(team.tokens["viewer"])
    assert client.get("/api/v1/me", headers=viewer).status_code == 200
    r = client.post("/api/v1/users/viewer/disable", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/api/v1/me", headers=viewer).status_code == 401
    acts = {a["action"] for a in client.get("/api/v1/audit", headers=admin).json()}
    assert {"user-add", "user-disable", "password-set", "totp-reset"} <= acts


def test_numbers_too_large_for_the_database_are_refused_not_crashed_on(
    team: Team, client: TestClient
) -> None:
    """Both databases store 64-bit integers: a larger record number, offset, cursor or
    page in a URL is a 422 problem document, never a 500."""
    huge = str(2**31)  # INTEGER keys on PostgreSQL stop at 2**31 - 1
    urls = [
        f"/api/v1/evidence?offset={huge}",
        f"/api/v1/audit?offset={huge}",
        f"/api/v1/custody/entries?offset={2**63}",  # custody leaves are 64-bit
        f"/api/v1/custody/proof/{2**63}",
        f"/api/v1/custody/consistency?first={2**63}",
        f"/api/v1/jobs?offset={huge}",
        f"/api/v1/incidents/map?cursor={huge}",
        f"/api/v1/incidents/{huge}",
        f"/api/v1/redactions/{huge}",
        f"/api/v1/public/map?cursor={huge}",
        f"/api/v1/public/incidents?cursor={huge}",
        f"/api/v1/public/incidents/{huge}",
        f"/jobs?page={huge}",
        f"/public?cursor={huge}",
        f"/public/incidents/{huge}/media/{huge}",
    ]
    for url in urls:
        r = client.get(url, headers=bearer(team.tokens["admin"]))
        assert r.status_code == 422, (url, r.status_code, r.text[:200])
        if url.startswith("/api/"):
            assert r.headers["content-type"].startswith("application/problem+json"), url

"""Defences around passwords (issue 11, "Access and abuse"): a password or second-factor
change ends the user's other sign-ins, guessing a password is slowed per account (and per
browser that signed in before) wherever a password is asked, and a paused account answers
exactly as an unknown one does."""

from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from civwatch.accounts.audit import list_audit
from civwatch.accounts.models import SignInDevice, User
from civwatch.accounts.throttle import FREE_FAILURES, pause_after
from civwatch.db import utcnow
from tests.web.conftest import (
    BASE,
    PASSWORD,
    Team,
    bearer,
    csrf_of,
    sign_in,
    totp_now,
)
from tests.web.test_security import _post_signin

SESSION = "__Host-civwatch"
DEVICE = "__Host-civwatch-device"
DOMAIN = "testserver.local"
NEW = "a brand new passphrase"
ONE_SECOND = timedelta(seconds=1)
_SHOWN = re.compile(r'<code class="shown-(password|totp|token)">([^<]+)</code>')


def _browser(client: TestClient, address: str = "testclient") -> TestClient:
    """Another browser (its own cookies), connecting from ``address``."""
    return TestClient(client.app, base_url=BASE, client=(address, 50000))


def _signed_in(c: TestClient) -> bool:
    return c.get("/api/v1/me").status_code == 200


def _audit(team: Team, action: str) -> list[dict[str, object]]:
    return list_audit(team.ws, action=action)


def _change_password(c: TestClient, csrf: str, current: str, new: str, **extra: str):
    data = {"csrf_token": csrf, "current": current, "new": new, "repeat": new, **extra}
    return c.post("/account/password", data=data, follow_redirects=False)


def _pause(team: Team, *, minutes: float) -> None:
    """The investigator's account pauses sign-ins for ``minutes`` from now (negative: the
    running pause is over, as when time passes; the failures counted stay)."""
    with team.ws.sessions() as s, s.begin():
        s.execute(
            update(User)
            .where(User.username == "investigator")
            .values(locked_until=utcnow() + timedelta(minutes=minutes))
        )


def _pause_passes(team: Team) -> None:
    _pause(team, minutes=-1 / 60)


# -- 1. a password or second-factor change ends the other sign-ins ---------------------------
def test_own_password_change_ends_other_sessions_and_revokes_tokens_when_asked(
    team: Team, client: TestClient
) -> None:
    csrf = sign_in(client, "investigator")
    elsewhere = _browser(client)
    sign_in(elsewhere, "investigator")
    token = team.tokens["investigator"]
    page = client.get("/account").text
    assert re.search(r'<input[^>]*name="revoke_tokens"[^>]*checked', page), "offered, ticked"
    r = _change_password(client, csrf, PASSWORD, NEW, revoke_tokens="on")
    assert r.status_code == 303
    done = client.get(r.headers["location"]).text
    assert "signed out everywhere else" in done and "API tokens are revoked" in done
    assert _signed_in(client), "the browser that changed it stays signed in"
    assert not _signed_in(elsewhere)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    (changed,) = _audit(team, "password-change")
    assert changed["outcome"] == "ok"
    assert changed["detail"] == {"sessions_ended": 1, "tokens_revoked": 1}
    # unticked: the tokens stay (a routine change), the other sessions still end
    kept = client.post(
        "/api/v1/tokens",
        json={"name": "backup script", "role": "investigator"},
        headers={"X-CSRF-Token": csrf},
    ).json()["token"]
    sign_in(elsewhere, "investigator", NEW)
    r = _change_password(client, csrf, NEW, "yet another passphrase")
    assert r.status_code == 303
    assert "API tokens are revoked" not in client.get(r.headers["location"]).text
    assert _signed_in(client) and not _signed_in(elsewhere)
    assert client.get("/api/v1/me", headers=bearer(kept)).status_code == 200
    assert _audit(team, "password-change")[0]["detail"] == {
        "sessions_ended": 1,
        "tokens_revoked": 0,
    }


def test_an_admin_password_reset_ends_every_session_and_token_of_the_user(
    team: Team, client: TestClient
) -> None:
    victim = _browser(client)
    sign_in(victim, "investigator")
    csrf = sign_in(client, "admin", code=totp_now(team.admin_totp))
    r = client.post("/admin/users/investigator/password", data={"csrf_token": csrf})
    assert r.status_code == 200
    assert (
        "Every session of investigator ended (1) and every API token of theirs was revoked (1)."
        in r.text
    )
    new_password = dict(_SHOWN.findall(r.text))["password"]
    assert not _signed_in(victim)
    assert client.get("/api/v1/me", headers=bearer(team.tokens["investigator"])).status_code == 401
    reset = _audit(team, "password-set")[0]
    assert reset["actor"] == "admin" and reset["target"] == "user:investigator"
    assert reset["detail"] == {"sessions_ended": 1, "tokens_revoked": 1}
    sign_in(victim, "investigator", new_password)
    # an admin resetting their own password keeps the session they do it from
    other_admin = _browser(client)
    sign_in(other_admin, "admin", code=pyotp.TOTP(team.admin_totp).at(time.time() + 30))
    r = client.post(
        "/admin/users/admin/password",
        data={"csrf_token": csrf, "password": "the admin's new password"},
    )
    assert r.status_code == 200 and "Your other sessions ended (1)" in r.text
    assert _signed_in(client) and not _signed_in(other_admin)
    assert client.get("/api/v1/me", headers=bearer(team.tokens["admin"])).status_code == 401


def test_a_new_second_factor_ends_the_users_other_sessions(team: Team, client: TestClient) -> None:
    csrf = sign_in(client, "investigator")
    elsewhere = _browser(client)
    sign_in(elsewhere, "investigator")
    secret = dict(_SHOWN.findall(client.post("/account/totp/new", data={"csrf_token": csrf}).text))[
        "totp"
    ]
    r = client.post(
        "/account/totp",
        data={
            "csrf_token": csrf,
            "secret": secret,
            "code": pyotp.TOTP(secret).now(),
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "signed out everywhere else" in client.get(r.headers["location"]).text
    assert _signed_in(client) and not _signed_in(elsewhere)
    assert _audit(team, "totp-enrol")[0]["detail"] == {"sessions_ended": 1}
    # an admin's reset of the second factor (a lost or stolen phone) ends all of them
    sign_in(elsewhere, "investigator", code=pyotp.TOTP(secret).at(time.time() + 30))
    admin = _browser(client)
    admin_csrf = sign_in(admin, "admin", code=totp_now(team.admin_totp))
    r = admin.post("/admin/users/investigator/totp", data={"csrf_token": admin_csrf})
    assert r.status_code == 200 and "Every session of investigator ended (2)." in r.text
    assert not _signed_in(client) and not _signed_in(elsewhere)
    assert _audit(team, "totp-reset")[0]["detail"] == {"sessions_ended": 2}


# -- 2. a wrong current password on the account page is a failed guess -------------------------
def test_wrong_current_passwords_on_the_account_page_are_slowed_like_sign_ins(
    team: Team, client: TestClient
) -> None:
    sign_in(client, "investigator")
    thief = _browser(client, "198.51.100.9")  # holds the session cookie, not the browser
    thief.cookies.set(SESSION, client.cookies.get(SESSION, domain=DOMAIN) or "", domain=DOMAIN)
    csrf = csrf_of(thief.get("/account").text)
    secret = pyotp.random_base32()
    totp_form = {"csrf_token": csrf, "secret": secret, "code": pyotp.TOTP(secret).now()}
    for n in range(FREE_FAILURES):  # a typo or two cost nothing
        wrong = _change_password(thief, csrf, f"guess {n}, wrong", NEW)
        assert wrong.status_code == 422 and "current password is not right" in wrong.text
    r = thief.post("/account/totp", data={**totp_form, "password": "a third guess, wrong"})
    assert r.status_code == 422 and "current password is not right" in r.text
    with team.ws.sessions() as s:  # counted as the account's failed sign-ins: it pauses
        user = s.query(User).filter_by(username="investigator").one()
        assert user.failed_logins == FREE_FAILURES + 1 and user.locked_until
        assert user.last_failed_at and user.locked_until - user.last_failed_at == ONE_SECOND
    _pause(team, minutes=1)  # (a slow test machine must not outlast the 1 s pause)
    # even the right password is not checked during the pause, on either page
    right = _change_password(thief, csrf, PASSWORD, NEW)
    assert right.status_code == 429 and "try again in" in right.text
    r = thief.post("/account/totp", data={**totp_form, "password": PASSWORD})
    assert r.status_code == 429 and "try again in" in r.text
    # the failure is the account's: a sign-in from a new browser waits as well
    newcomer = _browser(client, "192.0.2.7")
    assert _post_signin(newcomer, "investigator", PASSWORD).status_code == 401
    # each further failure doubles the pause
    _pause_passes(team)
    assert _change_password(thief, csrf, "a fourth guess, wrong", NEW).status_code == 422
    with team.ws.sessions() as s:
        user = s.query(User).filter_by(username="investigator").one()
        assert user.failed_logins == FREE_FAILURES + 2 and user.locked_until
        assert user.last_failed_at and user.locked_until - user.last_failed_at == 2 * ONE_SECOND
    fails = [a for a in _audit(team, "password-change") if a["outcome"] == "failed"]
    assert fails and all(a["client"] == "198.51.100.9" for a in fails)
    _pause_passes(team)
    assert _change_password(thief, csrf, PASSWORD, NEW).status_code == 303


# -- 4. lockout: slow the attacker, never lock the owner out, tell nothing ----------------------
def _answer(c: TestClient, username: str) -> tuple[int, str, tuple[str, ...], float]:
    """Status, page (without its one-time tokens), cookie names and seconds of a sign-in
    with the right password of the investigator."""
    token = csrf_of(c.get("/signin").text)
    data = {"username": username, "password": PASSWORD, "code": "", "csrf_token": token}
    started = time.perf_counter()
    r = c.post("/signin", data=data, follow_redirects=False)
    took = time.perf_counter() - started
    page = r.text.replace(token, "TOKEN").replace(username, "NAME")
    cookies = tuple(sorted(h.split("=", 1)[0] for h in r.headers.get_list("set-cookie")))
    return r.status_code, page, cookies, took


@pytest.mark.real_password_hashing
def test_a_paused_account_answers_as_an_unknown_one(team: Team, client: TestClient) -> None:
    attacker = _browser(client, "198.51.100.1")
    assert _post_signin(attacker, "investigator", "a wrong guess").status_code == 401
    _pause(team, minutes=15)  # as after a long attack
    paused = [_answer(attacker, "investigator") for _ in range(5)]
    unknown = [_answer(attacker, "nobody-at-all") for _ in range(5)]
    assert {a[:3] for a in paused} == {a[:3] for a in unknown}, "same status, page, cookies"
    assert paused[0][0] == 401 and "Wrong username, password or code" in paused[0][1]
    ratio = statistics.median(a[3] for a in paused) / statistics.median(a[3] for a in unknown)
    assert 0.33 < ratio < 3, f"a paused account answers {ratio:.2f} times as slowly"
    reasons = [a["detail"] for a in _audit(team, "sign-in")]
    assert {"reason": "paused after failed attempts"} in reasons  # the log says why


def test_an_attack_from_many_addresses_slows_the_attacker_but_not_the_owners_browser(
    team: Team, client: TestClient
) -> None:
    owner = client
    csrf = sign_in(owner, "investigator")
    owner.post("/signout", data={"csrf_token": csrf})
    assert owner.cookies.get(DEVICE, domain=DOMAIN), "this browser is remembered"
    answers = [
        _post_signin(_browser(client, f"203.0.113.{n}"), "investigator", f"guess {n} is wrong")
        for n in range(1, 26)
    ]
    assert [r.status_code for r in answers] == [401] * 25
    assert len({r.text.replace(csrf_of(r.text), "") for r in answers}) == 1, "one answer"
    # slowed: after two free failures, a guess is checked only after the pause the previous
    # one started (1 s, 2 s, 4 s ...), so a few of the 25 were checked, the rest refused
    reasons = [a["detail"]["reason"] for a in _audit(team, "sign-in")[:25]]  # type: ignore[index]
    checked = reasons.count("wrong password or code")
    assert FREE_FAILURES < checked <= FREE_FAILURES + 6
    assert reasons.count("paused after failed attempts") == 25 - checked
    with team.ws.sessions() as s:
        user = s.query(User).filter_by(username="investigator").one()
        assert user.failed_logins == checked and user.last_failed_at is not None
        assert user.locked_until == user.last_failed_at + pause_after(checked)
    _pause(team, minutes=15)  # as after a longer attack
    # the attacker holding the right password now is still refused, as every failure is
    late = _post_signin(_browser(client, "203.0.113.99"), "investigator", PASSWORD)
    assert late.status_code == 401
    # another user's browser is no trusted browser for this account
    stranger = _browser(client, "203.0.113.100")
    sign_in(stranger, "admin", code=totp_now(team.admin_totp))
    assert _post_signin(stranger, "investigator", PASSWORD).status_code == 401
    # the owner's browser is not stopped by any of it
    sign_in(owner, "investigator")
    # but its own failures count for it: after typos, the browser waits its own pause
    owner.post("/signout", data={"csrf_token": csrf_of(owner.get("/").text)})
    for _ in range(FREE_FAILURES + 1):
        assert _post_signin(owner, "investigator", "an owner's typo").status_code == 401
    with team.ws.sessions() as s:
        (device,) = s.query(SignInDevice).filter_by(user_id=user.id).all()
        assert device.failed_logins == FREE_FAILURES + 1 and device.locked_until
    with team.ws.sessions() as s, s.begin():  # (a slow test machine must not outlast 1 s)
        s.execute(update(SignInDevice).values(locked_until=utcnow() + timedelta(minutes=1)))
    assert _post_signin(owner, "investigator", PASSWORD).status_code == 401
    with team.ws.sessions() as s, s.begin():  # its pause is over
        s.execute(update(SignInDevice).values(locked_until=None))
    sign_in(owner, "investigator")
    with team.ws.sessions() as s:  # the account's pause and failures are the attacker's still
        account = s.query(User).filter_by(username="investigator").one()
        assert account.failed_logins == checked and account.locked_until

"""Fixtures for the web tests: a team with passwords, API tokens per role, clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyotp
import pytest
from fastapi.testclient import TestClient

from civwatch.accounts import add_user
from civwatch.accounts.credentials import reset_totp, set_password
from civwatch.accounts.permissions import ALL_ROLES
from civwatch.accounts.principal import Principal
from civwatch.accounts.tokens import create_token
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.incidents.helpers import gazetteer_cache, places  # noqa: F401

PASSWORD = "correct horse battery"
BASE = "https://testserver"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Team:
    ws: Workspace
    #: role -> API token acting with that role only
    tokens: dict[str, str]
    #: admin's TOTP secret
    admin_totp: str


def role_user(role: str) -> str:
    return role.replace("_", "-")


@pytest.fixture
def team(workspace: Workspace) -> Team:
    """One user per role (named after it, password PASSWORD), each with an API token."""
    add_user(workspace, "admin", "Admin", ["admin"], actor=None)
    for role in sorted(ALL_ROLES - {"admin"}):
        add_user(workspace, role_user(role), role.title(), [role], actor="admin")
    admin_totp = reset_totp(workspace, "admin", actor="admin")["secret"]
    for name in ("admin", "investigator"):
        set_password(workspace, name, PASSWORD, actor="admin")
    tokens = {}
    with workspace.sessions() as session:
        from sqlalchemy import select

        from civwatch.accounts.models import User

        users = {u.username: u for u in session.scalars(select(User))}
    for role in ALL_ROLES:
        u = users[role_user(role)]
        who = Principal(u.id, u.username, u.display_name, frozenset(u.roles), "session")
        tokens[role] = create_token(workspace, who, "tests", role)["token"]
    return Team(workspace, tokens, admin_totp)


@pytest.fixture
def client(workspace: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(workspace.settings), base_url=BASE) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


def sign_in(c: TestClient, username: str, password: str = PASSWORD, code: str = "") -> str:
    """Sign in through the form; returns the session's CSRF token (from the inbox page)."""
    form = c.get("/signin")
    r = c.post(
        "/signin",
        data={
            "username": username,
            "password": password,
            "code": code,
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf_of(c.get("/").text)


def totp_now(secret: str) -> str:
    return pyotp.TOTP(secret).now()


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """One headless Chromium for all the browser tests of a module (each test opens its own
    contexts): a launch costs seconds on a busy machine. Module-scoped, not session-scoped:
    Playwright's sync API cannot start twice in one thread, and other browser test modules
    start their own."""
    pytest.importorskip("playwright.sync_api", reason="needs playwright (dev dependency)")
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()

"""Protection pages end a browser session after 15 minutes without a protection request
(Settings.protection_idle_minutes), whatever else the session did meanwhile; the time of
the last protection request cannot be forged or kept by dropping its cookie. The clock is
the app's (``app.state.clock``), moved by the tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from civwatch.db import utcnow
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.web.conftest import BASE
from tests.web.desk import desk_session, desk_user

#: A desk page and an API route that need no desk key (the partners list): the timeout is
#: checked before any service is asked.
PAGE = "/protection/partners"
API = "/api/v1/protection/partners"


@pytest.fixture
def secret(workspace: Workspace) -> str:
    return desk_user(workspace, "officer1", "protection_officer")


@pytest.fixture
def client(workspace: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(workspace.settings), base_url=BASE) as c:
        yield c


COOKIE = "__Host-civwatch-protection"


def _cookie(client: TestClient) -> tuple[str, str, str]:
    """(value, domain, path) of the desk's idle cookie in the client's jar."""
    for c in client.cookies.jar:
        if c.name == COOKIE:
            return str(c.value), c.domain, c.path
    raise AssertionError("no idle cookie was set")


def _at(client: TestClient, when: datetime) -> None:
    client.app.state.clock = lambda: when  # type: ignore[attr-defined]


def test_a_session_idle_on_the_desk_for_15_minutes_is_ended(
    client: TestClient, secret: str
) -> None:
    start = utcnow()
    _at(client, start)
    desk_session(client, "officer1", secret)
    assert client.get(PAGE).status_code == 200
    for minutes in (14, 28):  # each protection request starts the 15 minutes again
        _at(client, start + timedelta(minutes=minutes))
        assert client.get(PAGE).status_code == 200
    _at(client, start + timedelta(minutes=44))
    r = client.get(PAGE, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/signin?next=")
    # the whole session ended, not only the desk
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_other_pages_do_not_keep_the_desk_open(client: TestClient, secret: str) -> None:
    start = utcnow()
    _at(client, start)
    desk_session(client, "officer1", secret)
    assert client.get(PAGE).status_code == 200
    _at(client, start + timedelta(minutes=10))
    assert client.get("/account").status_code == 200
    _at(client, start + timedelta(minutes=16))
    assert client.get(PAGE, follow_redirects=False).status_code == 303


def test_the_time_cannot_be_forged(client: TestClient, secret: str) -> None:
    start = utcnow()
    _at(client, start)
    desk_session(client, "officer1", secret)
    assert client.get(PAGE).status_code == 200
    later = start + timedelta(minutes=20)
    _value, domain, path = _cookie(client)
    forged = f"{int(later.timestamp())}.{'0' * 64}"
    client.cookies.set(COOKIE, forged, domain=domain, path=path)
    _at(client, later)
    assert client.get(PAGE, follow_redirects=False).status_code == 303, "a forged time"


def test_dropping_the_cookie_counts_from_the_sign_in(client: TestClient, secret: str) -> None:
    start = utcnow()
    _at(client, start)
    desk_session(client, "officer1", secret)
    assert client.get(PAGE).status_code == 200
    _at(client, start + timedelta(minutes=14))
    assert client.get(PAGE).status_code == 200
    _value, domain, path = _cookie(client)
    client.cookies.delete(COOKIE, domain=domain, path=path)
    _at(client, start + timedelta(minutes=16))
    assert client.get(PAGE, follow_redirects=False).status_code == 303


def test_the_api_through_a_session_times_out_too(client: TestClient, secret: str) -> None:
    start = utcnow()
    _at(client, start)
    desk_session(client, "officer1", secret)
    assert client.get(API).status_code == 200
    _at(client, start + timedelta(minutes=16))
    r = client.get(API)
    assert r.status_code == 401
    assert "15 minutes" in r.json()["detail"]


def test_api_tokens_have_no_idle_timeout(
    client: TestClient, secret: str, workspace: Workspace
) -> None:
    from tests.web.desk import desk_token

    headers = desk_token(workspace, "officer1", "protection_officer")
    start = utcnow()
    _at(client, start)
    assert client.get(API, headers=headers).status_code == 200
    _at(client, start + timedelta(hours=3))
    assert client.get(API, headers=headers).status_code == 200


def test_a_cookie_of_another_session_does_not_count(
    client: TestClient, secret: str, workspace: Workspace
) -> None:
    """A fresh time signed for one session, planted in another, is ignored."""
    start = utcnow()
    _at(client, start)
    desk_session(client, "officer1", secret)
    assert client.get(PAGE).status_code == 200
    _at(client, start + timedelta(minutes=14))
    assert client.get(PAGE).status_code == 200
    fresh, domain, path = _cookie(client)  # signed at +14 for the first session
    second = desk_user(workspace, "officer2", "protection_officer")
    other = TestClient(client.app, base_url=BASE)
    _at(other, start)
    desk_session(other, "officer2", second)
    other.cookies.set(COOKIE, fresh, domain=domain, path=path)
    _at(other, start + timedelta(minutes=16))
    assert other.get(PAGE, follow_redirects=False).status_code == 303

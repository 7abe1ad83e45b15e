"""Replacing the desk's key from the lock page: a lead only, the lead's password again,
the new passphrase typed twice; afterwards the old passphrase no longer unlocks the desk
and the person still opens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from civwatch.config import Settings
from civwatch.errors import DeskKeyMismatchError
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.web.conftest import BASE, PASSWORD
from tests.web.desk import (
    MARKER_NAME,
    PASSPHRASE,
    Desk,
    cheap_kdf,
    desk_session,
    desk_token,
    make_desk,
    principal_of,
)

NEW = "seven amber lanterns over the bay"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return cheap_kdf(settings)


@pytest.fixture
def desk(workspace: Workspace) -> Desk:
    return make_desk(workspace)


@pytest.fixture
def client(workspace: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(workspace.settings), base_url=BASE) as c:
        yield c


def test_a_lead_replaces_the_desk_key_from_the_page(desk: Desk, client: TestClient) -> None:
    from civwatch.protection.desk import lock_desk, unlock_desk

    csrf = desk_session(client, "officer1", desk.totp["officer1"])
    page = client.get("/protection/lock")
    assert "/protection/rotate-key" not in page.text
    officer = {"csrf_token": csrf, "password": PASSWORD, "passphrase": NEW, "passphrase_again": NEW}
    assert client.post("/protection/rotate-key", data=officer).status_code in (403, 404)
    client.cookies.clear()

    csrf = desk_session(client, "lead1", desk.totp["lead1"])
    assert "/protection/rotate-key" in client.get("/protection/lock").text
    form = {"csrf_token": csrf, "password": PASSWORD, "passphrase": NEW, "passphrase_again": NEW}
    wrong = client.post("/protection/rotate-key", data={**form, "password": "wrong"})
    assert wrong.status_code == 422
    differ = client.post("/protection/rotate-key", data={**form, "passphrase_again": NEW + "!"})
    assert differ.status_code == 422 and "differ" in differ.text
    no_csrf = client.post("/protection/rotate-key", data={**form, "csrf_token": "nope"})
    assert no_csrf.status_code in (400, 403)
    done = client.post("/protection/rotate-key", data=form)
    assert done.status_code == 200 and "The desk&#39;s key is replaced" in done.text

    officer_api = desk_token(desk.ws, "officer1", "protection_officer")
    person = client.get(f"/api/v1/protection/persons/{desk.person_id}", headers=officer_api)
    assert person.status_code == 200 and MARKER_NAME in person.text
    lead = principal_of(desk.ws, "lead1")
    lock_desk(desk.ws, lead)
    with pytest.raises(DeskKeyMismatchError):
        unlock_desk(desk.ws, lead, PASSPHRASE)
    unlock_desk(desk.ws, lead, NEW)


def test_a_server_process_without_the_key_says_so_and_is_unlocked_there(
    desk: Desk, client: TestClient
) -> None:
    """Another server process (simulated: this one forgets the key, and its settings name
    no passphrase) answers truthfully that it does not hold the key, never half a page,
    and a lead unlocks it there."""
    from civwatch.protection.desk import forget_key

    served: Workspace = client.app.state.workspace  # type: ignore[attr-defined]
    served.settings = served.settings.model_copy(update={"protection_passphrase": None})
    forget_key(served)
    officer = desk_token(desk.ws, "officer1", "protection_officer")
    page = client.get(f"/protection/persons/{desk.person_id}", headers=officer)
    assert page.status_code == 423 and "not in this process" in page.text
    assert MARKER_NAME not in page.text

    csrf = desk_session(client, "lead1", desk.totp["lead1"])
    lock_page = client.get("/protection/unlock")
    assert "this server process does not hold its key" in lock_page.text
    assert 'action="/protection/unlock"' in lock_page.text
    done = client.post("/protection/unlock", data={"csrf_token": csrf, "passphrase": PASSPHRASE})
    assert done.status_code == 200 and "The desk is unlocked." in done.text
    page = client.get(f"/protection/persons/{desk.person_id}", headers=officer)
    assert page.status_code == 200 and MARKER_NAME in page.text


def test_a_lead_replaces_the_desk_key_through_the_api(desk: Desk, client: TestClient) -> None:
    tokens = {
        "officer1": desk_token(desk.ws, "officer1", "protection_officer"),
        "lead1": desk_token(desk.ws, "lead1", "protection_lead"),
    }
    body = {"password": PASSWORD, "passphrase": NEW}
    officer = client.post("/api/v1/protection/rotate-key", json=body, headers=tokens["officer1"])
    assert officer.status_code in (403, 404)
    wrong = client.post(
        "/api/v1/protection/rotate-key", json={**body, "password": "no"}, headers=tokens["lead1"]
    )
    assert wrong.status_code == 422
    done = client.post("/api/v1/protection/rotate-key", json=body, headers=tokens["lead1"])
    assert done.status_code == 200, done.text
    assert done.json()["opens_here"] is True and done.json()["kdf"] == "argon2id"
    person = client.get(f"/api/v1/protection/persons/{desk.person_id}", headers=tokens["officer1"])
    assert person.status_code == 200 and MARKER_NAME in person.text

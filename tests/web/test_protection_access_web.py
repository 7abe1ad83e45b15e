"""Asking emergency access through the page and the API answers the same for a person
outside the officer's team and for an id that names no person (status, page, location)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from civwatch.config import Settings
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.web.conftest import BASE
from tests.web.desk import Desk, cheap_kdf, desk_roles, desk_session, make_desk

API = "/api/v1/protection"
NOBODY = "per_nobodyNobodyNobody00"


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


def test_asking_access_answers_alike_for_a_person_and_for_no_person(
    desk: Desk, client: TestClient
) -> None:
    outsider = desk_roles(desk)["officer2"]
    api = [
        client.post(f"{API}/access", json={"person_id": p, "reason": "on call"}, headers=outsider)
        for p in (desk.person_id, NOBODY)
    ]
    assert [r.status_code for r in api] == [201, 201], [r.text for r in api]
    assert all(r.json()["id"].startswith("grant_") for r in api)

    csrf = desk_session(client, "officer2", desk.totp["officer2"])
    pages = [
        client.post(
            "/protection/access",
            data={"csrf_token": csrf, "person_id": p, "reason": "on call"},
            follow_redirects=False,
        )
        for p in (desk.person_id, NOBODY)
    ]
    assert [r.status_code for r in pages] == [303, 303]
    assert pages[0].headers["location"] == pages[1].headers["location"]
    listed = client.get("/protection/access").text
    assert desk.person_id in listed and NOBODY in listed

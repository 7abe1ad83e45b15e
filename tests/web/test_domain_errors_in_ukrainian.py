"""A reader of Ukrainian gets the refusals of the evidence and accounts domains in
Ukrainian (issue 13): the API's problem ``detail`` and the sign-in page speak the language
the request asked for, and English without it. The expected texts come from the catalogue,
so a missing or fuzzy translation fails here."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from civwatch.i18n import _, use_language
from tests.web.conftest import Team, bearer, csrf_of

UK = {"Accept-Language": "uk"}
CYRILLIC = re.compile(r"[а-яіїєґ]{4}", re.IGNORECASE)


def _in(language: str, message: str, **values: Any) -> str:
    with use_language(language):
        return str(_(message, **values))


def _detail(r: Any) -> str:
    assert r.headers["content-type"] == "application/problem+json", r.text
    detail: str = r.json()["detail"]
    return detail


def test_an_evidence_item_that_does_not_exist_is_refused_in_the_readers_language(
    team: Team, client: TestClient
) -> None:
    auth = bearer(team.tokens["viewer"])
    missing = "0" * 64
    message = "No evidence item with SHA-256 %(prefix)s."
    r = client.get(f"/api/v1/evidence/{missing}", headers={**auth, **UK})
    assert r.status_code == 404
    detail = _detail(r)
    assert CYRILLIC.search(detail) and detail == _in("uk", message, prefix=missing)
    assert detail != _in("en", message, prefix=missing)
    r = client.get(f"/api/v1/evidence/{missing}", headers=auth)
    assert _detail(r) == f"No evidence item with SHA-256 {missing}."
    r = client.get("/api/v1/evidence/0123", headers={**auth, **UK})
    assert r.status_code == 422
    assert _detail(r) == _in("uk", "Give at least 8 hex digits of the SHA-256.")


def test_token_refusals_of_the_accounts_domain_are_in_ukrainian(
    team: Team, client: TestClient
) -> None:
    viewer = bearer(team.tokens["viewer"])
    r = client.post("/api/v1/tokens", json={"name": "x", "role": "admin"}, headers={**viewer, **UK})
    assert r.status_code == 403
    wanted = _in(
        "uk",
        "You cannot make a token with the %(role)s role: you hold %(roles)s.",
        role="'admin'",
        roles="viewer",
    )
    assert CYRILLIC.search(_detail(r)) and _detail(r) == wanted
    r = client.delete("/api/v1/tokens/999999", headers={**viewer, **UK})
    assert r.status_code == 404
    assert _detail(r) == _in("uk", "You have no API token %(token_id)s.", token_id=999999)
    r = client.delete("/api/v1/tokens/999999", headers=viewer)
    assert _detail(r) == "You have no API token 999999."


def test_a_refused_sign_in_is_explained_in_ukrainian_on_the_sign_in_page(
    team: Team, client: TestClient
) -> None:
    bad = (
        "Wrong username, password or code. After repeated failures an account also pauses "
        "sign-ins for a while: try again later, or from a browser you signed in from before."
    )
    for headers, expected in ((UK, _in("uk", bad)), ({}, bad)):
        form = client.get("/signin", headers=headers)
        r = client.post(
            "/signin",
            data={
                "username": "investigator",
                "password": "not the password",
                "code": "",
                "csrf_token": csrf_of(form.text),
            },
            headers=headers,
            follow_redirects=False,
        )
        assert r.status_code == 401
        assert expected in r.text.replace("&#39;", "'").replace("&#x27;", "'")
    assert CYRILLIC.search(_in("uk", bad))

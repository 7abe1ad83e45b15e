"""API problem documents speak the reader's language (issue 13): with ``Accept-Language: uk``
a refusal's ``title`` and ``detail`` are the catalogue's Ukrainian; without it, English as
before. ``type`` (and the kind it ends in) stays the same English code in every language."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from civwatch.i18n import _, use_language
from tests.web.conftest import Team, bearer

API = "/api/v1"
CYRILLIC = re.compile(r"[А-Яа-яІіЇїЄєҐґ]")
UK = {"Accept-Language": "uk"}


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    return body


def test_a_missing_incident_is_refused_in_ukrainian_when_the_reader_asks_for_it(
    client: TestClient, team: Team
) -> None:
    auth = bearer(team.tokens["investigator"])
    uk = _problem(client.get(f"{API}/incidents/999999", headers={**auth, **UK}), 404)
    with use_language("uk"):
        title, detail = _("Not found"), _("No incident %(incident_id)s.", incident_id=999999)
    assert CYRILLIC.search(uk["title"]) and CYRILLIC.search(uk["detail"]), uk
    assert (uk["title"], uk["detail"]) == (title, detail)
    assert uk["type"].endswith("/not-found")

    en = _problem(client.get(f"{API}/incidents/999999", headers=auth), 404)
    assert (en["title"], en["detail"]) == ("Not found", "No incident 999999.")
    assert en["type"] == uk["type"]


def test_a_body_that_cannot_be_accepted_is_refused_in_ukrainian(
    client: TestClient, team: Team
) -> None:
    """A new incident without a title (the incident model's own sentences), and a token
    asked for without its role (the validation library's wording, introduced in Ukrainian)."""
    auth = bearer(team.tokens["investigator"])
    body = {"title": "", "start": "2024-05-01T10:00:00+03:00", "lat": 50.0, "lon": 36.2}
    body["incident_type"] = "shelling"
    uk = _problem(client.post(f"{API}/incidents", json=body, headers={**auth, **UK}), 422)
    with use_language("uk"):
        title, detail = _("This cannot be accepted"), _("The title must not be empty.")
    assert CYRILLIC.search(uk["title"]) and CYRILLIC.search(uk["detail"]), uk
    assert (uk["title"], uk["detail"]) == (title, detail)
    en = _problem(client.post(f"{API}/incidents", json=body, headers=auth), 422)
    assert (en["title"], en["detail"]) == (
        "This cannot be accepted",
        "The title must not be empty.",
    )

    uk = _problem(client.post(f"{API}/tokens", json={"label": 5}, headers={**auth, **UK}), 422)
    with use_language("uk"):
        prefix = _("The request is not valid: %(errors)s", errors="")
    assert CYRILLIC.search(uk["title"]), uk
    assert uk["detail"].startswith(prefix) and CYRILLIC.search(prefix), uk
    en = _problem(client.post(f"{API}/tokens", json={"label": 5}, headers=auth), 422)
    assert en["detail"].startswith("The request is not valid: "), en


def test_signing_in_first_is_asked_in_ukrainian(client: TestClient) -> None:
    uk = _problem(client.get(f"{API}/incidents/1", headers=UK), 401)
    with use_language("uk"):
        title, detail = _("Please sign in"), _("Sign in first, or send an API token.")
    assert (uk["title"], uk["detail"]) == (title, detail)
    assert CYRILLIC.search(detail), detail
    en = _problem(client.get(f"{API}/incidents/1"), 401)
    assert (en["title"], en["detail"]) == ("Please sign in", "Sign in first, or send an API token.")

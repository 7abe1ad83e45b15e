"""The desk's acts beyond the case: a person's cases as a lead sees them, editing a person,
a request for help turned into the person the officer typed, emergency access asked and
decided, duplicate candidates, deleting a person (the password again), acknowledging an
alert. In the browser (plain forms) and through the API; need to know everywhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from civwatch.config import Settings
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.web.conftest import BASE, PASSWORD
from tests.web.desk import (
    MARKER_NAME,
    MARKER_PHONE,
    MARKER_PHONE_E164,
    Desk,
    cheap_kdf,
    desk_roles,
    desk_session,
    make_desk,
    overdue_alert,
    person_with_case,
    principal_of,
)

API = "/api/v1/protection"


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


def test_a_lead_outside_the_team_sees_the_persons_cases(desk: Desk, client: TestClient) -> None:
    tokens = desk_roles(desk)
    page = client.get(f"/protection/persons/{desk.person_id}", headers=tokens["lead1"])
    assert page.status_code == 200
    assert f"/protection/cases/{desk.case_id}" in page.text
    answer = client.get(f"{API}/persons/{desk.person_id}/cases", headers=tokens["lead1"])
    assert answer.status_code == 200, answer.text
    assert [(c["id"], c["role"]) for c in answer.json()] == [(desk.case_id, None)]
    mine = client.get(f"{API}/persons/{desk.person_id}/cases", headers=tokens["officer1"])
    assert [c["role"] for c in mine.json()] == ["lead"]
    for outsider in ("officer2", "admin1"):
        r = client.get(f"{API}/persons/{desk.person_id}/cases", headers=tokens[outsider])
        assert r.status_code == 404, (outsider, r.status_code)
        assert desk.case_id not in r.text


def test_an_officer_edits_a_person_in_the_browser_and_the_api(
    desk: Desk, client: TestClient
) -> None:
    csrf = desk_session(client, "officer1", desk.totp["officer1"])
    form = client.get(f"/protection/persons/{desk.person_id}/edit")
    assert form.status_code == 200
    assert f'value="{MARKER_NAME}"' in form.text and MARKER_PHONE_E164 in form.text
    r = client.post(
        f"/protection/persons/{desk.person_id}/edit",
        data={
            "csrf_token": csrf,
            "name1": MARKER_NAME,
            "name1_kind": "legal",
            "name2": "Олена Зміна",
            "name2_kind": "known-as",
            "contact1_kind": "phone",
            "contact1_value": MARKER_PHONE,
            "contact2_kind": "signal",
            "contact2_value": "@olena",
            "groups": ["journalist", "activist"],
            "address": "",
            "notes": "Moved on Tuesday",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/protection/persons/{desk.person_id}?done=edited"
    shown = client.get(f"{API}/persons/{desk.person_id}").json()
    assert [n["name"] for n in shown["names"]] == [MARKER_NAME, "Олена Зміна"]
    assert {c["kind"] for c in shown["contacts"]} == {"phone", "signal"}
    assert shown["groups"] == ["journalist", "activist"] and shown["notes"] == "Moved on Tuesday"
    # a form without a name is refused, what was typed comes back, nothing is lost
    refused = client.post(
        f"/protection/persons/{desk.person_id}/edit",
        data={"csrf_token": csrf, "notes": "No name"},
    )
    assert refused.status_code == 422 and "No name" in refused.text
    assert client.get(f"{API}/persons/{desk.person_id}").json()["notes"] == "Moved on Tuesday"
    tokens = desk_roles(desk)
    patched = client.patch(
        f"{API}/persons/{desk.person_id}",
        json={"notes": "Safe in Lviv", "gender": "female"},
        headers=tokens["officer1"],
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["notes"] == "Safe in Lviv" and patched.json()["gender"] == "female"
    assert [n["name"] for n in patched.json()["names"]] == [MARKER_NAME, "Олена Зміна"]
    put = client.put(
        f"{API}/persons/{desk.person_id}",
        json={"names": [{"name": MARKER_NAME}]},
        headers=tokens["officer1"],
    )
    assert put.status_code == 200 and set(put.json()) >= {"id", "names"}
    assert "notes" not in put.json() and "contacts" not in put.json()
    for outsider in ("officer2", "lead1"):
        headers = tokens[outsider]
        r = client.patch(f"{API}/persons/{desk.person_id}", json={"notes": "x"}, headers=headers)
        assert r.status_code == (404 if outsider == "officer2" else 200), (outsider, r.text)
    r = client.patch(
        f"{API}/persons/{desk.person_id}", json={"notes": "x"}, headers=tokens["admin1"]
    )
    assert r.status_code == 403


def test_a_request_for_help_becomes_the_person_the_officer_typed(
    desk: Desk, client: TestClient
) -> None:
    from civwatch.protection.help_requests import open_help_request

    reference = open_help_request(desk.ws, principal_of(desk.ws, "lead1"), desk.request_id)[
        "reference"
    ]
    csrf = desk_session(client, "officer2", desk.totp["officer2"])
    form = client.get(f"/protection/help-requests/{desk.request_id}/person")
    assert form.status_code == 200
    assert "Walk: someone needs help" in form.text  # the request, to read from
    typed = [
        tag
        for tag in re.findall(r"<input[^>]*>", form.text)
        if 'type="checkbox"' not in tag and 'name="csrf_token"' not in tag
    ]
    assert typed and all('value=""' in tag for tag in typed), typed
    assert all(t == "" for t in re.findall(r"<textarea[^>]*>([^<]*)</textarea>", form.text))
    assert reference not in re.sub(r"<h1>.*?</h1>|<title>.*?</title>", "", form.text, flags=re.S)
    r = client.post(
        f"/protection/help-requests/{desk.request_id}/person",
        data={
            "csrf_token": csrf,
            "name1": "Ірина Запит",
            "contact1_kind": "signal",
            "contact1_value": "@iryna",
            "groups": "activist",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    person_id = r.headers["location"].split("/")[-1].split("?")[0]
    shown = client.get(f"{API}/persons/{person_id}").json()
    assert [n["name"] for n in shown["names"]] == ["Ірина Запит"]
    assert shown["groups"] == ["activist"]
    assert reference not in str(shown)
    listed = client.get(f"{API}/help-requests", headers=desk_roles(desk)["officer1"]).json()
    assert desk.request_id not in [r["id"] for r in listed]  # converted: handled
    again = client.post(
        f"/protection/help-requests/{desk.request_id}/person",
        data={"csrf_token": csrf, "name1": "Twice"},
        follow_redirects=False,
    )
    assert again.status_code == 409


def test_emergency_access_asked_approved_shown_with_its_expiry_and_ended(
    desk: Desk, client: TestClient
) -> None:
    officer = TestClient(client.app, base_url=BASE)  # the same app, its own cookies
    csrf = desk_session(officer, "officer2", desk.totp["officer2"])
    assert officer.get(f"/protection/persons/{desk.person_id}").status_code == 404
    empty = officer.post(
        "/protection/access", data={"csrf_token": csrf, "person_id": desk.person_id}
    )
    assert empty.status_code == 422
    asked = officer.post(
        "/protection/access",
        data={"csrf_token": csrf, "person_id": desk.person_id, "reason": "Her lawyer called"},
        follow_redirects=False,
    )
    assert asked.status_code == 303 and "Her lawyer" not in asked.headers["location"]
    mine = officer.get("/protection/access")
    assert "waiting for a lead" in mine.text
    lead_csrf = desk_session(client, "lead1", desk.totp["lead1"])
    board = client.get("/protection/access")
    assert "Her lawyer called" in board.text and "officer2" in board.text
    grant_id = re.search(r"/protection/access/(grt_[\w-]+|[a-z]+_[\w-]+)/approve", board.text)
    assert grant_id
    done = client.post(
        f"/protection/access/{grant_id.group(1)}/approve",
        data={"csrf_token": lead_csrf, "hours": "2"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert officer.get(f"/protection/persons/{desk.person_id}").status_code == 200
    shown = officer.get("/protection/access")
    assert "approved until" in shown.text and "<time" in shown.text
    api = client.get(f"{API}/access", headers=desk_roles(desk)["officer2"]).json()
    assert api["mine"][0]["state"] == "approved" and api["mine"][0]["expires_at"]
    assert api["mine"][0]["reason"] is None
    ended = client.post(
        f"/protection/access/{grant_id.group(1)}/revoke",
        data={"csrf_token": lead_csrf},
        follow_redirects=False,
    )
    assert ended.status_code == 303
    assert officer.get(f"/protection/persons/{desk.person_id}").status_code == 404
    # through the API: asked, refused; a lead cannot approve their own request
    tokens = desk_roles(desk)
    made = client.post(
        f"{API}/access",
        json={"person_id": desk.person_id, "reason": "Again"},
        headers=tokens["officer2"],
    )
    assert made.status_code == 201, made.text
    refused = client.post(f"{API}/access/{made.json()['id']}/revoke", headers=tokens["lead1"])
    assert refused.status_code == 200 and refused.json()["state"] == "refused"
    own = client.post(
        f"{API}/access",
        json={"person_id": desk.person_id, "reason": "Mine"},
        headers=tokens["lead1"],
    ).json()["id"]
    assert (
        client.post(f"{API}/access/{own}/approve", json={}, headers=tokens["lead1"]).status_code
        == 403
    )
    assert (
        client.post(f"{API}/access/{own}/approve", json={}, headers=tokens["officer1"]).status_code
        == 403
    )
    assert client.get(f"{API}/access", headers=tokens["admin1"]).status_code == 403
    officer.close()


def test_duplicate_candidates_show_ids_and_kinds_only(desk: Desk, client: TestClient) -> None:
    other_id, _case = person_with_case(desk.ws, "officer2", "Другий Маркер")
    tokens = desk_roles(desk)
    page = client.get(f"/protection/persons/{desk.person_id}/duplicates", headers=tokens["lead1"])
    assert page.status_code == 200
    assert other_id in page.text and "Другий Маркер" not in page.text
    answer = client.get(f"{API}/persons/{desk.person_id}/duplicates", headers=tokens["lead1"])
    assert answer.json() == [{"id": other_id, "matched": ["phone"]}]
    for who in ("officer1", "officer2", "admin1"):
        r = client.get(f"{API}/persons/{desk.person_id}/duplicates", headers=tokens[who])
        assert r.status_code == 404, (who, r.status_code)
        assert other_id not in r.text


def test_deleting_a_person_needs_a_lead_a_reason_and_the_password(
    desk: Desk, client: TestClient
) -> None:
    tokens = desk_roles(desk)
    no_password = client.post(
        f"{API}/persons/{desk.person_id}/delete", json={"reason": "Asked"}, headers=tokens["lead1"]
    )
    assert no_password.status_code == 422
    csrf = desk_session(client, "lead1", desk.totp["lead1"])
    page = client.get(f"/protection/persons/{desk.person_id}/delete")
    assert page.status_code == 200 and 'type="password"' in page.text
    for data in ({"reason": "Asked", "password": "wrong"}, {"reason": "", "password": PASSWORD}):
        r = client.post(
            f"/protection/persons/{desk.person_id}/delete", data={"csrf_token": csrf, **data}
        )
        assert r.status_code == 422, r.text
        assert client.get(f"/protection/persons/{desk.person_id}").status_code == 200
    gone = client.post(
        f"/protection/persons/{desk.person_id}/delete",
        data={"csrf_token": csrf, "reason": "She asked to be forgotten", "password": PASSWORD},
        follow_redirects=False,
    )
    assert gone.status_code == 303 and gone.headers["location"] == "/protection?done=deleted"
    assert client.get(f"/protection/persons/{desk.person_id}").status_code == 404
    assert client.get(f"{API}/persons/{desk.person_id}", headers=tokens["lead1"]).status_code == 404
    assert client.get(f"/protection/cases/{desk.case_id}").status_code == 404
    for who in ("officer1", "admin1"):
        assert (
            client.get(
                f"/protection/persons/{desk.person_id}/delete", headers=tokens[who]
            ).status_code
            == 404
        )


def test_an_alert_is_acknowledged_from_the_dashboard_and_never_by_an_outsider(
    desk: Desk, client: TestClient
) -> None:
    alert_id = overdue_alert(desk.ws, "officer1", desk.case_id)
    tokens = desk_roles(desk)
    real = client.post(f"{API}/alerts/{alert_id}/acknowledge", headers=tokens["officer2"])
    missing = client.post(
        f"{API}/alerts/al_nothingnothingnothing/acknowledge", headers=tokens["officer2"]
    )
    assert real.status_code == missing.status_code == 404
    assert desk.case_id not in real.text
    assert real.json()["detail"].replace(alert_id, "X") == missing.json()["detail"].replace(
        "al_nothingnothingnothing", "X"
    )
    csrf = desk_session(client, "officer1", desk.totp["officer1"])
    board = client.get("/protection")
    assert f'action="/protection/alerts/{alert_id}/acknowledge"' in board.text
    case_page = client.get(f"/protection/cases/{desk.case_id}")
    assert f'action="/protection/alerts/{alert_id}/acknowledge"' in case_page.text
    r = client.post(
        f"/protection/alerts/{alert_id}/acknowledge",
        data={"csrf_token": csrf, "case_id": desk.case_id},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/protection/cases/{desk.case_id}?done=acknowledged"
    assert alert_id not in client.get("/protection").text
    assert client.get(f"{API}/dashboard").json()["alerts"]["count"] == 0


def test_a_request_for_help_through_the_api(desk: Desk, client: TestClient) -> None:
    tokens = desk_roles(desk)
    listed = client.get(f"{API}/help-requests", headers=tokens["officer2"])
    assert [r["id"] for r in listed.json()] == [desk.request_id]
    assert "about" not in listed.json()[0]
    opened = client.get(f"{API}/help-requests/{desk.request_id}", headers=tokens["officer2"])
    assert opened.json()["about"] == "Walk: someone needs help"
    assert (
        client.get(f"{API}/help-requests/{desk.request_id}", headers=tokens["admin1"]).status_code
        == 404
    )
    assert client.get(f"{API}/help-requests", headers=tokens["admin1"]).status_code == 403
    made = client.post(
        f"{API}/help-requests/{desk.request_id}/person",
        json={"names": [{"name": "Марта Запит"}], "groups": ["lawyer"]},
        headers=tokens["officer2"],
    )
    assert made.status_code == 201, made.text
    person = client.get(f"{API}/persons/{made.json()['id']}", headers=tokens["officer2"]).json()
    assert [n["name"] for n in person["names"]] == ["Марта Запит"]
    assert opened.json()["reference"] not in str(person)


@pytest.mark.parametrize(
    "path",
    [
        "/protection/access",
        "/protection/persons/{person_id}/edit",
        "/protection/persons/{person_id}/duplicates",
        "/protection/persons/{person_id}/delete",
        "/protection/help-requests/{request_id}/person",
        f"{API}/persons/{{person_id}}/cases",
        f"{API}/persons/{{person_id}}/duplicates",
        f"{API}/access",
        f"{API}/help-requests",
        f"{API}/help-requests/{{request_id}}",
    ],
)
def test_the_new_pages_answer_423_while_the_desk_is_locked(
    desk: Desk, client: TestClient, path: str
) -> None:
    from civwatch.protection.desk import lock_desk

    lock_desk(desk.ws, principal_of(desk.ws, "lead1"))
    lead = desk_roles(desk)["lead1"]
    r = client.get(desk.path(path), headers=lead)
    assert r.status_code == 423, (path, r.status_code)
    assert MARKER_NAME not in r.text


class _FormFields(HTMLParser):
    """The values a browser sends for the (only) person form of a page, unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._first: str | None = None
        self._chosen: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and "name" in a:
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._first, self._chosen = a["name"], None, None
        elif tag == "option" and self._select is not None:
            if self._first is None:
                self._first = a.get("value", "")
            if "selected" in a:
                self._chosen = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields.append((a["name"], ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            self.fields.append((self._select, self._chosen or self._first or ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def test_saving_the_long_form_unchanged_keeps_every_field(desk: Desk, client: TestClient) -> None:
    from civwatch.protection.person_input import person_input
    from civwatch.protection.persons import add_person, show_person

    officer = principal_of(desk.ws, "officer1")
    full = {
        "names": [
            {"name": "Олег Повний", "kind": "legal"},
            {"name": "Oleh Povnyi", "kind": "legal"},
            {"name": "Олежик", "kind": "known-as"},
        ],
        "birth": {"date": "1988-04-02"},
        "gender": "male",
        "citizenship": ["UA", "PL"],
        "documents": [{"kind": "passport", "number": "FE123456", "expiry": "2030-01-01"}],
        "contacts": [
            {"kind": "phone", "value": "+380501112233"},
            {"kind": "email", "value": "oleh@example.org"},
        ],
        "location": {"katottg": "UA63120270010096827", "oblast": "Kharkivska", "hromada": "Izium"},
        "address": "Street 1, flat 2",
        "groups": ["lawyer", "minority"],
        "minority": "Crimean Tatar",
        "languages": ["uk", "crh"],
        "needs": {"codes": ["medical", "children"], "note": "insulin"},
        "dependants": [{"name": "Дочка", "relation": "daughter", "birth": "2015"}],
        "notes": "Line one\nline two",
    }
    person_id = add_person(desk.ws, officer, person_input(full))
    before = show_person(desk.ws, officer, person_id)
    csrf = desk_session(client, "officer1", desk.totp["officer1"])
    page = client.get(f"/protection/persons/{person_id}/edit")
    form = page.text[page.text.index('<form method="post" action="/protection/persons/') :]
    parser = _FormFields()
    parser.feed(form[: form.index("</form>")])
    sent = [(k, v) for k, v in parser.fields if k != "csrf_token"] + [("csrf_token", csrf)]
    r = client.post(
        f"/protection/persons/{person_id}/edit",
        content=urlencode(sent),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    after = show_person(desk.ws, officer, person_id)
    # the groups come back in the form's order (a set: the order means nothing)
    assert sorted(after.pop("groups")) == sorted(before.pop("groups"))
    assert after == before

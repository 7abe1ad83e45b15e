"""The public request-for-help form: no account, no JavaScript, in Ukrainian; what is
written is stored only encrypted (no file under the data folder holds it, in UTF-8 or
UTF-16), the answer is only the reference, the form carries a CSRF token, and one address
may send only a few requests a minute (its address is never stored)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from civwatch.config import Settings
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.web.conftest import BASE
from tests.web.desk import PASSPHRASE, desk_user, ensure_desk

ABOUT = "MARKERABOUT-Ꙁ-91c2 is hunted for her reporting"
CONTACT = "MARKERCONTACT signal @marker_77"
WHERE = "MARKERWHERE Kherson oblast"
MARKERS = ("MARKERABOUT", "Ꙁ-91c2", "MARKERCONTACT", "marker_77", "MARKERWHERE")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "protection_passphrase": PASSPHRASE,
            "protection_kdf_memory_kib": 1024,
            "protection_kdf_time_cost": 1,
        }
    )


@pytest.fixture
def desk(workspace: Workspace) -> Workspace:
    desk_user(workspace, "lead1", "protection_lead")
    ensure_desk(workspace, "lead1")
    return workspace


@pytest.fixture
def client(desk: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(desk.settings), base_url=BASE) as c:
        yield c


def _token(c: TestClient, url: str = "/help", **kwargs: object) -> str:
    page = c.get(url, **kwargs)  # type: ignore[arg-type]
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the form has no CSRF field"
    return found.group(1)


def _send(c: TestClient, token: str, **fields: str) -> object:
    data = {"about": ABOUT, "contact": CONTACT, "location": WHERE, "csrf_token": token}
    return c.post("/help", data={**data, **fields})


def _files_holding(root: Path, markers: tuple[str, ...]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for marker in markers:
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                if marker.encode(encoding) in data:
                    found.append(f"{path.relative_to(root)}: {marker} ({encoding})")
    return found


def test_a_request_is_stored_only_encrypted_and_answered_with_its_reference(
    desk: Workspace, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = _token(client)
    r = _send(client, token)
    assert r.status_code == 200  # type: ignore[attr-defined]
    text: str = r.text  # type: ignore[attr-defined]
    reference = re.search(r"HR-[A-Z0-9]{4}-[A-Z0-9]{4}", text)
    assert reference, "no reference in the answer"
    assert not any(m in text for m in MARKERS), "the answer repeats what was written"
    desk.engine.dispose()  # everything written reaches the files
    assert _files_holding(desk.data_dir, MARKERS) == []
    assert not any(m in caplog.text for m in MARKERS)
    # the desk opens it again (unlocked): it was kept, encrypted to the desk
    from sqlalchemy import select

    from civwatch.protection.help_requests import open_help_request
    from civwatch.protection.models import ProtectionHelpRequest
    from tests.web.desk import principal_of

    with desk.sessions() as session:
        row = session.scalars(select(ProtectionHelpRequest)).one()
    opened = open_help_request(desk, principal_of(desk, "lead1"), row.id)
    assert opened["about"] == ABOUT and opened["reference"] == reference.group(0)


def test_the_form_speaks_ukrainian(client: TestClient) -> None:
    asked = client.get("/help?lang=uk")
    assert asked.status_code == 200
    assert 'lang="uk"' in asked.text and "Попросити про допомогу" in asked.text
    client.cookies.clear()
    header = client.get("/help", headers={"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"})
    assert "Попросити про допомогу" in header.text
    token = _token(client, "/help", headers={"Accept-Language": "uk"})
    sent = client.post("/help", data={"about": "Потрібна допомога", "csrf_token": token},
                       headers={"Accept-Language": "uk"})
    assert sent.status_code == 200 and "Ваш номер звернення" in sent.text


def test_the_form_works_without_javascript(client: TestClient) -> None:
    page = client.get("/help").text
    form = page[page.index('<form method="post" action="/help"'):]
    assert "<script" not in form.split("</form>")[0]
    assert 'required' in form


def test_a_request_without_the_form_s_token_is_refused_and_not_stored(
    desk: Workspace, client: TestClient
) -> None:
    from sqlalchemy import func, select

    from civwatch.protection.models import ProtectionHelpRequest

    r = client.post("/help", data={"about": ABOUT, "csrf_token": "forged"})
    assert r.status_code == 400
    assert ABOUT in r.text  # given back to the writer, so nothing is lost
    with desk.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProtectionHelpRequest)) == 0


def test_one_address_may_send_only_a_few_requests(client: TestClient) -> None:
    token = _token(client)
    answers = [_send(client, token).status_code for _ in range(6)]  # type: ignore[attr-defined]
    assert answers[:5] == [200] * 5
    assert answers[5] == 429
    limiter = client.app.state.help_limiter  # type: ignore[attr-defined]
    kept = repr(limiter.__dict__)
    assert "testclient" not in kept  # the address is kept only as an HMAC

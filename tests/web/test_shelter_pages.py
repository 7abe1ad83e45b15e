"""The public shelter pages and API: nearest in Ukrainian by default, without an account or
JavaScript; reports from the public (no account, limited, honeypot, malformed input); a
coordinator's confirmation changes the shown status; page weight under 30 KB."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import event

from civwatch.web.answers_shelters import NearbyShelter
from tests.support.files import noise_jpeg
from tests.web.conftest import Team, bearer, csrf_of, sign_in
from tests.web.shelter_samples import HERE, KYIV, Samples, shelters

#: The most a shelter page may weigh with the CSS, scripts and map it loads (no tiles).
PAGE_BUDGET = 30 * 1024


@pytest.fixture
def sample(team: Team) -> Samples:
    return shelters(team.ws)


def _weight(client: TestClient, path: str) -> tuple[int, list[str]]:
    """Bytes of a page and of everything it loads (style, scripts, the map image)."""
    r = client.get(path)
    assert r.status_code == 200, r.text
    total, loaded = len(r.content), [path]
    for url in re.findall(r'(?:href|src)="(/[^"]+)"', r.text):
        url = url.replace("&amp;", "&")
        tag = re.search(rf'<(\w+)[^>]*"{re.escape(url)}"', r.text.replace("&amp;", "&"))
        if tag and tag.group(1) == "a":
            continue
        if url.startswith(("/language", "/shelters/manifest")):
            continue
        body = client.get(url).content
        total += len(body)
        loaded.append(url)
    return total, loaded


def test_nearest_page_is_ukrainian_by_default_and_lists_working_shelters(
    client: TestClient, sample: Samples
) -> None:
    r = client.get("/shelters", params={"lat": HERE[0], "lon": HERE[1]})
    assert r.status_code == 200
    assert r.headers["content-language"] == "uk"
    assert "Найближче відчинене укриття" in r.text
    names = re.findall(r'class="name" href="/shelters/(sh_\w+)', r.text)
    assert names[:2] == [sample.near, sample.pets]
    assert sample.locked not in names  # locked by its source: never "nearest working"
    assert "geolocation=(self)" in r.headers["permissions-policy"]
    # the filter: pets allowed leaves only the parking
    r = client.get("/shelters", params={"lat": HERE[0], "lon": HERE[1], "pets": "1"})
    assert re.findall(r'class="name" href="/shelters/(sh_\w+)', r.text)[0] == sample.pets
    assert sample.near not in r.text


def test_nearest_page_in_english_on_request(client: TestClient, sample: Samples) -> None:
    r = client.get("/shelters", params={"lat": HERE[0], "lon": HERE[1], "lang": "en"})
    assert "Nearest open shelter" in r.text
    assert "north-east" in r.text or "east" in r.text


def test_a_typed_place_name_finds_shelters_there(client: TestClient, sample: Samples) -> None:
    r = client.get("/shelters", params={"q": "Харків"})
    assert r.status_code == 200, r.text
    assert sample.kharkiv in r.text
    r = client.get("/shelters", params={"q": "Qwzxqwzx"})
    assert r.status_code == 400 and 'role="alert"' in r.text


def test_a_map_click_without_javascript(client: TestClient, sample: Samples) -> None:
    # the map centred on Kyiv: a click in its middle is that point
    view = f"{HERE[0]},{HERE[1]},2000"
    r = client.get("/shelters", params={"view": view, "map.x": "320", "map.y": "200"})
    assert r.status_code == 200
    assert sample.near in r.text
    svg = client.get("/shelters/map.svg", params={"lat": HERE[0], "lon": HERE[1]})
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.count("<circle") >= 3


@pytest.mark.parametrize(
    "params",
    [
        {"lat": "91", "lon": "30"},
        {"lat": "nan", "lon": "30"},
        {"lat": "1e999", "lon": "30"},
        {"lat": "abc", "lon": "x"},
        {"view": "1,2", "map.x": "1", "map.y": "1"},
        {"view": "50,30,2000", "map.x": "-5", "map.y": "1"},
    ],
)
def test_malformed_positions_are_refused_on_the_page(
    client: TestClient, sample: Samples, params: dict[str, str]
) -> None:
    r = client.get("/shelters", params=params)
    assert r.status_code == 400
    assert 'role="alert"' in r.text


def test_nearest_page_weighs_under_30_kb(client: TestClient, sample: Samples) -> None:
    total, loaded = _weight(client, f"/shelters?lat={HERE[0]}&lon={HERE[1]}")
    print(f"nearest page weight: {total} bytes ({', '.join(loaded)})")
    assert "/static/shelters.css" in loaded and any("map.svg" in u for u in loaded)
    assert total < PAGE_BUDGET, f"{total} bytes: {loaded}"
    for path in ("/shelters", f"/shelters/{sample.near}", f"/shelters/{sample.near}/report"):
        total, loaded = _weight(client, path)
        print(f"{path} weight: {total} bytes")
        assert total < PAGE_BUDGET, f"{path}: {total} bytes: {loaded}"


def test_detail_page_and_api(client: TestClient, sample: Samples) -> None:
    r = client.get(f"/shelters/{sample.near}")
    assert r.status_code == 200 and "Станція метро «Хрещатик»" in r.text
    assert "невідомо" in r.text  # unknown is shown as unknown, never as "no"
    assert client.get("/shelters/sh_nothing").status_code == 404
    api = client.get("/api/v1/shelters/nearest", params={"lat": HERE[0], "lon": HERE[1]})
    assert api.status_code == 200
    first = api.json()[0]
    assert first["id"] == sample.near and first["compass"] in ("N", "NE", "E")
    assert first["status"]["code"] == "unknown"
    one = client.get(f"/api/v1/shelters/{sample.near}").json()
    assert one["name"] == "Станція метро «Хрещатик»" and "key_holder" not in one
    for bad in ({"lat": "91", "lon": "0"}, {"lat": "x", "lon": "0"}, {"lat": "1"}):
        assert client.get("/api/v1/shelters/nearest", params=bad).status_code == 422


def test_the_public_s_nearest_answer_reads_no_database(client: TestClient, sample: Samples) -> None:
    engine = client.app.state.workspace.engine  # type: ignore[attr-defined]
    connections: list[object] = []

    def connected(connection: object) -> None:
        connections.append(connection)

    event.listen(engine, "engine_connect", connected)
    try:
        answers = [
            client.get(
                "/api/v1/shelters/nearest",
                params={"lat": HERE[0], "lon": HERE[1], "step_free": step_free, "lang": lang},
            )
            for step_free in ("false", "true")
            for lang in ("uk", "en")
        ]
    finally:
        event.remove(engine, "engine_connect", connected)
    assert connections == []  # no credential to look up, the index kept in memory
    for answer in answers:
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-content-type-options"] == "nosniff"
        TypeAdapter(list[NearbyShelter]).validate_python(answer.json())  # the declared model
    assert answers[0].json()[0]["id"] == sample.near
    assert (
        answers[0].json()[0]["status"]["sentence"] == "невідомо — жодного повідомлення за 30 днів"
    )
    assert answers[1].json()[0]["status"]["sentence"] == "unknown — no report in 30 days"
    assert all(s["step_free"] is True for s in answers[2].json())


def _report(client: TestClient, shelter: str, **data: str) -> tuple[int, str]:
    form = client.get(f"/shelters/{shelter}/report")
    fields = {"csrf_token": csrf_of(form.text), **data}
    r = client.post(f"/shelters/{shelter}/report", data=fields)
    return r.status_code, r.text


def test_a_public_report_changes_the_status_once_a_coordinator_confirms_it(
    team: Team, client: TestClient, sample: Samples
) -> None:
    status, text = _report(
        client, sample.pets, status="closed", note="Двері зачинені", **{"access_step-free": "no"}
    )
    assert status == 200, text
    assert "дякуємо" in text.lower()
    # not yet confirmed: the shelter is still listed as working
    api = client.get("/api/v1/shelters/nearest", params={"lat": HERE[0], "lon": HERE[1]}).json()
    assert sample.pets in [s["id"] for s in api]
    # the coordinator's queue (team side) and the confirmation through the page
    coordinator = bearer(team.tokens["shelter_coordinator"])
    queue = client.get("/api/v1/shelters/reports", headers=coordinator).json()
    assert [q["note"] for q in queue] == ["Двері зачинені"]
    assert queue[0]["accessibility"] == {"step-free": False}
    r = client.post(f"/api/v1/shelters/reports/{queue[0]['id']}/confirm", headers=coordinator)
    assert r.status_code == 200, r.text
    api = client.get("/api/v1/shelters/nearest", params={"lat": HERE[0], "lon": HERE[1]}).json()
    assert sample.pets not in [s["id"] for s in api]
    page = client.get(f"/shelters/{sample.pets}").text
    assert "зачинено — підтвердила 1 особа" in page or "зачинено" in page
    # deciding twice is a conflict
    again = client.post(f"/api/v1/shelters/reports/{queue[0]['id']}/confirm", headers=coordinator)
    assert again.status_code == 409


def test_coordinator_queue_page_confirms_and_dismisses_with_a_reason(
    team: Team, client: TestClient, sample: Samples
) -> None:
    for status in ("open", "flooded"):
        assert _report(client, sample.near, status=status)[0] == 200
    from civwatch.accounts.credentials import set_password

    set_password(team.ws, "shelter-coordinator", "correct horse battery", actor="admin")
    token = sign_in(client, "shelter-coordinator")
    page = client.get("/shelters/reports")
    assert page.status_code == 200
    ids = re.findall(r'id="report-(shr_[\w-]+)"', page.text)
    assert len(ids) == 2
    r = client.post(
        f"/shelters/reports/{ids[1]}/dismiss",
        data={"csrf_token": token, "reason": ""},
        follow_redirects=False,
    )
    assert r.status_code == 422  # a dismissal needs its reason
    r = client.post(
        f"/shelters/reports/{ids[1]}/dismiss",
        data={"csrf_token": token, "reason": "На фото інше укриття"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/shelters/reports/{ids[0]}/confirm", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    assert "No report is waiting" in client.get("/shelters/reports?lang=en").text
    shown = client.get(f"/api/v1/shelters/{sample.near}").json()["status"]
    assert shown["code"] == "open" and shown["confirmations"] == 1


@pytest.mark.parametrize(
    "data",
    [
        {"status": "exploded"},
        {"status": ""},
        {"status": "open", "access_lift": "maybe", "note": "x" * 2001},
        {"status": "open\x00"},
        {"status": "open", "note": "x" * 5000},
    ],
)
def test_malformed_reports_are_refused_with_the_form_kept(
    team: Team, client: TestClient, sample: Samples, data: dict[str, str]
) -> None:
    status, text = _report(client, sample.near, **data)
    assert status in (400, 422), text
    assert 'role="alert"' in text  # the form again, saying what is wrong
    coordinator = bearer(team.tokens["shelter_coordinator"])
    assert client.get("/api/v1/shelters/reports", headers=coordinator).json() == []


def test_reports_need_the_form_token_and_bots_fill_the_honeypot(
    team: Team, client: TestClient, sample: Samples
) -> None:
    r = client.post(f"/shelters/{sample.near}/report", data={"status": "open", "csrf_token": "x"})
    assert r.status_code == 400
    status, _text = _report(client, sample.near, status="open", website="http://spam.example")
    assert status == 200  # thanked...
    coordinator = bearer(team.tokens["shelter_coordinator"])
    assert client.get("/api/v1/shelters/reports", headers=coordinator).json() == []  # ...not kept


def test_reports_are_limited_per_address_without_storing_it(
    team: Team, client: TestClient, sample: Samples
) -> None:
    codes = [_report(client, sample.near, status="open")[0] for _ in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    api = client.post(f"/api/v1/shelters/{sample.near}/reports", json={"status": "open"})
    assert api.status_code == 429
    from sqlalchemy import select

    from civwatch.accounts.models import AuditRecord

    with team.ws.sessions() as session:
        records = list(
            session.scalars(
                select(AuditRecord).where(AuditRecord.action == "shelters.report.received")
            )
        )
    assert len(records) == 10
    assert all(r.client is None and r.actor is None for r in records)
    assert "testclient" not in str([r.detail for r in records])


def test_api_reports_and_their_refusals(team: Team, client: TestClient, sample: Samples) -> None:
    ok = client.post(
        f"/api/v1/shelters/{sample.near}/reports",
        json={"status": "full", "accessibility": {"lift": True}},
    )
    assert ok.status_code == 201 and ok.json()["report_id"].startswith("shr_")
    for body in (
        {"status": "full", "name": "Іван"},  # nothing personal is asked, nor taken
        {"status": "full", "accessibility": {"teleporter": True}},
        {"status": "full", "accessibility": {"lift": "yes please"}},
        {"status": "sunny"},
        [],
    ):
        r = client.post(f"/api/v1/shelters/{sample.near}/reports", json=body)
        assert r.status_code == 422, (body, r.text)
    assert (
        client.post("/api/v1/shelters/sh_nothing/reports", json={"status": "open"}).status_code
        == 404
    )
    # only coordinators decide
    for role in ("viewer", "investigator", "publisher"):
        r = client.get("/api/v1/shelters/reports", headers=bearer(team.tokens[role]))
        assert r.status_code == 403
    assert client.get("/api/v1/shelters/reports").status_code == 401
    assert client.get("/shelters/reports", follow_redirects=False).status_code == 303


def test_bundle_and_printable_list(client: TestClient, sample: Samples) -> None:
    r = client.get(f"/shelters/bundle/{KYIV}.json")
    assert r.status_code == 200
    assert client.get("/shelters/bundle/UA1.json").status_code == 422
    pdf = client.get(f"/shelters/print/{KYIV}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_report_with_a_photo_keeps_it_as_evidence_and_refuses_a_non_image(
    team: Team, client: TestClient, sample: Samples, tmp_path: Path
) -> None:
    photo = noise_jpeg(tmp_path / "entrance.jpg", size=(64, 48))
    form = client.get(f"/shelters/{sample.near}/report")
    r = client.post(
        f"/shelters/{sample.near}/report",
        data={"csrf_token": csrf_of(form.text), "status": "open"},
        files={"photo": ("entrance.jpg", photo.read_bytes(), "image/jpeg")},
    )
    assert r.status_code == 200, r.text
    coordinator = bearer(team.tokens["shelter_coordinator"])
    (report,) = client.get("/api/v1/shelters/reports", headers=coordinator).json()
    assert report["photo_sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
    r = client.post(
        f"/shelters/{sample.near}/report",
        data={"csrf_token": csrf_of(form.text), "status": "open", "note": "keep me"},
        files={"photo": ("entrance.jpg", b"<html>not a picture</html>", "image/jpeg")},
    )
    assert r.status_code == 422 and 'role="alert"' in r.text
    assert "keep me" in r.text  # what was typed is given back
    assert len(client.get("/api/v1/shelters/reports", headers=coordinator).json()) == 1

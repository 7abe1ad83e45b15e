"""Who holds a shelter's key, and how to reach them, is for coordinators only: marker
strings in those fields appear in no public page, API answer, offline bundle, PDF or log,
and on the coordinators' queue only; the bundle's signature checks with the published key."""

from __future__ import annotations

import base64
import json
import logging
import re

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient
from sqlalchemy import select

from civwatch.accounts.models import AuditRecord
from civwatch.web.shelter_bundle import BUNDLE_PREFIX
from tests.web.conftest import Team, bearer
from tests.web.shelter_samples import HERE, KEY_CONTACT, KEY_HOLDER, KHARKIV, KYIV, shelters

MARKERS = (KEY_HOLDER, KEY_CONTACT, "KEYHOLDER-MARKER", "KEYCONTACT-MARKER")


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _clean(where: str, text: str) -> None:
    for marker in MARKERS:
        assert marker not in text, f"{marker} leaked in {where}"


def test_internal_fields_reach_no_public_output(
    team: Team, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sample = shelters(team.ws)
    # a report through the form and one through the API, both confirmed (status shown)
    form = client.get(f"/shelters/{sample.near}/report")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    sent = client.post(
        f"/shelters/{sample.near}/report", data={"csrf_token": token.group(1), "status": "open"}
    )
    assert sent.status_code == 200
    _clean("the report's answer", sent.text)
    api = client.post(f"/api/v1/shelters/{sample.pets}/reports", json={"status": "full"})
    _clean("the API report's answer", api.text)
    coordinator = bearer(team.tokens["shelter_coordinator"])
    for report in client.get("/api/v1/shelters/reports", headers=coordinator).json():
        _clean("the API's report queue", json.dumps(report))
        assert (
            client.post(
                f"/api/v1/shelters/reports/{report['id']}/confirm", headers=coordinator
            ).status_code
            == 200
        )
    public = [
        f"/shelters?lat={HERE[0]}&lon={HERE[1]}",
        f"/shelters?lat={HERE[0]}&lon={HERE[1]}&lang=en",
        "/shelters?q=Kharkiv",
        f"/shelters/map.svg?lat={HERE[0]}&lon={HERE[1]}",
        "/shelters/offline",
        "/shelters/manifest.webmanifest",
        "/shelters/sw.js",
        f"/api/v1/shelters/nearest?lat={HERE[0]}&lon={HERE[1]}&limit=100",
        f"/api/v1/shelters/nearest?lat={HERE[0]}&lon={HERE[1]}&working_only=false",
        "/api/v1/openapi.json",
    ]
    for shelter in (sample.near, sample.pets, sample.locked, sample.kharkiv):
        public += [
            f"/shelters/{shelter}",
            f"/shelters/{shelter}?lang=en",
            f"/shelters/{shelter}/report",
            f"/api/v1/shelters/{shelter}",
        ]
    for katottg in (KYIV, KHARKIV):
        public.append(f"/shelters/bundle/{katottg}.json")
    for path in public:
        r = client.get(path)
        assert r.status_code == 200, path
        _clean(path, r.text)
        # a coordinator's credentials change nothing on public pages
        _clean(f"{path} as a coordinator", client.get(path, headers=coordinator).text)
    for katottg in (KYIV, KHARKIV):
        pdf = client.get(f"/shelters/print/{katottg}.pdf")
        assert pdf.status_code == 200
        text = _pdf_text(pdf.content)
        assert "Укриття" in text  # the text is extractable, so the check below means something
        _clean(f"the printable list of {katottg}", text)
        for marker in MARKERS:
            assert marker.encode() not in pdf.content
    # the logs: what the app logged, and the audit log
    _clean("the log", caplog.text)
    with team.ws.sessions() as session:
        for record in session.scalars(select(AuditRecord)):
            _clean("the audit log", json.dumps([record.target, record.detail], default=str))
    # the coordinators' queue is where they are shown
    submitted = client.post(f"/api/v1/shelters/{sample.kharkiv}/reports", json={"status": "open"})
    assert submitted.status_code == 201
    from civwatch.accounts.credentials import set_password
    from tests.web.conftest import sign_in

    set_password(team.ws, "shelter-coordinator", "correct horse battery", actor="admin")
    sign_in(client, "shelter-coordinator")
    queue = client.get("/shelters/reports").text
    assert KEY_HOLDER in queue and KEY_CONTACT in queue


def test_the_bundle_is_signed_with_the_published_key(team: Team, client: TestClient) -> None:
    shelters(team.ws)
    doc = client.get(f"/shelters/bundle/{KYIV}.json").json()
    # the key the custody log's heads are signed with, shown to the public on the offline page
    published = client.get("/api/v1/custody/head", headers=bearer(team.tokens["admin"])).json()
    assert doc["public_key"] == published["public_key"]
    assert doc["key_fingerprint"] == published["key_fingerprint"]
    assert published["public_key"] in client.get("/shelters/offline").text
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(published["public_key"]))
    key.verify(base64.b64decode(doc["signature"]), BUNDLE_PREFIX + doc["signed"].encode())
    payload = json.loads(doc["signed"])
    assert payload["katottg"] == KYIV
    assert {s["id"] for s in payload["shelters"]} == {"sh_near", "sh_pets", "sh_locked"}
    assert {s["status"] for s in payload["shelters"]} >= {"locked", "unknown"}
    # a changed byte does not verify
    forged = doc["signed"].replace("Хрещатик", "Хрещатик ", 1)
    with pytest.raises(InvalidSignature):
        key.verify(base64.b64decode(doc["signature"]), BUNDLE_PREFIX + forged.encode())
    # and a bundle signature never passes for a tree head (its first line differs)
    with pytest.raises(InvalidSignature):
        key.verify(base64.b64decode(doc["signature"]), doc["signed"].encode())

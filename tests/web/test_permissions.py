"""Every route declares a permission, and every role (and nobody) gets exactly what the
permission table says; every write through a browser session needs its CSRF token."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from civwatch.accounts.permissions import ALL_ROLES, PERMISSIONS, Permission, allows
from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, link_evidence
from civwatch.incidents.verification import add_record
from civwatch.web.app import declared_routes
from tests.incidents.helpers import GEO, incident_doc
from tests.support.files import noise_jpeg
from tests.web import (
    calls_admin,
    calls_campaign_pages,
    calls_campaigns,
    calls_capture,
    calls_incident_pages,
    calls_incidents,
    calls_items,
    calls_jobs,
    calls_packages,
    calls_protection,
    calls_public,
    calls_publish,
    calls_relief,
    calls_relief_pages,
    calls_shelters,
    calls_testimony,
)
from tests.web.conftest import Team, bearer, sign_in, totp_now
from tests.web.desk import protection_samples

#: Routes that are not FastAPI routes and so declare nothing: the schema and the CSS.
UNDECLARED = {"/api/v1/openapi.json", "/static"}


def _upload() -> dict[str, Any]:
    return {"files": [("files", ("note.txt", io.BytesIO(b"a plain note\n"), "text/plain"))]}


#: How to call each route: a new route must be added here (or to the calls_*.py module
#: of its area), so it is walked too. Path parameters are filled from :func:`samples`;
#: one without a sample gets 999999.
CORE_CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/evidence"): {},
    ("POST", "/api/v1/evidence"): {"upload": True},
    ("GET", "/api/v1/evidence/{sha256}"): {},
    ("GET", "/api/v1/evidence/{sha256}/media"): {},
    ("GET", "/api/v1/custody/head"): {},
    ("GET", "/api/v1/me"): {},
    ("GET", "/api/v1/tokens"): {},
    ("POST", "/api/v1/tokens"): {"json": {"name": "x", "role": "ROLE"}},
    ("DELETE", "/api/v1/tokens/{token_id}"): {},
    ("GET", "/api/v1/users"): {},
    ("POST", "/api/v1/users"): {"json": {"username": "newbie", "roles": ["viewer"]}},
    ("POST", "/api/v1/users/{username}/disable"): {},
    ("GET", "/api/v1/audit"): {},
    ("GET", "/signin"): {},
    ("POST", "/signin"): {"data": {"username": "x", "password": "y", "csrf_token": "z"}},
    ("POST", "/signout"): {},
    ("GET", "/"): {},
    ("POST", "/inbox/upload"): {"upload": True},
    ("POST", "/inbox/import-messages"): {"upload": True},
}
CALLS = {
    **CORE_CALLS,
    **calls_incidents.CALLS,
    **calls_incident_pages.CALLS,
    **calls_items.CALLS,
    **calls_admin.CALLS,
    **calls_jobs.CALLS,
    **calls_publish.CALLS,
    **calls_packages.CALLS,
    **calls_public.CALLS,
    **calls_protection.CALLS,
    **calls_shelters.CALLS,
    **calls_capture.CALLS,
    **calls_testimony.CALLS,
    **calls_relief.CALLS,
    **calls_relief_pages.CALLS,
    **calls_campaign_pages.CALLS,
    **calls_campaigns.CALLS,
}


def _routes(client: TestClient) -> list[tuple[str, str, Permission | None]]:
    top = {getattr(r, "path", None) for r in client.app.routes}  # type: ignore[attr-defined]
    assert top >= UNDECLARED
    return declared_routes()


@pytest.fixture
def samples(team: Team, tmp_path: Path, places: Gazetteer) -> dict[str, str]:
    """Values for path parameters: an evidence item and an incident it is linked to, which
    the investigator and the verifier work on (only its team sees its witnesses)."""
    path = noise_jpeg(tmp_path / "walk.jpg", size=(32, 32))
    (outcome,) = Ingest(team.ws, source=SourceInfo(), collector="t").run(
        [Candidate(path, path.name)]
    )
    assert outcome.sha256
    incident = create_incident(team.ws, incident_doc(), actor="investigator", places=places)
    link_evidence(team.ws, incident["id"], outcome.sha256, actor="investigator")
    add_record(team.ws, outcome.sha256, "geolocation", GEO, actor="verifier")
    desk = protection_samples(team.ws)
    return {
        "sha256": outcome.sha256,
        "incident_id": str(incident["id"]),
        "username": "viewer",
        "index": "0",
        **desk,
        **calls_shelters.shelter_samples(team.ws),
        **calls_testimony.testimony_samples(team.ws, incident["id"]),
        **calls_relief.relief_samples(team.ws, desk["case_id"]),
        **calls_relief_pages.relief_page_samples(team.ws, desk["case_id"]),
        **calls_campaign_pages.campaign_page_samples(team.ws),
    }


def _hides_records(method: str, path: str) -> bool:
    """Reading one record of the protection desk: a role without the permission is told
    "not found", as a caller outside the record's team is (never "forbidden")."""
    desk = path.startswith(("/protection/", "/api/v1/protection/"))
    return desk and method == "GET" and "{" in path


def _call(
    c: TestClient,
    method: str,
    path: str,
    samples: dict[str, str],
    headers: dict[str, str],
    role: str | None = "investigator",
) -> int:
    spec = dict(CALLS[(method, path)])
    if "json" in spec:  # a token may only be made with one of the caller's roles
        spec["json"] = {k: role if v == "ROLE" else v for k, v in spec["json"].items()}
    url = re.sub(r"\{(\w+)\}", lambda m: samples.get(m.group(1), "999999"), path)
    if spec.pop("upload", False):
        spec.update(_upload())
    return c.request(method, url, headers=headers, follow_redirects=False, **spec).status_code


def test_every_route_declares_a_permission_and_is_walked(client: TestClient) -> None:
    routes = _routes(client)
    assert {(m, p) for m, p, _ in routes} == set(CALLS), "add new routes to CALLS"
    undeclared = [(m, p) for m, p, perm in routes if perm is None]
    assert not undeclared, f"routes without a permission: {undeclared}"
    assert set(PERMISSIONS) == set(Permission)
    schema_paths = set(client.get("/api/v1/openapi.json").json()["paths"])
    assert schema_paths == {p for _, p, _ in routes if p.startswith("/api/")}


@pytest.mark.parametrize("role", [None, *sorted(ALL_ROLES)])
def test_every_route_with_every_role_follows_the_table(
    team: Team, client: TestClient, samples: dict[str, str], role: str | None
) -> None:
    headers = bearer(team.tokens[role]) if role else {}
    wrong = []
    for method, path, perm in _routes(client):
        assert perm is not None
        status = _call(client, method, path, samples, headers, role)
        if perm is Permission.PUBLIC:
            allowed = True
        elif role is None:
            allowed = False
        else:
            allowed = perm is Permission.SIGNED_IN or allows({role}, perm)
        expected_refusal = 404 if _hides_records(method, path) else 403
        if role is None:  # pages send a stranger to the sign-in page, the API says 401
            expected_refusal = 303 if method == "GET" and not path.startswith("/api/") else 401
        if (allowed and status in (401, 403)) or (not allowed and status != expected_refusal):
            wrong.append(f"{method} {path} as {role}: {status} ({perm})")
    assert not wrong, "\n".join(wrong)


def test_refusals_are_audited(team: Team, client: TestClient) -> None:
    assert client.get("/api/v1/audit", headers=bearer(team.tokens["viewer"])).status_code == 403
    records = client.get(
        "/api/v1/audit", params={"action": "authorise"}, headers=bearer(team.tokens["admin"])
    ).json()
    assert records[0]["actor"] == "viewer" and records[0]["outcome"] == "denied"
    assert records[0]["target"] == "GET /api/v1/audit"


def test_every_write_through_a_session_needs_the_csrf_token(
    team: Team, client: TestClient, samples: dict[str, str]
) -> None:
    token = sign_in(client, "investigator", code=totp_now(samples["investigator_totp"]))
    unsafe = [
        (m, p)
        for m, p, perm in _routes(client)
        if m not in {"GET", "HEAD"} and perm is not Permission.PUBLIC
    ]
    assert len(unsafe) >= 4
    for method, path in unsafe:
        r_status = _call(client, method, path, samples, {})
        assert r_status == 403, f"{method} {path} accepted a write without a CSRF token"
    # with the token, the same session may write
    assert _call(client, "POST", "/api/v1/tokens", samples, {"X-CSRF-Token": token}) == 201
    assert _call(client, "POST", "/api/v1/tokens", samples, {"X-CSRF-Token": "forged"}) == 403


#: POST routes that store nothing: a TOTP secret offered for enrolment is only kept (and
#: audited) once the user confirms it with a code; a search.
WRITES_NOTHING = {
    ("POST", "/account/totp/new"),
    # a search of the desk: each person found is recorded as read (none in the walk)
    ("POST", "/protection/find"),
    ("POST", "/api/v1/protection/persons/find"),
}


def _audit_count(team: Team) -> int:
    from sqlalchemy import func, select

    from civwatch.accounts.models import AuditRecord
    from civwatch.protection.models import ProtectionAuditEvent

    # the desk's acts go to its own audit log (ids only), not to the admins' one
    with team.ws.sessions() as session:
        return sum(
            int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in (AuditRecord, ProtectionAuditEvent)
        )


def test_every_write_that_succeeds_is_in_the_audit_log(
    team: Team, client: TestClient, samples: dict[str, str]
) -> None:
    """Every write through the web (each non-GET route, called by a role allowed it) that
    succeeds adds at least one audit record: who, when, from where, what."""
    unaudited = []
    walked = 0
    for method, path, perm in _routes(client):
        if method == "GET" or perm is None or (method, path) in WRITES_NOTHING:
            continue
        role = next(
            (
                r
                for r in sorted(ALL_ROLES)
                if perm in (Permission.PUBLIC, Permission.SIGNED_IN) or allows({r}, perm)
            ),
            None,
        )
        if role is None:
            continue
        before = _audit_count(team)
        status = _call(client, method, path, samples, bearer(team.tokens[role]), role)
        if status < 400:
            walked += 1
            if _audit_count(team) == before:
                unaudited.append(f"{method} {path} as {role}: {status}")
    assert walked >= 20, f"only {walked} writes succeeded: the samples need more"
    assert not unaudited, "\n".join(unaudited)

"""Nothing of a witness reaches an output but the identity page of their testimony's team.

A testimony is taken through the web form with a marker string in every field of the
witness, given a consent to share with a court, and a package is built for that court.
Then every GET route of the app is walked as every role and as a stranger (pages, API,
public site, open data, feeds, the custody browser, the admins' audit log...), `civwatch
verify` runs, and the logs and every stored file (UTF-8 and UTF-16) are read: the markers
appear only on ``/testimony/{id}/witness`` (page and API) for the team, and nowhere else.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from civwatch.accounts import add_user
from civwatch.accounts.credentials import reset_totp
from civwatch.accounts.permissions import ALL_ROLES
from civwatch.intake.testimony import add_member, give_consent
from civwatch.intake.testimony_disclosure import approve_disclosure, propose_disclosure
from civwatch.intake.testimony_package import build_incident_package
from civwatch.intake.testimony_quotes import mark_quote
from civwatch.web.app import declared_routes
from tests.protection.helpers import encodings, files_holding, run_verify
from tests.web.conftest import Team, bearer, sign_in, totp_now
from tests.web.desk import principal_of
from tests.web.test_permissions import CALLS, samples  # noqa: F401  (the walk's fixture)

MARKER_NAME = "WITNESSMARK-Ꙁ-3c9d"
MARKER_PHONE = "+380 50 765 4321"
MARKER_HOME = "HOMEMARK-Ꙃ-81aa"
MARKER_BIRTH = "1931-07-04"
ALL = (MARKER_NAME, MARKER_PHONE, MARKER_HOME, MARKER_BIRTH, "WITNESSMARK", "HOMEMARK")
#: Who may see the identity: the interviewer (the walk's investigator), the protection
#: officer they put on the team, and protection leads (each with a second factor).
TEAM_ROLES = {"investigator", "protection_lead", "protection_officer"}
RECIPIENT = "Walk Court of Justice"
OTHER_COURT = "Other Court of Justice"
QUOTE = "the strike from the window"


def _identity_path(path: str) -> bool:
    return path.endswith("/witness") and "/testimony/" in path


@pytest.fixture
def marked(team: Team, client: TestClient, samples: dict[str, str]) -> dict[str, str]:  # noqa: F811
    """The walk's samples, and a testimony taken through the form with markers in every
    field of its witness, consented to be shared with :data:`RECIPIENT`."""
    token = sign_in(client, "investigator", code=totp_now(samples["investigator_totp"]))
    r = client.post(
        "/testimony/new",
        data={
            "csrf_token": token,
            "statement": "I saw the strike from the window.",
            "taken_at": "2024-05-02T09:30",
            "language": "uk",
            "taken_place": "Kharkiv",
            "incidents": samples["incident_id"],
            "witness_name": MARKER_NAME,
            "witness_contacts": MARKER_PHONE,
            "witness_birth_date": MARKER_BIRTH,
            "witness_residence": MARKER_HOME,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    testimony_id = r.headers["location"].rsplit("/", 1)[1]
    client.cookies.clear()
    ws, tid = team.ws, int(testimony_id)
    # the investigator and the protection lead have a second factor already (the walk's
    # samples); the officer the interviewer puts on the team gets one too
    reset_totp(ws, "protection-officer", actor="admin")
    add_user(ws, "second-lead", "Second Lead", ["protection_lead"], actor="admin")
    reset_totp(ws, "second-lead", actor="admin")
    interviewer = principal_of(ws, "investigator")
    add_member(ws, interviewer, tid, "protection-officer")
    for court in (RECIPIENT, OTHER_COURT):
        give_consent(ws, interviewer, tid, "share", given_on=date(2024, 5, 2), recipient=court)
    # the witness's identity may go to the walk's court: a two-person decision
    decision = propose_disclosure(
        ws, principal_of(ws, "protection-officer"), tid, RECIPIENT, "Summons of the witness"
    )
    approve_disclosure(ws, principal_of(ws, "second-lead"), tid, decision)
    # and a quote of the statement is published, attributed to "a witness"
    give_consent(ws, interviewer, tid, "publish-anonymised", given_on=date(2024, 5, 2))
    mark_quote(ws, interviewer, tid, QUOTE)
    return {**samples, "testimony_id": testimony_id}


def _leaks(text: str) -> list[str]:
    return [m for m in ALL if m in text]


def test_no_output_but_the_teams_identity_page_shows_the_witness(
    team: Team, client: TestClient, marked: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong: list[str] = []
    seen_by = set()
    for role in (None, *sorted(ALL_ROLES)):
        headers = bearer(team.tokens[role]) if role else {}
        for method, path, _perm in declared_routes():
            if method != "GET":
                continue
            spec = dict(CALLS[(method, path)])
            url = re.sub(r"\{(\w+)\}", lambda m: marked.get(m.group(1), "999999"), path)
            r = client.get(url, headers=headers, follow_redirects=False, **spec)
            found = _leaks(r.content.decode("utf-8", "replace")) + _leaks(
                json.dumps(dict(r.headers))
            )
            if found and _identity_path(path) and role in TEAM_ROLES:
                seen_by.add(role)
                continue
            if found:
                wrong.append(f"GET {path} as {role}: {found}")
    assert seen_by == TEAM_ROLES, "the team never saw the witness: the walk reads nothing"
    assert not wrong, "\n".join(wrong)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert not _leaks(logged), _leaks(logged)


def test_the_package_verify_and_stored_files_hold_no_marker(
    team: Team, marked: dict[str, str], tmp_path: Path
) -> None:
    """The package for the court the decision names carries the identity in its sealed
    part alone; the package for another court, ``civwatch verify`` and the stored files
    carry no marker."""
    ws = team.ws
    needles = [n for marker in ALL for n in encodings(marker)]
    packages = {}
    for name, court in (("pkg", RECIPIENT), ("other", OTHER_COURT)):
        result = build_incident_package(
            ws,
            principal_of(ws, "investigator"),
            int(marked["incident_id"]),
            tmp_path / name,
            recipient=court,
        )
        assert result.export_leaf > 0
        packages[name] = {
            p.relative_to(tmp_path / name).as_posix(): p.read_bytes()
            for p in (tmp_path / name).rglob("*")
            if p.is_file()
        }
    carried = [k for k in packages["pkg"] if k.startswith("data/testimony/")]
    assert len(carried) == 1 and b"I saw the strike" in packages["pkg"][carried[0]]
    # bound by the export's custody entry, which lists each document with its SHA-256
    assert carried[0].encode() in b"".join(packages["pkg"].values())
    holding = sorted(k for k, v in packages["pkg"].items() if any(n in v for n in needles))
    assert len(holding) == 1 and holding[0].startswith("data/sealed/witness-identity/"), holding
    assert b"SEALED" in packages["pkg"][holding[0]]
    other = [k for k, v in packages["other"].items() if any(n in v for n in needles)]
    assert other == [] and any(k.startswith("data/testimony/") for k in packages["other"])
    done = run_verify(ws)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not _leaks(done.stdout + done.stderr)
    assert files_holding(ws, needles) == []


def test_the_quote_is_public_and_nothing_else_of_the_testimony_is(
    team: Team, client: TestClient, marked: dict[str, str]
) -> None:
    """The public page shows the quote as said by "a witness": no code, no marker."""
    from civwatch.intake.testimony import testimony_view

    code = testimony_view(
        team.ws, principal_of(team.ws, "investigator"), int(marked["testimony_id"])
    )["witness"]
    quotes = client.get("/public/witness-quotes.json")
    assert quotes.status_code == 200 and code not in quotes.text and not _leaks(quotes.text)

"""The protection desk for the web tests: a desk set up in the workspace, a person and a
case of a protection officer, a request for help; browser sessions of the desk's users."""

from __future__ import annotations

import pyotp
from fastapi.testclient import TestClient

from civwatch.accounts import add_user
from civwatch.accounts.credentials import reset_totp, set_password
from civwatch.accounts.principal import Principal
from civwatch.accounts.tokens import create_token
from civwatch.workspace import Workspace
from tests.web.conftest import PASSWORD, csrf_of

PASSPHRASE = "the quiet river runs at dawn"
#: Marker values: found nowhere in plain text, in any file or answer they must not reach.
MARKER_NAME = "MARKERNAME-Ꙁ-7f3a"
MARKER_PHONE = "+380 67 123 4567"
MARKER_PHONE_E164 = "+380671234567"


def principal_of(ws: Workspace, username: str) -> Principal:
    """``username`` acting with all their roles (as a browser session does)."""
    from civwatch.accounts.service import active_user_id, get_user

    user = get_user(ws, username)
    with ws.sessions() as session:
        user_id = active_user_id(session, username)
    return Principal(user_id, username, user["display_name"], frozenset(user["roles"]), "session")


def ensure_desk(ws: Workspace, lead: str) -> None:
    """Set up the desk (from :data:`PASSPHRASE`) unless it is already."""
    from civwatch.protection.desk import desk_state, init_desk

    if not desk_state(ws)["initialised"]:
        init_desk(ws, passphrase=PASSPHRASE, actor=principal_of(ws, lead))


def person_with_case(ws: Workspace, officer: str, name: str = MARKER_NAME) -> tuple[str, str]:
    """A person registered by ``officer``, who consented to case handling, and the
    safe-exit case ``officer`` opened for them: (person id, case id)."""
    from civwatch.protection.consent import record_consent
    from civwatch.protection.person_input import person_input
    from civwatch.protection.persons import add_person
    from civwatch.web.protection_adapters import open_case

    who = principal_of(ws, officer)
    person_id = add_person(
        ws,
        who,
        person_input(
            {
                "names": [{"name": name}],
                "contacts": [{"kind": "phone", "value": MARKER_PHONE}],
                "groups": ["journalist"],
            }
        ),
    )
    record_consent(ws, who, person_id, "case-handling", how="verbal")
    return person_id, open_case(ws, who, person_id, "safe-exit")


def help_request(ws: Workspace, about: str = "Walk: someone needs help") -> str:
    """A request for help sent through the service; its id."""
    from sqlalchemy import select

    from civwatch.protection.help_limits import AddressLimiter
    from civwatch.protection.help_requests import HelpRequestInput, submit_help_request
    from civwatch.protection.models import ProtectionHelpRequest

    reference = submit_help_request(
        ws, HelpRequestInput(about=about), "en", client=None, limiter=AddressLimiter()
    )
    with ws.sessions() as session:
        found = session.scalar(
            select(ProtectionHelpRequest.id).where(ProtectionHelpRequest.reference == reference)
        )
    assert found is not None
    return str(found)


def protection_samples(ws: Workspace) -> dict[str, str]:
    """Path values for the permission walk: the walk's protection officer registered the
    person and leads the case (users as tests/web/conftest.py's team names them)."""
    ensure_desk(ws, "protection-lead")
    person_id, case_id = person_with_case(ws, "protection-officer", "Walk Person")
    return {"person_id": person_id, "case_id": case_id, "request_id": help_request(ws)}


def desk_user(ws: Workspace, username: str, role: str) -> str:
    """Add a desk user with :data:`PASSWORD` and a second factor; their TOTP secret."""
    add_user(ws, username, username.title(), [role], actor=None)
    set_password(ws, username, PASSWORD, actor=None)
    secret: str = reset_totp(ws, username, actor=None)["secret"]
    return secret


def desk_token(ws: Workspace, username: str, role: str) -> dict[str, str]:
    """An API token header of ``username`` acting with ``role``."""
    token = create_token(ws, principal_of(ws, username), "tests", role)["token"]
    return {"Authorization": f"Bearer {token}"}


def desk_session(c: TestClient, username: str, totp_secret: str) -> str:
    """Sign ``username`` in through the form with a code; the session's CSRF token."""
    form = c.get("/signin")
    r = c.post(
        "/signin",
        data={
            "username": username,
            "password": PASSWORD,
            "code": pyotp.TOTP(totp_secret).now(),
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf_of(c.get("/account").text)

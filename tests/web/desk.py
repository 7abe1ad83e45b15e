"""The protection desk for the web tests: a desk set up in the workspace, a person and a
case of a protection officer, a request for help; browser sessions of the desk's users."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyotp
from fastapi.testclient import TestClient

from civwatch.accounts import add_user
from civwatch.accounts.credentials import reset_totp, set_password
from civwatch.accounts.principal import Principal
from civwatch.accounts.tokens import create_token
from civwatch.config import Settings
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


def overdue_alert(ws: Workspace, officer: str, case_id: str) -> str:
    """A checkpoint of the case expected two days ago with no check-in: the alert the
    job raises for it (its id)."""
    from datetime import timedelta

    from civwatch.db import utcnow
    from civwatch.protection.cases import add_checkpoint
    from civwatch.protection.checkins import raise_overdue_alerts

    add_checkpoint(
        ws, principal_of(ws, officer), case_id, "Walk border", utcnow() - timedelta(days=2)
    )
    (alert_id,) = raise_overdue_alerts(ws, send=lambda _subject, _body: None)
    return alert_id


def access_request(ws: Workspace, officer: str, person_id: str) -> str:
    """An emergency access ``officer`` asked for, to read ``person_id``; its id."""
    from civwatch.protection.access import request_emergency_access

    return request_emergency_access(
        ws, principal_of(ws, officer), person_id, "Walk: the family called at night"
    )


def protection_samples(ws: Workspace) -> dict[str, str]:
    """Path values for the permission walk: the walk's protection officer registered the
    person and leads the case (users as tests/web/conftest.py's team names them); a
    check-in on it is overdue; the officer asked for an emergency access."""
    ensure_desk(ws, "protection-lead")
    person_id, case_id = person_with_case(ws, "protection-officer", "Walk Person")
    return {
        "person_id": person_id,
        "case_id": case_id,
        "request_id": help_request(ws),
        "alert_id": overdue_alert(ws, "protection-officer", case_id),
        "grant_id": access_request(ws, "protection-officer", person_id),
    }


def desk_user(ws: Workspace, username: str, role: str) -> str:
    """Add a desk user with :data:`PASSWORD` and a second factor; their TOTP secret (the
    first user of a database is an admin, "root", added here when needed)."""
    from civwatch.accounts.service import list_users

    if not list_users(ws):
        add_user(ws, "root", "Root", ["admin"], actor=None)
    add_user(ws, username, username.title(), [role], actor=None, local=True)
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


def cheap_kdf(settings: Settings) -> Settings:
    """Cheap argon2id for the desk's passphrase (the shipped default stays strong)."""
    return settings.model_copy(
        update={
            "protection_passphrase": PASSPHRASE,
            "protection_kdf_memory_kib": 1024,
            "protection_kdf_time_cost": 1,
        }
    )


def desk_server_env(cli_env: dict[str, str]) -> dict[str, str]:
    """``cli_env`` for a live server that opens the desk with the cheap key of
    :func:`cheap_kdf`."""
    return {
        **cli_env,
        "CIVWATCH_PROTECTION_PASSPHRASE": PASSPHRASE,
        "CIVWATCH_PROTECTION_KDF_MEMORY_KIB": "1024",
        "CIVWATCH_PROTECTION_KDF_TIME_COST": "1",
    }


@dataclass
class Desk:
    ws: Workspace
    totp: dict[str, str]
    person_id: str
    case_id: str
    request_id: str

    def path(self, template: str) -> str:
        values = {
            "person_id": self.person_id,
            "case_id": self.case_id,
            "request_id": self.request_id,
        }
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


def make_desk(workspace: Workspace) -> Desk:
    """officer1 registered a person (the marker name and phone) and leads their safe-exit
    case; officer2 is an officer outside that team; lead1 a protection lead; admin1 an
    admin. A request for help waits."""
    totp = {
        "officer1": desk_user(workspace, "officer1", "protection_officer"),
        "officer2": desk_user(workspace, "officer2", "protection_officer"),
        "lead1": desk_user(workspace, "lead1", "protection_lead"),
        "admin1": desk_user(workspace, "admin1", "admin"),
    }
    ensure_desk(workspace, "lead1")
    person_id, case_id = person_with_case(workspace, "officer1")
    return Desk(workspace, totp, person_id, case_id, help_request(workspace))


def desk_roles(desk: Desk) -> dict[str, dict[str, str]]:
    """API token headers of the desk's users, each with their role."""
    return {
        "officer1": desk_token(desk.ws, "officer1", "protection_officer"),
        "officer2": desk_token(desk.ws, "officer2", "protection_officer"),
        "lead1": desk_token(desk.ws, "lead1", "protection_lead"),
        "admin1": desk_token(desk.ws, "admin1", "admin"),
    }

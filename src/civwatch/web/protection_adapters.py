"""The one place the web layer calls the protection desk's services.

Pages and API share these calls, so both keep the same rules: the services decide need to
know ("not found" for a record out of reach), refuse while the desk is locked (423) and
record every read. What is done here is only the web's part: reading a form's plain values
into the services' inputs, and gathering what one page shows from several services (a
person's page shows the person, their assessments, cases and consents).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from starlette.responses import Response

from civwatch.accounts.credentials import confirm_password
from civwatch.accounts.principal import Principal
from civwatch.errors import RecordNotFoundError, RejectedInputError
from civwatch.i18n import _
from civwatch.protection import (
    access,
    checkins,
    consent,
    grants,
    help_requests,
    persons,
    referrals,
    risk,
    rotation,
)
from civwatch.protection import audit as desk_audit
from civwatch.protection import cases as case_service
from civwatch.protection import dashboard as dashboard_service
from civwatch.protection import desk as desk_service
from civwatch.protection import partners as partner_service
from civwatch.protection.help_limits import AddressLimiter
from civwatch.protection.person_input import PERSON_FIELDS, PersonInput, person_input
from civwatch.protection.vocabulary import CASE_STATES, label
from civwatch.workspace import Workspace

#: What an id in a path may look like (a prefix and url-safe random characters): anything
#: else is "not found" before a service is asked.
_ID = re.compile(r"^[a-z]{1,6}_[A-Za-z0-9_-]{8,40}$")
KYIV = ZoneInfo("Europe/Kyiv")


def check_id(value: str) -> str:
    """``value`` if it has the shape of a desk id, else "not found" (as a missing id)."""
    if not _ID.match(value):
        raise RecordNotFoundError(_("No such record."))
    return value


def state_label(code: str) -> str:
    """A case state's label in the reader's language."""
    return label("case-state", code)


# -- dashboard -------------------------------------------------------------------------------------
def dashboard(
    ws: Workspace, who: Principal, now: datetime, *, names: bool = False
) -> dict[str, Any]:
    """The officer's dashboard (see :mod:`civwatch.protection.dashboard`); ``names``: the
    names of the caller's cases' people too, each recorded as read."""
    return dashboard_service.dashboard(ws, who, now, names=names)


# -- persons ---------------------------------------------------------------------------------------
def add_person(ws: Workspace, who: Principal, fields: dict[str, Any] | PersonInput) -> str:
    """Register a person from the plain values of a form, or a JSON body's input."""
    data = fields if isinstance(fields, PersonInput) else person_input(fields)
    return persons.add_person(ws, who, data)


def find(
    ws: Workspace, who: Principal, *, name: str = "", phone: str = "", document: str = ""
) -> list[dict[str, Any]]:
    """The people matching, among those the caller may read: ids, with each one's first
    name and risk level (the caller may read them; each read is recorded)."""
    ids = persons.find_persons(
        ws, who, name=name or None, phone=phone or None, document=document or None
    )
    found = []
    for person_id in ids:
        person = persons.show_person(ws, who, person_id, ["names"])
        names = person.get("names") or []
        found.append(
            {
                "id": person_id,
                "name": names[0]["name"] if names else None,
                "risk_level": person.get("risk_level"),
            }
        )
    return found


def show_person(ws: Workspace, who: Principal, person_id: str) -> dict[str, Any]:
    """A person as their page shows them: their fields, risk assessments, cases and
    consents (each read recorded by its service)."""
    person = persons.show_person(ws, who, person_id)
    person["assessments"] = risk.assessments(ws, who, person_id)
    person["cases"] = person_cases(ws, who, person_id)
    person["consents"] = consent.consents(ws, who, person_id)
    return person


def person_cases(ws: Workspace, who: Principal, person_id: str) -> list[dict[str, Any]]:
    """Every case of the person (the caller may read them: their team, an emergency
    access, a lead), with the caller's role on each."""
    return case_service.cases_of_person(ws, who, person_id)


def show_name(ws: Workspace, who: Principal, person_id: str) -> str | None:
    """The first name of a person (the read recorded), or None."""
    names = persons.show_person(ws, who, person_id, ["names"]).get("names") or []
    return str(names[0]["name"]) if names else None


def person_document(ws: Workspace, who: Principal, person_id: str) -> dict[str, Any]:
    """A person as the API answers: the service's document as it is."""
    return persons.show_person(ws, who, person_id)


def update_person(
    ws: Workspace,
    who: Principal,
    person_id: str,
    fields: dict[str, Any] | PersonInput,
    changed: Sequence[str] = PERSON_FIELDS,
) -> None:
    """Replace the ``changed`` fields of a person with those given (a field left empty is
    removed; the others are kept as they are)."""
    data = fields if isinstance(fields, PersonInput) else person_input(fields)
    persons.update_person(ws, who, person_id, data, changed)


def patch_person(ws: Workspace, who: Principal, person_id: str, given: dict[str, Any]) -> None:
    """Change only the fields named in ``given`` (a JSON merge: null removes a field);
    the person must keep a name."""
    unknown = sorted(set(given) - set(PERSON_FIELDS))
    if unknown:
        raise RejectedInputError(_("Unknown field %(field)s of a person.", field=repr(unknown[0])))
    # The input model needs a name: a stand-in, never stored unless "names" is given.
    merged = {"names": [{"name": "-"}], **given}
    update_person(
        ws, who, person_id, {k: v for k, v in merged.items() if v is not None}, list(given)
    )


def delete_person(
    ws: Workspace,
    who: Principal,
    person_id: str,
    reason: str,
    password: str,
    client: str | None = None,
) -> None:
    """Delete a person for good (crypto-shredding; a lead, with a reason and the
    password given again)."""
    if not reason.strip():
        raise RejectedInputError(_("Say why the person is deleted."))
    confirm_password(ws, who.username, password, action="protection-person-delete", client=client)
    persons.delete_person(ws, who, person_id, reason)


def duplicates(ws: Workspace, who: Principal, person_id: str) -> list[dict[str, Any]]:
    """Other people who may be this person registered twice (a lead): ids and the kinds
    of match only."""
    return persons.duplicate_candidates(ws, who, person_id)


# -- emergency access ------------------------------------------------------------------------------
def access_requests(ws: Workspace, who: Principal) -> dict[str, list[dict[str, Any]]]:
    """The caller's requests for emergency access and, for a lead, those to decide."""
    return grants.access_requests(ws, who)


def request_access(ws: Workspace, who: Principal, person_id: str, reason: str) -> str:
    """Ask to read a person outside one's team, saying why; the request's id."""
    return access.request_emergency_access(ws, who, person_id, reason)


def approve_access(ws: Workspace, who: Principal, grant_id: str, hours: int) -> dict[str, Any]:
    """Approve a request for ``hours`` (a lead, not the one who asked)."""
    return access.approve_emergency_access(ws, who, grant_id, hours=hours)


def access_request(ws: Workspace, who: Principal, grant_id: str) -> dict[str, Any]:
    """One request for emergency access as a lead sees it once decided."""
    return grants.access_request(ws, who, grant_id)


def end_access(ws: Workspace, who: Principal, grant_id: str) -> dict[str, Any]:
    """Refuse a request, or end an access in force (a lead); the request as it is now."""
    access.revoke_emergency_access(ws, who, grant_id)
    return grants.access_request(ws, who, grant_id)


# -- alerts ----------------------------------------------------------------------------------------
def acknowledge_alert(ws: Workspace, who: Principal, alert_id: str) -> None:
    """Mark an alert of a case the caller may reach as seen (it leaves the dashboard)."""
    checkins.acknowledge_alert(ws, who, alert_id)


# -- risk ------------------------------------------------------------------------------------------
def add_risk(
    ws: Workspace, who: Principal, person_id: str, fields: dict[str, Any]
) -> dict[str, Any]:
    """Record a risk assessment; its id and level."""
    try:
        data = risk.RiskInput.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "assessment"
        raise RejectedInputError(
            _(
                "The assessment's %(field)s is not valid: %(problem)s.",
                field=where,
                problem=str(first["msg"]).removeprefix("Value error, ").rstrip("."),
            )
        ) from None
    assessment_id = risk.add_assessment(ws, who, person_id, data)
    return {"id": assessment_id, "level": risk.risk_level(data.likelihood, data.impact)}


def assessments(ws: Workspace, who: Principal, person_id: str) -> list[dict[str, Any]]:
    """A person's risk assessments, newest first."""
    return risk.assessments(ws, who, person_id)


# -- consent ---------------------------------------------------------------------------------------
def record_consent(ws: Workspace, who: Principal, person_id: str, fields: dict[str, Any]) -> str:
    """Record a consent given or revoked; its id."""
    return consent.record_consent(
        ws,
        who,
        person_id,
        fields["purpose"],
        given=bool(fields.get("given", True)),
        how=fields.get("how") or "verbal",
        partner_id=fields.get("partner_id"),
        channel=fields.get("channel"),
    )


# -- cases -----------------------------------------------------------------------------------------
def open_case(ws: Workspace, who: Principal, person_id: str, kind: str) -> str:
    """Open a case; its id."""
    return case_service.open_case(ws, who, person_id, kind)


def show_case(ws: Workspace, who: Principal, case_id: str) -> dict[str, Any]:
    """A case as its page shows it, with the moves its state allows now."""
    case = case_service.show_case(ws, who, case_id)
    suspended = [
        t["from_state"] for t in case.get("transitions", []) if t["to_state"] == "suspended"
    ]
    moves = case_service.allowed_moves(
        case["state"], suspended_from=suspended[-1] if suspended else None
    )
    order = list(CASE_STATES)
    case["moves"] = sorted(moves, key=order.index)
    names = persons.show_person(ws, who, case["person_id"], ["names"]).get("names") or []
    case["person_name"] = names[0]["name"] if names else None
    return case


def case_document(ws: Workspace, who: Principal, case_id: str) -> dict[str, Any]:
    """A case as the API answers: the service's document as it is."""
    return case_service.show_case(ws, who, case_id)


def transition(ws: Workspace, who: Principal, case_id: str, to_state: str, reason: str) -> None:
    """Move a case to another state."""
    case_service.transition(ws, who, case_id, to_state, reason or None)


def assign(ws: Workspace, who: Principal, case_id: str, username: str, role: str) -> None:
    """Add an officer to a case's team."""
    case_service.assign(ws, who, case_id, username, role)


def add_task(
    ws: Workspace, who: Principal, case_id: str, kind: str, title: str, due: str | None
) -> str:
    """Add a task to a case (owned by the caller)."""
    return case_service.add_task(ws, who, case_id, kind, title, owner=who.username, due=_day(due))


def add_checkpoint(
    ws: Workspace, who: Principal, case_id: str, place: str, expected_at: str | None
) -> str:
    """Add a checkpoint to a case's route; a time typed in a form is Kyiv time."""
    return case_service.add_checkpoint(ws, who, case_id, place, _moment(expected_at))


def checkin(
    ws: Workspace,
    who: Principal,
    case_id: str,
    place: str,
    checkpoint_id: str | None,
    note: str | None,
) -> str:
    """Record a check-in; its id."""
    return checkins.record_checkin(ws, who, case_id, place, checkpoint_id, note)


def refer(
    ws: Workspace,
    who: Principal,
    case_id: str,
    partner_id: str,
    fields: Sequence[str],
    password: str,
    client: str | None = None,
) -> dict[str, Any]:
    """Refer a case to a partner (the password checked again); the referral's id."""
    referral_id = referrals.refer(ws, who, case_id, partner_id, fields, password, client=client)
    return {"id": referral_id}


def referral_packet(
    ws: Workspace, who: Principal, referral_id: str, password: str, client: str | None = None
) -> dict[str, Any]:
    """A referral's packet (age ciphertext only the partner opens), to hand to the partner:
    an export, so the caller's password is asked again."""
    confirm_password(ws, who.username, password, action="protection-referral-packet", client=client)
    return referrals.referral_packet(ws, who, referral_id)


def packet_response(packet: dict[str, Any]) -> Response:
    """The packet as a file to save (never shown in the browser)."""
    return Response(
        bytes(packet["packet"]),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="referral-{packet["id"]}.age"',
            "X-Content-SHA256": str(packet["packet_sha256"]),
        },
    )


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RejectedInputError(_("A date is written YYYY-MM-DD.")) from None


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise RejectedInputError(_("A time is written YYYY-MM-DD HH:MM.")) from None
    return (at.replace(tzinfo=KYIV) if at.tzinfo is None else at).astimezone(UTC)


# -- partners, audit, requests for help, the desk -------------------------------------------
def partners(ws: Workspace, who: Any) -> list[dict[str, Any]]:
    """The active partner organisations."""
    return partner_service.list_partners(ws, who)


def add_partner(
    ws: Workspace, who: Principal, name: str, country: str, recipient: str, contact: str
) -> str:
    """Add a partner organisation (a lead)."""
    return partner_service.add_partner(
        ws, who, name, recipient, country=country or None, contact=contact or None
    )


def history(
    ws: Workspace, who: Principal, *, person_id: str | None = None, case_id: str | None = None
) -> list[dict[str, Any]]:
    """Who read or changed a person or a case, newest first (a lead; the record must
    exist: "not found" otherwise)."""
    with ws.sessions() as session:
        if person_id is not None:
            access.require_person(session, who, person_id)
        if case_id is not None:
            access.require_case(session, who, case_id)
        return desk_audit.history(session, person_id=person_id, case_id=case_id)


def send_help_request(
    ws: Workspace,
    fields: dict[str, Any],
    language: str,
    client: str | None,
    limiter: AddressLimiter,
) -> str:
    """Receive a request for help from the public form; its reference."""
    try:
        data = help_requests.HelpRequestInput.model_validate(fields)
    except ValidationError:
        raise RejectedInputError(
            _("Some of what you wrote is too long: please shorten it and send it again.")
        ) from None
    return help_requests.submit_help_request(ws, data, language, client=client, limiter=limiter)


def help_request_list(ws: Workspace, who: Principal) -> list[dict[str, Any]]:
    """Requests for help not yet handled (new or opened), oldest first: references and
    times only; nothing while the desk is locked."""
    with ws.sessions() as session:
        desk_service.desk_key(ws, session)  # locked: 423, as every read of the desk
    return help_requests.list_help_requests(ws, who)


def open_help_request(ws: Workspace, who: Principal, request_id: str) -> dict[str, Any]:
    """A request for help, decrypted (the read is recorded)."""
    return help_requests.open_help_request(ws, who, request_id)


def convert_help_request(
    ws: Workspace, who: Principal, request_id: str, fields: dict[str, Any] | PersonInput
) -> str:
    """Register the person a request is about, from what the officer typed after reading
    it (nothing of the request is copied: the officer writes what the work needs)."""
    data = fields if isinstance(fields, PersonInput) else person_input(fields)
    return help_requests.convert_to_person(ws, who, request_id, data)


def desk_state(ws: Workspace) -> dict[str, Any]:
    """Whether the desk is set up and locked."""
    return desk_service.desk_state(ws)


def lock(ws: Workspace, who: Principal, password: str, client: str | None = None) -> None:
    """Lock the desk, the caller's password given again (a stolen session alone cannot
    lock everyone out)."""
    confirm_password(ws, who.username, password, action="protection-lock", client=client)
    desk_service.lock_desk(ws, who)


def rotate_key(
    ws: Workspace,
    who: Principal,
    password: str,
    passphrase: str,
    again: str,
    client: str | None = None,
) -> None:
    """Replace the desk's key with a new passphrase (a lead, the caller's password given
    again, the new passphrase typed twice)."""
    confirm_password(ws, who.username, password, action="protection-rotate-key", client=client)
    if passphrase != again:
        raise RejectedInputError(_("The two passphrases differ: the desk's key was not changed."))
    rotation.rotate_key(ws, who, new_passphrase=passphrase)


def unlock(ws: Workspace, who: Principal, passphrase: str | None) -> None:
    """Unlock the desk."""
    desk_service.unlock_desk(ws, who, passphrase)

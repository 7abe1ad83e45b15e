"""The protection desk's JSON API under ``/api/v1/protection``.

The same rules as the pages: ``require(Permission.PROTECTION_*)`` at the route, need to know
in the services (a record out of reach is 404, exactly as a missing id), 423 while the desk
is locked, the idle timeout for browser sessions, a fresh ``password`` for a referral. No
personal value goes into a URL: a search is a POST with a JSON body.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from civwatch.protection.person_input import (
    Birth,
    Contact,
    Dependant,
    Document,
    Group,
    Location,
    Name,
    Needs,
    PersonInput,
)
from civwatch.web import protection_adapters as desk
from civwatch.web.answers import EXACT
from civwatch.web.answers_protection import (
    AccessGrantAnswer,
    AccessRequestsAnswer,
    AssessmentAnswer,
    AuditEventAnswer,
    CaseAnswer,
    CreatedAnswer,
    DashboardAnswer,
    DeskStateAnswer,
    DuplicateAnswer,
    FoundAnswer,
    HelpRequestAnswer,
    HelpRequestListed,
    PartnerAnswer,
    PersonAnswer,
    PersonCaseAnswer,
    ReferralCreatedAnswer,
    RiskCreatedAnswer,
)
from civwatch.web.auth import client_of
from civwatch.web.deps import WS
from civwatch.web.problems import PROBLEM_RESPONSES, problem_doc
from civwatch.web.protection_common import (
    DeskLead,
    DeskLocker,
    DeskReader,
    DeskUnlocker,
    DeskWriter,
    RecordLead,
    RecordReader,
)
from civwatch.web.protection_idle import clock_of

#: The errors every route of the desk may answer: civwatch's usual ones, and the desk's own.
DESK_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    409: problem_doc("The desk is not set up yet, or the act conflicts with the record's state"),
    423: problem_doc("The protection desk is locked: a protection lead must unlock it"),
}
router = APIRouter(prefix="/api/v1/protection", tags=["protection"], responses=DESK_RESPONSES)

PersonId = Annotated[str, Field(max_length=64)]


class Body_(BaseModel):
    """Base of the request bodies: unknown keys are refused (a typo is not ignored)."""

    model_config = ConfigDict(extra="forbid")


class FindBody(Body_):
    """Find by one of: a name, a phone number, a document number."""

    name: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=64)
    document: str | None = Field(default=None, max_length=64)


class DeleteBody(Body_):
    reason: str = Field(min_length=1, max_length=2000)
    password: str = Field(max_length=1024, description="The caller's password, asked again")


class PersonPatch(Body_):
    """The fields to change (those given only; null removes a field, never the names)."""

    names: list[Name] | None = Field(default=None, max_length=20)
    birth: Birth | None = None
    gender: str | None = Field(default=None, max_length=64)
    citizenship: list[str] | None = Field(default=None, max_length=10)
    documents: list[Document] | None = Field(default=None, max_length=20)
    contacts: list[Contact] | None = Field(default=None, max_length=20)
    location: Location | None = None
    address: str | None = Field(default=None, max_length=1000)
    groups: list[Group] | None = Field(default=None, max_length=10)
    minority: str | None = Field(default=None, max_length=200)
    languages: list[str] | None = Field(default=None, max_length=20)
    needs: Needs | None = None
    dependants: list[Dependant] | None = Field(default=None, max_length=20)
    notes: str | None = Field(default=None, max_length=10000)


class AccessBody(Body_):
    person_id: str = Field(max_length=64)
    reason: str = Field(min_length=1, max_length=2000)


class ApproveBody(Body_):
    hours: int = Field(default=8, ge=1, le=72, description="How long the access lasts")


class CaseOpenBody(Body_):
    kind: str = Field(max_length=32, description="safe-exit, relocation or protection-support")


class TransitionBody(Body_):
    to_state: str = Field(max_length=32)
    reason: str = Field(default="", max_length=2000)


class AssignBody(Body_):
    username: str = Field(max_length=64)
    role: str = Field(default="member", max_length=16, description="lead or member")


class CheckinBody(Body_):
    place: str = Field(min_length=1, max_length=500)
    checkpoint_id: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=2000)


class ReferralBody(Body_):
    partner_id: str = Field(max_length=64)
    fields: list[str] = Field(max_length=20, description="Names of the person's fields to share")
    password: str = Field(max_length=1024, description="The caller's password, asked again")


class ConsentBody(Body_):
    purpose: str = Field(max_length=32)
    given: bool = True
    how: str = Field(default="verbal", max_length=16, description="verbal, written or electronic")
    partner_id: str | None = Field(default=None, max_length=64)
    channel: str | None = Field(default=None, max_length=32)


class RiskBody(Body_):
    threats: list[str] = Field(min_length=1, max_length=20)
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    sources: str = Field(default="", max_length=5000)
    indicators: str = Field(default="", max_length=5000)
    next_review: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD")


class LockBody(Body_):
    password: str = Field(max_length=1024, description="The caller's password, asked again")


class UnlockBody(Body_):
    passphrase: str | None = Field(default=None, max_length=1024)


class RotateKeyBody(LockBody):
    passphrase: str = Field(max_length=1024, description="The desk's new passphrase")


@router.get("/dashboard", response_model=DashboardAnswer)
def dashboard(request: Request, w: WS, who: DeskReader, names: bool = False) -> dict[str, Any]:
    """My cases, overdue check-ins and alerts, risk reviews due, new requests for help;
    with ``names=true`` the names of my cases' people too, each recorded as read."""
    return desk.dashboard(w, who, clock_of(request), names=names)


@router.post("/persons", status_code=201, response_model=CreatedAnswer)
def person_add(w: WS, who: DeskWriter, body: PersonInput) -> dict[str, Any]:
    """Register a person at risk (only ``names`` is required)."""
    return {"id": desk.add_person(w, who, body)}


@router.post("/persons/find", response_model=FoundAnswer)
def person_find(w: WS, who: DeskReader, body: FindBody) -> dict[str, Any]:
    """The ids of the persons matching, among those the caller may read."""
    found = desk.find(
        w, who, name=body.name or "", phone=body.phone or "", document=body.document or ""
    )
    return {"ids": [p["id"] for p in found]}


@router.get("/persons/{person_id}", response_model=PersonAnswer, **EXACT)
def person_show(w: WS, who: RecordReader, person_id: PersonId) -> dict[str, Any]:
    """A person at risk (the read is recorded in the protection audit log)."""
    return desk.person_document(w, who, desk.check_id(person_id))


@router.put("/persons/{person_id}", response_model=PersonAnswer, **EXACT)
def person_replace(
    w: WS, who: DeskWriter, person_id: PersonId, body: PersonInput
) -> dict[str, Any]:
    """Replace a person's whole record (a field not given is removed); the person as now."""
    person_id = desk.check_id(person_id)
    desk.update_person(w, who, person_id, body)
    return desk.person_document(w, who, person_id)


@router.patch("/persons/{person_id}", response_model=PersonAnswer, **EXACT)
def person_patch(w: WS, who: DeskWriter, person_id: PersonId, body: PersonPatch) -> dict[str, Any]:
    """Change the fields given only (null removes one); the person as now."""
    person_id = desk.check_id(person_id)
    desk.patch_person(w, who, person_id, body.model_dump(exclude_unset=True, mode="json"))
    return desk.person_document(w, who, person_id)


@router.get("/persons/{person_id}/cases", response_model=list[PersonCaseAnswer])
def person_cases(w: WS, who: RecordReader, person_id: PersonId) -> list[dict[str, Any]]:
    """Every case of the person, with the caller's role on each (the read is recorded)."""
    return desk.person_cases(w, who, desk.check_id(person_id))


@router.get("/persons/{person_id}/duplicates", response_model=list[DuplicateAnswer])
def person_duplicates(w: WS, who: RecordLead, person_id: PersonId) -> list[dict[str, Any]]:
    """Other records that may be this person registered twice (a lead): ids and the
    kinds of match only."""
    return desk.duplicates(w, who, desk.check_id(person_id))


@router.post("/persons/{person_id}/delete", response_model=CreatedAnswer)
def person_delete(
    request: Request, w: WS, who: DeskLead, person_id: PersonId, body: DeleteBody
) -> dict[str, Any]:
    """Delete a person for good (a lead, the password again): their data key is
    destroyed; the person answers "not found" afterwards."""
    person_id = desk.check_id(person_id)
    desk.delete_person(w, who, person_id, body.reason, body.password, client_of(request))
    return {"id": person_id}


@router.get("/persons/{person_id}/risk", response_model=list[AssessmentAnswer])
def risk_list(w: WS, who: RecordReader, person_id: PersonId) -> list[dict[str, Any]]:
    """The person's risk assessments, newest first."""
    return desk.assessments(w, who, desk.check_id(person_id))


@router.post("/persons/{person_id}/risk", status_code=201, response_model=RiskCreatedAnswer)
def risk_add(w: WS, who: DeskWriter, person_id: PersonId, body: RiskBody) -> dict[str, Any]:
    """Record a risk assessment (the level follows from likelihood and impact)."""
    person_id = desk.check_id(person_id)
    return desk.add_risk(w, who, person_id, body.model_dump())


@router.post("/persons/{person_id}/consent", status_code=201, response_model=CreatedAnswer)
def consent_add(w: WS, who: DeskWriter, person_id: PersonId, body: ConsentBody) -> dict[str, Any]:
    """Record a consent given or revoked for one purpose."""
    person_id = desk.check_id(person_id)
    return {"id": desk.record_consent(w, who, person_id, body.model_dump())}


@router.post("/persons/{person_id}/cases", status_code=201, response_model=CreatedAnswer)
def case_open(w: WS, who: DeskWriter, person_id: PersonId, body: CaseOpenBody) -> dict[str, Any]:
    """Open a case for the person (needs consent to case handling)."""
    return {"id": desk.open_case(w, who, desk.check_id(person_id), body.kind)}


@router.get("/persons/{person_id}/audit", response_model=list[AuditEventAnswer])
def person_audit(w: WS, who: RecordLead, person_id: PersonId) -> list[dict[str, Any]]:
    """Who read or changed this person's record, newest first (a lead)."""
    return desk.history(w, who, person_id=desk.check_id(person_id))


@router.get("/cases/{case_id}", response_model=CaseAnswer)
def case_show(w: WS, who: RecordReader, case_id: PersonId) -> dict[str, Any]:
    """A case: state, timeline, team, tasks, route, check-ins, referrals."""
    return desk.case_document(w, who, desk.check_id(case_id))


@router.post("/cases/{case_id}/transition", response_model=CaseAnswer)
def case_transition(
    w: WS, who: DeskWriter, case_id: PersonId, body: TransitionBody
) -> dict[str, Any]:
    """Move the case to another state (the allowed moves only)."""
    case_id = desk.check_id(case_id)
    desk.transition(w, who, case_id, body.to_state, body.reason)
    return desk.case_document(w, who, case_id)


@router.post("/cases/{case_id}/assign", response_model=CaseAnswer)
def case_assign(w: WS, who: DeskWriter, case_id: PersonId, body: AssignBody) -> dict[str, Any]:
    """Add an officer to the case's team."""
    case_id = desk.check_id(case_id)
    desk.assign(w, who, case_id, body.username, body.role)
    return desk.case_document(w, who, case_id)


@router.post("/cases/{case_id}/checkins", status_code=201, response_model=CreatedAnswer)
def case_checkin(w: WS, who: DeskWriter, case_id: PersonId, body: CheckinBody) -> dict[str, Any]:
    """Record a check-in: the person reported being safe."""
    case_id = desk.check_id(case_id)
    return {"id": desk.checkin(w, who, case_id, body.place, body.checkpoint_id, body.note)}


@router.post("/cases/{case_id}/referrals", status_code=201, response_model=ReferralCreatedAnswer)
def case_refer(
    request: Request, w: WS, who: DeskWriter, case_id: PersonId, body: ReferralBody
) -> dict[str, Any]:
    """Refer the person to a partner: the consented fields only, encrypted to the partner;
    the caller's password is checked again."""
    case_id = desk.check_id(case_id)
    return desk.refer(
        w, who, case_id, body.partner_id, body.fields, body.password, client_of(request)
    )


class PasswordBody(Body_):
    password: str = Field(max_length=1024, description="The caller's password, asked again")


@router.post(
    "/referrals/{referral_id}/packet",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "age file"}},
)
def referral_packet(
    request: Request, w: WS, who: DeskReader, referral_id: PersonId, body: PasswordBody
) -> Response:
    """A referral's packet, age-encrypted to the partner (an export: the password again)."""
    packet = desk.referral_packet(
        w, who, desk.check_id(referral_id), body.password, client_of(request)
    )
    return desk.packet_response(packet)


@router.get("/cases/{case_id}/audit", response_model=list[AuditEventAnswer])
def case_audit(w: WS, who: RecordLead, case_id: PersonId) -> list[dict[str, Any]]:
    """Who read or changed this case, newest first (a lead)."""
    return desk.history(w, who, case_id=desk.check_id(case_id))


@router.get("/access", response_model=AccessRequestsAnswer)
def access_requests(w: WS, who: DeskReader) -> dict[str, Any]:
    """Your requests for emergency access and, for a lead, those to decide or in force."""
    return desk.access_requests(w, who)


@router.post("/access", status_code=201, response_model=CreatedAnswer)
def access_ask(w: WS, who: DeskWriter, body: AccessBody) -> dict[str, Any]:
    """Ask to read a person outside your cases, saying why (a lead decides)."""
    return {"id": desk.request_access(w, who, desk.check_id(body.person_id), body.reason)}


@router.post("/access/{grant_id}/approve", response_model=AccessGrantAnswer)
def access_approve(w: WS, who: DeskLead, grant_id: PersonId, body: ApproveBody) -> dict[str, Any]:
    """Approve a request for some hours (a lead, not the one who asked)."""
    grant_id = desk.check_id(grant_id)
    desk.approve_access(w, who, grant_id, body.hours)
    return desk.access_request(w, who, grant_id)


@router.post("/access/{grant_id}/revoke", response_model=AccessGrantAnswer)
def access_revoke(w: WS, who: DeskLead, grant_id: PersonId) -> dict[str, Any]:
    """Refuse a request, or end an access in force (a lead)."""
    return desk.end_access(w, who, desk.check_id(grant_id))


@router.post("/alerts/{alert_id}/acknowledge", response_model=CreatedAnswer)
def alert_acknowledge(w: WS, who: DeskWriter, alert_id: PersonId) -> dict[str, Any]:
    """Acknowledge a check-in alert of a case you may reach (it leaves the dashboard)."""
    alert_id = desk.check_id(alert_id)
    desk.acknowledge_alert(w, who, alert_id)
    return {"id": alert_id}


@router.get("/help-requests", response_model=list[HelpRequestListed])
def help_request_list(w: WS, who: DeskReader) -> list[dict[str, Any]]:
    """Requests for help not yet handled, oldest first (references and times only)."""
    return desk.help_request_list(w, who)


@router.get("/help-requests/{request_id}", response_model=HelpRequestAnswer)
def help_request_show(w: WS, who: RecordReader, request_id: PersonId) -> dict[str, Any]:
    """A request for help, decrypted (the desk must be unlocked; the read is recorded)."""
    return desk.open_help_request(w, who, desk.check_id(request_id))


@router.post("/help-requests/{request_id}/person", status_code=201, response_model=CreatedAnswer)
def help_request_convert(
    w: WS, who: DeskWriter, request_id: PersonId, body: PersonInput
) -> dict[str, Any]:
    """Register the person a request is about, as the officer writes them (nothing of the
    request is copied); the request is linked to them."""
    return {"id": desk.convert_help_request(w, who, desk.check_id(request_id), body)}


@router.get("/partners", response_model=list[PartnerAnswer])
def partners(w: WS, who: DeskReader) -> list[dict[str, Any]]:
    """The active partner organisations."""
    return desk.partners(w, who)


@router.post("/lock", response_model=DeskStateAnswer, **EXACT)
def lock(request: Request, w: WS, who: DeskLocker, body: LockBody) -> dict[str, Any]:
    """Lock the desk now (the caller's password again): protection sessions and tokens
    revoked, the key dropped."""
    desk.lock(w, who, body.password, client_of(request))
    return desk.desk_state(w)


@router.post("/rotate-key", response_model=DeskStateAnswer, **EXACT)
def rotate_key(request: Request, w: WS, who: DeskLead, body: RotateKeyBody) -> dict[str, Any]:
    """Replace the desk's key with a new passphrase (a lead, the desk unlocked, the caller's
    password again): the old passphrase opens nothing in the database afterwards; backups
    made before still open with it."""
    desk.rotate_key(w, who, body.password, body.passphrase, body.passphrase, client_of(request))
    return desk.desk_state(w)


@router.post("/unlock", response_model=DeskStateAnswer, **EXACT)
def unlock(w: WS, who: DeskUnlocker, body: UnlockBody) -> dict[str, Any]:
    """Unlock the desk (a lead; the passphrase unless a key file is configured)."""
    desk.unlock(w, who, body.passphrase)
    return desk.desk_state(w)

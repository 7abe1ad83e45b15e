"""``/api/v1/testimony``: take testimony (the phone form sends here when back online),
read it by incident, the witness's identity for the team, consent and risk flags.

Every write is recorded in the audit log without anything of the witness: the testimony's
number and the witness's code only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.intake import testimony as service
from civwatch.intake.testimony import MAX_CONTACTS, MAX_SHORT, MAX_STATEMENT
from civwatch.web.answers import EXACT
from civwatch.web.answers_testimony import (
    ConsentRecorded,
    Done,
    FlagsSet,
    TestimonyAnswer,
    TestimonyMade,
    WitnessIdentity,
)
from civwatch.web.auth import audit_action, require
from civwatch.web.deps import MAX_ROW_ID, WS, RowId
from civwatch.web.problems import PROBLEM_RESPONSES
from civwatch.web.protection_idle import desk_gate

router = APIRouter(prefix="/api/v1/testimony", tags=["testimony"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require(Permission.TESTIMONY_READ))]
Writer = Annotated[Principal, Depends(require(Permission.TESTIMONY_WRITE))]
#: The witness's identity passes the protection desk's gate (its idle lock too).
IdentityReader = Annotated[Principal, Depends(desk_gate(Permission.TESTIMONY_READ))]
Short = Annotated[str, Field(max_length=MAX_SHORT)]


class WitnessBody(BaseModel):
    """Who the witness is (every field optional), sealed under the desk's key."""

    model_config = ConfigDict(extra="forbid")
    name: Short | None = None
    contacts: list[Short] = Field(default_factory=list, max_length=MAX_CONTACTS)
    birth_date: Short | None = None
    residence: Short | None = None


class TestimonyBody(BaseModel):
    """A testimony as taken down."""

    model_config = ConfigDict(extra="forbid")
    statement: str = Field(min_length=1, max_length=MAX_STATEMENT)
    taken_at: datetime
    language: str = Field(min_length=2, max_length=3)
    taken_place: Short | None = None
    incidents: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] = Field(
        default_factory=list, max_length=50
    )
    attachments: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=50
    )
    flags: list[Annotated[str, Field(max_length=16)]] = Field(default_factory=list, max_length=3)
    witness: WitnessBody = Field(default_factory=WitnessBody)


def to_input(body: TestimonyBody) -> service.TestimonyInput:
    """The service's input from the API's body (the page's form gives the same)."""
    return service.TestimonyInput(
        statement=body.statement,
        taken_at=body.taken_at,
        language=body.language,
        taken_place=body.taken_place,
        incidents=list(body.incidents),
        attachments=list(body.attachments),
        flags=list(body.flags),
        witness=service.WitnessInput(**body.witness.model_dump()),
    )


@router.post("", status_code=201, response_model=TestimonyMade)
async def testimony_add(request: Request, w: WS, who: Writer, body: TestimonyBody) -> Any:
    """Take down a testimony; the answer names the witness by code."""
    made = await run_in_threadpool(service.record_testimony, w, who, to_input(body))
    await run_in_threadpool(
        audit_action, request, w, who, "testimony-add", f"testimony:{made['id']}"
    )
    return made


@router.get("", response_model=list[TestimonyAnswer])
async def testimony_list(
    w: WS,
    who: Reader,
    incident: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> Any:
    """The testimonies the caller may read (of one incident), newest first."""
    return await run_in_threadpool(service.testimonies, w, who, incident_id=incident)


@router.get("/{testimony_id}", response_model=TestimonyAnswer)
async def testimony_show(w: WS, who: Reader, testimony_id: RowId) -> Any:
    """One testimony (the witness by code). One with a risk flag: its team only."""
    return await run_in_threadpool(service.testimony_view, w, who, testimony_id)


@router.get("/{testimony_id}/witness", response_model=WitnessIdentity, **EXACT)
async def testimony_witness(w: WS, who: IdentityReader, testimony_id: RowId) -> Any:
    """The witness's identity: the testimony's team only, the desk unlocked; the read is
    recorded in the protection audit log."""
    return await run_in_threadpool(service.witness_identity, w, who, testimony_id)


class ConsentBody(BaseModel):
    """Consent for a purpose, given on a day (sharing: to a named recipient)."""

    model_config = ConfigDict(extra="forbid")
    purpose: str = Field(max_length=32)
    given_on: date
    recipient: Short | None = None


@router.post("/{testimony_id}/consents", status_code=201, response_model=ConsentRecorded)
async def consent_add(
    request: Request, w: WS, who: Writer, testimony_id: RowId, body: ConsentBody
) -> Any:
    """Record the witness's consent for a purpose."""
    consent = await run_in_threadpool(
        lambda: service.give_consent(
            w, who, testimony_id, body.purpose, given_on=body.given_on, recipient=body.recipient
        )
    )
    await run_in_threadpool(
        audit_action, request, w, who, "testimony-consent", f"testimony:{testimony_id}"
    )
    return {"id": consent, "testimony": testimony_id}


@router.post("/{testimony_id}/consents/{consent_id}/withdraw", response_model=ConsentRecorded)
async def consent_withdraw(
    request: Request, w: WS, who: Writer, testimony_id: RowId, consent_id: RowId
) -> Any:
    """The witness withdraws a consent."""
    await run_in_threadpool(service.withdraw_consent, w, who, testimony_id, consent_id)
    await run_in_threadpool(
        audit_action, request, w, who, "testimony-consent-withdraw", f"testimony:{testimony_id}"
    )
    return {"id": consent_id, "testimony": testimony_id}


class FlagsBody(BaseModel):
    """The testimony's risk flags (all of them: the list replaces the present one)."""

    model_config = ConfigDict(extra="forbid")
    flags: list[Annotated[str, Field(max_length=16)]] = Field(max_length=3)


@router.put("/{testimony_id}/flags", response_model=FlagsSet)
async def flags_set(
    request: Request, w: WS, who: Writer, testimony_id: RowId, body: FlagsBody
) -> Any:
    """Replace the testimony's risk flags."""
    await run_in_threadpool(service.set_flags, w, who, testimony_id, list(body.flags))
    await run_in_threadpool(
        audit_action, request, w, who, "testimony-flags", f"testimony:{testimony_id}"
    )
    return {"testimony": testimony_id, "flags": service.check_flags(list(body.flags))}


class MemberBody(BaseModel):
    """Whom to put on the testimony's team."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)


@router.post("/{testimony_id}/team", response_model=Done)
async def team_add(
    request: Request, w: WS, who: Writer, testimony_id: RowId, body: MemberBody
) -> Any:
    """Put a user on the testimony's team (its interviewer or a protection lead): they
    may then read it with its risk flags, and the witness's identity."""
    await run_in_threadpool(service.add_member, w, who, testimony_id, body.username)
    await run_in_threadpool(
        audit_action, request, w, who, "testimony-team", f"testimony:{testimony_id}"
    )
    return {"testimony": testimony_id, "done": "team-add"}


@router.post("/{testimony_id}/witness/shred", response_model=Done)
async def witness_shred(request: Request, w: WS, who: Writer, testimony_id: RowId) -> Any:
    """Destroy the witness's identity (crypto-shredding): it never opens again; the
    testimony keeps the witness's code."""
    await run_in_threadpool(service.shred_witness, w, who, testimony_id)
    await run_in_threadpool(
        audit_action, request, w, who, "testimony-witness-shred", f"testimony:{testimony_id}"
    )
    return {"testimony": testimony_id, "done": "witness-shred"}

"""The answers of ``/api/v1/testimony``: the witness by code only, except the identity
answer, which only the testimony's team receives."""

from __future__ import annotations

from pydantic import Field

from civwatch.web.answers import Answer


class TestimonyMade(Answer):
    id: int
    witness: str = Field(description="The witness's pseudonymous code, e.g. W-7K3Q9P")


class TestimonyConsentAnswer(Answer):
    id: int
    purpose: str
    recipient: str | None
    given_on: str
    recorded_by: str | None
    withdrawn_at: str | None


class TestimonyAnswer(Answer):
    id: int
    witness: str
    statement: str
    language: str
    taken_at: str
    taken_place: str | None
    interviewer: str | None
    flags: list[str]
    incidents: list[int]
    attachments: list[str]
    consents: list[TestimonyConsentAnswer]
    team: list[str]
    on_team: bool
    identity_kept: bool
    identity_shredded: bool
    custody_leaf: int


class WitnessIdentity(Answer):
    witness: str
    shredded: bool
    name: str | None = None
    contacts: list[str] | None = None
    birth_date: str | None = None
    residence: str | None = None


class ConsentRecorded(Answer):
    id: int
    testimony: int


class FlagsSet(Answer):
    testimony: int
    flags: list[str]


class Done(Answer):
    testimony: int
    done: str = Field(description="What was done: team-add or witness-shred")

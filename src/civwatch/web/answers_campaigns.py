"""The answer models of ``/api/v1/public/campaigns`` (see :mod:`civwatch.web.answers`).

Public models name only public fields: a supporter's name or e-mail added to an answer by
mistake fails the strict base instead of reaching the public."""

from __future__ import annotations

from pydantic import Field

from civwatch.web.answers import Answer
from civwatch.web.answers_public import PublicIncident


class CampaignTargetShown(Answer):
    """A target as the public sees it (no e-mail)."""

    id: int
    name: str
    country: str = Field(description="ISO 3166-1 alpha-2")


class CampaignLetter(Answer):
    """The letter supporters start from."""

    subject: str
    template: str


class PublicCampaign(Answer):
    """A live or closed campaign: its text, the confirmed count and the linked incidents."""

    id: int
    title: str
    summary: str
    ask: str
    kind: str = Field(description="petition or letter")
    state: str = Field(description="live or closed")
    count: int = Field(description="Confirmed actions, each e-mail address once")
    goal: int | None = Field(description="The count aimed for (none: no goal)")
    progress: float | None = Field(description="count / goal, at most 1 (none: no goal)")
    starts: str | None
    ends: str | None
    languages: list[str]
    incidents: list[PublicIncident] = Field(description="The published incidents it is about")
    letter: CampaignLetter | None
    targets: list[CampaignTargetShown]
    target_countries: list[str]


class ActionReceived(Answer):
    """A signature or letter received: pending until the link mailed to it is followed."""

    campaign: int
    status: str = Field(description="pending")


class Confirmed(Answer):
    """What following a confirmation link did."""

    campaign: int
    outcome: str = Field(description="confirmed, already-confirmed or duplicate")
    count: int


class Deleted(Answer):
    """A supporter's data deleted through their link."""

    campaign: int
    deleted: bool


class Challenge(Answer):
    """A proof of work, asked in bursts: find ``nonce`` so that SHA-256(challenge + nonce)
    starts with ``bits`` zero bits, then send both with the action."""

    challenge: str
    bits: int
    required: bool = Field(description="Whether actions need a proof of work now")

"""Answer models of the protection desk's API (``/api/v1/protection``).

They describe what the desk's services return, field for field (strict: a key a model does
not name fails the tests instead of vanishing). Persons leave out the fields they do not
have: their routes answer with ``EXACT``.
"""

from __future__ import annotations

from pydantic import Field

from civwatch.web.answers import Answer


class CreatedAnswer(Answer):
    """The id of the record made (or acted on)."""

    id: str


class RiskCreatedAnswer(Answer):
    """A new risk assessment: its id and the level likelihood and impact give."""

    id: str
    level: str = Field(description="low, medium, high or critical")


class ReferralCreatedAnswer(Answer):
    """A referral sent: its id."""

    id: str


class FoundAnswer(Answer):
    """The ids of the persons matching a search, among those the caller may read."""

    ids: list[str]


class PersonName(Answer):
    name: str
    kind: str = Field(description="legal, known-as or former")
    script: str = Field(description="cyrillic or latin")


class PersonBirth(Answer):
    date: str | None = None
    year: int | None = None


class PersonDocument(Answer):
    kind: str
    number: str
    expiry: str | None = None


class PersonContact(Answer):
    kind: str = Field(description="phone (E.164), signal, email or other")
    value: str


class PersonLocation(Answer):
    katottg: str | None = None
    oblast: str | None = None
    hromada: str | None = None


class PersonNeeds(Answer):
    codes: list[str] = Field(default_factory=list)
    note: str | None = None


class PersonDependant(Answer):
    name: str
    birth: str | None = None
    relation: str | None = None


class PersonAnswer(Answer):
    """A person at risk, decrypted for the caller (only the fields they have)."""

    id: str
    created_at: str
    risk_level: str | None
    next_review: str | None
    names: list[PersonName] = Field(default_factory=list)
    birth: PersonBirth | None = None
    gender: str | None = None
    citizenship: list[str] = Field(default_factory=list)
    documents: list[PersonDocument] = Field(default_factory=list)
    contacts: list[PersonContact] = Field(default_factory=list)
    location: PersonLocation | None = None
    address: str | None = None
    groups: list[str] = Field(default_factory=list)
    minority: str | None = None
    languages: list[str] = Field(default_factory=list)
    needs: PersonNeeds | None = None
    dependants: list[PersonDependant] = Field(default_factory=list)
    notes: str | None = None


class AssessmentAnswer(Answer):
    """One risk assessment (never overwritten: a new one is a new record)."""

    id: str
    person_id: str
    assessed_at: str
    assessor_id: int
    likelihood: int
    impact: int
    level: str
    next_review: str | None
    threats: list[str] | None
    sources: str | None
    indicators: str | None
    other: str | None


class TeamMember(Answer):
    username: str | None
    role: str = Field(description="lead or member")
    added_at: str | None


class CaseTransition(Answer):
    from_state: str | None
    to_state: str
    actor: str | None
    at: str | None
    reason: str | None


class CaseTask(Answer):
    id: str
    kind: str
    title: str | None
    owner: str | None
    due: str | None
    done_at: str | None


class CaseCheckpoint(Answer):
    id: str
    position: int
    place: str | None
    expected_at: str | None


class CaseCheckin(Answer):
    id: str
    checkpoint_id: str | None
    place: str | None
    note: str | None
    at: str | None
    recorded_by: str | None


class CaseReferral(Answer):
    id: str
    partner_id: str
    fields: list[str]
    state: str
    sent_at: str | None
    sent_by: str | None
    packet_sha256: str


class CaseAlert(Answer):
    id: str
    checkpoint_id: str | None
    kind: str
    raised_at: str | None
    acknowledged_at: str | None


class CaseAnswer(Answer):
    """A case: state, team, timeline of its states, tasks, route, check-ins, referrals,
    alerts."""

    id: str
    person_id: str
    kind: str
    state: str
    opened_at: str | None
    grace_minutes: int
    summary: str | None
    team: list[TeamMember]
    transitions: list[CaseTransition]
    tasks: list[CaseTask]
    checkpoints: list[CaseCheckpoint]
    checkins: list[CaseCheckin]
    referrals: list[CaseReferral]
    alerts: list[CaseAlert]


class DashboardCase(Answer):
    id: str
    person_id: str
    person_name: str | None = Field(description="Only for the caller's own cases")
    kind: str
    state: str
    role: str


class DashboardAlert(Answer):
    id: str
    case_id: str
    checkpoint_id: str | None
    kind: str
    raised_at: str


class DashboardReview(Answer):
    person_id: str
    risk_level: str | None
    next_review: str


class DashboardHelpRequest(Answer):
    id: str
    reference: str


class DashboardCases(Answer):
    count: int
    items: list[DashboardCase]


class DashboardAlerts(Answer):
    count: int
    items: list[DashboardAlert]


class DashboardReviews(Answer):
    count: int
    items: list[DashboardReview]


class DashboardHelpRequests(Answer):
    count: int
    items: list[DashboardHelpRequest]


class DashboardAnswer(Answer):
    """What the caller should act on now: counts, and ids (names only of their cases)."""

    at: str
    cases: DashboardCases
    alerts: DashboardAlerts
    reviews_due: DashboardReviews
    help_requests: DashboardHelpRequests


class AuditEventAnswer(Answer):
    """One read or change of a record, from the protection audit log (ids and field
    names only)."""

    actor: str | None
    at: str
    act: str
    fields: list[str]


class PartnerAnswer(Answer):
    """A partner organisation referrals can go to."""

    id: str
    name: str
    country: str | None
    age_recipient: str
    contact: str | None
    active: bool
    added_at: str


class DeskStateAnswer(Answer):
    """Whether the desk is set up and locked (nothing secret)."""

    initialised: bool
    locked: bool
    kdf: str | None
    key_held: bool
    opens_here: bool = Field(
        default=False,
        description="whether the process that answered can open the desk (holds its key, "
        "or its settings name the passphrase or key file)",
    )
    changed_at: str | None = None


class PersonCaseAnswer(Answer):
    """One case of a person: the caller's role on it (None when not on its team)."""

    id: str
    person_id: str
    kind: str
    state: str
    role: str | None = Field(description="lead, member, or null when not on its team")
    opened_at: str | None


class DuplicateAnswer(Answer):
    """Another record that may be the same person: its id and what matched only."""

    id: str
    matched: list[str] = Field(description="phone, document, name, phonetic")


class AccessGrantAnswer(Answer):
    """A request for emergency access."""

    id: str
    person_id: str
    requested_by: str | None
    requested_at: str
    state: str = Field(description="pending, approved, expired, refused or ended")
    approved_by: str | None
    expires_at: str | None
    reason: str | None = Field(description="For protection leads deciding; null otherwise")


class AccessRequestsAnswer(Answer):
    """The caller's requests, and for a lead those to decide or in force."""

    mine: list[AccessGrantAnswer]
    to_decide: list[AccessGrantAnswer]


class HelpRequestListed(Answer):
    """A request for help waiting to be handled: its reference and times only."""

    id: str
    reference: str
    received_at: str
    language: str
    state: str = Field(description="new or opened")
    person_id: str | None


class HelpRequestAnswer(HelpRequestListed):
    """A request for help, decrypted (the read is recorded)."""

    about: str | None = None
    needs: str | None = None
    contact: str | None = None
    location: str | None = None
    on_behalf: bool | None = None

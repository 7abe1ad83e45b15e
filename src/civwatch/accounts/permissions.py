"""The permission table: the one place that says which role may do what.

Every web route and every command that acts as a user declares one :class:`Permission`,
and every authorisation decision of the domain code asks this table for one (through
:func:`civwatch.accounts.service.require` or :func:`allows`); no other module names a
role. A test walks every route with every role, another every acting command, and checks
the answers against :data:`PERMISSIONS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from civwatch.accounts.roles import (
    ADMIN,
    INVESTIGATOR,
    PROTECTION_LEAD,
    PROTECTION_OFFICER,
    PUBLISHER,
    RELIEF_APPROVER,
    RELIEF_FINANCE,
    ROLES,
    SHELTER_COORDINATOR,
    VERIFIER,
)

ALL_ROLES = frozenset(ROLES)


class Permission(StrEnum):
    """An act a route performs."""

    #: Anyone, signed in or not (sign-in page, API schema).
    PUBLIC = "public"
    #: Any signed-in user, whatever their roles (own profile, own API tokens, sign-out).
    SIGNED_IN = "signed-in"
    EVIDENCE_READ = "evidence.read"
    EVIDENCE_DOWNLOAD = "evidence.download"
    EVIDENCE_UPLOAD = "evidence.upload"
    CUSTODY_READ = "custody.read"
    INCIDENTS_READ = "incidents.read"
    #: Create and edit incidents, link evidence, add verification records, propose outcomes.
    INCIDENTS_WRITE = "incidents.write"
    #: The second person's sign-off: approve or reject a proposed verification outcome.
    REVIEW = "review"
    #: See (and add to) the witnesses and internal notes of an incident waiting for review
    #: without being on its team: the second person checks the work behind the proposal.
    #: The team itself needs only incidents.write (see civwatch.incidents.team).
    INTERNAL_REVIEW = "incidents.internal.review"
    #: Publish a verified incident, correct or withdraw a published one.
    PUBLISH = "publish"
    #: Download court-ready evidence packages and internal exports.
    EXPORT = "export"
    #: Vocabulary terms and protected-place imports.
    REFERENCE_MANAGE = "reference.manage"
    USERS_MANAGE = "users.manage"
    AUDIT_READ = "audit.read"
    #: The protection desk's pages and API at all (need to know decides which records:
    #: see civwatch.protection.access).
    PROTECTION_READ = "protection.read"
    #: Add people at risk, cases, risk assessments, check-ins, referrals.
    PROTECTION_WRITE = "protection.write"
    #: Every record of the desk, duplicates, emergency access approval, consent overrides,
    #: deleting a person, the partner registry.
    PROTECTION_LEAD = "protection.lead"
    #: Lock the desk at once (a laptop seized, an account compromised).
    PROTECTION_LOCK = "protection.lock"
    PROTECTION_UNLOCK = "protection.unlock"
    #: Import shelters, confirm or dismiss the public's reports, see a shelter's internal
    #: fields (who holds the key, their contact), edit a shelter.
    SHELTERS_COORDINATE = "shelters.coordinate"
    #: Read field testimony (statements under the witness's code; one with risk flags only
    #: on its team: see civwatch.intake.testimony). The witness's identity: its team only.
    TESTIMONY_READ = "testimony.read"
    #: Take testimony, record consent and risk flags.
    TESTIMONY_WRITE = "testimony.write"
    #: See the relief fund's funds, grants and queues (a requester: the grants of the cases
    #: they may read; see civwatch.relief.queues).
    RELIEF_READ = "relief.read"
    #: Ask the relief fund for a grant for a protection case (its team's officers).
    RELIEF_REQUEST = "relief.request"
    #: Record a vetting check of a grant (identity, risk, duplicates, sanctions, conflict).
    RELIEF_VET = "relief.vet"
    #: Approve a grant (never one the approver requested, released or paid).
    RELIEF_APPROVE = "relief.approve"
    #: Funds, deposits, releases, payments, refunds, cancellations, the ledger, reports.
    RELIEF_FINANCE = "relief.finance"
    #: Draft campaigns (text, incidents, targets), see the team's list, make the delivery
    #: document (counts by country, names where supporters agreed), purge supporters' data.
    #: Making a campaign live or closing it is PUBLISH.
    CAMPAIGNS_WRITE = "campaigns.write"


#: Roles holding each permission (PUBLIC and SIGNED_IN are checked without roles).
PERMISSIONS: dict[Permission, frozenset[str]] = {
    Permission.PUBLIC: ALL_ROLES,
    Permission.SIGNED_IN: ALL_ROLES,
    Permission.EVIDENCE_READ: ALL_ROLES,
    Permission.EVIDENCE_DOWNLOAD: frozenset({ADMIN, INVESTIGATOR, VERIFIER, PUBLISHER}),
    Permission.EVIDENCE_UPLOAD: frozenset({INVESTIGATOR}),
    Permission.CUSTODY_READ: ALL_ROLES,
    Permission.INCIDENTS_READ: ALL_ROLES,
    Permission.INCIDENTS_WRITE: frozenset({INVESTIGATOR, VERIFIER}),
    Permission.REVIEW: frozenset({VERIFIER}),
    Permission.INTERNAL_REVIEW: frozenset({VERIFIER}),
    Permission.PUBLISH: frozenset({PUBLISHER}),
    Permission.EXPORT: frozenset({INVESTIGATOR, VERIFIER, PUBLISHER}),
    Permission.REFERENCE_MANAGE: frozenset({ADMIN}),
    Permission.USERS_MANAGE: frozenset({ADMIN}),
    Permission.AUDIT_READ: frozenset({ADMIN}),
    Permission.PROTECTION_READ: frozenset({PROTECTION_OFFICER, PROTECTION_LEAD}),
    Permission.PROTECTION_WRITE: frozenset({PROTECTION_OFFICER, PROTECTION_LEAD}),
    Permission.PROTECTION_LEAD: frozenset({PROTECTION_LEAD}),
    Permission.PROTECTION_LOCK: frozenset({PROTECTION_LEAD, ADMIN}),
    Permission.PROTECTION_UNLOCK: frozenset({PROTECTION_LEAD}),
    Permission.SHELTERS_COORDINATE: frozenset({SHELTER_COORDINATOR, ADMIN}),
    Permission.TESTIMONY_READ: frozenset(
        {INVESTIGATOR, VERIFIER, PROTECTION_OFFICER, PROTECTION_LEAD}
    ),
    Permission.TESTIMONY_WRITE: frozenset({INVESTIGATOR, PROTECTION_OFFICER, PROTECTION_LEAD}),
    Permission.RELIEF_READ: frozenset(
        {PROTECTION_OFFICER, PROTECTION_LEAD, RELIEF_APPROVER, RELIEF_FINANCE}
    ),
    Permission.RELIEF_REQUEST: frozenset({PROTECTION_OFFICER, PROTECTION_LEAD}),
    Permission.RELIEF_VET: frozenset({PROTECTION_OFFICER, PROTECTION_LEAD, RELIEF_APPROVER}),
    Permission.RELIEF_APPROVE: frozenset({RELIEF_APPROVER}),
    Permission.RELIEF_FINANCE: frozenset({RELIEF_FINANCE}),
    Permission.CAMPAIGNS_WRITE: frozenset({INVESTIGATOR, VERIFIER, PUBLISHER}),
}

#: Roles that must sign in with a second factor (TOTP).
TOTP_REQUIRED_ROLES = frozenset(
    {ADMIN, PROTECTION_OFFICER, PROTECTION_LEAD, RELIEF_APPROVER, RELIEF_FINANCE}
)

#: Roles whose browser sessions and API tokens locking the protection desk revokes.
PROTECTION_ROLES = frozenset({PROTECTION_OFFICER, PROTECTION_LEAD})


def allows(roles: Iterable[str], permission: Permission) -> bool:
    """Whether a holder of ``roles`` may do what ``permission`` names."""
    return bool(PERMISSIONS[permission] & set(roles))


def holders(*permissions: Permission) -> list[str]:
    """The roles that allow any of ``permissions``, sorted (for messages)."""
    found: set[str] = set()
    for permission in permissions:
        found |= PERMISSIONS[permission]
    return sorted(found)

"""The roles a user can hold, and what each is for.

This module and :mod:`civwatch.accounts.permissions` are the only places in the code that
name a role: everything else asks the permission table for a
:class:`~civwatch.accounts.permissions.Permission` (a test fails on a role name written
anywhere else).
"""

from __future__ import annotations

from typing import Final, Literal

from civwatch.i18n.messages import N_

Role = Literal[
    "admin",
    "investigator",
    "verifier",
    "publisher",
    "protection_officer",
    "protection_lead",
    "shelter_coordinator",
    "relief_approver",
    "relief_finance",
    "viewer",
]

ADMIN: Final = "admin"
INVESTIGATOR: Final = "investigator"
VERIFIER: Final = "verifier"
PUBLISHER: Final = "publisher"
PROTECTION_OFFICER: Final = "protection_officer"
PROTECTION_LEAD: Final = "protection_lead"
SHELTER_COORDINATOR: Final = "shelter_coordinator"
RELIEF_APPROVER: Final = "relief_approver"
RELIEF_FINANCE: Final = "relief_finance"
VIEWER: Final = "viewer"

#: Every role, with the acts it allows.
ROLES: dict[str, str] = {
    ADMIN: "add and disable users, extend the vocabularies",
    INVESTIGATOR: "create incidents, link evidence, write verification records, propose statuses",
    VERIFIER: "write verification records and review (approve or reject) other people's work",
    PUBLISHER: "make verified incidents public",
    PROTECTION_OFFICER: "register people at risk and work on the protection cases of their team",
    PROTECTION_LEAD: "lead the protection desk: every record of it, duplicates, emergency "
    "access, consent overrides, deletions, partners, locking and unlocking the desk",
    SHELTER_COORDINATOR: "import shelters, confirm or dismiss the public's reports on them, "
    "see who holds a shelter's key",
    RELIEF_APPROVER: "vet and approve relief grants (never one they requested, released or paid)",
    RELIEF_FINANCE: "keep the relief fund's books: funds, deposits, releases, payments, "
    "refunds, the ledger and donor reports",
    VIEWER: "read",
}

#: A role's name as the pages show it, marked for the catalogues.
ROLE_LABELS: dict[str, str] = {
    ADMIN: N_("admin"),
    INVESTIGATOR: N_("investigator"),
    VERIFIER: N_("verifier"),
    PUBLISHER: N_("publisher"),
    PROTECTION_OFFICER: N_("protection officer"),
    PROTECTION_LEAD: N_("protection lead"),
    SHELTER_COORDINATOR: N_("shelter coordinator"),
    RELIEF_APPROVER: N_("relief approver"),
    RELIEF_FINANCE: N_("relief finance"),
    VIEWER: N_("viewer"),
}

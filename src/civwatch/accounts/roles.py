"""The roles a user can hold, and what each is for."""

from __future__ import annotations

from typing import Literal

Role = Literal["admin", "investigator", "verifier", "publisher", "protection_officer", "viewer"]

#: Every role, with the acts it allows.
ROLES: dict[str, str] = {
    "admin": "add and disable users, extend the vocabularies",
    "investigator": "create incidents, link evidence, write verification records, propose statuses",
    "verifier": "write verification records and review (approve or reject) other people's work",
    "publisher": "make verified incidents public",
    "protection_officer": "work on protection cases (another part of civwatch)",
    "viewer": "read",
}

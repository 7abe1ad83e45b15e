"""Ids of the protection desk's records: a prefix naming the kind of record and 128
random bits (url-safe), e.g. ``per_Xq3...``. Nothing in an id tells anything of a person
or of when the record was made."""

from __future__ import annotations

import secrets

#: The prefix of each kind of record.
PREFIXES = frozenset(
    {"per", "case", "ra", "task", "cp", "ci", "ref", "prt", "hr", "grant", "con", "ovr", "tr", "al"}
)


def new_id(prefix: str) -> str:
    """A new random id of the kind ``prefix`` (one of :data:`PREFIXES`)."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    return f"{prefix}_{secrets.token_urlsafe(16)}"

"""Passwords: argon2id hashes, a minimal policy, and generated passwords; and the SHA-256
kept of the random secrets handed to clients (session ids, API tokens, device cookies)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from civwatch.errors import RejectedInputError
from civwatch.i18n import _, ngettext

MIN_LENGTH = 12
MAX_LENGTH = 1024
#: argon2id with the RFC 9106 "low memory" parameters (64 MiB, 3 passes).
_HASHER = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)
#: Verified against when the user is unknown, so timing does not tell who exists. A
#: constant made once with ``_HASHER`` (same parameters, so verifying costs the same as a
#: real user's): hashing it at import cost every process half a second of argon2.
#: tests/accounts/test_auth.py checks it still fits ``_HASHER``'s parameters.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$TTX2f1T8R6pz4CgHb70H2A"
    "$cOsOWYaPZ/11V35pcnnBXWi3zaJugoZ2oVcVMqnYEIM"
)


def check_policy(password: str) -> str:
    """The password if acceptable, else a :class:`RejectedInputError` saying why."""
    if len(password) < MIN_LENGTH:
        raise RejectedInputError(
            ngettext(
                "A password needs at least %(num)s character.",
                "A password needs at least %(num)s characters.",
                MIN_LENGTH,
            )
        )
    if len(password) > MAX_LENGTH:
        raise RejectedInputError(
            ngettext(
                "A password is at most %(num)s character.",
                "A password is at most %(num)s characters.",
                MAX_LENGTH,
            )
        )
    if password.strip() != password or not password.strip():
        raise RejectedInputError(_("A password may not start or end with spaces."))
    return password


def hash_password(password: str) -> str:
    """The argon2id PHC string for ``password`` (checked against the policy)."""
    return _HASHER.hash(check_policy(password))


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant work when ``stored`` is None)."""
    try:
        return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)


def generate_password() -> str:
    """A random password of 20 URL-safe characters (about 120 bits)."""
    return secrets.token_urlsafe(15)


def secret_digest(value: str) -> str:
    """What the database keeps of a random secret given to a client: its SHA-256 (hex).

    The secrets are 256-bit random values, so a fast hash suffices: a copy of the database
    lets nobody sign in."""
    return hashlib.sha256(value.encode()).hexdigest()

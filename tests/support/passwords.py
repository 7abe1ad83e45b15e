"""Real argon2id, paid once per password: the tests' password hasher.

civwatch hashes passwords with argon2id at 64 MiB and 3 passes (about half a second on the
loaded CI machine). The web team fixture sets two passwords and most web tests sign in, so
the suite spent minutes hashing the same test password again and again. In the tests, the
hasher remembers: the first hash of a password is computed for real and handed out again
for that password (the PHC string is valid, with the shipped parameters and a real random
salt), and a verification already made of a (hash, password) pair gives the same answer
(or raises the same error) without recomputing it. Every hash and verification is still a
real argon2id one: nothing accepts a password the real hasher would refuse.

Tests that need the real cost or fresh salts (timing comparisons, the hasher's own tests)
are marked ``real_password_hashing`` and get the shipped hasher.
"""

from __future__ import annotations

from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MARKER = "real_password_hashing"


class RememberingHasher(PasswordHasher):
    """A :class:`PasswordHasher` with the same parameters as ``real`` that computes each
    hash and each verification once per test process."""

    def __init__(self, real: PasswordHasher) -> None:
        super().__init__(
            time_cost=real.time_cost,
            memory_cost=real.memory_cost,
            parallelism=real.parallelism,
            hash_len=real.hash_len,
            salt_len=real.salt_len,
            encoding=real.encoding,
            type=real.type,
        )
        self._hashes: dict[str | bytes, str] = {}
        self._verified: dict[tuple[str | bytes, str | bytes], Exception | None] = {}

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        if salt is not None:
            return super().hash(password, salt=salt)
        if password not in self._hashes:
            self._hashes[password] = super().hash(password)
        return self._hashes[password]

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        key = (hash, password)
        if key not in self._verified:
            try:
                super().verify(hash, password)
                self._verified[key] = None
            except (VerificationError, InvalidHashError) as refused:
                self._verified[key] = refused
        refused = self._verified[key]
        if refused is not None:
            raise type(refused)(*refused.args)
        return True

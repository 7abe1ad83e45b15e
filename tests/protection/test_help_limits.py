"""The request-for-help form's reference and its per-address rate limit."""

from __future__ import annotations

import gc
import re

import pytest

from civwatch.errors import RejectedInputError, TooManyAttemptsError
from civwatch.protection.help_limits import (
    REFERENCE_ALPHABET,
    AddressLimiter,
    new_reference,
    normalise_reference,
)

AMBIGUOUS = set("01ILOU")


def test_references_are_quotable_and_distinct() -> None:
    made = {new_reference() for _ in range(5000)}
    assert len(made) == 5000
    for reference in made:
        assert re.fullmatch(r"HR-[A-Z0-9]{4}-[A-Z0-9]{4}", reference)
        assert not AMBIGUOUS & set(reference[3:]), reference
    assert not AMBIGUOUS & set(REFERENCE_ALPHABET)


def test_a_reference_is_understood_however_it_is_quoted() -> None:
    reference = new_reference()
    bare = reference.replace("-", "")
    assert normalise_reference(bare.lower()) == reference
    assert normalise_reference(" " + reference[3:].replace("-", " ") + " ") == reference
    for wrong in ("HR-0000-0000", "HR-ABCD", "hello", ""):
        with pytest.raises(RejectedInputError, match="HR-7Q2K-9XPD"):
            normalise_reference(wrong)


def test_the_sixth_request_in_a_minute_from_one_address_is_refused() -> None:
    limiter = AddressLimiter(limit=5, window=60)
    for n in range(5):
        limiter.check("203.0.113.7", now=100.0 + n)
    with pytest.raises(TooManyAttemptsError, match="try again in 56 seconds"):
        limiter.check("203.0.113.7", now=104.5)
    limiter.check("198.51.100.2", now=104.5)  # another address is not held back
    limiter.check("203.0.113.7", now=160.5)  # the window slid past the first request
    limiter.check(None, now=104.5)  # unknown address: not limited here


def test_the_limiter_keeps_no_address() -> None:
    limiter = AddressLimiter()
    address = "203.0.113.77"
    limiter.check(address)
    held = repr(vars(limiter)).encode() + b"".join(tag for tag in limiter._seen)
    assert address.encode() not in held
    assert all(address not in repr(o) for o in gc.get_referents(limiter._seen))

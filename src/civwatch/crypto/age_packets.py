"""Packets in the age format (https://age-encryption.org/v1), through ``pyrage``.

Used where the reader is not civwatch's desk key: a referral is encrypted to the partner
organisation's public key (only the partner can open it), a request for help to the desk's
own age recipient the moment it arrives (readable once the desk is unlocked and the desk's
age identity unwrapped). Only native X25519 keys are accepted (``age1...`` recipients,
``AGE-SECRET-KEY-1...`` identities): no SSH keys, no plugins, no passphrases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

import pyrage
from pyrage import x25519

from civwatch.errors import DecryptionError, InvalidRecipientError
from civwatch.i18n import _

#: How every public key here begins (X25519 recipients; post-quantum ones are "age1pq1").
RECIPIENT_PREFIX = "age1"


def new_identity() -> tuple[str, str]:
    """A new X25519 key pair: ``(secret, public)``, the secret ``AGE-SECRET-KEY-1...``
    (keep it wrapped: it opens every packet sent to the public ``age1...`` one)."""
    identity = x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def _recipient(public: str) -> x25519.Recipient:
    text = public.strip() if isinstance(public, str) else ""
    if text.lower().startswith(RECIPIENT_PREFIX):
        try:
            return x25519.Recipient.from_str(text)
        except (pyrage.RecipientError, ValueError):
            pass
    raise InvalidRecipientError(
        _(
            "This is not an age public key: it begins with age1 and is 62 characters long "
            "(ask the partner for the output of age-keygen -y)."
        )
    )


def check_recipient(public: str) -> str:
    """``public`` as a checked age X25519 recipient (surrounding spaces removed, lower
    case); :class:`~civwatch.errors.InvalidRecipientError` when it is not one."""
    return str(_recipient(public))


def encrypt(data: bytes, recipients: Sequence[str]) -> bytes:
    """``data`` encrypted to every one of ``recipients`` (binary age format): any one of
    their identities opens it."""
    if not recipients:
        raise InvalidRecipientError(_("A packet needs at least one age public key to go to."))
    keys = [_recipient(public) for public in recipients]
    return pyrage.encrypt(data, keys)


def _unopenable() -> NoReturn:
    raise DecryptionError(
        _("The encrypted packet could not be opened: it was altered or is not for this key.")
    ) from None


def decrypt(data: bytes, identity: str) -> bytes:
    """The plaintext of an age packet for ``identity`` (an ``AGE-SECRET-KEY-1...``);
    :class:`~civwatch.errors.DecryptionError` when the packet is altered, truncated, or
    not for this identity. The message carries neither the key nor the data."""
    try:
        key = x25519.Identity.from_str(identity.strip())
    except (pyrage.IdentityError, ValueError, AttributeError):
        _unopenable()
    if not isinstance(data, bytes):
        _unopenable()
    try:
        return pyrage.decrypt(data, [key])
    except (pyrage.DecryptError, ValueError):
        _unopenable()

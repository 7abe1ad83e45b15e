"""The campaigns' key and what is made with it: each action's sealed fields, the e-mail's
blind index and the signed links mailed to supporters.

One random key (``Settings.resolved_campaign_key_file``, mode 0600, created on first use)
is needed by the server itself: a confirmation is sent and a letter delivered without
anyone unlocking anything, so it cannot be the protection desk's key. Each action gets its
own data key, wrapped by this key (:class:`~civwatch.crypto.envelope.DeskKey`); destroying
the wrapped key shreds the action.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from civwatch.config import Settings
from civwatch.crypto import envelope
from civwatch.crypto.desk_key import create_key_file, read_key_file
from civwatch.crypto.envelope import DeskKey
from civwatch.errors import RejectedInputError
from civwatch.i18n import _

_KEYS: dict[Path, DeskKey] = {}
_LOCK = threading.Lock()

#: What a link's token says it is for.
CONFIRM, DELETE = "confirm", "delete"


def campaign_key(settings: Settings) -> DeskKey:
    """The campaigns' key (read once per process; created when missing)."""
    path = settings.resolved_campaign_key_file
    with _LOCK:
        key = _KEYS.get(path)
        if key is None:
            if not path.exists():
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                key = create_key_file(path)
            else:
                key = read_key_file(path)
            _KEYS[path] = key
        return key


def email_index(settings: Settings, email: str) -> str:
    """The keyed blind index of an e-mail address (case-folded, trimmed): equal for the
    same address however it is typed, unguessable without the key."""
    key = campaign_key(settings).subkey("campaign-email-index")
    value = email.strip().casefold().encode()
    return hmac.new(key, value, hashlib.sha256).hexdigest()


def _record(action_id: int) -> str:
    return f"campaign_action:{action_id}"


def seal_action(settings: Settings, action_id: int, fields: dict[str, Any]) -> tuple[bytes, bytes]:
    """A new data key for the action, wrapped, and ``fields`` sealed with it:
    ``(wrapped_key, sealed)``."""
    key = campaign_key(settings)
    data_key = envelope.new_data_key()
    wrapped = key.wrap(data_key, owner=_record(action_id))
    sealed = envelope.seal_json(data_key, fields, record=_record(action_id), field="supporter")
    return wrapped, sealed


def open_action(
    settings: Settings, action_id: int, wrapped: bytes, sealed: bytes
) -> dict[str, Any]:
    """The fields sealed by :func:`seal_action`."""
    key = campaign_key(settings)
    data_key = key.unwrap(wrapped, owner=_record(action_id))
    opened = envelope.unseal_json(data_key, sealed, record=_record(action_id), field="supporter")
    return dict(opened)


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    secret = campaign_key(settings).subkey("campaign-link").hex()
    return URLSafeTimedSerializer(secret, salt=f"civwatch-campaign-{purpose}")


def make_token(settings: Settings, purpose: str, action_id: int) -> str:
    """A signed token for ``purpose`` (:data:`CONFIRM` or :data:`DELETE`) of one action."""
    return str(_serializer(settings, purpose).dumps(action_id))


def read_token(settings: Settings, purpose: str, token: str, *, max_age_s: int | None) -> int:
    """The action id a token signed for ``purpose`` names; refused when forged, altered or
    older than ``max_age_s`` seconds."""
    try:
        value = _serializer(settings, purpose).loads(token, max_age=max_age_s)
    except SignatureExpired:
        raise RejectedInputError(
            _("This link has expired: take part again to get a new one.")
        ) from None
    except BadSignature:
        raise RejectedInputError(_("This link is not valid.")) from None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RejectedInputError(_("This link is not valid."))
    return value

"""The signed offline bundle of one hromada's shelters (``/shelters/bundle/{katottg}.json``).

The bundle is the text of a JSON document (``signed``) and an Ed25519 signature over
``BUNDLE_PREFIX + signed`` (UTF-8) made with the workspace's signing key, the key whose
public half ``/api/v1/custody/head`` publishes. Signing the exact text (rather than a
re-serialised object) lets any program check it without agreeing on a canonical JSON; the
first line keeps a bundle signature from ever passing for a tree head's (those begin
``civwatch-custody-tree-head-v1``). docs/shelters.md shows the check in a few lines of
Python.

What a bundle holds is the public record of each shelter (``public_shelter``) and its shown
status when the bundle was made: never the internal fields.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any, Final

from civwatch.custody.signing import key_fingerprint, public_key_bytes
from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.shelters.registry import hromadas, public_shelter, shelters_in
from civwatch.shelters.status import shown_status
from civwatch.workspace import Workspace

BUNDLE_FORMAT: Final = "civwatch-shelters-bundle-v1"
#: The first line of what a bundle signature covers.
BUNDLE_PREFIX: Final = (BUNDLE_FORMAT + "\n").encode("ascii")
#: A KATOTTG code: "UA" and 17 digits.
KATOTTG: Final = re.compile(r"^UA[0-9]{17}$")


def check_katottg(code: str) -> str:
    """A KATOTTG code as given, or a clear refusal."""
    if not KATOTTG.match(code):
        raise RejectedInputError(
            _(
                "%(code)s is not a KATOTTG code: a hromada's code is UA followed by 17 digits.",
                code=repr(code[:40]),
            )
        )
    return code


def bundle_payload(ws: Workspace, katottg: str, now: datetime | None = None) -> dict[str, Any]:
    """What a bundle says: the hromada, when, and each shelter's public record and status."""
    at = now or datetime.now(UTC)
    check_katottg(katottg)
    with ws.sessions() as session:
        names = dict(hromadas(session))
        shelters = []
        for view in shelters_in(session, [katottg]):
            public = public_shelter(view)
            status = shown_status(session, str(public["id"]), at)
            shelters.append(
                {
                    **public,
                    "status": status.code,
                    "status_at": status.at.isoformat() if status.at else None,
                    "confirmations": status.confirmations,
                    "status_basis": status.basis,
                }
            )
    return {
        "format": BUNDLE_FORMAT,
        "katottg": katottg,
        "hromada": names.get(katottg),
        "generated_at": at.isoformat(),
        "shelters": shelters,
    }


def signing_key(ws: Workspace) -> dict[str, str]:
    """The public key bundles are signed with (base64) and its fingerprint."""
    public = public_key_bytes(ws.signing_key)
    return {
        "public_key": base64.b64encode(public).decode("ascii"),
        "key_fingerprint": key_fingerprint(public),
    }


def signed_bundle(ws: Workspace, katottg: str, now: datetime | None = None) -> dict[str, Any]:
    """The bundle as served: the signed text, its signature and the key that made it."""
    text = json.dumps(
        bundle_payload(ws, katottg, now), ensure_ascii=False, sort_keys=True, default=str
    )
    signature = ws.signing_key.sign(BUNDLE_PREFIX + text.encode("utf-8"))
    return {
        "format": BUNDLE_FORMAT,
        "signed": text,
        "signature": base64.b64encode(signature).decode("ascii"),
        **signing_key(ws),
    }

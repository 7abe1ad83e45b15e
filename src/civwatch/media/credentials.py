"""C2PA Content Credentials: who signed the file, with what tool, and does it verify.

Reading uses ``c2pa-python`` (the C2PA reference implementation). It is only
called where a manifest can exist, so ingest of ordinary photos stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import c2pa

#: Formats in which exiftool reports a JUMBF block when one is present: for these a
#: C2PA read is only attempted when exiftool saw one.
EXIFTOOL_SEES_JUMBF = frozenset({"image/jpeg", "image/png"})

#: Formats c2pa-python reads (also checked against the library at run time).
C2PA_FORMATS = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/tiff",
        "image/heic",
        "image/heif",
        "image/avif",
        "image/gif",
        "image/dng",
        "image/x-adobe-dng",
        "image/svg+xml",
        "image/jxl",
        "video/mp4",
        "video/quicktime",
        "video/x-m4v",
        "video/avi",
        "video/x-msvideo",
        "audio/mp4",
        "audio/mpeg",
        "audio/wav",
        "audio/x-wav",
        "audio/flac",
        "application/pdf",
        "application/mp4",
    }
)


def may_hold_manifest(media_type: str, exiftool_raw: Mapping[str, Any]) -> bool:
    """Whether reading Content Credentials is worth it for this file."""
    if media_type in EXIFTOOL_SEES_JUMBF:
        return any(key.startswith(("JUMBF:", "C2PA:")) for key in exiftool_raw)
    if media_type in C2PA_FORMATS:
        return True
    return any(key.startswith(("JUMBF:", "C2PA:")) for key in exiftool_raw)


def read_credentials(path: Path, media_type: str) -> dict[str, Any] | None:
    """A summary of the file's C2PA manifest store, or ``None`` when it has none.

    The summary: ``state`` (``valid``, ``trusted`` or ``invalid``), ``status_codes``
    (the failure codes, e.g. ``assertion.dataHash.mismatch``), ``signer`` (common
    name of the signing certificate), ``issuer``, ``claim_generator``, ``title``,
    ``manifest_count``, and ``error`` when the manifest could not be read at all.
    """
    try:
        with path.open("rb") as stream, c2pa.Reader(media_type, stream) as reader:
            store = json.loads(reader.json())
    except c2pa.C2paError.ManifestNotFound:
        return None
    except c2pa.C2paError.NotSupported:
        return None
    except (c2pa.C2paError, ValueError) as exc:
        return {
            "state": "invalid",
            "status_codes": [type(exc).__name__.lstrip("_").removeprefix("C2pa")],
            "signer": None,
            "issuer": None,
            "claim_generator": None,
            "title": None,
            "manifest_count": 0,
            "error": str(exc) or type(exc).__name__,
        }
    return summarise_store(store)


def summarise_store(store: Mapping[str, Any]) -> dict[str, Any]:
    """The summary of a manifest store as returned by ``c2pa.Reader.json()``."""
    manifests = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest") or "", {})
    signature = active.get("signature_info") or {}
    state = str(store.get("validation_state") or "").lower()
    failures = [
        item.get("code")
        for item in (store.get("validation_status") or [])
        if isinstance(item, Mapping) and item.get("code")
    ]
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    for item in results.get("failure") or []:
        code = item.get("code") if isinstance(item, Mapping) else None
        if code and code not in failures:
            failures.append(code)
    if not state:
        untrusted_only = all(code == "signingCredential.untrusted" for code in failures)
        state = "valid" if untrusted_only else "invalid"
    return {
        "state": state,
        "status_codes": failures,
        "signer": signature.get("common_name"),
        "issuer": signature.get("issuer"),
        "claim_generator": _generator(active),
        "title": active.get("title"),
        "manifest_count": len(manifests),
        "error": None,
    }


def _generator(manifest: Mapping[str, Any]) -> str | None:
    infos = manifest.get("claim_generator_info")
    if isinstance(infos, list) and infos and isinstance(infos[0], Mapping):
        name = infos[0].get("name")
        version = infos[0].get("version")
        if name:
            return f"{name} {version}" if version else str(name)
    generator = manifest.get("claim_generator")
    return str(generator) if generator else None

"""Serving an original for download without letting it act in the browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol
from urllib.parse import quote

from starlette.responses import StreamingResponse

from civwatch.workspace import Workspace

#: Types sent as themselves; anything else (HTML, SVG, scripts, unknown) as octet-stream.
PASSED_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
    "image/tiff",
    "video/",
    "audio/",
    "application/pdf",
)
MEDIA_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
CHUNK = 256 * 1024


class Download(Protocol):
    """A stored file offered for download (an evidence item or a redacted copy)."""

    @property
    def sha256(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def media_type(self) -> str: ...
    @property
    def original_name(self) -> str: ...


def download_type(media_type: str) -> str:
    return media_type if media_type.startswith(PASSED_TYPES) else "application/octet-stream"


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the full UTF-8 name (RFC 6266)."""
    fallback = (
        "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name)[
            :150
        ]
        or "evidence"
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def media_response(ws: Workspace, item: Download) -> StreamingResponse:
    def chunks() -> Iterator[bytes]:
        with ws.vault.open(item.sha256) as f:
            while block := f.read(CHUNK):
                yield block

    return StreamingResponse(
        chunks(),
        media_type=download_type(item.media_type),
        headers={
            "Content-Disposition": content_disposition(item.original_name),
            "Content-Length": str(item.size),
            "Content-Security-Policy": MEDIA_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )

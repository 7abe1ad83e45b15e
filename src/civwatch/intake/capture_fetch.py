"""One HTTP exchange of a web capture, made by civwatch itself to a pinned address.

The browser never touches the network during a capture: every request it makes is
intercepted (:mod:`civwatch.intake.capture_browser`), checked by the address policy, and
made here, to the IP address the policy checked, with the host name kept for the
``Host`` header and for TLS (SNI and certificate checks). Redirects are not followed here:
the browser receives the 3xx answer and asks for its ``Location``, which is checked again.
The bytes are kept as they came (after de-chunking) for the web archive; the browser gets
them decoded.
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import ssl
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from civwatch.i18n import Message, _
from civwatch.intake.capture_ssrf import PinnedTarget

#: Request headers never passed on from the browser (hop-by-hop, or set here).
_DROPPED_REQUEST = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "accept-encoding",
        "content-length",
    }
)
#: Response headers not handed to the browser with a decoded body.
_DROPPED_RESPONSE = frozenset({"transfer-encoding", "content-encoding", "content-length"})
CHUNK = 64 * 1024


class FetchError(Exception):
    """A request that could not be completed; ``message`` says why, for the user."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass
class Exchange:
    """A request and its answer, as sent and received."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes | None
    address: str
    status: int
    reason: str
    http_version: str
    headers: list[tuple[str, str]]
    #: The body as received (content coding kept): what the web archive holds.
    raw_body: bytes
    #: The TLS certificate's SHA-256 (hex) for https, else None.
    certificate_sha256: str | None = None
    started: float = field(default_factory=time.time)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    @property
    def media_type(self) -> str:
        value = self.header("content-type") or ""
        return value.split(";")[0].strip().lower()

    def browser_body(self) -> bytes:
        """The body decoded for the browser (gzip and deflate content codings undone;
        an unknown coding is passed on as it is)."""
        coding = (self.header("content-encoding") or "").strip().lower()
        if coding in {"gzip", "x-gzip"}:
            return zlib.decompress(self.raw_body, 16 + zlib.MAX_WBITS)
        if coding == "deflate":
            try:
                return zlib.decompress(self.raw_body)
            except zlib.error:
                return zlib.decompress(self.raw_body, -zlib.MAX_WBITS)
        return self.raw_body

    def browser_headers(self) -> dict[str, str]:
        coding = (self.header("content-encoding") or "").strip().lower()
        decoded = coding in {"gzip", "x-gzip", "deflate"}
        shown: dict[str, str] = {}
        for k, v in self.headers:
            lowered = k.lower()
            if lowered == "transfer-encoding" or (decoded and lowered in _DROPPED_RESPONSE):
                continue
            shown[lowered] = f"{shown[lowered]}, {v}" if lowered in shown else v
        return shown


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: PinnedTarget, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.pinned = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.pinned, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: PinnedTarget, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=_TLS)
        self.pinned = target.address
        #: The server's certificate (DER), read as soon as the handshake is done: an
        #: answer that closes the connection leaves no socket to ask afterwards.
        self.certificate_der: bytes | None = None

    def connect(self) -> None:
        raw = socket.create_connection((self.pinned, self.port), self.timeout)
        tls = _TLS.wrap_socket(raw, server_hostname=self.host)
        self.sock = tls
        self.certificate_der = tls.getpeercert(binary_form=True)


_TLS = ssl.create_default_context()


def fetch(
    target: PinnedTarget,
    method: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    timeout: float,
    max_bytes: int,
) -> Exchange:
    """Make the request to the pinned address; the answer's body is read up to
    ``max_bytes`` (more is a :class:`FetchError`). Raises :class:`FetchError`."""
    conn: http.client.HTTPConnection
    if target.scheme == "https":
        conn = _PinnedHTTPSConnection(target, timeout)
    else:
        conn = _PinnedHTTPConnection(target, timeout)
    sent = [(k, v) for k, v in headers.items() if k.lower() not in _DROPPED_REQUEST]
    sent.append(("Accept-Encoding", "gzip, deflate"))
    parts = urlsplit(target.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + timeout
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in sent:
            conn.putheader(k, v)
        if body:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        answer = conn.getresponse()
        chunks: list[bytes] = []
        got = 0
        while True:
            if time.monotonic() > deadline:
                raise FetchError(_("the answer took too long"))
            chunk = answer.read(CHUNK)
            if not chunk:
                break
            got += len(chunk)
            if got > max_bytes:
                raise FetchError(_("the answer is larger than the capture's byte limit"))
            chunks.append(chunk)
        der = conn.certificate_der if isinstance(conn, _PinnedHTTPSConnection) else None
        certificate = hashlib.sha256(der).hexdigest() if der else None
        version = "HTTP/1.0" if answer.version == 10 else "HTTP/1.1"
        return Exchange(
            url=target.url,
            method=method,
            request_headers=[("Host", _host_header(target)), *sent],
            request_body=body,
            address=target.address,
            status=answer.status,
            reason=answer.reason or "",
            http_version=version,
            headers=list(answer.getheaders()),
            raw_body=b"".join(chunks),
            certificate_sha256=certificate,
        )
    except ssl.SSLCertVerificationError as exc:
        raise FetchError(
            _("its TLS certificate is not valid: %(reason)s", reason=exc.verify_message)
        ) from None
    except TimeoutError:
        raise FetchError(_("the answer took too long")) from None
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(
            _("the connection failed: %(reason)s", reason=str(exc) or type(exc).__name__)
        ) from None
    finally:
        conn.close()


def _host_header(target: PinnedTarget) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"

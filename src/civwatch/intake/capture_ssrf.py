"""Which addresses a web capture may reach: the defence against server-side request forgery.

A capture makes requests from the server, so a page (or a link typed into the form) could
make it read the server's own network: an admin page on 127.0.0.1, a router on 10.x, the
cloud's metadata service on 169.254.169.254 that hands out credentials. Every request of a
capture - the address asked for, every redirect and every sub-resource - goes through
:meth:`AddressPolicy.pin` *after* its host name is resolved, and the connection is then
made to the very address that was checked (:class:`PinnedTarget`): a name that resolves
to a public address when checked and to a private one a moment later (DNS rebinding)
never reaches the private one. Each host is resolved once per capture and kept.

Refused: private, loopback, link-local, shared (CGNAT), multicast, reserved and
unspecified addresses, IPv6 unique-local and link-local, IPv4 mapped or embedded in IPv6
when the IPv4 address is refused, unless the host, as written in the URL, is listed in
``CIVWATCH_CAPTURE_ALLOW_HOSTS``. Cloud metadata addresses are refused even then.
Only http and https, on any port.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from civwatch.errors import RejectedInputError
from civwatch.i18n import _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: A resolver: the addresses of a host name (``socket.getaddrinfo`` by default).
Resolver = Callable[[str, int], list[str]]

#: The cloud providers' instance metadata services: never reached, whatever is allowed.
METADATA = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack...
        ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
        ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    }
)
METADATA_NAMES = frozenset({"metadata", "metadata.google.internal", "instance-data"})
#: Networks refused beyond what ``ipaddress`` calls private, loopback, link-local...
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
SCHEMES = ("http", "https")
MAX_URL = 2000


class CaptureRefusedError(RejectedInputError):
    """A capture's request that the address policy refuses (its message says why)."""

    kind = "capture-refused"


@dataclass(frozen=True)
class PinnedTarget:
    """A request's destination, checked: connect to ``address``, speak to ``host``."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


def _default_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def refusal_reason(ip: IPAddress) -> str | None:
    """Why a capture may not reach ``ip`` (in the language in force), or None if it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = refusal_reason(embedded)
            if inner is not None:
                return inner
    if ip in METADATA:
        return _("a cloud metadata address")
    if ip.is_loopback:
        return _("a loopback address (this server itself)")
    if ip.is_link_local:
        return _("a link-local address")
    if ip.is_multicast:
        return _("a multicast address")
    if ip.is_unspecified:
        return _("an unspecified address")
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return _("a shared (carrier-grade NAT) address")
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return _("a private or reserved address")
    return None


def parse_capture_url(url: str) -> SplitResult:
    """``url`` checked for form: http or https, a host, no user name or password, at most
    2,000 characters. Raises :class:`RejectedInputError` with a sentence for the user."""
    text = url.strip()
    if not text:
        raise RejectedInputError(_("Give the address of the page to capture."))
    if len(text) > MAX_URL:
        raise RejectedInputError(_("The address is longer than %(most)s characters.", most=MAX_URL))
    if any(ord(c) < 0x21 or c == "\x7f" for c in text):
        raise RejectedInputError(_("The address contains spaces or control characters."))
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise RejectedInputError(_("This is not a web address: %(url)s", url=text)) from None
    if parts.scheme.lower() not in SCHEMES:
        raise RejectedInputError(
            _(
                "Only http and https addresses can be captured, not %(url)s",
                url=text,
            )
        )
    if not parts.hostname:
        raise RejectedInputError(_("The address names no host: %(url)s", url=text))
    if parts.username is not None or parts.password is not None:
        raise RejectedInputError(
            _("An address with a user name or password cannot be captured: remove them.")
        )
    if port == 0:
        raise RejectedInputError(_("This is not a web address: %(url)s", url=text))
    return parts


class AddressPolicy:
    """The checks one capture applies to each request, with the addresses it pinned."""

    def __init__(self, allow_hosts: Iterable[str] = (), resolver: Resolver | None = None) -> None:
        self.allow_hosts = frozenset(h.strip().lower().strip("[]") for h in allow_hosts if h)
        self.resolve = resolver or _default_resolver
        self._pinned: dict[tuple[str, int], str] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_setting(cls, setting: str, resolver: Resolver | None = None) -> AddressPolicy:
        return cls([h for h in setting.split(",") if h.strip()], resolver)

    def pin(self, url: str) -> PinnedTarget:
        """The checked destination of ``url``; raises :class:`CaptureRefusedError` (or
        :class:`RejectedInputError` for a malformed address) if it may not be reached."""
        parts = parse_capture_url(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if scheme == "https" else 80)
        if host.rstrip(".") in METADATA_NAMES:
            raise CaptureRefusedError(
                _(
                    "Refused %(url)s: %(host)s is %(reason)s.",
                    url=url,
                    host=host,
                    reason=_("a cloud metadata address"),
                )
            )
        with self._lock:
            address = self._pinned.get((host, port))
        if address is None:
            address = self._check_host(url, host, port)
            with self._lock:
                address = self._pinned.setdefault((host, port), address)
        return PinnedTarget(url, scheme, host, port, address)

    def _check_host(self, url: str, host: str, port: int) -> str:
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            found = [literal]
        else:
            try:
                found = [ipaddress.ip_address(a.split("%")[0]) for a in self.resolve(host, port)]
            except (OSError, UnicodeError, ValueError):
                raise CaptureRefusedError(
                    _("The host %(host)s of %(url)s cannot be found.", host=host, url=url)
                ) from None
            if not found:
                raise CaptureRefusedError(
                    _("The host %(host)s of %(url)s cannot be found.", host=host, url=url)
                )
        allowed = host in self.allow_hosts
        for ip in found:
            reason = refusal_reason(ip)
            if reason is None:
                continue
            if allowed and ip not in METADATA and not _embeds_metadata(ip):
                continue
            raise CaptureRefusedError(
                _(
                    "Refused %(url)s: %(host)s is %(reason)s.",
                    url=url,
                    host=host if literal is not None else f"{host} ({ip})",
                    reason=reason,
                )
            )
        # Every address found was checked; the connection goes to the first one only.
        return str(found[0])


def _embeds_metadata(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour
        return inner is not None and inner in METADATA
    return False

"""Sending plain e-mail through the SMTP server ``Settings.smtp_url`` names
(``smtp://user:password@host:port`` or ``smtps://...``; STARTTLS on ``smtp://`` when the
server offers it). An engine: it knows addresses and texts, no domain. The protection
desk's alerts (case ids only) and the campaigns' confirmations and letters go through it.

:func:`smtp_send` sends one message on a connection of its own; :func:`smtp_session`
opens one connection for many (a throttled batch). :func:`is_permanent` tells a refusal
that sending again will not change (a bounce: 5xx) from a failure worth retrying.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from civwatch.errors import ConfigurationError
from civwatch.i18n import _

TIMEOUT_S = 20


def _parts(url: str) -> tuple[str, str, int | None, str | None, str | None]:
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ConfigurationError(_("CIVWATCH_SMTP_URL must start with smtp:// or smtps://."))
    return parts.scheme, parts.hostname, parts.port, parts.username, parts.password


def sender_address(url: str) -> str:
    """The From address of civwatch's mail: ``civwatch@`` the SMTP server's host."""
    return f"civwatch@{_parts(url)[1]}"


def message(
    url: str, to: str, subject: str, body: str, *, reply_to: str | None = None
) -> EmailMessage:
    """A plain-text message from civwatch to ``to``."""
    built = EmailMessage()
    built["Subject"] = subject
    built["From"] = sender_address(url)
    built["To"] = to
    built["Message-ID"] = make_msgid(domain=_parts(url)[1])
    if reply_to:
        built["Reply-To"] = reply_to
    built.set_content(body)
    return built


@contextmanager
def smtp_session(url: str, *, timeout: float = TIMEOUT_S) -> Iterator[smtplib.SMTP]:
    """One connection to the SMTP server at ``url``, greeted, secured and signed in."""
    scheme, host, port, username, password = _parts(url)
    context = ssl.create_default_context()
    if scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port or 25, timeout=timeout)
    with client:
        client.ehlo()
        if scheme == "smtp" and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if username:
            client.login(unquote(username), unquote(password or ""))
        yield client


def smtp_send(url: str, to: str, subject: str, body: str) -> None:
    """Send ``body`` under ``subject`` to ``to`` through the SMTP server at ``url``."""
    with smtp_session(url) as client:
        client.send_message(message(url, to, subject, body))


def is_permanent(error: BaseException) -> bool:
    """Whether the server refused for good (a 5xx answer: unknown mailbox, refused
    sender): a bounce, not worth sending again. Connection failures and 4xx answers are
    temporary."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return False

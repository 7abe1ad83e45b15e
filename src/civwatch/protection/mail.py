"""Sending one plain e-mail through the SMTP server ``Settings.smtp_url`` names
(``smtp://user:password@host:port`` or ``smtps://...``; STARTTLS on ``smtp://`` when the
server offers it). The desk's alerts name case ids only."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from civwatch.errors import ConfigurationError
from civwatch.i18n import _

TIMEOUT_S = 20


def smtp_send(url: str, to: str, subject: str, body: str) -> None:
    """Send ``body`` under ``subject`` to ``to`` through the SMTP server at ``url``."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ConfigurationError(_("CIVWATCH_SMTP_URL must start with smtp:// or smtps://."))
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = f"civwatch@{parts.hostname}"
    message["To"] = to
    message.set_content(body)
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            parts.hostname, parts.port or 465, timeout=TIMEOUT_S, context=context
        )
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=TIMEOUT_S)
    with client:
        client.ehlo()
        if parts.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls(context=context)
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)

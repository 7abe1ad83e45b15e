"""What the campaign page tests share: the app's settings with a real SMTP server on
loopback (tests/campaigns/conftest.py's aiosmtpd ``SmtpServer``), a client, the form's
fields as a supporter fills them, and the mailed links followed."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from civwatch.campaigns import outbox
from civwatch.config import Settings
from civwatch.workspace import Workspace
from tests.campaigns.conftest import SmtpServer

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def site_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    """``settings`` sending mail through ``smtp``, links under http://civwatch.test."""
    return settings.model_copy(
        update={
            "smtp_url": SecretStr(smtp.url),
            "campaign_mail_per_minute": 60_000,
            "public_base_url": "http://civwatch.test",
            "default_language": "en",
        }
    )


def form_token(c: TestClient, url: str) -> str:
    """Open a page with a form (setting its CSRF cookie); the form's token."""
    page = c.get(url)
    assert page.status_code == 200, page.text
    found = _CSRF.search(page.text)
    assert found, "the form has no CSRF field"
    return found.group(1)


def act(c: TestClient, campaign_id: int, lang: str = "en", **fields: Any) -> Any:
    """Fill and send a campaign's form as a supporter would (no JavaScript)."""
    token = form_token(c, f"/campaigns/{campaign_id}?lang={lang}")
    data = {
        "csrf_token": token,
        "name": "Olena Test",
        "email": "olena@example.org",
        "country": "UA",
        **fields,
    }
    return c.post(f"/campaigns/{campaign_id}/act", data=data)


def confirm_link(ws: Workspace, smtp: SmtpServer, address: str, kind: str = "confirm") -> str:
    """Send what is due, and the path of the last ``kind`` link mailed to ``address``."""
    outbox.send_due(ws)
    return f"/campaigns/{kind}/{smtp.inbox.link(address, kind)}"

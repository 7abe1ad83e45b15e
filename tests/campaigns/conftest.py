"""Fixtures of the campaigns' tests: a real SMTP server on loopback (aiosmtpd) that keeps
what it receives and can be stopped and started again on its port, the team of
tests/incidents/helpers.py (ivan investigator, vera and viktor verifiers, pat publisher,
val viewer), and a live petition and letter campaign."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from civwatch.config import Settings
from civwatch.workspace import Workspace
from tests.incidents.helpers import gazetteer_cache, places, team

LINK = re.compile(r"https?://\S+/campaigns/(confirm|delete)/(\S+)")
TARGETS_CSV = (
    b"name,country,email\n"
    b"Permanent Mission of Germany,DE,mission-de@example.org\n"
    b"Permanent Mission of France,FR,mission-fr@example.org\n"
)


class Inbox:
    """What the SMTP server received, and what it should refuse (a bounce)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.arrived:
            self.messages.append(parsed)
            self.arrived.notify_all()
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def body(self, message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    def link(self, address: str, kind: str = "confirm") -> str:
        """The token of the last ``kind`` link mailed to ``address``."""
        found = [
            m.group(2)
            for message in self.to(address)
            for m in LINK.finditer(self.body(message))
            if m.group(1) == kind
        ]
        assert found, f"no {kind} link mailed to {address}"
        return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1:``port``, started and stopped at will."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp: SmtpServer) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        min_free_disk=0,
        default_language="en",
        smtp_url=smtp.url,  # type: ignore[arg-type]
        campaign_mail_per_minute=60_000,
        public_base_url="http://civwatch.test",
    )


def live_petition(ws: Workspace, **extra: Any) -> int:
    """A live petition made by ivan and published by pat; returns its id."""
    from civwatch.campaigns.service import create_campaign, publish_campaign

    made = create_campaign(
        ws,
        actor="ivan",
        title="Protect civilians in Kharkiv",
        kind="petition",
        summary="Strikes on homes must stop.",
        ask="Vote for the resolution.",
        goal=100,
        **extra,
    )
    publish_campaign(ws, made["id"], actor="pat")
    return int(made["id"])


def live_letter(ws: Workspace) -> int:
    """A live letter campaign with two targets (DE, FR); returns its id."""
    from civwatch.campaigns.service import create_campaign, import_targets, publish_campaign

    made = create_campaign(
        ws,
        actor="ivan",
        title="Write to the missions",
        kind="letter",
        letter_subject="Protect civilians",
        letter_template="Dear delegate, please vote for the resolution.",
    )
    import_targets(ws, made["id"], TARGETS_CSV, actor="ivan")
    publish_campaign(ws, made["id"], actor="pat")
    return int(made["id"])


__all__ = ["gazetteer_cache", "places", "team"]

"""Sending the campaigns' mail: confirmation links to supporters, confirmed letters to
targets. Mail waits in ``campaign_mail``; :func:`send_due` sends what is due, at most
``Settings.campaign_mail_per_minute`` a minute, on one SMTP connection per batch.

A temporary failure (the server down, a 4xx answer) is tried again later, waiting longer
each time (:func:`backoff`); a permanent refusal (5xx) is recorded as a bounce and not
sent again; after :data:`MAX_ATTEMPTS` the mail is given up (``failed``). A mail is marked
sent in the same transaction that claimed it, after the server accepted it: a crash in
between sends it again (at least once), never loses it. Without ``CIVWATCH_SMTP_URL`` the
mail stays queued.
"""

from __future__ import annotations

import contextlib
import smtplib
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from civwatch.campaigns import keys
from civwatch.campaigns.models import Campaign, CampaignAction, CampaignMail, CampaignTarget
from civwatch.db import utcnow
from civwatch.i18n import _, use_language
from civwatch.mail import is_permanent, message, smtp_session
from civwatch.workspace import Workspace

MAX_ATTEMPTS = 10
#: First wait after a failure, and the longest.
FIRST_WAIT_S = 15
LONGEST_WAIT_S = 3600
#: Mails claimed per batch.
BATCH = 100

_SENDING = threading.Lock()


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 15 s, doubling, at most 1 h."""
    return timedelta(seconds=min(LONGEST_WAIT_S, FIRST_WAIT_S * 2 ** max(0, attempts - 1)))


@dataclass
class SendReport:
    """What one :func:`send_due` did."""

    sent: int = 0
    retried: int = 0
    bounced: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "retried": self.retried,
            "bounced": self.bounced,
            "failed": self.failed,
        }


def links(ws: Workspace, action_id: int) -> tuple[str, str]:
    """The confirmation and deletion links of an action (absolute, for a mail)."""
    base = ws.settings.absolute_base_url.rstrip("/")
    confirm = keys.make_token(ws.settings, keys.CONFIRM, action_id)
    delete = keys.make_token(ws.settings, keys.DELETE, action_id)
    return (
        f"{base}/campaigns/confirm/{confirm}",
        f"{base}/campaigns/delete/{delete}",
    )


def _compose(
    ws: Workspace,
    mail: CampaignMail,
    action: CampaignAction,
    campaign: Campaign,
    target: CampaignTarget | None,
    url: str,
) -> Any:
    opened = keys.open_action(
        ws.settings, action.id, action.wrapped_key or b"", action.sealed or b""
    )
    if mail.kind == "letter" and target is not None:
        body = f"{opened.get('letter', '')}\n\n{opened['name']}\n"
        return message(url, target.email, str(opened.get("subject") or campaign.title), body)
    confirm_link, delete_link = links(ws, action.id)
    with use_language(action.language):
        subject = _("Confirm your support: %(title)s", title=campaign.title)
        values = {
            "name": opened["name"],
            "title": campaign.title,
            "hours": ws.settings.campaign_confirm_hours,
            "confirm": confirm_link,
            "delete": delete_link,
        }
        if action.kind == "letter":
            body = _(
                "Hello %(name)s,\n\nyou wrote a letter in the campaign «%(title)s». To send "
                "it and count it, follow this link within %(hours)s hours:\n\n%(confirm)s\n\n"
                "If it was not you, do nothing: nothing is sent or counted. To delete your "
                "details now, follow this link:\n\n%(delete)s\n",
                **values,
            )
        else:
            body = _(
                "Hello %(name)s,\n\nyou signed the petition «%(title)s». To count your "
                "signature, follow this link within %(hours)s hours:\n\n%(confirm)s\n\n"
                "If it was not you, do nothing: nothing is counted. To delete your details "
                "now, follow this link:\n\n%(delete)s\n",
                **values,
            )
    return message(url, opened["email"], str(subject), str(body))


def send_due(ws: Workspace, *, limit: int | None = None) -> SendReport:
    """Send the mail that is due (at most ``limit``, by default a minute's worth), one
    process at a time; returns what happened."""
    report = SendReport()
    secret = ws.settings.smtp_url
    if secret is None:
        return report
    url = secret.get_secret_value()
    budget = limit if limit is not None else ws.settings.campaign_mail_per_minute
    pause = 60.0 / ws.settings.campaign_mail_per_minute
    if not _SENDING.acquire(blocking=False):
        return report
    try:
        while budget > 0:
            with ws.sessions() as session:
                due = list(
                    session.scalars(
                        select(CampaignMail.id)
                        .where(
                            CampaignMail.state == "queued", CampaignMail.next_attempt_at <= utcnow()
                        )
                        .order_by(CampaignMail.next_attempt_at, CampaignMail.id)
                        .limit(min(BATCH, budget))
                    )
                )
            if not due:
                break
            budget -= len(due)
            if not _send_batch(ws, url, due, report, pause):
                break
    finally:
        _SENDING.release()
    return report


def _record_failure(ws: Workspace, mail_id: int, error: BaseException, report: SendReport) -> None:
    _record_failures(ws, [mail_id], error, report)


def _record_failures(
    ws: Workspace, mail_ids: list[int], error: BaseException, report: SendReport
) -> None:
    """Record one failure of each mail (in one transaction): a bounce, the last attempt,
    or the time of the next one."""
    text = f"{type(error).__name__}: {getattr(error, 'smtp_code', '')}"[:300]
    with ws.sessions() as session, session.begin():
        for mail in session.scalars(select(CampaignMail).where(CampaignMail.id.in_(mail_ids))):
            _failed(mail, error, text, report)
    report.errors.append(text)


def _failed(mail: CampaignMail, error: BaseException, text: str, report: SendReport) -> None:
    mail.attempts += 1
    mail.last_error = text
    if is_permanent(error):
        mail.state = "bounced"
        report.bounced += 1
    elif mail.attempts >= MAX_ATTEMPTS:
        mail.state = "failed"
        report.failed += 1
    else:
        mail.next_attempt_at = utcnow() + backoff(mail.attempts)
        report.retried += 1


def _send_batch(ws: Workspace, url: str, ids: list[int], report: SendReport, pause: float) -> bool:
    """Send the mails ``ids`` on one connection; False when the server cannot be reached
    (the rest wait for their next attempt)."""
    try:
        connection = smtp_session(url)
        client = connection.__enter__()
    except (OSError, smtplib.SMTPException) as exc:
        _record_failures(ws, ids, exc, report)
        return False
    try:
        for position, mail_id in enumerate(ids):
            failure: BaseException | None = None
            with ws.sessions() as session, session.begin():
                mail = session.get(CampaignMail, mail_id)
                if mail is None or mail.state != "queued":
                    continue
                action = session.get(CampaignAction, mail.action_id)
                if action is None or action.wrapped_key is None:
                    mail.state = "failed"
                    mail.last_error = "deleted"
                    continue
                campaign = session.get(Campaign, action.campaign_id)
                target = session.get(CampaignTarget, mail.target_id) if mail.target_id else None
                assert campaign is not None
                built = _compose(ws, mail, action, campaign, target, url)
                try:
                    client.send_message(built)
                except (OSError, smtplib.SMTPException) as exc:
                    failure = exc
                else:
                    mail.state = "sent"
                    mail.attempts += 1
                    mail.sent_at = utcnow()
                    report.sent += 1
            if failure is not None:
                _record_failure(ws, mail_id, failure, report)
                if not isinstance(
                    failure, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused
                ):
                    _record_failures(ws, ids[position + 1 :], failure, report)
                    return False
                continue
            if pause > 0 and position + 1 < len(ids):
                time.sleep(min(pause, 1.0))
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.__exit__(None, None, None)
    return True


def mail_state(ws: Workspace, campaign_id: int) -> dict[str, int]:
    """How many of the campaign's mails are in each state (queued, sent, bounced,
    failed): the team's view of delivery, no address."""
    from sqlalchemy import func

    with ws.sessions() as session:
        rows = session.execute(
            select(CampaignMail.state, func.count())
            .join(CampaignAction, CampaignAction.id == CampaignMail.action_id)
            .where(CampaignAction.campaign_id == campaign_id)
            .group_by(CampaignMail.state)
        ).all()
    return {state: int(n) for state, n in rows}

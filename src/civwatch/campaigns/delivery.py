"""The delivery document a campaign hands to its targets: its text, the count by
country and, only for the supporters who agreed to be named, their names; a PDF in the
language asked for. Making it is recorded (``campaign_delivery`` and a custody entry)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from babel import Locale
from sqlalchemy import select

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.campaigns import acts, keys
from civwatch.campaigns.actions import count_by_country
from civwatch.campaigns.models import CampaignAction, CampaignDelivery
from civwatch.campaigns.service import campaign_row, targets_of
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import ConflictError, RejectedInputError
from civwatch.i18n import _, ngettext, use_language
from civwatch.i18n.templating import file_templates
from civwatch.media.pdf import html_to_pdf
from civwatch.workspace import Workspace

TEMPLATES = Path(__file__).parent / "templates"
_ENV = file_templates(TEMPLATES)
LANGUAGES = ("uk", "en")


def delivery_html(ws: Workspace, campaign_id: int, language: str) -> tuple[str, int, int]:
    """The delivery document's HTML, its count and how many supporters it names."""
    with ws.sessions() as session:
        campaign = campaign_row(session, campaign_id)
        if campaign.state == "draft":
            raise ConflictError(_("A draft campaign has nothing to deliver."))
        countries = count_by_country(session, campaign.id)
        named_rows = session.execute(
            select(CampaignAction.id, CampaignAction.wrapped_key, CampaignAction.sealed)
            .where(
                CampaignAction.campaign_id == campaign.id,
                CampaignAction.state == "confirmed",
                CampaignAction.consent_named.is_(True),
                CampaignAction.wrapped_key.is_not(None),
            )
            .order_by(CampaignAction.id)
        ).all()
        targets = [f"{t.name} ({t.country})" for t in targets_of(session, campaign.id)]
        names = [
            str(keys.open_action(ws.settings, row.id, row.wrapped_key, row.sealed)["name"])
            for row in named_rows
        ]
        doc: dict[str, Any] = {
            "title": campaign.title,
            "summary": campaign.summary,
            "ask": campaign.ask,
            "letter": campaign.letter_template if campaign.kind == "letter" else "",
        }
    total = sum(countries.values())
    locale = Locale(language)
    with use_language(language):
        html = _ENV.get_template("delivery.html").render(
            language=language,
            organisation=ws.settings.organisation_name,
            made=utcnow().date().isoformat(),
            targets=targets,
            counted=ngettext(
                "%(num)s supporter confirmed by e-mail.",
                "%(num)s supporters confirmed by e-mail.",
                total,
            ),
            countries=[(locale.territories.get(code, code), n) for code, n in countries.items()],
            names=names,
            **doc,
        )
    return html, total, len(names)


def deliver(
    ws: Workspace, campaign_id: int, *, actor: str | None, language: str = "en"
) -> tuple[bytes, dict[str, Any]]:
    """The delivery PDF of a live or closed campaign (campaigns.write), recorded as
    delivered: ``(pdf, {"campaign", "count", "named", "language", "sha256"})``."""
    if language not in LANGUAGES:
        raise RejectedInputError(_("The document is made in Ukrainian (uk) or English (en)."))
    with ws.sessions() as session:
        require(session, actor, Permission.CAMPAIGNS_WRITE)
    html, total, named = delivery_html(ws, campaign_id, language)
    pdf = html_to_pdf(html)
    digest = hashlib.sha256(pdf).hexdigest()
    with ws.sessions() as session, session.begin():
        user = require(session, actor, Permission.CAMPAIGNS_WRITE)
        now = utcnow()
        session.add(
            CampaignDelivery(
                campaign_id=campaign_id,
                count=total,
                named=named,
                pdf_sha256=digest,
                language=language,
                delivered_at=now,
                delivered_by=user.id,
            )
        )
        ws.custody.lock(session)
        entries.append(
            ws.custody,
            session,
            acts.CAMPAIGN_DELIVER,
            user.username,
            now,
            campaign=campaign_id,
            count=total,
            named=named,
            language=language,
            sha256=digest,
        )
    return pdf, {
        "campaign": campaign_id,
        "count": total,
        "named": named,
        "language": language,
        "sha256": digest,
    }

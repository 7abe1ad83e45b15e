"""What the campaign pages share: a campaign presented with the texts its pages show in the
reader's language (its kind, state, count in words and progress to the goal: an unknown
count is "not known", never 0), country names, and the addresses of its share images.

The public pages are :mod:`civwatch.web.campaign_pages`, the team's
:mod:`civwatch.web.campaign_team_pages`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from babel import Locale

from civwatch.campaigns.share_images import SIZE_LABELS, SIZES
from civwatch.i18n import N_, current_language, gettext, ngettext
from civwatch.i18n.formatting import as_datetime, format_date
from civwatch.workspace import Workspace

KIND_LABELS = {"petition": N_("Petition"), "letter": N_("Letter to decision-makers")}
STATE_LABELS = {
    "draft": N_("draft"),
    "live": N_("campaign open"),
    "closed": N_("campaign closed"),
}


def _count_words(kind: str, count: int) -> str:
    if kind == "letter":
        return str(ngettext("letter sent", "letters sent", count))
    return str(ngettext("signature", "signatures", count))


def present_campaign(campaign: Mapping[str, Any]) -> dict[str, Any]:
    """A campaign with the texts its pages show (nothing added from elsewhere)."""
    kind = str(campaign.get("kind") or "petition")
    state = str(campaign.get("state") or "draft")
    count = campaign.get("count")
    goal = campaign.get("goal")
    ends = as_datetime(campaign.get("ends"))
    letter = campaign.get("letter") or {}
    percent = None
    if isinstance(count, int) and goal:
        percent = min(100, int(count * 100 / goal))
    return {
        **campaign,
        "kind": kind,
        "state": state,
        "live": state == "live",
        "kind_text": gettext(KIND_LABELS.get(kind, kind)),
        "state_text": gettext(STATE_LABELS.get(state, state)),
        "count": count if isinstance(count, int) else None,
        "count_words": _count_words(kind, count) if isinstance(count, int) else "",
        "goal": goal or None,
        "percent": percent,
        "ends_text": format_date(ends) if ends else "",
        "summary": campaign.get("summary") or "",
        "ask": campaign.get("ask") or "",
        "letter_subject": letter.get("subject") or campaign.get("letter_subject") or "",
        "letter_template": letter.get("template") or campaign.get("letter_template") or "",
    }


@cache
def _territories(language: str) -> dict[str, str]:
    return dict(Locale.parse(language).territories)


def country_name(code: str, language: str | None = None) -> str:
    """A two-letter country code's name in ``language`` (default: the one in force)."""
    return _territories(language or current_language()).get(code.upper(), code.upper())


def country_choices(codes: frozenset[str] | set[str]) -> list[tuple[str, str]]:
    """The country select's options: (code, name), by name in the reader's language."""
    language = current_language()
    named = [(code, country_name(code, language)) for code in codes]
    return sorted(named, key=lambda pair: pair[1].casefold())


def image_url(ws: Workspace, campaign_id: int, size: str, *, absolute: bool = False) -> str:
    """The stable address of one share image in the reader's language."""
    base = ws.settings.absolute_base_url if absolute else ""
    language = current_language()
    lang = "" if language == ws.settings.default_language else f"?lang={language}"
    return f"{base}/campaigns/{campaign_id}/share/{size}.png{lang}"


def image_links(ws: Workspace, campaign_id: int) -> list[tuple[str, str, str]]:
    """(size, label, address) of each share image, for the page's share section."""
    return [(size, gettext(SIZE_LABELS[size]), image_url(ws, campaign_id, size)) for size in SIZES]


def page_url(ws: Workspace, campaign_id: int) -> str:
    """The campaign page's absolute address (share links, Open Graph, the images)."""
    return f"{ws.settings.absolute_base_url}/campaigns/{campaign_id}"

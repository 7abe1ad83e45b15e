"""What every incident page of the team shares: who may open or act on it, the
vocabularies of its forms, the labels of statuses and precisions, and what the reader may
do (the lists, map and timeline in :mod:`civwatch.web.incident_lists`, one incident in
:mod:`civwatch.web.incident_pages`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.principal import Principal
from civwatch.geo.coarsening import PRECISIONS
from civwatch.geo.place_names import place_name
from civwatch.geo.regions import UKRAINE_ADMIN1
from civwatch.i18n import N_, current_language, gettext
from civwatch.i18n.formatting import format_figure
from civwatch.incidents.terms import list_terms
from civwatch.incidents.vocabulary import (
    CONFIDENCES,
    INCIDENT_STATUSES,
    LINK_ROLES,
    OUTCOMES,
    TIME_PRECISIONS,
    VISIBILITIES,
    term_label,
)
from civwatch.web import map_routes
from civwatch.web.auth import require
from civwatch.web.incident_forms import TIME_ZONES, utc_beside
from civwatch.workspace import Workspace

Reader = Annotated[Principal, Depends(require(Permission.INCIDENTS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.INCIDENTS_WRITE))]
Reviewer = Annotated[Principal, Depends(require(Permission.REVIEW))]
Publisher = Annotated[Principal, Depends(require(Permission.PUBLISH))]

LABELS = {
    "reported": N_("reported"),
    "under_verification": N_("under verification"),
    "in_review": N_("in review"),
    "verified": N_("verified"),
    "unverifiable": N_("unverifiable"),
    "false_or_misattributed": N_("false or misattributed"),
    "internal": N_("internal"),
    "public": N_("public"),
    "exact": N_("exact time"),
    "hour": N_("to the hour"),
    "day": N_("to the day"),
    "approximate": N_("approximate"),
}
#: How the list of revisions names a revision that is not (yet) the incident's content.
REVISION_STATES = {
    "pending": N_("proposed, in review"),
    "approved": N_("approved, waiting for publication as a correction"),
    "rejected": N_("rejected"),
}
OBLASTS = sorted(english for english, _uk in UKRAINE_ADMIN1.values())


def range_text(figure: dict[str, Any] | None) -> str:
    """'2–4' (en dash) or '3' for a figure {min, max}, numbers written for the reader's
    language; '' for none."""
    return format_figure(figure)


def vocabularies(ws: Workspace) -> dict[str, list[tuple[str, str]]]:
    """kind -> [(code, label)] for the selects and checkboxes of the forms."""
    out: dict[str, list[tuple[str, str]]] = {}
    for term in list_terms(ws):
        shown = term_label(term["kind"], term["code"]) if term["builtin"] else term["label"]
        out.setdefault(term["kind"], []).append((term["code"], shown))
    for terms in out.values():
        terms.sort(key=lambda t: (t[0] == "other", t[1].casefold()))
    return out


def incident_context(ws: Workspace, who: Principal) -> dict[str, Any]:
    """What the templates of every incident page read: vocabularies and labels in the
    reader's language, and whether the reader may write, review or publish."""
    vocab = vocabularies(ws)
    return {
        "vocab": vocab,
        "type_labels": dict(vocab.get("incident_type", [])),
        "term_labels": {k: dict(v) for k, v in vocab.items()},
        "statuses": INCIDENT_STATUSES,
        "visibilities": VISIBILITIES,
        "precisions": TIME_PRECISIONS,
        "confidences": CONFIDENCES,
        "location_precisions": PRECISIONS,
        "outcomes": OUTCOMES,
        "link_roles": LINK_ROLES,
        "oblasts": [(o, place_name(o, current_language())) for o in OBLASTS],
        "labels": {code: gettext(text) for code, text in LABELS.items()},
        "revision_states": {code: gettext(text) for code, text in REVISION_STATES.items()},
        "range_text": range_text,
        "time_zones": {code: gettext(text) for code, text in TIME_ZONES.items()},
        "utc_beside": utc_beside,
        "can_write": allows(who.roles, Permission.INCIDENTS_WRITE),
        "can_review": allows(who.roles, Permission.REVIEW),
        "can_publish": allows(who.roles, Permission.PUBLISH),
        **map_routes.background(ws.settings),  # the place picker's map and the incident map
    }

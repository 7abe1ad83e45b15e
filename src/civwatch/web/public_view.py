"""What the public site's pages share (no account needed): an incident presented with the
texts its pages show, in the reader's language; the filter form and its choices; a public
page or its error page; and where links in public answers point.

Every page reads incidents through :mod:`civwatch.publish.public` (an allow-list of
published, verified incidents). Pages use their own base template (``public_base.html``):
no internal navigation, no sign-out form.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from starlette.responses import Response

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError, NotFoundError, RejectedInputError
from civwatch.geo.place_names import place_label, place_name
from civwatch.geo.regions import UKRAINE_ADMIN1
from civwatch.i18n import N_, _, current_language, gettext, localise
from civwatch.i18n.formatting import as_datetime, format_date, format_datetime, in_ukraine
from civwatch.incidents.terms import extra_terms
from civwatch.incidents.vocabulary import BUILTIN, term_label
from civwatch.publish.public import PublicFilter
from civwatch.web.auth import require
from civwatch.web.pages import render
from civwatch.workspace import Workspace

Anyone = Annotated[Principal | None, Depends(require(Permission.PUBLIC))]
#: How precisely a public location is shown ("location shown to ...").
PRECISION_TEXT = {
    "exact": N_("the exact place"),
    "settlement": N_("the settlement"),
    "raion": N_("the district (raion)"),
    "oblast": N_("the region (oblast)"),
}
CASUALTY_ROWS = {"killed": N_("Killed"), "injured": N_("Injured")}
Text = Annotated[str, Query(max_length=100)]


# -- presenting public incidents -----------------------------------------------------------


def as_moment(value: Any) -> datetime:
    """A time of a public incident or of its history (never empty) as a datetime."""
    at = as_datetime(value)
    assert at is not None
    return at


def _when_text(incident: Mapping[str, Any]) -> str:
    """When an incident started, as precisely as it is known, in Kyiv time for Ukraine."""
    kyiv = in_ukraine(incident)
    precision = incident.get("time_precision")
    if precision in ("exact", "hour"):
        return format_datetime(incident["start"], kyiv=kyiv)
    day = format_date(incident["start"], kyiv=kyiv)
    if precision == "approximate":
        return _("around %(day)s", day=day)
    return day


def place_text(incident: Mapping[str, Any]) -> str:
    """Where an incident happened, as the public may know it, in the reader's language."""
    language = current_language()
    location = incident.get("location") or {}
    place = location.get("place")
    if place:
        return place_label(str(place), language)
    parts = [incident.get(k) for k in ("settlement", "raion", "oblast")]
    named = [place_name(str(p), language) for p in parts if p]
    return ", ".join(named) or gettext(N_("Ukraine"))


def present(incident: Mapping[str, Any]) -> dict[str, Any]:
    """A public incident with the texts its pages show (nothing added from elsewhere), in
    the reader's language."""
    start = as_moment(incident["start"])
    casualties = incident.get("casualties") or {}
    rows = []
    for kind in ("killed", "injured"):
        figure = casualties.get(kind)
        kind_label = gettext(CASUALTY_ROWS[kind])
        if not figure:  # unknown: the row says "not known" rather than vanishing
            rows.append({"label": kind_label, "figure": None, "source": None})
            continue
        rows.append({"label": kind_label, "figure": figure, "source": figure.get("source")})
        for group, g in sorted((figure.get("groups") or {}).items()):
            label = _(
                "%(kind)s: %(group)s",
                kind=kind_label,
                group=term_label("casualty_group", group),
            )
            rows.append({"label": label, "figure": g, "source": g.get("source")})
    location = incident.get("location") or {}
    history = incident.get("history") or []
    return {
        **incident,
        "start_iso": start.isoformat(),
        "start_text": format_date(start, kyiv=in_ukraine(incident)),
        "when_text": _when_text(incident),
        "place_text": place_text(incident),
        "type_label": term_label("incident_type", incident.get("incident_type"))
        or gettext(N_("Not known")),
        "weapon_labels": [term_label("weapon", w) for w in incident.get("weapons") or ()],
        "object_labels": [term_label("object", o) for o in incident.get("objects") or ()],
        "ihl_labels": [term_label("ihl_concern", c) for c in incident.get("ihl_concerns") or ()],
        "location_precision_text": gettext(
            PRECISION_TEXT.get(str(location.get("precision")), str(location.get("precision") or ""))
        ),
        "casualty_rows": rows,
        "corrected": any(h.get("kind") == "corrected" for h in history),
    }


# -- filters ----------------------------------------------------------------------------


def form_date(value: str, refusal: str) -> date | None:
    """A YYYY-MM-DD date, or None for an empty field; ``refusal`` says what is wrong."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RejectedInputError(refusal) from None


class Filters:
    """The filter form of the public pages: what was asked, and the PublicFilter for it."""

    def __init__(
        self,
        from_: Annotated[str, Query(alias="from", max_length=10)] = "",
        to: Annotated[str, Query(max_length=10)] = "",
        oblast: Text = "",
        type: Text = "",
        weapon: Text = "",
        object: Text = "",
    ) -> None:
        self.values = {
            "from": from_,
            "to": to,
            "oblast": oblast,
            "type": type,
            "weapon": weapon,
            "object": object,
        }

    def public(self) -> PublicFilter:
        first = form_date(self.values["from"], _("“From” must be a date such as 2024-03-01."))
        last = form_date(self.values["to"], _("“To” must be a date such as 2024-03-01."))
        if first and last and last < first:
            raise RejectedInputError(_("“To” is before “From”: the period ends before it starts."))
        return PublicFilter.parse(
            start_from=datetime(first.year, first.month, first.day, tzinfo=UTC) if first else None,
            start_to=(
                datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
                if last
                else None
            ),
            oblast=self.values["oblast"],
            incident_type=self.values["type"],
            weapon=self.values["weapon"],
            object_=self.values["object"],
        )

    def query(self, **extra: Any) -> str:
        given = {k: v for k, v in {**self.values, **extra}.items() if v not in ("", None)}
        return urlencode(given)


PageFilters = Annotated[Filters, Depends()]


def filter_choices(ws: Workspace) -> dict[str, list[tuple[str, str]]]:
    """Options of the filter form: oblasts, and the vocabulary terms (built in and added)."""
    with ws.sessions() as session:
        extra = {kind: extra_terms(session, kind) for kind in ("incident_type", "weapon", "object")}
    language = current_language()
    out = {
        "oblast": sorted(
            ((name, place_name(name, language)) for name, _uk in UKRAINE_ADMIN1.values()),
            key=lambda t: t[1].casefold(),
        ),
    }
    for field, kind in (("type", "incident_type"), ("weapon", "weapon"), ("object", "object")):
        codes = {**BUILTIN[kind], **extra[kind]}
        labelled = [(code, term_label(kind, code, extra[kind])) for code in codes]
        out[field] = sorted(labelled, key=lambda t: t[1].casefold())
    return out


def public_page(
    request: Request, ws: Workspace, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    """A page of the public site: the organisation's name, the section it belongs to, and
    never who is signed in."""
    context.setdefault("organisation", ws.settings.organisation_name)
    context.setdefault("section", request.url.path)
    context["principal"] = None  # public pages never show who is signed in
    return render(request, name, context, status)


def failure_page(request: Request, ws: Workspace, exc: CivwatchError) -> Response:
    """The public error page for ``exc`` (with its status), in the reader's language."""
    title = _("Not found") if isinstance(exc, NotFoundError) else _("This request cannot be shown")
    return public_page(
        request,
        ws,
        "public_error.html",
        {"title": title, "detail": localise(exc.message)},
        exc.status_code,
    )


def link_base(ws: Workspace) -> str:
    """What links in public answers start with: the configured public base URL, or ""
    (relative links). Never the request's Host header, which is the client's word (a
    forged one would reach every reader through a cache)."""
    return ws.settings.public_base_url


def absolute_base(ws: Workspace) -> str:
    """Where links that must be absolute (share tags, feed ids) point."""
    return ws.settings.absolute_base_url

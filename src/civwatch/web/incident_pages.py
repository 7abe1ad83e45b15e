"""Server-rendered pages for incidents: list, map, timeline, incident page, review queue.

Every page reads without JavaScript; every form posts to a route here that calls one
service function of :mod:`civwatch.incidents` with the signed-in user as the actor, then
redirects back (303) with a short confirmation, or shows the page again with the service's
message and the values the user entered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from civwatch.accounts import audit
from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.principal import Principal
from civwatch.db import utcnow
from civwatch.errors import CivwatchError, RejectedInputError
from civwatch.geo.coarsening import PRECISIONS
from civwatch.geo.place_names import place_name
from civwatch.geo.regions import UKRAINE_ADMIN1
from civwatch.i18n import N_, _, current_language, gettext
from civwatch.i18n.formatting import format_age, format_figure
from civwatch.incidents import (
    aggregate,
    casualties,
    internal_fields,
    queue,
    service,
    suggestions,
    workflow,
)
from civwatch.incidents.input import incident_fields
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
from civwatch.media.preview import previewable
from civwatch.publish import publication, redaction
from civwatch.web.auth import client_of, require
from civwatch.web.deps import WS, RowId
from civwatch.web.incident_changes import FIELD_LABELS, YOUR_PART, change_rows, reader_part
from civwatch.web.pages import render
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(require(Permission.INCIDENTS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.INCIDENTS_WRITE))]
Reviewer = Annotated[Principal, Depends(require(Permission.REVIEW))]
Publisher = Annotated[Principal, Depends(require(Permission.PUBLISH))]

PAGE_SIZE = 50
TIMELINE_PAGE = 100
MAP_LIST_SIZE = 200
#: Ukraine, for the first view of the map: west, south, east, north.
MAP_START_BBOX = (22.0, 44.2, 40.3, 52.4)
Text = Annotated[str, Query(max_length=255)]

#: What a redirect after a successful form says (keys only travel in the URL: no user text).
DONE = {
    "created": N_("The incident was recorded."),
    "updated": N_("The changes were recorded as a new revision."),
    "proposed": N_(
        "Your change waits for a second verifier's review: until it is approved, the "
        "incident keeps the content that was approved before."
    ),
    "change-approved": N_("You approved the change: it is now the incident's content."),
    "change-waiting": N_(
        "You approved the change. The incident is public: it changes in public "
        "when a publisher publishes the change as a correction."
    ),
    "change-rejected": N_(
        "You rejected the change: the incident keeps the content that was approved before."
    ),
    "linked": N_("The evidence item was linked."),
    "unlinked": N_("The evidence item was unlinked; the link stays in the history."),
    "status": N_("The verification status changed."),
    "approved": N_("You approved the proposed outcome."),
    "rejected": N_("You rejected the proposed outcome; the incident is back under verification."),
    "published": N_("The incident is now public."),
    "unpublished": N_(
        "The incident was withdrawn from the public site; the reason is in its public history."
    ),
    "precision": N_("The public location precision changed."),
    "corrected": N_("The correction notice is on the public page."),
    "confirmed": N_("The suggestion was confirmed: the item is linked."),
    "dismissed": N_("The suggestion was dismissed: it will not be offered again."),
}
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
#: Why the reader may not review an incident, by their part in it (whole sentences).
OWN_PART = {
    "submitter": N_(
        "You submitted this incident for review and cannot review it: a second verifier must."
    ),
    "created": N_(
        "You recorded this incident and cannot approve or reject it: a second verifier must."
    ),
    "revision": N_(
        "You wrote a revision of this incident and cannot approve or reject it: a second "
        "verifier must."
    ),
    "records": N_(
        "You wrote verification records of evidence linked to this incident and cannot "
        "approve or reject it: a second verifier must."
    ),
    "proposer": N_(
        "You proposed the change to this incident and cannot approve or reject it: a second "
        "verifier must."
    ),
}


# --- small parsers -----------------------------------------------------------------------------


def _day(value: str, what: str) -> datetime | None:
    """A YYYY-MM-DD date from a form as midnight UTC (None when empty); ``what`` names the
    field in the refusal."""
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    except ValueError:
        raise RejectedInputError(
            _("%(what)s “%(value)s” is not a date such as 2022-03-09.", what=what, value=value)
        ) from None


def _moment(value: str) -> datetime | str | None:
    """A date and time from a form; without a zone it is taken as UTC (the form says so).
    What does not read as one is passed on as typed, for the incident input to refuse."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(value: str) -> float | str | None:
    """A number from a form (a decimal comma is a point); what does not read as one is
    passed on as typed, for the incident input to refuse."""
    if not value:
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return value


def _figure(text: str, source: str, kind: str) -> dict[str, Any] | None:
    text = text.strip()
    if not text:
        if source.strip():
            raise RejectedInputError(
                _("A source for the killed needs a number or range too.")
                if kind == "killed"
                else _("A source for the injured needs a number or range too.")
            )
        return None
    try:
        low, high = casualties.range_bounds(text)  # the incident input checks the numbers
    except RejectedInputError as exc:
        raise RejectedInputError(
            _("Killed: %(problem)s", problem=exc.message)
            if kind == "killed"
            else _("Injured: %(problem)s", problem=exc.message)
        ) from None
    return {"min": low, "max": high, "source": source.strip() or None}


def range_text(figure: dict[str, Any] | None) -> str:
    """'2–4' (en dash) or '3' for a figure {min, max}, numbers written for the reader's
    language; '' for none."""
    return format_figure(figure)


def _form_time(iso: str | None) -> str:
    """An ISO time as a datetime-local value in UTC."""
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


# --- filters -----------------------------------------------------------------------------------


@dataclass
class Filters:
    """The filters of the list, map and timeline, as the user entered them."""

    status: str = ""
    visibility: str = ""
    oblast: str = ""
    incident_type: str = ""
    object_: str = ""
    start: str = ""
    end: str = ""
    error: str | None = None
    query: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            start = _day(self.start, _("The “from” date"))
            end = _day(self.end, _("The “to” date"))
        except RejectedInputError as exc:
            self.error = exc.message
            start = end = None
        self.query = {
            "status": self.status or None,
            "visibility": self.visibility or None,
            "oblast": self.oblast or None,
            "incident_type": self.incident_type or None,
            "object_": self.object_ or None,
            "start_from": start,
            "start_to": None if end is None else end + timedelta(days=1),  # the 'to' day counts
        }

    def params(self, **extra: Any) -> str:
        """The filters as a query string (for links to other pages of the same view)."""
        pairs = {
            "status": self.status,
            "visibility": self.visibility,
            "oblast": self.oblast,
            "incident_type": self.incident_type,
            "object": self.object_,
            "start": self.start,
            "end": self.end,
            **extra,
        }
        return urlencode({k: v for k, v in pairs.items() if v not in ("", None)})

    def api_params(self) -> str:
        """The same filters for the GeoJSON API (times with a zone)."""
        q = self.query
        pairs = {
            "status": q["status"],
            "visibility": q["visibility"],
            "oblast": q["oblast"],
            "incident_type": q["incident_type"],
            "object": q["object_"],
            "start": q["start_from"].isoformat() if q["start_from"] else None,
            "end": q["start_to"].isoformat() if q["start_to"] else None,
        }
        return urlencode({k: v for k, v in pairs.items() if v})

    @property
    def active(self) -> bool:
        return any(
            (self.status, self.visibility, self.oblast, self.incident_type, self.object_)
        ) or bool(self.start or self.end)


def filters(
    status: Text = "",
    visibility: Text = "",
    oblast: Text = "",
    incident_type: Text = "",
    object_: Annotated[str, Query(alias="object", max_length=255)] = "",
    start: Annotated[str, Query(max_length=32)] = "",
    end: Annotated[str, Query(max_length=32)] = "",
) -> Filters:
    return Filters(status, visibility, oblast, incident_type, object_, start, end)


ListFilters = Annotated[Filters, Depends(filters)]


def vocabularies(ws: Workspace) -> dict[str, list[tuple[str, str]]]:
    """kind -> [(code, label)] for the selects and checkboxes of the forms."""
    out: dict[str, list[tuple[str, str]]] = {}
    for term in list_terms(ws):
        shown = term_label(term["kind"], term["code"]) if term["builtin"] else term["label"]
        out.setdefault(term["kind"], []).append((term["code"], shown))
    for terms in out.values():
        terms.sort(key=lambda t: (t[0] == "other", t[1].casefold()))
    return out


def _common(ws: Workspace, who: Principal) -> dict[str, Any]:
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
        "can_write": allows(who.roles, Permission.INCIDENTS_WRITE),
        "can_review": allows(who.roles, Permission.REVIEW),
        "can_publish": allows(who.roles, Permission.PUBLISH),
    }


def _listing(ws: Workspace, flt: Filters, *, limit: int, offset: int) -> tuple[dict[str, Any], str]:
    """A page of incidents for the filters, or an empty one and the reason."""
    empty: dict[str, Any] = {"total": 0, "incidents": []}
    if flt.error:
        return empty, flt.error
    try:
        return service.list_incidents(ws, **flt.query, limit=limit, offset=offset), ""
    except CivwatchError as exc:
        return empty, exc.message


def _audit(
    request: Request,
    ws: Workspace,
    who: Principal,
    action: str,
    target: str,
    error: str | None = None,
) -> None:
    """Record a write (or a refused attempt, with the message the user saw)."""
    audit.record_now(
        ws,
        action,
        actor=who.username,
        target=target,
        client=client_of(request),
        outcome="ok" if error is None else "failed",
        detail=None if error is None else {"error": error[:500]},
    )


# --- list and new incident ---------------------------------------------------------------------


def _list_page(
    request: Request,
    ws: Workspace,
    who: Principal,
    flt: Filters,
    page: int,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    listing, filter_error = _listing(ws, flt, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(
        request,
        "incidents.html",
        {
            **_common(ws, who),
            "listing": listing,
            "filters": flt,
            "filter_error": filter_error,
            "page": page,
            "pages": max(1, -(-listing["total"] // PAGE_SIZE)),
            "form": form or {},
            "error": error,
        },
        status=422 if filter_error and status == 200 else status,
    )


@router.get("/incidents", response_class=HTMLResponse)
def incidents_list(
    request: Request,
    w: WS,
    who: Reader,
    flt: ListFilters,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return _list_page(request, w, who, flt, page)


def _doc_from_form(form: FormData) -> dict[str, Any]:
    """An incident document from the incident form, checked as one incident input (the
    API's and the command line's); the service checks the terms and the place."""

    def text(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def many(name: str) -> list[str]:
        return [v for v in form.getlist(name) if isinstance(v, str) and v.strip()]

    figures = {}
    for kind in ("killed", "injured"):
        figure = _figure(text(kind), text(f"{kind}_source"), kind)
        if figure is not None:
            figures[kind] = figure
    given = {
        "title": text("title"),
        "narrative": text("narrative"),
        "start": _moment(text("start")),
        "end": _moment(text("end")),
        "time_precision": text("time_precision") or "exact",
        "lat": _number(text("lat")),
        "lon": _number(text("lon")),
        "radius_m": _number(text("radius_m")) or 0.0,
        "settlement": text("settlement") or None,
        "oblast": text("oblast") or None,
        "incident_type": text("incident_type"),
        "weapons": many("weapons"),
        "objects": many("objects"),
        "casualties": figures,
        "perpetrator": text("perpetrator") or None,
        "perpetrator_confidence": text("perpetrator_confidence") or None,
        "ihl_concerns": many("ihl_concerns"),
    }
    return incident_fields(given, new=True)


def _revision(form: FormData) -> int | None:
    """The revision the edit form was filled from (absent from older pages: no check)."""
    raw = form.get("revision")
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return int(raw)
    except ValueError:
        raise RejectedInputError(
            _("“%(value)s” is not a revision number.", value=raw[:20])
        ) from None


def _entered(form: FormData) -> dict[str, Any]:
    """What the user typed, to put back into the form after an error."""
    out: dict[str, Any] = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        out[key] = values if key in ("weapons", "objects", "ihl_concerns") else values[0]
    out.pop("csrf_token", None)
    return out


def form_of(incident: dict[str, Any]) -> dict[str, Any]:
    """The incident form filled with an incident's current values."""
    figures = incident.get("casualties") or {}
    return {
        "title": incident["title"],
        "narrative": incident["narrative"],
        "start": _form_time(incident["start"]),
        "end": _form_time(incident["end"]),
        "time_precision": incident["time_precision"],
        "lat": str(incident["lat"]),
        "lon": str(incident["lon"]),
        "radius_m": f"{incident['radius_m']:g}",
        "settlement": incident["settlement"] or "",
        "oblast": incident["oblast"] or "",
        "incident_type": incident["incident_type"],
        "weapons": incident["weapons"],
        "objects": incident["objects"],
        "killed": casualties.PeopleRange(figures["killed"]["min"], figures["killed"]["max"]).text()
        if "killed" in figures
        else "",
        "killed_source": (figures.get("killed") or {}).get("source") or "",
        "injured": casualties.PeopleRange(
            figures["injured"]["min"], figures["injured"]["max"]
        ).text()
        if "injured" in figures
        else "",
        "injured_source": (figures.get("injured") or {}).get("source") or "",
        "perpetrator": incident["perpetrator"] or "",
        "perpetrator_confidence": incident["perpetrator_confidence"] or "",
        "ihl_concerns": incident["ihl_concerns"],
        "revision": incident["revision"],
    }


@router.post("/incidents", response_class=HTMLResponse)
async def incident_create(request: Request, w: WS, who: Writer) -> Response:
    form = await request.form()
    try:
        doc = _doc_from_form(form)
        created = await run_in_threadpool(service.create_incident, w, doc, actor=who.username)
    except CivwatchError as exc:
        await run_in_threadpool(_audit, request, w, who, "incident-create", "incident", exc.message)
        return _list_page(
            request,
            w,
            who,
            Filters(),
            1,
            form=_entered(form),
            error=exc.message,
            status=exc.status_code,
        )
    await run_in_threadpool(_audit, request, w, who, "incident-create", f"incident {created['id']}")
    return RedirectResponse(f"/incidents/{created['id']}?done=created", status_code=303)


# --- map and timeline --------------------------------------------------------------------------


@router.get("/incidents/map", response_class=HTMLResponse)
def incidents_map(
    request: Request,
    w: WS,
    who: Reader,
    flt: ListFilters,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    listing, filter_error = _listing(w, flt, limit=MAP_LIST_SIZE, offset=(page - 1) * MAP_LIST_SIZE)
    settings = w.settings
    return render(
        request,
        "incidents_map.html",
        {
            **_common(w, who),
            "listing": listing,
            "filters": flt,
            "filter_error": filter_error,
            "page": page,
            "pages": max(1, -(-listing["total"] // MAP_LIST_SIZE)),
            "geojson_url": "/api/v1/incidents.geojson?" + flt.api_params(),
            "tile_url": settings.map_tile_url,
            "tile_attribution": settings.map_tile_attribution,
            "start_bbox": ",".join(f"{v:g}" for v in MAP_START_BBOX),
        },
        status=422 if filter_error else 200,
    )


def _month_totals(series: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per-day series folded into months (ranges add: minima and maxima separately)."""
    months: dict[str, dict[str, Any]] = {}
    for row in series:
        month = row["period"][:7]
        entry = months.setdefault(
            month,
            {
                "incidents": 0,
                "killed": {"incidents_with_figure": 0, "min": 0, "max": 0},
                "injured": {"incidents_with_figure": 0, "min": 0, "max": 0},
            },
        )
        entry["incidents"] += row["incidents"]
        for kind in ("killed", "injured"):
            for key in ("incidents_with_figure", "min", "max"):
                entry[kind][key] += row[kind][key]
    return months


@router.get("/incidents/timeline", response_class=HTMLResponse)
def incidents_timeline(
    request: Request,
    w: WS,
    who: Reader,
    flt: ListFilters,
    by: Annotated[str, Query(pattern="^(day|month)$")] = "day",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    listing, filter_error = _listing(w, flt, limit=TIMELINE_PAGE, offset=(page - 1) * TIMELINE_PAGE)
    totals: dict[str, dict[str, Any]] = {}
    if not filter_error:
        q = flt.query
        series = aggregate.time_series(
            w,
            "day",
            statuses=[q["status"]] if q["status"] else None,
            visibility=q["visibility"],
            oblast=q["oblast"],
            incident_type=q["incident_type"],
            object_=q["object_"],
            start_from=q["start_from"],
            start_to=q["start_to"],
            include_false=True,
        )["series"]
        totals = _month_totals(series) if by == "month" else {row["period"]: row for row in series}
    groups: list[dict[str, Any]] = []
    for incident in listing["incidents"]:
        key = incident["start"][: 7 if by == "month" else 10]
        if not groups or groups[-1]["key"] != key:
            groups.append({"key": key, "incidents": [], "totals": totals.get(key)})
        groups[-1]["incidents"].append(incident)
    return render(
        request,
        "incidents_timeline.html",
        {
            **_common(w, who),
            "listing": listing,
            "groups": groups,
            "by": by,
            "filters": flt,
            "filter_error": filter_error,
            "page": page,
            "pages": max(1, -(-listing["total"] // TIMELINE_PAGE)),
        },
        status=422 if filter_error else 200,
    )


# --- review queue ------------------------------------------------------------------------------


@router.get("/review", response_class=HTMLResponse)
def review_queue(request: Request, w: WS, who: Reader) -> Response:
    found = queue.review_queue(w, who.username)
    now = utcnow()
    return render(
        request,
        "review.html",
        {
            **_common(w, who),
            "queue": found,
            "field_labels": {field: gettext(text) for field, text in FIELD_LABELS.items()},
            "age": lambda since: format_age(since, now=now),
        },
    )


# --- one incident ------------------------------------------------------------------------------


def _incident_page(
    request: Request,
    ws: Workspace,
    who: Principal,
    incident_id: RowId,
    *,
    done: str = "",
    error: str | None = None,
    error_form: str = "",
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    incident = service.get_incident(ws, incident_id)
    common = _common(ws, who)
    submitter = next(
        (h["actor"] for h in reversed(incident["history"]) if h["act"] == "submit"), None
    )
    authors = workflow.get_incident_authors(ws, incident_id)
    change = incident["change"]
    part = None if change is None else reader_part(change, authors, who.username)
    suggested: list[dict[str, Any]] = []
    if common["can_write"]:
        suggested = queue.suggested_items(ws, incident_id)
    if error_form == "edit" and form is not None:
        # What the editor typed, now against the current revision: sending it again after
        # reading the error is a deliberate choice to overwrite.
        edit_form = {**form, "revision": incident["revision"]}
    else:
        edit_form = form_of(incident)
    return render(
        request,
        "incident.html",
        {
            **common,
            "incident": incident,
            "publishing": _publishing(ws, incident),
            "submitter": submitter,
            "may_decide": common["can_review"]
            and incident["status"] == "in_review"
            and submitter != who.username
            and who.username not in authors,
            "own_part": gettext(OWN_PART[authors[who.username]])
            if authors.get(who.username) in OWN_PART
            else None,
            "change": change,
            "change_rows": []
            if change is None
            else change_rows(change, common["term_labels"], common["labels"], common["range_text"]),
            "may_decide_change": common["can_review"]
            and change is not None
            and change["state"] == "pending"
            and part is None,
            "change_part": None if part is None else gettext(YOUR_PART[part]),
            "suggested": suggested,
            "internal_access": internal_fields.internal_access(ws, incident_id, who.username),
            "previewable": previewable,
            "done": gettext(DONE[done]) if done in DONE else None,
            "error": error,
            "error_form": error_form,
            "form": edit_form,
            "entered": form if form is not None and error_form != "edit" else {},
        },
        status=status,
    )


def _publishing(ws: Workspace, incident: dict[str, Any]) -> dict[str, Any]:
    """What the Publication section shows: the public history, and for each linked photo
    or video whether the public sees it (an approved redaction) or not."""
    with ws.sessions() as session:
        hidden = set(publication.unredacted_media(session, incident["id"]))
    media = []
    for e in incident["evidence"]:
        if not e["media_type"].startswith(("image/", "video/")):
            continue
        made = redaction.list_redactions(ws, e["sha256"])
        media.append(
            {
                **e,
                "shown": e["sha256"] not in hidden,
                "approved": next((r for r in made if r["status"] == "approved"), None),
                "drafts": [r for r in made if r["status"] == "draft"],
            }
        )
    return {
        "history": publication.get_public_history(ws, incident["id"]),
        "media": media,
        "hidden": [m for m in media if not m["shown"]],
    }


@router.get("/incidents/{incident_id}/internal", response_class=HTMLResponse)
def incident_internal_page(request: Request, w: WS, who: Writer, incident_id: RowId) -> Response:
    """The witnesses and internal notes, for the people who work on the incident and its
    reviewers while it waits for review: each opening (and refusal) is audited."""
    internal = internal_fields.internal_fields(
        w, incident_id, actor=who.username, client=client_of(request)
    )
    return render(
        request,
        "incident_internal.html",
        {"incident": service.get_incident(w, incident_id), "internal": internal},
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(
    request: Request,
    w: WS,
    who: Reader,
    incident_id: RowId,
    done: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    return _incident_page(request, w, who, incident_id, done=done)


def _field(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _changes(current: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``doc`` that differ from the incident's current content."""
    changes: dict[str, Any] = {}
    for key, value in doc.items():
        old = current.get(key)
        if key in ("start", "end"):
            if value is None or value == datetime.fromisoformat(str(old)):
                continue
        elif key in ("settlement", "oblast") and value is None:
            continue  # left empty: derived from the place again if it moves
        elif key in ("lat", "lon", "radius_m"):
            if value is not None and old is not None and float(value) == float(old):
                continue
        elif key in ("weapons", "objects", "ihl_concerns"):
            if sorted(value) == sorted(old or []):
                continue
        elif key == "casualties":
            merged = {}
            for kind, figure in value.items():  # keep breakdowns by group the form lacks
                groups = (old or {}).get(kind, {}).get("groups")
                merged[kind] = {**figure, **({"groups": groups} if groups else {})}
            value = merged
            if casualties.normalise(value) == old:
                continue
        elif value == old or (value in (None, "") and old in (None, "")):
            continue
        changes[key] = value
    return changes


async def _act(
    request: Request,
    ws: Workspace,
    who: Principal,
    incident_id: RowId,
    form_name: str,
    action: str,
    done: str | Callable[[Any], str],
    call: Any,
    *args: Any,
    **kwargs: Any,
) -> Response:
    """Run one service call for a form; redirect with ``done`` (a key of :data:`DONE`, or a
    function of the call's result giving one) or show the page with the error."""
    form = await request.form()
    try:
        result = await run_in_threadpool(call, *args, **kwargs)
    except CivwatchError as exc:
        message, code = exc.message, exc.status_code
        await run_in_threadpool(
            _audit, request, ws, who, action, f"incident {incident_id}", message
        )
        return await run_in_threadpool(
            lambda: _incident_page(
                request,
                ws,
                who,
                incident_id,
                error=message,
                error_form=form_name,
                form=_entered(form),
                status=code,
            )
        )
    await run_in_threadpool(_audit, request, ws, who, action, f"incident {incident_id}")
    key = done(result) if callable(done) else done
    return RedirectResponse(f"/incidents/{incident_id}?done={key}", status_code=303)


@router.post("/incidents/{incident_id}/edit", response_class=HTMLResponse)
async def incident_edit(request: Request, w: WS, who: Writer, incident_id: RowId) -> Response:
    form = await request.form()

    def update() -> dict[str, Any]:
        current = service.get_incident(w, incident_id)
        changes = _changes(current, _doc_from_form(form))
        return service.update_incident(
            w, incident_id, changes, actor=who.username, expected_revision=_revision(form)
        )

    def done(shown: dict[str, Any]) -> str:
        return "proposed" if shown["change"] is not None else "updated"

    return await _act(request, w, who, incident_id, "edit", "incident-update", done, update)


@router.post("/incidents/{incident_id}/evidence", response_class=HTMLResponse)
async def incident_link(request: Request, w: WS, who: Writer, incident_id: RowId) -> Response:
    form = await request.form()
    return await _act(
        request,
        w,
        who,
        incident_id,
        "link",
        "incident-link",
        "linked",
        service.link_evidence,
        w,
        incident_id,
        _field(form, "sha256").lower(),
        role=_field(form, "role") or "corroborating",
        note=_field(form, "note"),
        actor=who.username,
    )


@router.post("/incidents/{incident_id}/evidence/unlink", response_class=HTMLResponse)
async def incident_unlink(request: Request, w: WS, who: Writer, incident_id: RowId) -> Response:
    form = await request.form()
    return await _act(
        request,
        w,
        who,
        incident_id,
        "unlink:" + _field(form, "sha256"),
        "incident-unlink",
        "unlinked",
        service.unlink_evidence,
        w,
        incident_id,
        _field(form, "sha256").lower(),
        reason=_field(form, "reason"),
        actor=who.username,
    )


@router.post("/incidents/{incident_id}/status", response_class=HTMLResponse)
async def incident_status(request: Request, w: WS, who: Writer, incident_id: RowId) -> Response:
    form = await request.form()
    return await _act(
        request,
        w,
        who,
        incident_id,
        "status",
        "incident-status",
        "status",
        workflow.set_incident_status,
        w,
        incident_id,
        _field(form, "target"),
        actor=who.username,
        reason=_field(form, "reason") or None,
    )


@router.post("/incidents/{incident_id}/review", response_class=HTMLResponse)
async def incident_review(request: Request, w: WS, who: Reviewer, incident_id: RowId) -> Response:
    form = await request.form()
    decision = _field(form, "decision")
    current = await run_in_threadpool(service.get_incident, w, incident_id)
    on_change = current["status"] != "in_review" and current["change"] is not None

    def done(shown: dict[str, Any]) -> str:
        if not on_change:
            return "approved" if decision == "approve" else "rejected"
        if decision != "approve":
            return "change-rejected"
        return "change-waiting" if shown["change"] is not None else "change-approved"

    return await _act(
        request,
        w,
        who,
        incident_id,
        "change-review" if on_change else "review",
        "incident-review",
        done,
        workflow.review_incident,
        w,
        incident_id,
        decision,
        actor=who.username,
        reason=_field(form, "reason") or None,
    )


def _refuse(message: str) -> None:
    raise RejectedInputError(message)


@router.post("/incidents/{incident_id}/visibility", response_class=HTMLResponse)
async def incident_visibility(
    request: Request, w: WS, who: Publisher, incident_id: RowId
) -> Response:
    """Publish (``visibility=public``, optional ``reason`` as the public note) or withdraw
    (``visibility=internal``, ``reason`` required and shown in the public history)."""
    form = await request.form()
    if _field(form, "visibility") == "internal":
        return await _act(
            request,
            w,
            who,
            incident_id,
            "withdraw",
            "incident-withdraw",
            "unpublished",
            publication.withdraw_incident,
            w,
            incident_id,
            reason=_field(form, "reason"),
            actor=who.username,
        )
    if _field(form, "visibility") != "public":
        return await _act(
            request,
            w,
            who,
            incident_id,
            "publish",
            "incident-publish",
            "published",
            _refuse,
            _("Choose to publish (visibility public) or to withdraw (visibility internal)."),
        )
    return await _act(
        request,
        w,
        who,
        incident_id,
        "publish",
        "incident-publish",
        "published",
        publication.publish_incident,
        w,
        incident_id,
        actor=who.username,
        note=_field(form, "reason") or None,
    )


@router.post("/incidents/{incident_id}/location-precision", response_class=HTMLResponse)
async def incident_precision(
    request: Request, w: WS, who: Publisher, incident_id: RowId
) -> Response:
    """How precisely the public sees the place (exact, settlement, raion, oblast)."""
    form = await request.form()
    return await _act(
        request,
        w,
        who,
        incident_id,
        "precision",
        "incident-location-precision",
        "precision",
        publication.set_location_precision,
        w,
        incident_id,
        _field(form, "precision"),
        actor=who.username,
        reason=_field(form, "reason") or None,
    )


@router.post("/incidents/{incident_id}/corrections", response_class=HTMLResponse)
async def incident_correction(
    request: Request, w: WS, who: Publisher, incident_id: RowId
) -> Response:
    """A public correction notice on a published incident (it stays public)."""
    form = await request.form()
    return await _act(
        request,
        w,
        who,
        incident_id,
        "correction",
        "incident-correct",
        "corrected",
        publication.correct_incident,
        w,
        incident_id,
        _field(form, "note"),
        actor=who.username,
    )


@router.post("/incidents/{incident_id}/suggestions", response_class=HTMLResponse)
async def incident_suggestion(request: Request, w: WS, who: Writer, incident_id: RowId) -> Response:
    form = await request.form()
    decision = _field(form, "decision")
    return await _act(
        request,
        w,
        who,
        incident_id,
        "suggestion:" + _field(form, "sha256"),
        "suggestion-decide",
        "confirmed" if decision == "confirmed" else "dismissed",
        suggestions.decide,
        w,
        _field(form, "sha256").lower(),
        incident_id,
        decision,
        actor=who.username,
        role=_field(form, "role") or "corroborating",
        reason=_field(form, "reason") or None,
    )

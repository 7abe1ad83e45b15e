"""The JSON API for incidents, verification and the map (GeoJSON) under /api/v1.

Each route parses its input, calls one service function of :mod:`civwatch.incidents`
with the caller's username as the actor, audits writes, and returns what the service
returned. The rules (two-person review, who may do what to which state) live in the
services; their refusals come back as RFC 9457 problem documents.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.geo.regions import UKRAINE_ADMIN1
from civwatch.incidents import (
    aggregate,
    geojson,
    map_grid,
    places,
    service,
    suggestions,
    verification,
    workflow,
)
from civwatch.incidents import vocabulary as vocab
from civwatch.incidents.input import MAX_TEXT, IncidentChangesInput, NewIncidentInput
from civwatch.incidents.terms import add_term, list_terms
from civwatch.publish import publication
from civwatch.web.answer_cache import cached_answer, cells_query
from civwatch.web.answers import EXACT, GeoJSONResponse
from civwatch.web.answers_evidence import (
    RecordView,
    SuggestionDecided,
    SuggestionsAnswer,
    VerificationView,
)
from civwatch.web.answers_incidents import (
    FacetsAnswer,
    IncidentPage,
    IncidentView,
    PlacesAnswer,
    PublishedIncident,
    SeriesAnswer,
    TeamMapCells,
    TeamMapPage,
    TermAnswer,
    TotalsAnswer,
)
from civwatch.web.auth import audit_action, require
from civwatch.web.deps import MAX_ROW_ID, WS, RowId
from civwatch.web.problems import PROBLEM_RESPONSES, problem_doc

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

Reader = Annotated[Principal, Depends(require(Permission.INCIDENTS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.INCIDENTS_WRITE))]
Reviewer = Annotated[Principal, Depends(require(Permission.REVIEW))]
Publisher = Annotated[Principal, Depends(require(Permission.PUBLISH))]
Curator = Annotated[Principal, Depends(require(Permission.REFERENCE_MANAGE))]

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: problem_doc("The incident changed since you read it (revision mismatch)")
}


_audit = audit_action


# --- request bodies ----------------------------------------------------------------------------


class LinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sha256: str = Field(pattern="^[0-9a-fA-F]{64}$", description="The evidence item")
    role: str = Field(
        default="corroborating", max_length=32, description=", ".join(vocab.LINK_ROLES)
    )
    note: str = Field(default="", max_length=MAX_TEXT)


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=workflow.MAX_REASON, description="Why")


class StatusChange(BaseModel):
    """Start verification (under_verification), propose an outcome for review (verified,
    unverifiable, false_or_misattributed), or reopen a final state (under_verification,
    with a reason)."""

    model_config = ConfigDict(extra="forbid")
    status: str = Field(max_length=64, description=", ".join(vocab.INCIDENT_STATUSES))
    reason: str | None = Field(default=None, max_length=workflow.MAX_REASON)


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "reject"]
    reason: str | None = Field(
        default=None, max_length=workflow.MAX_REASON, description="Required to reject"
    )


class VisibilityChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    visibility: Literal["internal", "public"]
    reason: str | None = Field(
        default=None,
        max_length=publication.MAX_NOTE,
        description="The public note of a publication; required to withdraw (shown publicly)",
    )


class NewRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=32, description=", ".join(vocab.RECORD_KINDS))
    content: dict[str, Any] = Field(
        max_length=16,
        description="The record's fields: "
        + "; ".join(f"{k}: {', '.join(v)}" for k, v in verification.RECORD_FIELDS.items()),
    )
    supersedes: int | None = Field(default=None, ge=1, description="The record this corrects")


class SuggestionDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["confirmed", "dismissed"]
    role: str = Field(
        default="corroborating", max_length=32, description="Link role when confirmed"
    )
    reason: str | None = Field(default=None, max_length=workflow.MAX_REASON)


class NewTerm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=32, description=", ".join(vocab.KINDS))
    label: str = Field(min_length=1, max_length=255)
    code: str | None = Field(default=None, max_length=64, description="Default: from the label")


# --- filters shared by the list, the map and the aggregates -------------------------------------

Status = Annotated[str | None, Query(max_length=64, description=", ".join(vocab.INCIDENT_STATUSES))]
Visibility = Annotated[str | None, Query(max_length=16, description="internal or public")]
Oblast = Annotated[str | None, Query(max_length=255, description="Any usual spelling")]
IncidentType = Annotated[str | None, Query(max_length=255, description="Code or label")]
ObjectTerm = Annotated[
    str | None, Query(alias="object", max_length=255, description="Affected object")
]
Start = Annotated[
    datetime | None, Query(description="Incidents starting at or after this time (with zone)")
]
End = Annotated[datetime | None, Query(description="... and starting before this time")]


def _filters(
    status: str | None,
    visibility: str | None,
    oblast: str | None,
    incident_type: str | None,
    object_: str | None,
    start: datetime | None,
    end: datetime | None,
) -> dict[str, Any]:
    return {
        "statuses": [status] if status else None,
        "visibility": visibility or None,
        "oblast": oblast or None,
        "incident_type": incident_type or None,
        "object_": object_ or None,
        "start_from": start,
        "start_to": end,
    }


# --- reading ----------------------------------------------------------------------------------


@router.get(
    "/incidents.geojson",
    tags=["incidents"],
    response_class=GeoJSONResponse,
    response_model=TeamMapPage | TeamMapCells,
)
def incidents_map(
    request: Request,
    w: WS,
    _: Reader,
    bbox: Annotated[
        str | None,
        Query(
            max_length=200,
            description="west,south,east,north in degrees; west > east crosses the antimeridian",
        ),
    ] = None,
    start: Start = None,
    end: End = None,
    status: Annotated[
        list[str] | None,
        Query(max_length=6, description="Repeat for several; default: all but false ones"),
    ] = None,
    visibility: Visibility = None,
    oblast: Oblast = None,
    incident_type: IncidentType = None,
    object_: ObjectTerm = None,
    weapon: Annotated[str | None, Query(max_length=255, description="Weapon system")] = None,
    limit: Annotated[int, Query(ge=1, le=geojson.MAX_LIMIT)] = geojson.DEFAULT_LIMIT,
    cursor: Annotated[
        int | None, Query(ge=0, le=MAX_ROW_ID, description="From the 'next' link")
    ] = None,
    kind: Annotated[
        str,
        Query(
            max_length=10,
            description="points, cells (counts per grid cell) or auto: cells for a box "
            "wider than two degrees, points otherwise",
        ),
    ] = "auto",
) -> Response:
    """Incidents as GeoJSON for a map viewport: points, by id, with a link to the next page,
    or for a wide viewport counts per grid cell (``kind`` says which). Answers carry an
    ETag: send it back in ``If-None-Match`` to get 304 while no incident has changed."""
    query = geojson.MapQuery(
        bbox=None if bbox is None else geojson.parse_bbox(bbox),
        statuses=tuple(s for s in status or () if s) or None,
        visibility=visibility or None,
        oblast=oblast or None,
        incident_type=incident_type or None,
        object_=object_ or None,
        weapon=weapon or None,
        start_from=start,
        start_to=end,
        limit=limit,
        cursor=cursor,
    )
    if map_grid.team_map_wants_cells(w, query, map_grid.check_kind(kind)):
        return cached_answer(
            request,
            w,
            lambda: map_grid.cells_text(map_grid.incident_cells(w, query)).encode(),
            "application/geo+json",
            public=False,
            query=cells_query(request, map_grid.grid_for(query.bbox)),
        )

    def make() -> bytes:
        page = geojson.incidents_geojson(w, query)
        following = None
        if page.next_cursor is not None:
            params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
            after = [*params, ("cursor", str(page.next_cursor))]
            following = f"{request.url.path}?{urlencode(after)}"
        return page.text(following).encode()

    return cached_answer(request, w, make, "application/geo+json", public=False)


@router.get("/incidents/facets", tags=["incidents"], response_model=FacetsAnswer)
def incidents_facets(w: WS, _: Reader) -> dict[str, Any]:
    """The values the filters and forms take: statuses, terms of every vocabulary, oblasts."""
    terms: dict[str, list[dict[str, str]]] = {kind: [] for kind in vocab.KINDS}
    for term in list_terms(w):
        terms[term["kind"]].append({"code": term["code"], "label": term["label"]})
    return {
        "statuses": list(vocab.INCIDENT_STATUSES),
        "item_statuses": list(vocab.ITEM_STATUSES),
        "outcomes": list(vocab.OUTCOMES),
        "visibilities": list(vocab.VISIBILITIES),
        "time_precisions": list(vocab.TIME_PRECISIONS),
        "link_roles": list(vocab.LINK_ROLES),
        "record_kinds": list(vocab.RECORD_KINDS),
        "casualty_groups": list(vocab.CASUALTY_GROUPS),
        "incident_types": terms["incident_type"],
        "weapons": terms["weapon"],
        "objects": terms["object"],
        "ihl_concerns": terms["ihl_concern"],
        "oblasts": sorted(english for english, _ in UKRAINE_ADMIN1.values()),
    }


@router.get("/incidents", tags=["incidents"], response_model=IncidentPage)
def incidents_list(
    w: WS,
    _: Reader,
    status: Status = None,
    visibility: Visibility = None,
    oblast: Oblast = None,
    incident_type: IncidentType = None,
    object_: ObjectTerm = None,
    start: Start = None,
    end: End = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """A page of incidents, newest first, with the total that match."""
    return service.list_incidents(
        w,
        status=status or None,
        visibility=visibility or None,
        oblast=oblast or None,
        incident_type=incident_type or None,
        object_=object_ or None,
        start_from=start,
        start_to=end,
        limit=limit,
        offset=offset,
    )


@router.get("/incidents/totals", tags=["incidents"], response_model=TotalsAnswer)
def incidents_totals(
    w: WS,
    _: Reader,
    status: Status = None,
    visibility: Visibility = None,
    oblast: Oblast = None,
    incident_type: IncidentType = None,
    object_: ObjectTerm = None,
    start: Start = None,
    end: End = None,
) -> dict[str, Any]:
    """Incidents counted and casualties summed as ranges (false ones left out unless asked)."""
    return aggregate.casualty_totals(
        w, **_filters(status, visibility, oblast, incident_type, object_, start, end)
    )


@router.get("/incidents/series", tags=["incidents"], response_model=SeriesAnswer)
def incidents_series(
    w: WS,
    _: Reader,
    period: Annotated[Literal["day", "week"], Query(description="UTC days or ISO weeks")] = "day",
    status: Status = None,
    visibility: Visibility = None,
    oblast: Oblast = None,
    incident_type: IncidentType = None,
    object_: ObjectTerm = None,
    start: Start = None,
    end: End = None,
) -> dict[str, Any]:
    """Incidents and casualty ranges per day or week."""
    return aggregate.time_series(
        w, period, **_filters(status, visibility, oblast, incident_type, object_, start, end)
    )


@router.get("/incidents/{incident_id}", tags=["incidents"], response_model=IncidentView, **EXACT)
def incidents_get(w: WS, _: Reader, incident_id: RowId) -> dict[str, Any]:
    """One incident: content, linked evidence, independent sources, history, revisions."""
    return service.get_incident(w, incident_id)


@router.get("/incidents/{incident_id}/places", tags=["incidents"], response_model=PlacesAnswer)
def incidents_places(
    w: WS,
    _: Reader,
    incident_id: RowId,
    radius_m: Annotated[float, Query(ge=0, le=places.MAX_RADIUS_M)] = 500.0,
    kind: Annotated[list[str] | None, Query(max_length=20, description="Object terms")] = None,
) -> dict[str, Any]:
    """Protected places (hospitals, schools...) within the radius plus the incident's precision."""
    return places.places_near_incident(w, incident_id, radius_m, kinds=kind or None)


# --- writing ----------------------------------------------------------------------------------


@router.post(
    "/incidents", tags=["incidents"], status_code=201, response_model=IncidentView, **EXACT
)
def incidents_create(
    request: Request, w: WS, who: Writer, body: NewIncidentInput
) -> dict[str, Any]:
    """Record a new incident (status reported, visibility internal)."""
    created = service.create_incident(w, body.doc(), actor=who.username)
    _audit(request, w, who, "incident-create", f"incident:{created['id']}")
    return created


@router.patch(
    "/incidents/{incident_id}",
    tags=["incidents"],
    responses=CONFLICT,
    response_model=IncidentView,
    **EXACT,
)
def incidents_update(
    request: Request, w: WS, who: Writer, incident_id: RowId, body: IncidentChangesInput
) -> dict[str, Any]:
    """Record a new revision with the fields given (not while the incident is in review)."""
    updated = service.update_incident(
        w, incident_id, body.doc(), actor=who.username, expected_revision=body.revision
    )
    _audit(
        request,
        w,
        who,
        "incident-update",
        f"incident:{incident_id}",
        revision=updated["revision"],
    )
    return updated


@router.post(
    "/incidents/{incident_id}/evidence", tags=["incidents"], response_model=IncidentView, **EXACT
)
def incidents_link(
    request: Request, w: WS, who: Writer, incident_id: RowId, body: LinkRequest
) -> dict[str, Any]:
    """Link an evidence item (primary, corroborating or context); again to change role/note."""
    shown = service.link_evidence(
        w, incident_id, body.sha256.lower(), role=body.role, note=body.note, actor=who.username
    )
    _audit(request, w, who, "incident-link", f"incident:{incident_id}", sha256=body.sha256.lower())
    return shown


@router.post(
    "/incidents/{incident_id}/evidence/{sha256}/unlink",
    tags=["incidents"],
    response_model=IncidentView,
    **EXACT,
)
def incidents_unlink(
    request: Request, w: WS, who: Writer, incident_id: RowId, sha256: str, body: Reason
) -> dict[str, Any]:
    """Remove a link, with the reason (the link's history stays)."""
    shown = service.unlink_evidence(w, incident_id, sha256, reason=body.reason, actor=who.username)
    _audit(request, w, who, "incident-unlink", f"incident:{incident_id}", sha256=sha256)
    return shown


@router.post(
    "/incidents/{incident_id}/status", tags=["incidents"], response_model=IncidentView, **EXACT
)
def incidents_status(
    request: Request, w: WS, who: Writer, incident_id: RowId, body: StatusChange
) -> dict[str, Any]:
    """Start verification, propose an outcome for review, or reopen (with a reason)."""
    shown = workflow.set_incident_status(
        w, incident_id, body.status, actor=who.username, reason=body.reason
    )
    _audit(request, w, who, "incident-status", f"incident:{incident_id}", status=shown["status"])
    return shown


@router.post(
    "/incidents/{incident_id}/review", tags=["incidents"], response_model=IncidentView, **EXACT
)
def incidents_review(
    request: Request, w: WS, who: Reviewer, incident_id: RowId, body: ReviewDecision
) -> dict[str, Any]:
    """Approve the proposed outcome or reject it with a reason (not your own proposal)."""
    shown = workflow.review_incident(
        w, incident_id, body.decision, actor=who.username, reason=body.reason
    )
    _audit(request, w, who, "incident-review", f"incident:{incident_id}", decision=body.decision)
    return shown


@router.post(
    "/incidents/{incident_id}/visibility",
    tags=["incidents"],
    deprecated=True,
    response_model=PublishedIncident | IncidentView,
    **EXACT,
)
def incidents_visibility(
    request: Request, w: WS, who: Publisher, incident_id: RowId, body: VisibilityChange
) -> dict[str, Any]:
    """Deprecated: use `POST /incidents/{incident_id}/publish` and
    `POST /incidents/{incident_id}/withdraw`, which this calls (same checks, same answers,
    same audit records)."""
    if body.visibility == "public":
        shown = publication.publish_incident(w, incident_id, actor=who.username, note=body.reason)
        _audit(request, w, who, "incident-publish", f"incident:{incident_id}")
        return shown
    shown = publication.withdraw_incident(
        w, incident_id, reason=body.reason or "", actor=who.username
    )
    _audit(request, w, who, "incident-withdraw", f"incident:{incident_id}")
    return shown


# --- verification of evidence items -------------------------------------------------------------


@router.get(
    "/evidence/{sha256}/verification", tags=["verification"], response_model=VerificationView
)
def item_verification(w: WS, _: Reader, sha256: str) -> dict[str, Any]:
    """An item's verification: status, records (superseded ones marked), checks, history."""
    return verification.item_verification(w, sha256)


@router.post(
    "/evidence/{sha256}/verification/records",
    tags=["verification"],
    status_code=201,
    response_model=RecordView,
)
def item_record_add(
    request: Request, w: WS, who: Writer, sha256: str, body: NewRecord
) -> dict[str, Any]:
    """Add a verification record (starts the item's verification if needed)."""
    record = verification.add_record(
        w, sha256, body.kind, body.content, actor=who.username, supersedes=body.supersedes
    )
    _audit(
        request,
        w,
        who,
        "verification-record",
        f"evidence:{sha256}",
        kind=record["kind"],
        record=record["id"],
    )
    return record


@router.post(
    "/evidence/{sha256}/verification/status",
    tags=["verification"],
    response_model=VerificationView,
)
def item_status(
    request: Request, w: WS, who: Writer, sha256: str, body: StatusChange
) -> dict[str, Any]:
    """Propose an outcome for review, or reopen a final state (with a reason)."""
    shown = verification.set_item_status(
        w, sha256, body.status, actor=who.username, reason=body.reason
    )
    _audit(request, w, who, "item-status", f"evidence:{sha256}", status=shown["status"])
    return shown


@router.post(
    "/evidence/{sha256}/verification/review",
    tags=["verification"],
    response_model=VerificationView,
)
def item_review(
    request: Request, w: WS, who: Reviewer, sha256: str, body: ReviewDecision
) -> dict[str, Any]:
    """Approve the proposed outcome or reject it with a reason (not your own work)."""
    shown = verification.review_item(
        w, sha256, body.decision, actor=who.username, reason=body.reason
    )
    _audit(request, w, who, "item-review", f"evidence:{sha256}", decision=body.decision)
    return shown


@router.get(
    "/evidence/{sha256}/suggestions", tags=["verification"], response_model=SuggestionsAnswer
)
def item_suggestions(
    w: WS,
    _: Reader,
    sha256: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    min_score: Annotated[float, Query(ge=0, le=1)] = suggestions.MIN_SCORE,
) -> dict[str, Any]:
    """Incidents the item may belong to, best first, each with its score and reasons."""
    return suggestions.suggest_incidents(w, sha256, limit=limit, min_score=min_score)


@router.post(
    "/evidence/{sha256}/suggestions/{incident_id}",
    tags=["verification"],
    response_model=SuggestionDecided,
)
def item_suggestion_decide(
    request: Request, w: WS, who: Writer, sha256: str, incident_id: RowId, body: SuggestionDecision
) -> dict[str, Any]:
    """Confirm a suggestion (links the item) or dismiss it (hides it for this item)."""
    decided = suggestions.decide(
        w,
        sha256,
        incident_id,
        body.decision,
        actor=who.username,
        role=body.role,
        reason=body.reason,
    )
    _audit(
        request,
        w,
        who,
        "suggestion-" + ("confirm" if body.decision == "confirmed" else "dismiss"),
        f"evidence:{sha256}",
        incident=incident_id,
    )
    return decided


# --- vocabularies -------------------------------------------------------------------------------


@router.get("/vocabulary", tags=["incidents"], response_model=list[TermAnswer])
def vocabulary_list(
    w: WS,
    _: Reader,
    kind: Annotated[str | None, Query(max_length=32, description=", ".join(vocab.KINDS))] = None,
) -> list[dict[str, Any]]:
    """Every term of the controlled vocabularies (built-in and added), by kind then code."""
    return list_terms(w, kind or None)


@router.post("/vocabulary", tags=["incidents"], status_code=201, response_model=TermAnswer)
def vocabulary_add(request: Request, w: WS, who: Curator, body: NewTerm) -> dict[str, Any]:
    """Add a term to a vocabulary (terms are never removed)."""
    term = add_term(w, body.kind, body.label, code=body.code, actor=who.username)
    _audit(request, w, who, "vocabulary-add", f"vocabulary:{term['kind']}:{term['code']}")
    return term

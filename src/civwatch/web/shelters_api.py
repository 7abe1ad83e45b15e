"""``/api/v1/shelters``: the nearest working shelters, one shelter, reports from the public
(no account), and the coordinators' decisions on them.

Answers hold public fields only (:mod:`civwatch.web.answers_shelters`); a public report
is limited per client address as the report form is, and audited without the address.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.shelters.nearest import Nearby, nearest, ready
from civwatch.shelters.registry import get_shelter, public_shelter
from civwatch.shelters.reports import (
    MAX_NOTE,
    MAX_REASON,
    confirm_report,
    dismiss_report,
    pending_reports,
)
from civwatch.shelters.status import ShownStatus, shown_status
from civwatch.web.answers_shelters import (
    Decided,
    NearbyShelter,
    PendingReport,
    PublicShelter,
    ReportReceived,
)
from civwatch.web.auth import require
from civwatch.web.deps import WS
from civwatch.web.problems import PROBLEM_RESPONSES
from civwatch.web.shelter_pages import ShelterId, receive_report
from civwatch.workspace import Workspace

router = APIRouter(prefix="/api/v1/shelters", tags=["shelters"], responses=PROBLEM_RESPONSES)
Anyone = Annotated[Principal | None, Depends(require(Permission.PUBLIC))]
Coordinator = Annotated[Principal, Depends(require(Permission.SHELTERS_COORDINATE))]
ReportId = ShelterId


def status_json(status: ShownStatus, now: datetime) -> dict[str, Any]:
    """A shown status as the API gives it."""
    return {
        "code": status.code,
        "at": status.at.isoformat() if status.at else None,
        "confirmations": status.confirmations,
        "basis": status.basis,
        "sentence": status.sentence(now),
    }


def nearby_json(found: list[Nearby], now: datetime) -> bytes:
    """The nearest-shelter answer as JSON (a :class:`NearbyShelter` each, written straight
    with orjson: this answer is the busiest of the public ones)."""
    return orjson.dumps(
        [
            {
                "id": f.id,
                "name": f.name,
                "lat": f.lat,
                "lon": f.lon,
                "distance_m": f.distance_m,
                "bearing_deg": f.bearing_deg,
                "compass": f.compass,
                "status": status_json(f.status, now),
                "capacity": f.capacity,
                "step_free": f.step_free,
                "pets": f.pets,
                "type": f.type,
                "address": f.address,
            }
            for f in found
        ]
    )


@router.get("/nearest", response_model=list[NearbyShelter])
async def nearest_shelters(
    w: WS,
    _p: Anyone,
    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude (WGS 84)")],
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude (WGS 84)")],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    step_free: Annotated[bool, Query(description="Only step-free entrances")] = False,
    pets: Annotated[bool, Query(description="Only where pets are allowed")] = False,
) -> Response:
    """The nearest shelters not known to be closed, locked or unusable, nearest first."""
    now = datetime.now(UTC)
    if ready(w):  # the index is in memory and kept up to date: no database, no thread
        found = nearest(w, lat, lon, limit=limit, step_free=step_free, pets=pets, now=now)
    else:
        found = await run_in_threadpool(
            nearest, w, lat, lon, limit=limit, step_free=step_free, pets=pets, now=now
        )
    return Response(nearby_json(found, now), media_type="application/json")


def _reports(ws: Workspace, limit: int) -> list[dict[str, Any]]:
    with ws.sessions() as session:
        found = pending_reports(session, limit=limit)
    return [
        {
            **{k: v for k, v in dataclasses.asdict(r).items() if k not in ("decided_at", "reason")},
            "received_at": r.received_at.isoformat(),
        }
        for r in found
    ]


@router.get("/reports", response_model=list[PendingReport])
async def reports_pending(
    w: WS, _c: Coordinator, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """Reports waiting for a coordinator's decision, oldest first."""
    return await run_in_threadpool(_reports, w, limit)


class DismissBody(BaseModel):
    """Why a report is dismissed."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=MAX_REASON)


@router.post("/reports/{report_id}/confirm", response_model=Decided)
async def report_confirm(
    request: Request, w: WS, who: Coordinator, report_id: ReportId
) -> dict[str, Any]:
    """Confirm a report: from now on it counts for its shelter's shown status."""
    await run_in_threadpool(confirm_report, w, who, report_id)
    return {"report_id": report_id, "state": "confirmed"}


@router.post("/reports/{report_id}/dismiss", response_model=Decided)
async def report_dismiss(
    request: Request, w: WS, who: Coordinator, report_id: ReportId, body: DismissBody
) -> dict[str, Any]:
    """Dismiss a report, saying why: it never counts."""
    await run_in_threadpool(dismiss_report, w, who, report_id, body.reason)
    return {"report_id": report_id, "state": "dismissed"}


def public_shelter_json(ws: Workspace, shelter_id: str) -> dict[str, Any]:
    """A shelter's public record and its shown status."""
    now = datetime.now(UTC)
    with ws.sessions() as session:
        shown = public_shelter(get_shelter(session, shelter_id))
        status = shown_status(session, shelter_id, now)
    return {**shown, "status": status_json(status, now)}


@router.get("/{shelter_id}", response_model=PublicShelter)
async def shelter_one(w: WS, _p: Anyone, shelter_id: ShelterId) -> dict[str, Any]:
    """One shelter as the public sees it, with its shown status."""
    return await run_in_threadpool(public_shelter_json, w, shelter_id)


class ReportBody(BaseModel):
    """What a person found at a shelter (nothing about the person)."""

    model_config = ConfigDict(extra="forbid")
    status: str = Field(
        max_length=32, description="open, closed, locked, flooded, full or unusable"
    )
    accessibility: dict[str, bool] | None = Field(
        default=None, max_length=10, description="Feature code: seen yes or no"
    )
    note: str | None = Field(default=None, max_length=MAX_NOTE)


@router.post("/{shelter_id}/reports", status_code=201, response_model=ReportReceived)
async def report_new(
    request: Request, w: WS, _p: Anyone, shelter_id: ShelterId, body: ReportBody
) -> dict[str, Any]:
    """Report what you found at a shelter (no account). It counts once a coordinator
    confirms it."""
    report_id = await run_in_threadpool(
        lambda: receive_report(
            request,
            w,
            shelter_id,
            body.status,
            accessibility=body.accessibility,
            note=body.note,
            photo=None,
            channel="api",
        )
    )
    return {"report_id": report_id}

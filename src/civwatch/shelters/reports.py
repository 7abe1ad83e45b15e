"""Reports from the public on a shelter's state, and the coordinators' decisions on them.

A report needs no account and asks for no personal data: a status, what was seen of the
accessibility, an optional note and an optional photo. The photo is stored as an evidence
item through the evidence service (its original kept under its SHA-256; anything shown of
it is a derivative with its metadata stripped). A report counts for the shelter's shown
status only once a coordinator confirms it (:mod:`civwatch.shelters.status`).
"""

from __future__ import annotations

import io
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts import audit
from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import authorise
from civwatch.db import utcnow
from civwatch.errors import (
    ConflictError,
    PermissionDeniedError,
    RecordNotFoundError,
    RejectedInputError,
)
from civwatch.evidence.ingest import SourceInfo, ingest_paths
from civwatch.i18n import _
from civwatch.shelters.models import Shelter, ShelterReport
from civwatch.shelters.registry import new_id, reports_changed
from civwatch.shelters.status import CHANNEL_WEIGHTS
from civwatch.shelters.vocabulary import ACCESSIBILITY, REPORT_STATUSES, check_code

if TYPE_CHECKING:
    from civwatch.workspace import Workspace

#: The longest note a report may carry, and the largest photo.
MAX_NOTE: Final = 2000
MAX_PHOTO_BYTES: Final = 15 * 1024 * 1024
#: The channel of a coordinator's own report (confirmed as it is made).
COORDINATOR_CHANNEL: Final = "coordinator"
#: The longest reason a coordinator may give for dismissing a report.
MAX_REASON: Final = 1000
#: The image formats a report's photo may have, and its largest size in pixels.
PHOTO_FORMATS: Final = frozenset({"JPEG", "PNG", "WEBP"})
MAX_PHOTO_PIXELS: Final = 50_000_000
#: Who a photo sent with a report is collected by, in the evidence store.
PHOTO_COLLECTOR: Final = "shelter-report"


@dataclass(frozen=True)
class ReportView:
    """A report as coordinators see it."""

    id: str
    shelter_id: str
    shelter_name: str
    status: str
    accessibility: dict[str, bool]
    note: str | None
    photo_sha256: str | None
    channel: str
    received_at: datetime
    state: str
    decided_at: datetime | None
    reason: str | None


def _clean_text(value: str | None, limit: int, what: str) -> str | None:
    if value is None:
        return None
    text = value.replace("\x00", "").strip()
    if len(text) > limit:
        raise RejectedInputError(
            _(
                "The %(what)s is %(length)s characters long; keep it under %(limit)s.",
                what=what,
                length=len(text),
                limit=limit,
            )
        )
    return text or None


def _accessibility(observed: Mapping[str, bool] | None) -> dict[str, bool] | None:
    if not observed:
        return None
    checked: dict[str, bool] = {}
    for code, value in observed.items():
        if not isinstance(value, bool):
            raise RejectedInputError(_("Say yes or no for %(feature)s.", feature=repr(code)))
        checked[check_code(ACCESSIBILITY, str(code))] = value
    return checked


def _check_photo(data: bytes) -> None:
    """Refuse anything but a JPEG, PNG or WebP image of a sane size (a page, a program or a
    decompression bomb sent as a "photo" is not kept)."""
    if not data:
        raise RejectedInputError(_("The photo is empty."))
    if len(data) > MAX_PHOTO_BYTES:
        raise RejectedInputError(
            _("The photo is too large: send one under %(mb)s MB.", mb=MAX_PHOTO_BYTES // 2**20)
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                width, height = image.size
                image.verify()
    except (
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise RejectedInputError(
            _("The photo is not an image civwatch can read (JPEG, PNG or WebP).")
        ) from error
    if kind not in PHOTO_FORMATS or width * height > MAX_PHOTO_PIXELS:
        raise RejectedInputError(
            _("The photo is not an image civwatch can read (JPEG, PNG or WebP).")
        )


def _store_photo(ws: Workspace, photo: tuple[bytes, str], shelter_id: str) -> str:
    data, name = photo
    _check_photo(data)
    safe = Path(name or "photo").name or "photo"
    spool = ws.settings.data_dir / "tmp"
    spool.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=spool) as folder:
        path = Path(folder) / safe
        path.write_bytes(data)
        source = SourceInfo(platform="civwatch shelter report", post_id=shelter_id)
        for outcome in ingest_paths(ws, [path], source=source, collector=PHOTO_COLLECTOR):
            if outcome.sha256 is not None and outcome.status in {"ingested", "duplicate"}:
                return outcome.sha256
            raise RejectedInputError(
                _("The photo could not be kept: %(error)s", error=outcome.error or outcome.status)
            )
    raise RejectedInputError(_("The photo could not be kept."))


def submit_report(
    ws: Workspace,
    shelter_id: str,
    status: str,
    *,
    accessibility: Mapping[str, bool] | None = None,
    note: str | None = None,
    photo: tuple[bytes, str] | None = None,
    channel: str = "web",
    actor: Principal | None = None,
) -> str:
    """Record a report on the shelter ``shelter_id``; returns the report's id. ``photo`` is
    (bytes, file name). A report waits for a coordinator's decision, unless it is a
    coordinator's own (channel "coordinator", which only ``actor`` holding
    shelters.coordinate may use): that one counts at once."""
    code = check_code(REPORT_STATUSES, status)
    channel_code = check_code(tuple(CHANNEL_WEIGHTS), channel)
    if channel_code == COORDINATOR_CHANNEL:
        if actor is None:
            raise PermissionDeniedError(
                _("Only a shelter coordinator, signed in, reports as a coordinator.")
            )
        with ws.sessions() as session:
            authorise(session, actor, Permission.SHELTERS_COORDINATE)
    observed = _accessibility(accessibility)
    text = _clean_text(note, MAX_NOTE, _("note"))
    with ws.sessions() as session:
        if session.get(Shelter, shelter_id) is None:
            raise RecordNotFoundError(_("There is no shelter %(id)s.", id=shelter_id))
    photo_sha256 = None if photo is None else _store_photo(ws, photo, shelter_id)
    report_id = new_id("shr_")
    own = channel_code == COORDINATOR_CHANNEL and actor is not None
    with ws.sessions() as session, session.begin():
        if own and actor is not None:
            authorise(session, actor, Permission.SHELTERS_COORDINATE)
        now = utcnow()
        session.add(
            ShelterReport(
                id=report_id,
                shelter_id=shelter_id,
                status=code,
                accessibility=observed,
                note=text,
                photo_sha256=photo_sha256,
                channel=channel_code,
                received_at=now,
                state="confirmed" if own else "pending",
                decided_by=actor.user_id if own and actor is not None else None,
                decided_at=now if own else None,
            )
        )
        if own:
            reports_changed(session)
    return report_id


def _decide(
    ws: Workspace, actor: Principal, report_id: str, state: str, reason: str | None
) -> None:
    with ws.sessions() as session, session.begin():
        authorise(session, actor, Permission.SHELTERS_COORDINATE)
        report = session.get(ShelterReport, report_id, with_for_update=True)
        if report is None:
            raise RecordNotFoundError(_("There is no shelter report %(id)s.", id=report_id))
        if report.state != "pending":
            raise ConflictError(
                _(
                    "Report %(id)s was already decided (%(state)s).",
                    id=report_id,
                    state=report.state,
                )
            )
        report.state = state
        report.decided_by = actor.user_id
        report.decided_at = utcnow()
        report.reason = reason
        reports_changed(session)
        audit.record(
            session,
            f"shelters.report.{state}",
            actor=actor.username,
            target=report_id,
            detail={"shelter": report.shelter_id, "status": report.status},
        )


def confirm_report(ws: Workspace, actor: Principal, report_id: str) -> None:
    """Confirm a pending report: from now on it counts for its shelter's shown status."""
    _decide(ws, actor, report_id, "confirmed", None)


def dismiss_report(ws: Workspace, actor: Principal, report_id: str, reason: str) -> None:
    """Dismiss a pending report, saying why: it never counts."""
    text = _clean_text(reason, MAX_REASON, _("reason"))
    if not text:
        raise RejectedInputError(_("Say why the report is dismissed."))
    _decide(ws, actor, report_id, "dismissed", text)


def _view(report: ShelterReport, name: str) -> ReportView:
    return ReportView(
        id=report.id,
        shelter_id=report.shelter_id,
        shelter_name=name,
        status=report.status,
        accessibility={str(k): bool(v) for k, v in (report.accessibility or {}).items()},
        note=report.note,
        photo_sha256=report.photo_sha256,
        channel=report.channel,
        received_at=report.received_at,
        state=report.state,
        decided_at=report.decided_at,
        reason=report.reason,
    )


def pending_reports(session: Session, *, limit: int = 50) -> list[ReportView]:
    """The oldest reports waiting for a coordinator's decision, oldest first."""
    rows = session.execute(
        select(ShelterReport, Shelter.name)
        .join(Shelter, Shelter.id == ShelterReport.shelter_id)
        .where(ShelterReport.state == "pending")
        .order_by(ShelterReport.received_at, ShelterReport.id)
        .limit(max(1, min(limit, 500)))
    ).all()
    return [_view(report, name) for report, name in rows]


def get_report(session: Session, report_id: str) -> ReportView:
    """One report; a clear error if there is none."""
    row = session.execute(
        select(ShelterReport, Shelter.name)
        .join(Shelter, Shelter.id == ShelterReport.shelter_id)
        .where(ShelterReport.id == report_id)
    ).first()
    if row is None:
        raise RecordNotFoundError(_("There is no shelter report %(id)s.", id=report_id))
    return _view(row[0], row[1])

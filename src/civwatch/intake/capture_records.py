"""Web captures as records: a capture by its id or by the job that made it, and the
captures an evidence item came from (what the item's page and the API's item view show).

An item's captures are found through ``intake_capture_item`` and confirmed against the
capture's own ``items`` (the list its custody entry holds, which ``civwatch verify``
checks), so a row added to the lookup table alone attributes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.errors import NotFoundError
from civwatch.i18n import _
from civwatch.intake.models import WebCapture, WebCaptureItem
from civwatch.workspace import Workspace


def capture_doc(session: Session, capture: WebCapture) -> dict[str, Any]:
    """A capture as the capture job returns it (``capture_id``, ``url``, ``final_url``,
    ``http_status``, ``captured_at``, ``title``, ``browser``, ``certificate_sha256``,
    ``items`` with their ``status``, ``warnings``, ``warning_messages``), with who
    captured it, its custody entry and its addresses on the site and the API."""
    statuses = {
        sha256: status
        for sha256, status in session.execute(
            select(WebCaptureItem.item_sha256, WebCaptureItem.status).where(
                WebCaptureItem.capture_id == capture.id
            )
        )
    }
    return {
        "capture_id": capture.id,
        "url": capture.url,
        "final_url": capture.final_url,
        "http_status": capture.http_status,
        "captured_at": capture.captured_at.isoformat(),
        "title": capture.title,
        "browser": capture.browser,
        "certificate_sha256": capture.certificate_sha256,
        "items": [
            {**i, "status": statuses.get(i["sha256"], "ingested")} for i in capture.items or []
        ],
        "warnings": list(capture.warnings or []),
        "warning_messages": list(capture.warning_messages or []),
        "captured_by": capture.captured_by,
        "custody_index": capture.custody_leaf,
        "job_id": capture.job_id,
        "page": f"/captures/{capture.id}",
        "api": f"/api/v1/captures/{capture.id}",
    }


def capture_of_job(ws: Workspace, job_id: int) -> dict[str, Any] | None:
    """The capture the job ``job_id`` committed, if it did."""
    with ws.sessions() as session:
        found = session.scalar(select(WebCapture).where(WebCapture.job_id == job_id))
        return None if found is None else capture_doc(session, found)


def get_capture(ws: Workspace, capture_id: int) -> dict[str, Any]:
    """One capture (:func:`capture_doc`), or :class:`NotFoundError`."""
    with ws.sessions() as session:
        found = session.get(WebCapture, capture_id)
        if found is None:
            raise NotFoundError(_("No web capture %(id)s.", id=capture_id))
        return capture_doc(session, found)


def captures_of_item(ws: Workspace, sha256: str) -> list[dict[str, Any]]:
    """The captures that stored the item ``sha256``, oldest first: ``id``, ``url``,
    ``final_url``, ``http_status``, ``captured_at``, ``kind`` (what the item was in that
    capture), ``page`` and ``api``."""
    with ws.sessions() as session:
        found = session.scalars(
            select(WebCapture)
            .join(WebCaptureItem, WebCaptureItem.capture_id == WebCapture.id)
            .where(WebCaptureItem.item_sha256 == sha256)
            .order_by(WebCapture.captured_at, WebCapture.id)
        ).all()
        out = []
        for capture in found:
            kind = next((i["kind"] for i in capture.items or [] if i["sha256"] == sha256), None)
            if kind is None:
                continue  # the lookup row says so, the capture's record does not
            out.append(
                {
                    "id": capture.id,
                    "url": capture.url,
                    "final_url": capture.final_url,
                    "http_status": capture.http_status,
                    "captured_at": capture.captured_at.isoformat(),
                    "kind": kind,
                    "page": f"/captures/{capture.id}",
                    "api": f"/api/v1/captures/{capture.id}",
                }
            )
        return out

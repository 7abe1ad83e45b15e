"""Redacted derivatives of evidence media, for publication (DESIGN.md invariant 5): the
records.

The pixel work is the media engine's (:mod:`civwatch.media.redact_pixels`: faces and
manual regions blurred, photos and videos re-encoded without metadata;
:mod:`civwatch.media.metadata_check`: the result read back with exiftool, any identifying
field left failing the redaction). This module keeps what was made: the derivative is a
new blob in the vault, recorded (a :class:`~civwatch.publish.models.Redaction` row and its
custody entry) with what was done and by whom; it stays a "draft" until a publisher (a
second person) approves it, and only approved derivatives are ever published.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import NotFoundError, PermissionDeniedError, RejectedInputError
from civwatch.evidence.service import find_item
from civwatch.i18n import _
from civwatch.incidents.links import current_links, current_links_of_items
from civwatch.incidents.versions import mark_public_items
from civwatch.media.faces import MAX_REGIONS as MAX_REGIONS
from civwatch.media.metadata_check import check_clean
from civwatch.media.redact_pixels import redact_image, redact_video
from civwatch.publish.acts import REDACTION_APPROVE, REDACTION_CREATE
from civwatch.publish.models import Redaction
from civwatch.vault import readable_path
from civwatch.workspace import Workspace


def _linked_incidents(session: Session, item_id: int) -> list[int]:
    return sorted({lk.incident_id for lk in current_links_of_items(session, [item_id])})


def redaction_json(r: Redaction) -> dict[str, Any]:
    return {
        "id": r.id,
        "status": r.status,
        "original_sha256": r.original_sha256,
        "derivative_sha256": r.derivative_sha256,
        "media_type": r.media_type,
        "size": r.size,
        "width": r.width,
        "height": r.height,
        "actions": list(r.actions),
        "blur_faces": r.blur_faces,
        "faces_found": r.faces_found,
        "face_boxes": list(r.face_boxes),
        "removed_faces": list(r.removed_faces or ()),
        "regions": list(r.regions),
        "graphic": r.graphic,
        "metadata_left": dict(r.metadata_left),
        "created_by": r.created_by,
        "created_at": r.created_at.isoformat(),
        "custody_leaf": r.custody_leaf,
        "decided_by": r.decided_by,
        "decided_at": r.decided_at.isoformat() if r.decided_at else None,
        "decision_leaf": r.decision_leaf,
        "decision_note": r.decision_note,
    }


def create_redaction(
    ws: Workspace,
    sha256: str,
    regions: Sequence[Mapping[str, Any]] | None = None,
    *,
    blur_faces: bool = True,
    graphic: bool = False,
    removed_faces: Sequence[Mapping[str, Any]] | None = None,
    actor: str | None,
    on_commit: Callable[[Session, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Make a draft redacted derivative of an evidence item linked to an incident.

    ``regions`` are blurred by hand; ``removed_faces`` are face finder boxes the reviewer
    removed on the preview (photos): the faces found there are left unblurred. The record
    and its custody entry keep the three apart: faces found and blurred (``face_boxes``),
    found and removed by the reviewer (``removed_faces``), areas drawn or typed by hand
    (``regions``). ``on_commit(session, redaction)`` runs in the transaction that records
    it (a background job marks itself done there, so it never makes the draft twice)."""
    item = find_item(ws, sha256)
    with ws.sessions() as session:
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        if not _linked_incidents(session, item.id):
            raise RejectedInputError(
                _(
                    "Item %(sha256)s is not linked to any incident: only evidence of an "
                    "incident is redacted for publication.",
                    sha256=item.sha256[:12],
                )
            )
    if not item.media_type.startswith(("image/", "video/")):
        raise RejectedInputError(
            _(
                "Item %(sha256)s is %(media_type)s: only photos and videos can be redacted "
                "for publication.",
                sha256=item.sha256[:12],
                media_type=item.media_type,
            )
        )
    settings = ws.settings
    with (
        tempfile.TemporaryDirectory(prefix="civwatch-redact-") as tmp,
        readable_path(ws.vault, item.sha256) as source,
    ):
        work = Path(tmp)
        if item.media_type.startswith("image/"):
            made = redact_image(
                source,
                work,
                regions,
                blur_faces=blur_faces,
                max_pixels=settings.max_image_pixels,
                removed_faces=removed_faces,
            )
        else:
            made = redact_video(
                source,
                work,
                regions,
                blur_faces=blur_faces,
                ffprobe=settings.ffprobe_path,
                ffmpeg=settings.ffmpeg_path,
                timeout_s=settings.extractor_timeout_s,
            )
        made.metadata_left = check_clean(
            made.path, settings.exiftool_path, settings.extractor_timeout_s
        )
        made.actions.insert(0, "all metadata removed (checked with exiftool)")
        with made.path.open("rb") as f:
            stored = ws.vault.put(f, max_size=settings.max_file_size)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        now = utcnow()
        record = Redaction(
            item_id=item.id,
            original_sha256=item.sha256,
            derivative_sha256=stored.sha256,
            media_type=made.media_type,
            size=stored.size,
            width=made.width,
            height=made.height,
            actions=made.actions,
            blur_faces=blur_faces,
            faces_found=len(made.faces),
            face_boxes=made.faces,
            removed_faces=made.removed_faces,
            regions=made.regions,
            graphic=bool(graphic),
            metadata_left=made.metadata_left,
            status="draft",
            created_by=user.username,
            created_at=now,
            custody_leaf=0,
        )
        session.add(record)
        session.flush()
        record.custody_leaf = entries.append(
            ws.custody,
            session,
            REDACTION_CREATE,
            user.username,
            now,
            redaction=record.id,
            sha256=item.sha256,
            derivative_sha256=stored.sha256,
            media_type=made.media_type,
            size=stored.size,
            actions=made.actions,
            faces_found=len(made.faces),
            face_boxes=made.faces,
            removed_faces=made.removed_faces,
            regions=made.regions,
            blur_faces=blur_faces,
            graphic=bool(graphic),
        )
        session.flush()
        made_json = redaction_json(record)
        if on_commit is not None:  # a job records its outcome in the same transaction
            on_commit(session, made_json)
        return made_json


def _redaction(session: Session, redaction_id: int, *, for_update: bool = False) -> Redaction:
    if isinstance(redaction_id, bool) or not isinstance(redaction_id, int) or redaction_id < 1:
        raise RejectedInputError(
            _("%(redaction_id)s is not a redaction number.", redaction_id=repr(redaction_id))
        )
    query = select(Redaction).where(Redaction.id == redaction_id)
    if for_update:
        query = query.with_for_update()
    found = session.scalars(query).first()
    if found is None:
        raise NotFoundError(_("No redaction %(redaction_id)s.", redaction_id=redaction_id))
    return found


def approve_redaction(
    ws: Workspace, redaction_id: int, *, actor: str | None, note: str | None = None
) -> dict[str, Any]:
    """A publisher who did not make it approves a draft: it becomes the published form of
    its item (an earlier approved one is superseded)."""
    text = (note or "").strip()[:5000] or None
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.PUBLISH)
        record = _redaction(session, redaction_id, for_update=True)
        if record.status != "draft":
            raise RejectedInputError(
                _(
                    "Redaction %(id)s is %(status)s: only a draft can be approved.",
                    id=record.id,
                    status=record.status,
                )
            )
        if record.created_by == user.username:
            raise PermissionDeniedError(
                _(
                    "%(username)s made redaction %(id)s and cannot approve it: a second "
                    "person must check the preview.",
                    username=user.username,
                    id=record.id,
                )
            )
        now = utcnow()
        previous = session.scalars(
            select(Redaction).where(
                Redaction.item_id == record.item_id, Redaction.status == "approved"
            )
        ).all()
        leaf = entries.append(
            ws.custody,
            session,
            REDACTION_APPROVE,
            user.username,
            now,
            redaction=record.id,
            sha256=record.original_sha256,
            derivative_sha256=record.derivative_sha256,
            supersedes=[p.id for p in previous],
            graphic=record.graphic,
            note=text,
        )
        for p in previous:
            p.status = "superseded"
        record.status = "approved"
        record.decided_by, record.decided_at = user.username, now
        # The public incidents showing this item now show the new copy.
        mark_public_items(session, [record.item_id], now)
        record.decision_leaf, record.decision_note = leaf, text
        session.flush()
        return redaction_json(record)


def get_redaction(ws: Workspace, redaction_id: int) -> dict[str, Any]:
    with ws.sessions() as session:
        return redaction_json(_redaction(session, redaction_id))


def list_redactions(ws: Workspace, sha256: str) -> list[dict[str, Any]]:
    """Every redaction of an item, newest first."""
    item = find_item(ws, sha256)
    with ws.sessions() as session:
        rows = session.scalars(
            select(Redaction).where(Redaction.item_id == item.id).order_by(Redaction.id.desc())
        ).all()
        return [redaction_json(r) for r in rows]


def approved_by_item(session: Session, item_ids: Sequence[int]) -> dict[int, Redaction]:
    """The approved redaction of each item that has one."""
    if not item_ids:
        return {}
    rows = session.scalars(
        select(Redaction).where(
            Redaction.item_id.in_(list(item_ids)), Redaction.status == "approved"
        )
    ).all()
    return {r.item_id: r for r in rows}


def published_media(session: Session, incident_id: int) -> list[dict[str, Any]]:
    """The approved redacted derivatives of the media linked to an incident, in link order:
    the only media any public page, feed or package may show for it. Each:
    ``{"redaction_id", "original_sha256", "derivative_sha256", "media_type", "size",
    "width", "height", "graphic", "actions", "faces_found", "approved_at", "custody_leaf",
    "approval_leaf"}`` (the custody entries that made and approved it)."""
    links = current_links(session, [incident_id])
    approved = approved_by_item(session, [lk.item_id for lk in links])
    out = []
    for lk in links:
        r = approved.get(lk.item_id)
        if r is None:
            continue
        out.append(
            {
                "redaction_id": r.id,
                "original_sha256": r.original_sha256,
                "derivative_sha256": r.derivative_sha256,
                "media_type": r.media_type,
                "size": r.size,
                "width": r.width,
                "height": r.height,
                "graphic": r.graphic,
                "actions": list(r.actions),
                "faces_found": r.faces_found,
                "approved_at": r.decided_at.isoformat() if r.decided_at else None,
                "custody_leaf": r.custody_leaf,
                "approval_leaf": r.decision_leaf,
            }
        )
    return out


@dataclass(frozen=True)
class DerivativeFile:
    """A redacted copy as a file to download: its hash in the vault, size, type and the
    name it is offered under."""

    sha256: str
    size: int
    media_type: str
    original_name: str


def derivative_item(ws: Workspace, redaction_id: int) -> DerivativeFile:
    """The redacted copy ``redaction_id`` as a file to download (for ``media_response``
    and ``civwatch redaction save``)."""
    with ws.sessions() as session:
        r = _redaction(session, redaction_id)
        suffix = (
            ".mp4"
            if r.media_type == "video/mp4"
            else (".png" if r.media_type == "image/png" else ".jpg")
        )
        return DerivativeFile(
            sha256=r.derivative_sha256,
            size=r.size,
            media_type=r.media_type,
            original_name=f"redacted-{r.id}-{r.derivative_sha256[:12]}{suffix}",
        )

"""Verification of evidence items: structured records and the two-person review.

Records follow the Berkeley Protocol's verification steps: *source* (who published it, when
first seen, how reliable), *geolocation* (where it shows, how precisely, by what method),
*chronolocation* (when, as a time window) and *content* (weapon, remnants, damage,
injuries). A record is never edited: a correction is a new record that supersedes it.
The item then goes through the shared state machine of :mod:`civwatch.incidents.workflow`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import NotFoundError, RejectedInputError
from civwatch.evidence.records import ItemRecord, item_in_session
from civwatch.evidence.service import find_item
from civwatch.geo import check_location, check_time, validation
from civwatch.i18n import _
from civwatch.incidents.acts import ITEM_STEPS, VERIFICATION_RECORD
from civwatch.incidents.links import incidents_of_item, verified_item_ids
from civwatch.incidents.models import ItemTransition, ItemVerification, VerificationRecord
from civwatch.incidents.terms import extra_terms
from civwatch.incidents.vocabulary import (
    ITEM_STATUSES,
    LEVELS,
    RECORD_KINDS,
    RELIABILITIES,
    choose,
    resolve,
)
from civwatch.incidents.workflow import (
    FINAL,
    Step,
    _reason,
    check_reviewer,
    plan,
    review_step,
    withdraw_in_session,
)
from civwatch.workspace import Workspace

MAX_FIELD = 10_000
#: Shown in the public history of an incident withdrawn because its last verified evidence
#: item stopped being verified (which item stays internal: it is in the custody entry).
WITHDRAWN_FOR_EVIDENCE = (
    "Withdrawn while its evidence is checked again: the last verified evidence item it "
    "relied on is no longer verified."
)
#: Which fields each record kind takes (others are refused).
RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    "source": ("account", "platform", "url", "first_seen", "reliability", "notes"),
    "geolocation": (
        "claimed_place",
        "lat",
        "lon",
        "precision_m",
        "method",
        "references",
        "confidence",
        "notes",
    ),
    "chronolocation": (
        "claimed_time",
        "metadata_time",
        "window_start",
        "window_end",
        "method",
        "notes",
    ),
    "content": ("weapon", "munition_remnants", "damage", "injuries", "notes"),
}
#: Distance beyond which the EXIF position is flagged against the verified one.
LOCATION_THRESHOLD_M = 1000.0
TIME_THRESHOLD = timedelta(hours=1)


def _text(content: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = content.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RejectedInputError(
                _("A record of this kind needs %(key)s.", key=key.replace("_", " "))
            )
        return None
    if not isinstance(value, str):
        raise RejectedInputError(_("%(key)s must be text.", key=key.replace("_", " ").capitalize()))
    value = value.replace("\x00", "").strip()
    if len(value) > MAX_FIELD:
        raise RejectedInputError(_("%(key)s is too long.", key=key.replace("_", " ").capitalize()))
    return value


def _when(content: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = content.get(key)
    if value is None or value == "":
        if required:
            raise RejectedInputError(
                _("A record of this kind needs %(key)s.", key=key.replace("_", " "))
            )
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise RejectedInputError(
                _("%(key)s %(value)s is not an ISO 8601 time.", key=key, value=repr(value))
            ) from None
    return validation.aware(value, key.replace("_", " ").capitalize()).astimezone(UTC).isoformat()


def check_record(session: Session, kind: str, content: Mapping[str, Any]) -> dict[str, Any]:
    """The record's content checked and canonical (unknown fields are refused)."""
    kind = choose(kind, RECORD_KINDS, _("verification record kind"))
    if not isinstance(content, Mapping):
        raise RejectedInputError(_("A verification record is an object of fields."))
    unknown = set(content) - set(RECORD_FIELDS[kind])
    if unknown:
        raise RejectedInputError(
            _(
                "A %(kind)s record has no field(s) %(names)s; it takes: %(columns)s.",
                kind=kind,
                names=", ".join(sorted(unknown)),
                columns=", ".join(RECORD_FIELDS[kind]),
            )
        )
    out: dict[str, Any] = {"notes": _text(content, "notes")}
    if kind == "source":
        out["account"] = _text(content, "account", required=True)
        out["platform"] = _text(content, "platform")
        out["url"] = _text(content, "url")
        out["first_seen"] = _when(content, "first_seen")
        out["reliability"] = choose(
            content.get("reliability") or "unclear", RELIABILITIES, _("reliability")
        )
    elif kind == "geolocation":
        lat, lon = validation.point(content.get("lat"), content.get("lon"), _("Verified location"))
        precision = validation.non_negative(content.get("precision_m"), _("Precision (metres)"))
        refs = content.get("references") or []
        if isinstance(refs, str) or not all(isinstance(r, str) for r in refs):
            raise RejectedInputError(_("References must be a list of texts."))
        out.update(
            claimed_place=_text(content, "claimed_place"),
            lat=lat,
            lon=lon,
            precision_m=precision,
            method=_text(content, "method", required=True),
            references=[r.strip() for r in refs if r.strip()],
            confidence=choose(content.get("confidence") or "medium", LEVELS, _("confidence")),
        )
    elif kind == "chronolocation":
        start = _when(content, "window_start", required=True)
        end = _when(content, "window_end", required=True)
        assert start is not None and end is not None
        if datetime.fromisoformat(end) < datetime.fromisoformat(start):
            raise RejectedInputError(_("The time window ends before it starts."))
        out.update(
            claimed_time=_when(content, "claimed_time"),
            metadata_time=_when(content, "metadata_time"),
            window_start=start,
            window_end=end,
            method=_text(content, "method", required=True),
        )
    else:
        weapon = content.get("weapon")
        out.update(
            weapon=None
            if not weapon
            else resolve("weapon", str(weapon), extra_terms(session, "weapon")),
            munition_remnants=_text(content, "munition_remnants"),
            damage=_text(content, "damage"),
            injuries=_text(content, "injuries"),
        )
        if not any(out[k] for k in ("weapon", "munition_remnants", "damage", "injuries")):
            raise RejectedInputError(
                _(
                    "A content record needs at least one of weapon, munition remnants, damage, "
                    "injuries."
                )
            )
    return {k: v for k, v in sorted(out.items())}


def current_records(session: Session, item_id: int) -> list[VerificationRecord]:
    newer = select(VerificationRecord.supersedes_id).where(
        VerificationRecord.supersedes_id.is_not(None)
    )
    return list(
        session.scalars(
            select(VerificationRecord)
            .where(
                VerificationRecord.item_id == item_id,
                VerificationRecord.id.not_in(newer.scalar_subquery()),
            )
            .order_by(VerificationRecord.id)
        )
    )


def _state(session: Session, item_id: int) -> ItemVerification:
    state = session.get(ItemVerification, item_id, with_for_update=True)
    if state is None:
        state = ItemVerification(item_id=item_id, status="unverified", updated_at=utcnow())
        session.add(state)
    return state


def _item_transition(
    ws: Workspace,
    session: Session,
    item: ItemRecord,
    state: ItemVerification,
    step: Step,
    actor: str,
    reason: str | None,
) -> None:
    now = utcnow()
    leaf = entries.append(
        ws.custody,
        session,
        ITEM_STEPS[step.act],
        actor,
        now,
        sha256=item.sha256,
        **{"from": state.status, "to": step.to_status},
        proposed=step.proposed,
        reason=reason,
    )
    session.add(
        ItemTransition(
            item_id=item.id,
            act=step.act,
            from_status=state.status,
            to_status=step.to_status,
            proposed_status=step.proposed,
            reason=reason,
            actor=actor,
            at=now,
            custody_leaf=leaf,
        )
    )
    before = state.status
    state.status = step.to_status
    state.proposed_status = step.proposed if step.to_status == "in_review" else None
    if step.act == "submit":
        state.submitted_by = actor
    state.updated_at = now
    if before == "verified" and step.to_status != "verified":
        _withdraw_unsupported(ws, session, item, actor)


def _withdraw_unsupported(ws: Workspace, session: Session, item: ItemRecord, actor: str) -> None:
    """Withdraw every public incident that ``item`` was the last verified evidence of, in
    the caller's transaction: a public incident never stays up without verified evidence.
    (Withdrawing protects the public record better than refusing: the item is reopened
    because someone doubts it, and an incident resting on doubted evidence must not stay
    public while it is checked.)"""
    session.flush()
    public = [i for i in incidents_of_item(session, item.id) if i.visibility == "public"]
    if not public:
        return
    verified = verified_item_ids(session, [i.id for i in public])
    for incident in public:
        if not verified.get(incident.id):
            withdraw_in_session(
                ws,
                session,
                incident,
                actor,
                WITHDRAWN_FOR_EVIDENCE,
                details={"item": item.sha256},
            )


def add_record(
    ws: Workspace,
    sha256: str,
    kind: str,
    content: Mapping[str, Any],
    *,
    actor: str | None,
    supersedes: int | None = None,
) -> dict[str, Any]:
    """Add a verification record to an item (starting its verification if needed)."""
    found = find_item(ws, sha256)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        item = item_in_session(session, found.id)
        checked = check_record(session, kind, content)
        kind = choose(kind, RECORD_KINDS, _("verification record kind"))
        state = _state(session, item.id)
        what = _("Item %(sha256)s", sha256=item.sha256[:12])
        if state.status == "in_review":
            raise RejectedInputError(
                _(
                    "%(what)s is in review: a verifier must approve or reject it before "
                    "records can be added.",
                    what=what,
                )
            )
        if state.status in FINAL:
            raise RejectedInputError(
                _(
                    "%(what)s is %(status)s; reopen it (status under_verification, with a "
                    "reason) before adding records.",
                    what=what,
                    status=state.status,
                )
            )
        previous: VerificationRecord | None = None
        if supersedes is not None:
            previous = session.get(VerificationRecord, supersedes)
            if previous is None or previous.item_id != item.id:
                raise NotFoundError(
                    _(
                        "%(what)s has no verification record %(supersedes)s.",
                        what=what,
                        supersedes=supersedes,
                    )
                )
            if previous.kind != kind:
                raise RejectedInputError(
                    _(
                        "Record %(supersedes)s is a %(kind)s record; a %(new_kind)s record "
                        "cannot supersede it.",
                        supersedes=supersedes,
                        kind=previous.kind,
                        new_kind=kind,
                    )
                )
            if session.scalars(
                select(VerificationRecord.id).where(VerificationRecord.supersedes_id == supersedes)
            ).first():
                raise RejectedInputError(
                    _(
                        "Record %(supersedes)s is already superseded; supersede its newest "
                        "version.",
                        supersedes=supersedes,
                    )
                )
        now = utcnow()
        if state.status == "unverified":
            _item_transition(
                ws, session, item, state, Step("start", "under_verification"), user.username, None
            )
        sha = entries.digest(checked)
        leaf = entries.append(
            ws.custody,
            session,
            VERIFICATION_RECORD,
            user.username,
            now,
            sha256=item.sha256,
            kind=kind,
            content_sha256=sha,
            supersedes_leaf=None if previous is None else previous.custody_leaf,
        )
        record = VerificationRecord(
            item_id=item.id,
            kind=kind,
            content=checked,
            content_sha256=sha,
            supersedes_id=None if previous is None else previous.id,
            author=user.username,
            at=now,
            custody_leaf=leaf,
        )
        session.add(record)
        session.flush()
        return record_json(record)


def set_item_status(
    ws: Workspace, sha256: str, target: str, *, actor: str | None, reason: str | None = None
) -> dict[str, Any]:
    """Submit an item's verification for review with a proposed outcome, or reopen it."""
    target = choose(target, ITEM_STATUSES, _("item status"))
    found = find_item(ws, sha256)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        item = item_in_session(session, found.id)
        state = _state(session, item.id)
        what = _("Item %(sha256)s", sha256=item.sha256[:12])
        step = plan(what, state.status, target, "unverified")
        text = _reason(reason, step.act == "reopen", step.act)
        if step.act == "submit":
            kinds = {r.kind for r in current_records(session, item.id)}
            if not kinds:
                raise RejectedInputError(
                    _("%(what)s has no verification records to review.", what=what)
                )
            missing = {"geolocation", "chronolocation"} - kinds
            if step.proposed == "verified" and missing:
                raise RejectedInputError(
                    _(
                        "%(what)s cannot be proposed as verified without a %(names)s record.",
                        what=what,
                        names=" and a ".join(sorted(missing)),
                    )
                )
        _item_transition(ws, session, item, state, step, user.username, text)
        session.flush()
        return verification_json(session, item)


def review_item(
    ws: Workspace, sha256: str, decision: str, *, actor: str | None, reason: str | None = None
) -> dict[str, Any]:
    """A second verifier approves the proposed outcome, or rejects it with a reason."""
    found = find_item(ws, sha256)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.REVIEW)
        item = item_in_session(session, found.id)
        state = _state(session, item.id)
        what = _("item %(sha256)s", sha256=item.sha256[:12])
        step = review_step(what, state.status, state.proposed_status, decision)
        text = _reason(reason, step.act == "reject", "a rejection")
        authors = set(
            session.scalars(
                select(VerificationRecord.author).where(VerificationRecord.item_id == item.id)
            )
        )
        check_reviewer(
            what, user.username, state.submitted_by, dict.fromkeys(authors, "item-records")
        )
        _item_transition(ws, session, item, state, step, user.username, text)
        session.flush()
        return verification_json(session, item)


def record_json(r: VerificationRecord, superseded: bool = False) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "content": r.content,
        "content_sha256": r.content_sha256,
        "author": r.author,
        "at": r.at.isoformat(),
        "supersedes": r.supersedes_id,
        "superseded": superseded,
        "custody_leaf": r.custody_leaf,
    }


def metadata_checks(item: ItemRecord, records: list[VerificationRecord]) -> list[dict[str, Any]]:
    """EXIF position and time against the verified place and time, flagged beyond limits."""
    checks: list[dict[str, Any]] = []
    meta = item.metadata_ or {}
    geo = [r for r in records if r.kind == "geolocation"]
    chrono = [r for r in records if r.kind == "chronolocation"]
    if geo and meta.get("gps_lat") is not None and meta.get("gps_lon") is not None:
        c = geo[-1].content
        loc = check_location(
            (float(meta["gps_lat"]), float(meta["gps_lon"])),
            (float(c["lat"]), float(c["lon"])),
            threshold_m=LOCATION_THRESHOLD_M,
            claimed_precision_m=float(c["precision_m"]),
        )
        checks.append(
            {
                "check": "location",
                "distance_m": round(loc.distance_m, 1),
                "threshold_m": loc.threshold_m,
                "flagged": loc.flagged,
                "explanation": loc.explanation,
            }
        )
    if chrono and meta.get("captured_at"):
        c = chrono[-1].content
        start = datetime.fromisoformat(c["window_start"])
        end = datetime.fromisoformat(c["window_end"])
        claimed = datetime.fromisoformat(c["claimed_time"]) if c.get("claimed_time") else None
        centre = claimed or start + (end - start) / 2
        allowed = max(TIME_THRESHOLD, (end - start) / 2)
        exif = datetime.fromisoformat(str(meta["captured_at"]))
        tc = check_time(exif, centre, threshold=allowed)
        checks.append(
            {
                "check": "time",
                "difference_s": tc.difference.total_seconds(),
                "threshold_s": tc.threshold.total_seconds(),
                "flagged": tc.flagged,
                "explanation": tc.explanation,
            }
        )
    return checks


def verification_json(session: Session, item: ItemRecord) -> dict[str, Any]:
    """An item's verification read in the caller's session: status, records (superseded
    ones marked), checks, history."""
    state = session.get(ItemVerification, item.id)
    records = list(
        session.scalars(
            select(VerificationRecord)
            .where(VerificationRecord.item_id == item.id)
            .order_by(VerificationRecord.id)
        )
    )
    superseded = {r.supersedes_id for r in records if r.supersedes_id is not None}
    current = [r for r in records if r.id not in superseded]
    history = session.scalars(
        select(ItemTransition).where(ItemTransition.item_id == item.id).order_by(ItemTransition.id)
    ).all()
    return {
        "sha256": item.sha256,
        "status": "unverified" if state is None else state.status,
        "proposed_status": None if state is None else state.proposed_status,
        "submitted_by": None if state is None else state.submitted_by,
        "records": [record_json(r, r.id in superseded) for r in records],
        "current_records": [r.id for r in current],
        "checks": metadata_checks(item, current),
        "history": [
            {
                "act": t.act,
                "from": t.from_status,
                "to": t.to_status,
                "proposed_status": t.proposed_status,
                "reason": t.reason,
                "actor": t.actor,
                "at": t.at.isoformat(),
                "custody_leaf": t.custody_leaf,
            }
            for t in history
        ],
    }


def item_verification(ws: Workspace, sha256: str) -> dict[str, Any]:
    """An item's verification: status, records (superseded ones marked), checks, history."""
    found = find_item(ws, sha256)
    with ws.sessions() as session:
        return verification_json(session, item_in_session(session, found.id))

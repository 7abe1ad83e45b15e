"""Evidence links: which evidence items an incident rests on, and in what role.

Links are insert-only: a link, a change of its role or note, and a removal are each a new
``EvidenceLink`` row superseding the one before, with a custody entry (``evidence-link``,
``evidence-unlink``). The functions here work in the caller's session and transaction;
:mod:`civwatch.incidents.service` holds the commands that open one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.custody import entries
from civwatch.errors import RejectedInputError
from civwatch.evidence.clusters import cluster_keys
from civwatch.evidence.records import ItemRecord
from civwatch.i18n import _
from civwatch.incidents.acts import EVIDENCE_LINK, EVIDENCE_UNLINK
from civwatch.incidents.document import clean_text
from civwatch.incidents.input import MAX_TEXT
from civwatch.incidents.models import EvidenceLink, Incident, ItemVerification
from civwatch.incidents.vocabulary import LINK_ROLES, choose
from civwatch.workspace import Workspace


def current_links(session: Session, incident_ids: Sequence[int]) -> list[EvidenceLink]:
    """Links in force for the incidents: rows not superseded and not removals."""
    newer = select(EvidenceLink.supersedes_id).where(EvidenceLink.supersedes_id.is_not(None))
    return list(
        session.scalars(
            select(EvidenceLink)
            .where(
                EvidenceLink.incident_id.in_(incident_ids),
                EvidenceLink.linked.is_(True),
                EvidenceLink.id.not_in(newer.scalar_subquery()),
            )
            .order_by(EvidenceLink.id)
        )
    )


def current_links_of_items(session: Session, item_ids: Sequence[int]) -> list[EvidenceLink]:
    """Links in force of the items (rows not superseded and not removals)."""
    if not item_ids:
        return []
    newer = select(EvidenceLink.supersedes_id).where(EvidenceLink.supersedes_id.is_not(None))
    return list(
        session.scalars(
            select(EvidenceLink).where(
                EvidenceLink.item_id.in_(list(item_ids)),
                EvidenceLink.linked.is_(True),
                EvidenceLink.id.not_in(newer.scalar_subquery()),
            )
        )
    )


def verified_item_ids(session: Session, incident_ids: Sequence[int]) -> dict[int, set[int]]:
    """incident id -> ids of its linked evidence items that are verified now."""
    links = current_links(session, incident_ids)
    if not links:
        return {}
    verified = set(
        session.scalars(
            select(ItemVerification.item_id).where(
                ItemVerification.item_id.in_({lk.item_id for lk in links}),
                ItemVerification.status == "verified",
            )
        )
    )
    out: dict[int, set[int]] = {}
    for lk in links:
        if lk.item_id in verified:
            out.setdefault(lk.incident_id, set()).add(lk.item_id)
    return out


def incidents_of_item(session: Session, item_id: int) -> list[Incident]:
    """The incidents an evidence item is linked to now, oldest first."""
    ids = {lk.incident_id for lk in current_links_of_items(session, [item_id])}
    return list(session.scalars(select(Incident).where(Incident.id.in_(ids)).order_by(Incident.id)))


def _latest_link(session: Session, incident_id: int, item_id: int) -> EvidenceLink | None:
    return session.scalars(
        select(EvidenceLink)
        .where(EvidenceLink.incident_id == incident_id, EvidenceLink.item_id == item_id)
        .order_by(EvidenceLink.id.desc())
        .limit(1)
    ).first()


def independent_sources(session: Session, item_ids: Sequence[int]) -> int:
    """How many independent sources the items are: items in one media cluster count once.

    The one place that decides what "independent" means; swap the clustering here.
    """
    if not item_ids:
        return 0
    return len(set(cluster_keys(session, list(item_ids)).values()))


def link_in_session(
    ws: Workspace,
    session: Session,
    incident: Incident,
    item: ItemRecord,
    role: str,
    note: str,
    actor: str,
    now: datetime,
) -> EvidenceLink:
    """Link (or re-link with a new role or note) inside the caller's transaction."""
    role = choose(role, LINK_ROLES, _("link role"))
    note = clean_text(note, _("The note"), MAX_TEXT)
    previous = _latest_link(session, incident.id, item.id)
    if previous is not None and previous.linked and (previous.role, previous.note) == (role, note):
        raise RejectedInputError(
            _(
                "Item %(sha256)s is already linked to incident %(id)s as %(role)s.",
                sha256=item.sha256[:12],
                id=incident.id,
                role=role,
            )
        )
    leaf = entries.append(
        ws.custody,
        session,
        EVIDENCE_LINK,
        actor,
        now,
        incident=incident.id,
        sha256=item.sha256,
        role=role,
        note=note,
        supersedes_leaf=None if previous is None else previous.custody_leaf,
    )
    link = EvidenceLink(
        incident_id=incident.id,
        item_id=item.id,
        role=role,
        note=note,
        linked=True,
        supersedes_id=None if previous is None else previous.id,
        actor=actor,
        at=now,
        custody_leaf=leaf,
    )
    session.add(link)
    return link


def unlink_in_session(
    ws: Workspace,
    session: Session,
    incident: Incident,
    item: ItemRecord,
    reason: str,
    actor: str,
    now: datetime,
) -> EvidenceLink:
    """Remove the link of ``item`` to ``incident`` (locked by the caller) inside the
    caller's transaction: a new row superseding it, with the (checked) reason. Refused when
    the item is not linked, or is the last verified evidence of a public incident."""
    previous = _latest_link(session, incident.id, item.id)
    if previous is None or not previous.linked:
        raise RejectedInputError(
            _(
                "Item %(sha256)s is not linked to incident %(id)s.",
                sha256=item.sha256[:12],
                id=incident.id,
            )
        )
    verified = verified_item_ids(session, [incident.id]).get(incident.id, set())
    if incident.visibility == "public" and verified == {item.id}:
        raise RejectedInputError(
            _(
                "Item %(sha256)s is the last verified evidence of incident %(id)s, which is "
                "public: a public incident cannot stay up without verified evidence. Link "
                "another verified item first, or have a publisher withdraw the incident.",
                sha256=item.sha256[:12],
                id=incident.id,
            )
        )
    leaf = entries.append(
        ws.custody,
        session,
        EVIDENCE_UNLINK,
        actor,
        now,
        incident=incident.id,
        sha256=item.sha256,
        reason=reason,
        supersedes_leaf=previous.custody_leaf,
    )
    link = EvidenceLink(
        incident_id=incident.id,
        item_id=item.id,
        role=previous.role,
        note=reason,
        linked=False,
        supersedes_id=previous.id,
        actor=actor,
        at=now,
        custody_leaf=leaf,
    )
    session.add(link)
    return link

"""Reading and extending the controlled vocabularies (admins add terms; nothing is removed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.incidents.acts import VOCABULARY_ADD
from civwatch.incidents.models import VocabularyTerm
from civwatch.incidents.vocabulary import BUILTIN, KINDS, choose, resolve, slug
from civwatch.workspace import Workspace


def extra_terms(session: Session, kind: str) -> dict[str, str]:
    """The terms admins added to the vocabulary ``kind``: code -> label."""
    rows = session.execute(
        select(VocabularyTerm.code, VocabularyTerm.label).where(VocabularyTerm.kind == kind)
    ).all()
    return {code: label for code, label in rows}


def list_terms(ws: Workspace, kind: str | None = None) -> list[dict[str, Any]]:
    """Every term (built-in and added), by kind then code."""
    kinds = KINDS if kind is None else (choose(kind, KINDS, _("vocabulary")),)
    out: list[dict[str, Any]] = []
    with ws.sessions() as session:
        for k in kinds:
            added = extra_terms(session, k)
            for code, label in sorted({**BUILTIN[k], **added}.items()):
                out.append({"kind": k, "code": code, "label": label, "builtin": code not in added})
    return out


def add_term(
    ws: Workspace, kind: str, label: str, *, code: str | None = None, actor: str | None
) -> dict[str, Any]:
    """Add a term to a vocabulary (admin only); its code is made from the label if not given."""
    kind = choose(kind, KINDS, _("vocabulary"))
    label = (label or "").strip()
    if not label or len(label) > 255:
        raise RejectedInputError(_("A term needs a label of 1-255 characters."))
    new_code = slug(code or label)
    if not new_code or len(new_code) > 64:
        raise RejectedInputError(_("A term code is 1-64 letters, digits and underscores."))
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.REFERENCE_MANAGE)
        extra = extra_terms(session, kind)
        for probe in (new_code, label):
            try:
                existing = resolve(kind, probe, extra)
            except RejectedInputError:
                continue
            raise RejectedInputError(
                _(
                    "The %(kind)s vocabulary already has %(existing)s.",
                    kind=kind,
                    existing=repr(existing),
                )
            )
        now = utcnow()
        leaf = entries.append(
            ws.custody,
            session,
            VOCABULARY_ADD,
            user.username,
            now,
            kind=kind,
            code=new_code,
            label=label,
        )
        session.add(
            VocabularyTerm(
                kind=kind,
                code=new_code,
                label=label,
                added_by=user.username,
                added_at=now,
                custody_leaf=leaf,
            )
        )
    return {"kind": kind, "code": new_code, "label": label, "builtin": False}


def known(ws: Workspace, kind: str) -> set[str]:
    with ws.sessions() as session:
        return set(BUILTIN[kind]) | set(
            session.scalars(select(VocabularyTerm.code).where(VocabularyTerm.kind == kind))
        )

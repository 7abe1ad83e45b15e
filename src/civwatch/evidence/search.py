"""Finding evidence: filters and full-text search over names, captions and sources.

One interface, two backends: SQLite FTS5 (an index table kept beside the evidence
tables, brought up to date before each search; sightings are only ever appended, so the
newest indexed sighting id says what is left to index) and PostgreSQL full-text search
(``to_tsvector`` on the columns, nothing to maintain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload

from civwatch.errors import RejectedInputError
from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.evidence.service import item_json
from civwatch.workspace import Workspace

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 16
FTS_TABLE = "evidence_fts"


@dataclass(frozen=True)
class EvidenceFilter:
    """What to list: every field is optional and they combine with AND."""

    text: str | None = None
    media_type: str | None = None
    collected_by: str | None = None
    collected_after: datetime | None = None
    collected_before: datetime | None = None


def search_terms(query: str) -> list[str]:
    """The words of a query (letters and digits in any script), lower-cased."""
    terms = [t.lower() for t in _WORD.findall(query)]
    if len(terms) > MAX_TERMS:
        raise RejectedInputError(f"Search with at most {MAX_TERMS} words.")
    return terms


class TextIndex:
    """The full-text part of a search: item ids whose text matches every term (as prefix)."""

    def matching_items(self, session: Session, terms: list[str]) -> ColumnElement[bool]:
        raise NotImplementedError


class SqliteFtsIndex(TextIndex):
    def _sync(self, session: Session) -> None:
        newest = session.scalar(select(func.max(Sighting.id))) or 0
        try:
            indexed = session.scalar(text("SELECT coalesce(max(rowid), 0) FROM evidence_fts"))
        except OperationalError:  # no index yet: created below
            session.rollback()
            indexed = -1
        if indexed == newest:
            return  # nothing new: no write lock taken
        session.execute(
            text(
                "CREATE VIRTUAL TABLE IF NOT EXISTS evidence_fts USING "
                "fts5(item_id UNINDEXED, body, tokenize='unicode61 remove_diacritics 2')"
            )
        )
        session.execute(
            text(
                "INSERT OR IGNORE INTO evidence_fts(rowid, item_id, body) "
                "SELECT s.id, s.item_id, s.original_name || ' ' || coalesce(s.caption, '') "
                "|| ' ' || coalesce(s.account, '') || ' ' || coalesce(s.platform, '') || ' ' "
                "|| coalesce(s.source_url, '') || ' ' || coalesce(s.post_id, '') "
                "FROM evidence_sighting s "
                "WHERE s.id > (SELECT coalesce(max(rowid), 0) FROM evidence_fts)"
            )
        )
        session.commit()

    def matching_items(self, session: Session, terms: list[str]) -> ColumnElement[bool]:
        self._sync(session)
        match = " ".join(f'"{t}"*' for t in terms)  # terms are \w+ only: nothing to escape
        sub: Select[Any] = (
            select(literal_column("item_id"))
            .select_from(text(FTS_TABLE))
            .where(text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=match))
        )
        return EvidenceItem.id.in_(sub)


class PostgresTextIndex(TextIndex):
    def matching_items(self, session: Session, terms: list[str]) -> ColumnElement[bool]:
        document = func.to_tsvector(
            "simple",
            func.concat_ws(
                " ",
                Sighting.original_name,
                Sighting.caption,
                Sighting.account,
                Sighting.platform,
                Sighting.source_url,
                Sighting.post_id,
            ),
        )
        query = func.to_tsquery("simple", " & ".join(f"{t}:*" for t in terms))
        return EvidenceItem.id.in_(select(Sighting.item_id).where(document.bool_op("@@")(query)))


def text_index(session: Session) -> TextIndex:
    name = session.get_bind().dialect.name
    return PostgresTextIndex() if name == "postgresql" else SqliteFtsIndex()


def _filtered(session: Session, f: EvidenceFilter) -> Select[EvidenceItem]:
    query = select(EvidenceItem)
    if f.text and (terms := search_terms(f.text)):
        query = query.where(text_index(session).matching_items(session, terms))
    if f.media_type:
        mt = f.media_type.strip().lower()
        if mt.endswith("/"):
            query = query.where(EvidenceItem.media_type.startswith(mt, autoescape=True))
        else:
            query = query.where(EvidenceItem.media_type == mt)
    if f.collected_by:
        query = query.where(EvidenceItem.collected_by == f.collected_by.strip())
    if f.collected_after:
        query = query.where(EvidenceItem.collected_at >= f.collected_after)
    if f.collected_before:
        query = query.where(EvidenceItem.collected_at < f.collected_before)
    return query


def search_items(
    ws: Workspace, f: EvidenceFilter, *, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """A page of matching items, newest first, with the total count of matches."""
    if not 1 <= limit <= 1000 or offset < 0:
        raise RejectedInputError("limit must be 1-1000 and offset 0 or more.")
    with ws.sessions() as session:
        query = _filtered(session, f)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        items = session.scalars(
            query.options(selectinload(EvidenceItem.sightings))
            .order_by(EvidenceItem.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        return {"total": total, "items": [item_json(i, full=False) for i in items]}

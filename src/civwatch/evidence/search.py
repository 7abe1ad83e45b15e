"""Finding evidence: filters and full-text search over names, captions and sources.

One interface, two backends:

- SQLite: an FTS5 index kept beside the evidence tables (``evidence_words``, contentless:
  only the index is stored) and brought up to date before each search. Each sighting is one
  row whose rowid is ``item_id << 32 | sighting_id``, so the index itself hands out matches
  newest item first (``ORDER BY rowid DESC`` is native in FTS5) and the item id of a match
  is read off its rowid, never from a stored column. Sightings are only ever appended:
  ``evidence_words_state`` remembers the newest sighting indexed, and what is newer is
  indexed by the next search.
- PostgreSQL: full-text search on :data:`PG_DOCUMENT`, the same ``to_tsvector`` expression
  the GIN index ``ix_evidence_sighting_words`` is built on (nothing to maintain).

Counts stop at :data:`COUNT_CAP`: beyond it the answer says ``total_is_lower_bound`` and
shows "10,000+" rather than counting a million rows on every request. Pages are newest item
first; ``next_cursor`` continues after the last item shown (keyset, no gaps or repeats even
while items are added), ``offset`` still works.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, defer, selectinload

from civwatch.errors import RejectedInputError
from civwatch.evidence.models import PG_SIGHTING_DOCUMENT, EvidenceItem, Sighting
from civwatch.evidence.service import item_json
from civwatch.i18n import _
from civwatch.workspace import Workspace

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 16
#: Counts stop here: the answer then says "at least this many".
COUNT_CAP = 10_000
FTS_TABLE = "evidence_words"
FTS_STATE = "evidence_words_state"
#: rowid of a sighting in the SQLite index: item id in the high bits, sighting id below.
ITEM_SHIFT = 32
#: Prefixes expanded to the index words they stand for (SQLite), see ``SqliteFtsIndex._term``.
MIN_EXPANDED = 3
MAX_EXPANSION = 16
_PLAIN = re.compile(r"[a-z0-9]+")
#: Per process, until the next sighting is indexed: counts (SQLite, see :func:`_count`) and
#: prefix expansions.
_COUNTS: OrderedDict[tuple[Any, ...], int] = OrderedDict()
_EXPANSIONS: OrderedDict[tuple[str, str, int], str] = OrderedDict()
_CACHE_KEPT = 512
_CACHE_LOCK = threading.Lock()
PG_DOCUMENT = PG_SIGHTING_DOCUMENT


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
        raise RejectedInputError(_("Search with at most %(num)s words.", num=MAX_TERMS))
    return terms


class TextIndex:
    """The full-text part of a search: ids of the items one of whose sightings contains
    every term (as a word prefix)."""

    def matching_ids(
        self, session: Session, terms: list[str], before: int | None, newest: int
    ) -> Select[Any]:
        """A query of one column ``item_id``: ids below ``before``, in any order, repeated
        once per matching sighting. ``newest``: the newest sighting id (0 on PostgreSQL,
        which has nothing to bring up to date)."""
        raise NotImplementedError

    def newest_first(self, query: Select[Any]) -> Select[Any]:
        """``query`` of :meth:`matching_ids` with each id once, the newest item first."""
        raise NotImplementedError


class SqliteFtsIndex(TextIndex):
    def sync(self, session: Session, newest: int) -> None:
        """Index the sightings up to ``newest`` not indexed yet (no write when there are
        none)."""
        try:
            indexed = session.scalar(text("SELECT indexed_through FROM evidence_words_state"))
        except OperationalError:  # no index yet
            session.rollback()
            indexed = None
        if indexed == newest:
            return
        if indexed is None:
            self._create(session)
        # The first statement writes, so the write lock is held before the mark is read:
        # two processes catching up at once index each sighting once.
        session.execute(text("UPDATE evidence_words_state SET indexed_through = indexed_through"))
        session.execute(
            text(
                "INSERT INTO evidence_words(rowid, body) "
                "SELECT (s.item_id << 32) | s.id, s.original_name || ' ' || "
                "coalesce(s.caption, '') || ' ' || coalesce(s.account, '') || ' ' || "
                "coalesce(s.platform, '') || ' ' || coalesce(s.source_url, '') || ' ' || "
                "coalesce(s.post_id, '') FROM evidence_sighting s "
                "WHERE s.id > (SELECT indexed_through FROM evidence_words_state) "
                "AND s.id <= :newest"
            ).bindparams(newest=newest)
        )
        session.execute(
            text(
                "UPDATE evidence_words_state SET indexed_through = max(indexed_through, :newest)"
            ).bindparams(newest=newest)
        )
        session.commit()

    @staticmethod
    def _create(session: Session) -> None:
        """The index tables, made once: the process that writes the mark -1 first builds
        them while holding the write lock; the others then find the mark 0 or more."""
        session.execute(
            text(
                "CREATE TABLE IF NOT EXISTS evidence_words_state (id INTEGER PRIMARY KEY "
                "CHECK (id = 1), indexed_through INTEGER NOT NULL)"
            )
        )
        session.execute(text("INSERT OR IGNORE INTO evidence_words_state VALUES (1, -1)"))
        if session.scalar(text("SELECT indexed_through FROM evidence_words_state")) == -1:
            session.execute(text("DROP TABLE IF EXISTS evidence_fts"))  # the earlier layout
            session.execute(text("DROP TABLE IF EXISTS evidence_words"))
            session.execute(
                text(
                    "CREATE VIRTUAL TABLE evidence_words USING fts5(body, content='', "
                    "tokenize='unicode61 remove_diacritics 2')"
                )
            )
            session.execute(
                text(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS evidence_words_vocab "
                    "USING fts5vocab(evidence_words, row)"
                )
            )
            session.execute(text("UPDATE evidence_words_state SET indexed_through = 0"))
        session.commit()

    def matching_ids(
        self, session: Session, terms: list[str], before: int | None, newest: int
    ) -> Select[Any]:
        self.sync(session, newest)
        match = " AND ".join(self._term(session, t, newest) for t in terms)
        query: Select[Any] = (
            select(literal_column(f"rowid >> {ITEM_SHIFT}").label("item_id"))
            .select_from(text(FTS_TABLE))
            .where(text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=match))
        )
        if before is not None:
            query = query.where(
                text("rowid < :fts_bound").bindparams(fts_bound=before << ITEM_SHIFT)
            )
        return query

    @staticmethod
    def _term(session: Session, term: str, newest: int) -> str:
        """The FTS5 query of one search word: the words of the index it is a prefix of.

        ``"word"*`` is what it means, but FTS5 reads the whole list of rows of a prefix
        before it can hand out the first, while an exact word (or an OR of a few) is read
        lazily from the newest end: ``ORDER BY rowid DESC LIMIT 51`` then stops early. The
        index's vocabulary says which words a prefix stands for (kept per process until
        the next sighting is indexed). Only plain ASCII words are expanded (their folded
        form is themselves); anything else, short prefixes and prefixes of many words
        stay prefix queries.
        """
        prefix = f'"{term}"*'  # terms are \w+ only: nothing to escape
        if len(term) < MIN_EXPANDED or not _PLAIN.fullmatch(term):
            return prefix
        key = (session.get_bind().engine.url.render_as_string(), term, newest)
        with _CACHE_LOCK:
            if key in _EXPANSIONS:
                _EXPANSIONS.move_to_end(key)
                return _EXPANSIONS[key]
        upper = term[:-1] + chr(ord(term[-1]) + 1)
        words = list(
            session.scalars(
                text(
                    "SELECT term FROM evidence_words_vocab WHERE term >= :lo AND term < :hi "
                    "LIMIT :n"
                ).bindparams(lo=term, hi=upper, n=MAX_EXPANSION + 1)
            )
        )
        if not words or len(words) > MAX_EXPANSION:
            expanded = prefix
        else:
            expanded = "(" + " OR ".join('"' + w.replace('"', '""') + '"' for w in words) + ")"
        with _CACHE_LOCK:
            _EXPANSIONS[key] = expanded
            while len(_EXPANSIONS) > _CACHE_KEPT:
                _EXPANSIONS.popitem(last=False)
        return expanded

    def newest_first(self, query: Select[Any]) -> Select[Any]:
        # FTS5 walks its index backwards natively; same-item rows come one after another
        return query.distinct().order_by(literal_column("rowid").desc())


class PostgresTextIndex(TextIndex):
    def matching_ids(
        self, session: Session, terms: list[str], before: int | None, newest: int
    ) -> Select[Any]:
        words = " & ".join(f"{t}:*" for t in terms)
        query = func.to_tsquery(literal_column("'simple'::regconfig"), words)
        ids = select(Sighting.item_id.label("item_id")).where(
            literal_column(PG_DOCUMENT).bool_op("@@")(query)
        )
        if before is not None:
            ids = ids.where(Sighting.item_id < before)
        return ids

    def newest_first(self, query: Select[Any]) -> Select[Any]:
        return query.distinct().order_by(Sighting.item_id.desc())


def text_index(session: Session) -> TextIndex:
    name = session.get_bind().dialect.name
    return PostgresTextIndex() if name == "postgresql" else SqliteFtsIndex()


def _conditions(f: EvidenceFilter) -> list[ColumnElement[bool]]:
    """The filters on the item table."""
    where: list[ColumnElement[bool]] = []
    if f.media_type and (mt := f.media_type.strip().lower()):
        if mt.endswith("/"):
            # a range rather than LIKE so that the (media_type, id) index serves it
            upper = mt[:-1] + chr(ord("/") + 1)
            where += [EvidenceItem.media_type >= mt, EvidenceItem.media_type < upper]
        else:
            where.append(EvidenceItem.media_type == mt)
    if f.collected_by and (who := f.collected_by.strip()):
        where.append(EvidenceItem.collected_by == who)
    if f.collected_after:
        where.append(EvidenceItem.collected_at >= f.collected_after)
    if f.collected_before:
        where.append(EvidenceItem.collected_at < f.collected_before)
    return where


def _matching(session: Session, f: EvidenceFilter, before: int | None, newest: int) -> Select[Any]:
    """Ids of the matching items (one column), newest first, below ``before``."""
    where = _conditions(f)
    if f.text and (terms := search_terms(f.text)):
        index = text_index(session)
        found = index.matching_ids(session, terms, before, newest)
        if not where:  # the index alone answers, in its own order
            return index.newest_first(found)
        where.append(EvidenceItem.id.in_(found))
    if before is not None:
        where.append(EvidenceItem.id < before)
    return select(EvidenceItem.id).where(*where).order_by(EvidenceItem.id.desc())


def _count(session: Session, f: EvidenceFilter, newest: int) -> int:
    """How many items match, counted up to :data:`COUNT_CAP` + 1.

    On SQLite the count is kept per process until a sighting is added: sightings and items
    are only ever appended, in id order, so the newest sighting id dates every answer (the
    pages of one search then cost one count). PostgreSQL counts every time (its ids are not
    handed out in commit order).
    """
    key: tuple[Any, ...] | None = None
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        key = (bind.engine.url.render_as_string(), _filter_key(f), COUNT_CAP, newest)
        with _CACHE_LOCK:
            if key in _COUNTS:
                _COUNTS.move_to_end(key)
                return _COUNTS[key]
    counted = _matching(session, f, None, newest).order_by(None).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    if key is not None:
        with _CACHE_LOCK:
            _COUNTS[key] = total
            while len(_COUNTS) > _CACHE_KEPT:
                _COUNTS.popitem(last=False)
    return total


def _filter_key(f: EvidenceFilter) -> tuple[Any, ...]:
    return (
        tuple(search_terms(f.text or "")),
        (f.media_type or "").strip().lower(),
        (f.collected_by or "").strip(),
        f.collected_after,
        f.collected_before,
    )


def _cursor(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 12:
        raise RejectedInputError(
            _("The page cursor is not valid: start again from the first page.")
        )
    return int(value)


def search_items(
    ws: Workspace,
    f: EvidenceFilter,
    *,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of matching items, newest first.

    ``total`` counts the matches up to :data:`COUNT_CAP`; ``total_is_lower_bound`` says
    there are more. ``next_cursor`` (None on the last page) fetches the next page when
    passed back as ``cursor``.
    """
    if not 1 <= limit <= 1000 or offset < 0:
        raise RejectedInputError(_("limit must be 1-1000 and offset 0 or more."))
    before = _cursor(cursor)
    with ws.sessions() as session:
        newest = 0
        if session.get_bind().dialect.name == "sqlite":  # dates the index and the counts
            newest = session.scalar(select(func.max(Sighting.id))) or 0
        page = _matching(session, f, before, newest).limit(limit + 1).offset(offset)
        ids = list(session.scalars(page))
        more = len(ids) > limit
        ids = ids[:limit]
        whole = not more and offset == 0 and before is None  # the answer fits on this page
        total = len(ids) if whole else _count(session, f, newest)
        items = session.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.id.in_(ids))
            .options(
                selectinload(EvidenceItem.sightings),
                defer(EvidenceItem.metadata_),
                defer(EvidenceItem.exiftool),
                defer(EvidenceItem.c2pa),
            )
            .order_by(EvidenceItem.id.desc())
        ).all()
        return {
            "total": min(total, COUNT_CAP),
            "total_is_lower_bound": total > COUNT_CAP,
            "items": [item_json(i, full=False) for i in items],
            "next_cursor": str(ids[-1]) if more else None,
        }

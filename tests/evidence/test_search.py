"""Evidence search gives exactly the items a brute-force reading of the tables gives, for every
filter combination, page by page (cursor and offset) without gaps or repeats; counts stop at
the cap; sightings added after a search are found by the next one."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, text

import civwatch.evidence.search as search
from civwatch.errors import RejectedInputError
from civwatch.evidence.models import PG_SIGHTING_DOCUMENT, EvidenceItem, Sighting
from civwatch.evidence.search import EvidenceFilter, search_items
from civwatch.workspace import Workspace

WORDS = ["strike", "school", "shelter", "market", "bridge", "kharkiv", "kherson", "odesa"]
WORDS += ["odessa", "crater", "rescue", "hospital"]
TYPES = ["image/jpeg", "image/png", "video/mp4", "application/pdf"]
PEOPLE = ["ivan", "olga", "petro"]
START = datetime(2024, 3, 1, tzinfo=UTC)


@dataclass
class Row:
    item_id: int
    sha256: str
    media_type: str
    collected_by: str
    collected_at: datetime
    bodies: list[str]


class Corpus:
    """Items and sightings written straight into the tables, and what they should match."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.rows: dict[int, Row] = {}
        self.next_sighting = 1

    def add_items(self, n: int, rng: random.Random) -> None:
        items, sightings = [], []
        for _ in range(n):
            i = len(self.rows) + 1
            row = Row(
                i,
                f"{i:064x}",
                rng.choice(TYPES),
                rng.choice(PEOPLE),
                START + timedelta(hours=i),
                [],
            )
            self.rows[i] = row
            items.append(
                {
                    "id": i,
                    "sha256": row.sha256,
                    "size": i,
                    "media_type": row.media_type,
                    "original_name": f"file{i}_scan",
                    "collected_at": row.collected_at,
                    "collected_by": row.collected_by,
                    "metadata": {},
                    "exiftool": {},
                    "warnings": [],
                    "ingest_leaf": i,
                }
            )
            sightings.append(self._sighting(row, " ".join(rng.sample(WORDS, rng.randint(1, 3)))))
        with self.ws.engine.begin() as conn:
            conn.execute(insert(EvidenceItem), items)
            conn.execute(insert(Sighting), sightings)

    def resight(self, item_id: int, caption: str) -> None:
        """A later sighting of an older item (its sighting id is newer than newer items')."""
        with self.ws.engine.begin() as conn:
            conn.execute(insert(Sighting), [self._sighting(self.rows[item_id], caption)])

    def _sighting(self, row: Row, caption: str) -> dict[str, Any]:
        sid = self.next_sighting
        self.next_sighting += 1
        row.bodies.append(f"file{row.item_id}_scan {caption}")
        return {
            "id": sid,
            "item_id": row.item_id,
            "collected_at": row.collected_at,
            "collected_by": row.collected_by,
            "original_name": f"file{row.item_id}_scan",
            "caption": caption,
            "fingerprint": f"{sid:064x}",
            "custody_leaf": sid,
        }

    def expected(self, f: EvidenceFilter) -> list[str]:
        """Brute force: every row read, newest item first."""
        terms = search.search_terms(f.text or "")
        found = []
        for row in sorted(self.rows.values(), key=lambda r: -r.item_id):
            if terms and not any(_has_all(body, terms) for body in row.bodies):
                continue
            if f.media_type:
                mt = f.media_type.strip().lower()
                if not (
                    row.media_type.startswith(mt) if mt.endswith("/") else row.media_type == mt
                ):
                    continue
            if f.collected_by and row.collected_by != f.collected_by:
                continue
            if f.collected_after and row.collected_at < f.collected_after:
                continue
            if f.collected_before and row.collected_at >= f.collected_before:
                continue
            found.append(row.sha256)
        return found


def _has_all(body: str, terms: list[str]) -> bool:
    words = re.findall(r"[^\W_]+", body.lower())
    return all(any(w.startswith(t) for w in words) for t in terms)


def _walk_cursor(ws: Workspace, f: EvidenceFilter, limit: int) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(1000):
        page = search_items(ws, f, limit=limit, cursor=cursor)
        seen += [i["sha256"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
        assert len(page["items"]) == limit
    raise AssertionError("the cursor never reached the last page")


def _walk_offset(ws: Workspace, f: EvidenceFilter, limit: int) -> list[str]:
    seen: list[str] = []
    while True:
        items = search_items(ws, f, limit=limit, offset=len(seen))["items"]
        seen += [i["sha256"] for i in items]
        if len(items) < limit:
            return seen


FILTERS = [
    EvidenceFilter(),
    EvidenceFilter(text="odesa"),
    EvidenceFilter(text="Odes"),  # prefix: odesa and odessa
    EvidenceFilter(text="kharkiv school"),  # both words, in one sighting
    EvidenceFilter(text="kh s"),
    EvidenceFilter(text="hospital rescue crater"),
    EvidenceFilter(text="nothingmatches"),
    EvidenceFilter(text="file12"),  # a prefix of a few words: file12, file120...
    EvidenceFilter(text="file1 scan"),  # a prefix of many words
    EvidenceFilter(text="file7 scan"),
    EvidenceFilter(media_type="image/"),
    EvidenceFilter(media_type=" Video/MP4 "),
    EvidenceFilter(collected_by="olga"),
    EvidenceFilter(text="market", media_type="image/"),
    EvidenceFilter(text="s", collected_by="petro"),
    EvidenceFilter(text="school", media_type="application/pdf", collected_by="ivan"),
    EvidenceFilter(collected_after=START + timedelta(hours=50)),
    EvidenceFilter(
        text="strike",
        collected_after=START + timedelta(hours=40),
        collected_before=START + timedelta(hours=200),
    ),
    EvidenceFilter(media_type="image/png", collected_before=START + timedelta(hours=120)),
]


@pytest.fixture
def corpus(workspace: Workspace) -> Corpus:
    rng = random.Random(5)
    c = Corpus(workspace)
    c.add_items(240, rng)
    for item_id in rng.sample(range(1, 200), 60):  # reposts of older items, seen later
        c.resight(item_id, " ".join(rng.sample(WORDS, 2)))
    c.add_items(60, rng)
    return c


def test_search_matches_brute_force_for_every_filter(corpus: Corpus) -> None:
    checked = 0
    for f in FILTERS:
        want = corpus.expected(f)
        page = search_items(corpus.ws, f, limit=1000)
        assert [i["sha256"] for i in page["items"]] == want, f
        assert page["total"] == len(want) and page["total_is_lower_bound"] is False, f
        assert page["next_cursor"] is None
        for limit in (7, 50):
            assert _walk_cursor(corpus.ws, f, limit) == want, (f, limit)
        assert _walk_offset(corpus.ws, f, 13) == want, f
        checked += len(want)
    assert checked > 1000  # the filters above do select a good share of the items


def test_cursor_pages_hold_still_while_items_are_added(corpus: Corpus) -> None:
    f = EvidenceFilter(text="s")
    first = search_items(corpus.ws, f, limit=10)
    corpus.add_items(30, random.Random(9))  # newer items arrive between two pages
    corpus.resight(3, "odesa strike")
    rest = _walk_cursor_from(corpus.ws, f, first["next_cursor"])
    shown = [i["sha256"] for i in first["items"]] + rest
    assert len(shown) == len(set(shown))
    newest_shown = corpus.rows[int(first["next_cursor"])]
    want = [sha for sha in corpus.expected(f) if int(sha, 16) < newest_shown.item_id]
    assert rest == want


def _walk_cursor_from(ws: Workspace, f: EvidenceFilter, cursor: str | None) -> list[str]:
    seen: list[str] = []
    while cursor is not None:
        page = search_items(ws, f, limit=9, cursor=cursor)
        seen += [i["sha256"] for i in page["items"]]
        cursor = page["next_cursor"]
    return seen


def test_new_sightings_are_found_by_the_next_search(corpus: Corpus) -> None:
    assert search_items(corpus.ws, EvidenceFilter(text="quokka"))["total"] == 0
    corpus.resight(17, "quokka seen near the bridge")  # an old item, seen again
    corpus.add_items(1, random.Random(1))
    corpus.resight(len(corpus.rows), "another quokka")
    page = search_items(corpus.ws, EvidenceFilter(text="quokka bridge"))
    assert [i["sha256"] for i in page["items"]] == [corpus.rows[17].sha256]
    page = search_items(corpus.ws, EvidenceFilter(text="quok"))
    assert page["items"][0]["sighting_count"] == 2
    assert [i["sha256"] for i in page["items"]] == corpus.expected(EvidenceFilter(text="quok"))
    assert page["total"] == 2


def test_counts_stop_at_the_cap(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "COUNT_CAP", 25)
    for f in [EvidenceFilter(), EvidenceFilter(text="s"), EvidenceFilter(media_type="image/")]:
        want = corpus.expected(f)
        assert len(want) > 25
        page = search_items(corpus.ws, f, limit=30)
        assert page["total"] == 25 and page["total_is_lower_bound"] is True
        assert [i["sha256"] for i in page["items"]] == want[:30]  # the page is not capped
    small = EvidenceFilter(text="kharkiv school", collected_by="olga")
    page = search_items(corpus.ws, small)
    assert page["total"] == len(corpus.expected(small)) < 25
    assert page["total_is_lower_bound"] is False


def test_bad_cursors_and_limits_are_refused(workspace: Workspace) -> None:
    for cursor in ["abc", "-1", "1e5", "9" * 20]:
        with pytest.raises(RejectedInputError, match="cursor"):
            search_items(workspace, EvidenceFilter(), cursor=cursor)
    with pytest.raises(RejectedInputError):
        search_items(workspace, EvidenceFilter(), limit=0)
    empty = search_items(workspace, EvidenceFilter(text="odesa"))
    assert empty == {"total": 0, "total_is_lower_bound": False, "items": [], "next_cursor": None}


def test_postgresql_text_search_uses_the_gin_index(corpus: Corpus) -> None:
    ws = corpus.ws
    if ws.engine.dialect.name != "postgresql":
        pytest.skip("the GIN index exists on PostgreSQL only (SQLite uses FTS5)")
    with ws.sessions() as session:
        indexdef = session.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_evidence_sighting_words'")
        )
        assert indexdef is not None and "gin" in indexdef
        query = search.PostgresTextIndex().matching_ids(session, ["odesa"], None, 0)
        sql = str(query.compile(ws.engine, compile_kwargs={"literal_binds": True}))
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(session.scalars(text("EXPLAIN " + sql)))
    assert "ix_evidence_sighting_words" in plan, plan
    assert PG_SIGHTING_DOCUMENT.startswith("to_tsvector('simple'::regconfig")


def test_sqlite_index_is_built_once_and_rowids_carry_the_item(corpus: Corpus) -> None:
    ws = corpus.ws
    if ws.engine.dialect.name != "sqlite":
        pytest.skip("FTS5 is the SQLite backend")
    search_items(ws, EvidenceFilter(text="odesa"))
    search_items(ws, EvidenceFilter(text="market"))  # nothing new: nothing indexed twice
    with ws.sessions() as session:
        rows = session.scalar(text("SELECT count(*) FROM evidence_words_docsize"))
        sightings = session.scalar(select(text("count(*)")).select_from(Sighting))
        mark = session.scalar(text("SELECT indexed_through FROM evidence_words_state"))
        item_ids = set(
            session.scalars(
                text("SELECT rowid >> 32 FROM evidence_words WHERE evidence_words MATCH 'odesa'")
            )
        )
    assert rows == sightings == corpus.next_sighting - 1 == mark
    want = {int(sha, 16) for sha in corpus.expected(EvidenceFilter(text="odesa"))}
    assert item_ids == want

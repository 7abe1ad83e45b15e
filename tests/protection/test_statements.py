"""What a search and the officer's dashboard cost in statements, and the plans they may
take: the desk's performance targets (issue 14, ``bench/protection.py``) rest on these, so a
change that adds a query per match, per case or per name shown, or a plan that reads a
whole table, fails here rather than in a benchmark run. Counted on the test's database
(SQLite, or PostgreSQL with ``CIVWATCH_DATABASE_URL``); the plans are SQLite's, which
plans without statistics as if every table were large."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, union

from civwatch.accounts.principal import Principal
from civwatch.db import utcnow
from civwatch.protection.access import reach_sources, within_reach
from civwatch.protection.cases import assign, open_case
from civwatch.protection.dashboard import dashboard
from civwatch.protection.models import ProtectionPerson
from civwatch.protection.person_input import person_input
from civwatch.protection.persons import add_person, find_persons
from civwatch.protection.risk import RiskInput, add_assessment
from civwatch.workspace import Workspace
from tests.protection.case_helpers import give_consent
from tests.protection.conftest import PrincipalOf

#: A name search: the user, the desk, the words ranked, the ranked matches the caller may
#: read; then the read recorded (the log's lock, its frontier, leaves, size, rows; and the
#: subtree hashes the new leaves complete, when they complete one: not counted here).
#: On PostgreSQL the words are not ranked first (the GIN index of the people's token sets
#: ANDs them all in one statement): one statement fewer, see :func:`find_by_name`.
FIND_BY_NAME = 9
#: A phone search: the same, without ranking the words.
FIND_BY_PHONE = 8
#: The dashboard: the user, my cases, alerts, reviews due, new requests for help.
DASHBOARD = 5


def find_by_name(ws: Workspace) -> int:
    """:data:`FIND_BY_NAME` on ``ws``'s database."""
    return FIND_BY_NAME if ws.engine.dialect.name == "sqlite" else FIND_BY_NAME - 1


@contextmanager
def statements(ws: Workspace) -> Iterator[list[str]]:
    """The SQL statements run on ``ws``'s database inside the block (but the audit log's
    subtree hashes)."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        # The audit log's subtree hashes are written when the new leaves complete a subtree
        # (every other append): how many depends on the log's size, not on the search.
        if not statement.startswith("INSERT INTO protection_audit_nodes"):
            seen.append(statement)

    event.listen(ws.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(ws.engine, "before_cursor_execute", note)


def _register(ws: Workspace, officer: Principal, name: str, phone: str) -> str:
    values = {"names": [{"name": name, "kind": "legal"}]}
    values["contacts"] = [{"kind": "phone", "value": phone}]  # type: ignore[list-item]
    return add_person(ws, officer, person_input(values))


def _case_of(ws: Workspace, officer: Principal, person_id: str) -> str:
    give_consent(ws, officer, person_id, "case-handling")
    return open_case(ws, officer, person_id, "safe-exit")


def test_a_search_costs_the_same_statements_for_one_match_or_many(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer, lead = principal("officer1"), principal("lead1")
    _register(desk, officer, "Олена Петрівна Коваленко", "+380671110001")
    for n in range(4):
        _register(desk, officer, "Іван Петрович Шевченко", f"+38067222000{n}")
    _register(desk, lead, "Іван Петрович Шевчук", "+380673330001")
    for who in (officer, lead):
        with statements(desk) as one:
            assert len(find_persons(desk, who, name="Олена Коваленко Петрівна")) == 1
        with statements(desk) as many:
            found = find_persons(desk, who, name="Ivan Petrovych Shevchenko")
        assert len(found) == 4  # officer1's four; Шевчук is another surname
        assert len(one) == len(many) == find_by_name(desk), many
        with statements(desk) as by_phone:
            assert len(find_persons(desk, who, phone="067 222 0003")) == 1
        assert len(by_phone) == FIND_BY_PHONE, by_phone
    with statements(desk) as none:
        assert find_persons(desk, officer, name="Тарас Шевчук") == []
    assert len(none) == find_by_name(desk) - 5  # nothing found, nothing recorded


def test_a_search_never_reads_a_persons_fields_or_the_whole_index(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer = principal("officer1")
    _register(desk, officer, "Іван Петрович Шевченко", "+380672220001")
    with statements(desk) as seen:
        find_persons(desk, officer, name="Іван Шевченко")
    assert not [s for s in seen if "protection_person_field" in s]
    if desk.engine.dialect.name == "sqlite":
        for statement in seen:
            if "protection_blind_index" in statement and statement.lstrip().startswith("SELECT"):
                assert "SCAN protection_blind_index" not in _plan(desk, statement), statement


def test_the_dashboard_costs_the_same_statements_for_few_cases_or_more(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer = principal("officer1")
    now = datetime.now(UTC)
    first = _register(desk, officer, "Олена Коваленко", "+380671110001")
    _case_of(desk, officer, first)
    with statements(desk) as few:
        board = dashboard(desk, officer, now)
    assert board["cases"]["count"] == 1
    for n in range(3):
        person_id = _register(desk, officer, f"Іван Шевченко {n}", f"+38067222000{n}")
        _case_of(desk, officer, person_id)
        add_assessment(
            desk,
            officer,
            person_id,
            RiskInput(threats=["detention"], likelihood=3, impact=3, next_review=now.date()),
        )
    with statements(desk) as more:
        board = dashboard(desk, officer, now + timedelta(days=1))
    assert board["cases"]["count"] == 4 and board["reviews_due"]["count"] == 3
    assert len(few) == len(more) == DASHBOARD, more
    with statements(desk) as names_few:
        dashboard(desk, officer, now, names=True)
    _case_of(desk, officer, _register(desk, officer, "Тарас Шевчук", "+380673330001"))
    with statements(desk) as names_more:
        board = dashboard(desk, officer, now, names=True)
    assert sum(1 for c in board["cases"]["items"] if c["person_name"]) == 5
    # The names shown: the desk, their rows and fields, the reads recorded; none per name.
    assert len(names_few) == len(names_more) <= DASHBOARD + 9, names_more


@pytest.mark.parametrize("who", ["officer1", "lead1"])
def test_the_dashboards_lists_read_by_index_never_a_whole_table(
    desk: Workspace, principal: PrincipalOf, who: str
) -> None:
    if desk.engine.dialect.name != "sqlite":
        pytest.skip("the plans checked are SQLite's (PostgreSQL's follow the tables' sizes)")
    officer = principal("officer1")
    _case_of(desk, officer, _register(desk, officer, "Олена Коваленко", "+380671110001"))
    with statements(desk) as seen:
        dashboard(desk, principal(who), datetime.now(UTC))
    plans = {s: _plan(desk, s) for s in seen if s.lstrip().startswith("SELECT")}
    for statement, plan in plans.items():
        for table in ("protection_person", "protection_case", "protection_case_member"):
            assert f"SCAN {table} " not in plan + " ", (statement, plan)
    if who == "officer1":
        due = next(p for s, p in plans.items() if "next_review" in s)
        assert "ix_protection_person_created_by_next_review" in due, due


def _plan(ws: Workspace, statement: str) -> str:
    """SQLite's query plan of ``statement`` (its parameters left unbound: NULL)."""
    with ws.engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", _nulls(statement))
        return "\n".join(str(row[-1]) for row in rows)


def _nulls(statement: str) -> tuple[None, ...]:
    return (None,) * statement.count("?")


def test_an_officers_reach_as_a_union_is_the_same_people_as_the_or(
    desk: Workspace, principal: PrincipalOf
) -> None:
    """:func:`access.reach_sources` (the dashboard's UNION), :func:`access.within_reach`
    (the OR the other checks use) and its row-by-row form (a search's matches on
    PostgreSQL) are one rule."""
    officer1, officer2 = principal("officer1"), principal("officer2")
    own = _register(desk, officer1, "Олена Коваленко", "+380671110001")
    _register(desk, officer2, "Іван Шевченко", "+380672220001")
    on_case = _register(desk, officer2, "Тарас Шевчук", "+380673330001")
    assign(desk, officer2, _case_of(desk, officer2, on_case), "officer1")
    with desk.sessions() as session:
        now = utcnow()
        sources = reach_sources(session, officer1.user_id, now)
        by_union = set(
            session.scalars(union(*(select(ProtectionPerson.id).where(s) for s in sources)))
        )
        by_or = set(
            session.scalars(select(ProtectionPerson.id).where(within_reach(officer1.user_id, now)))
        )
        each = within_reach(officer1.user_id, now, each=True)
        by_each = set(session.scalars(select(ProtectionPerson.id).where(each)))
    assert by_union == by_or == by_each == {own, on_case}

"""The desk's pure rules: the risk level table, the case state machine, the overdue rule,
and the vocabularies' labels in both languages."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from civwatch.errors import ConflictError, RejectedInputError
from civwatch.i18n import use_language
from civwatch.protection import vocabulary
from civwatch.protection.cases import allowed_moves, check_move
from civwatch.protection.checkins import RoutePoint, overdue_points
from civwatch.protection.risk import risk_level

# Every cell of the 5x5 table: rows are likelihood 1..5, columns impact 1..5.
LEVELS = """
low    low    low    low    medium
low    low    medium medium high
low    medium medium high   high
low    medium high   high   critical
medium high   high   critical critical
"""


def test_risk_level_table_is_pinned() -> None:
    table = [row.split() for row in LEVELS.strip().splitlines()]
    for likelihood in range(1, 6):
        for impact in range(1, 6):
            assert risk_level(likelihood, impact) == table[likelihood - 1][impact - 1], (
                likelihood,
                impact,
            )


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 3), (6, 1), (3, -1), (True, 2)])
def test_ratings_off_the_scale_are_refused(likelihood: int, impact: int) -> None:
    with pytest.raises(RejectedInputError, match="from 1 to 5"):
        risk_level(likelihood, impact)


def test_a_case_works_through_its_states_in_order() -> None:
    path = ["intake", "assessment", "plan", "approved", "in-progress", "completed"]
    for here, there in itertools.pairwise(path):
        check_move(here, there)
    assert allowed_moves("completed") == frozenset()
    assert allowed_moves("withdrawn") == frozenset()


@pytest.mark.parametrize(
    ("here", "there"),
    [
        ("intake", "approved"),
        ("intake", "completed"),
        ("assessment", "in-progress"),
        ("completed", "intake"),
        ("withdrawn", "intake"),
        ("plan", "plan"),
    ],
)
def test_a_move_the_state_machine_does_not_allow_names_both_states(here: str, there: str) -> None:
    with pytest.raises(ConflictError) as refused:
        check_move(here, there)
    assert vocabulary.label("case-state", here) in str(refused.value)
    assert vocabulary.label("case-state", there) in str(refused.value)
    with use_language("uk"):
        with pytest.raises(ConflictError) as refused_uk:
            check_move(here, there)
        text = str(refused_uk.value)
        assert "Справа не може" in text
        assert f"«{vocabulary.label('case-state', here)}»" in text
        assert f"«{vocabulary.label('case-state', there)}»" in text


def test_a_suspended_case_resumes_where_it_stopped_or_is_withdrawn() -> None:
    check_move("in-progress", "suspended")
    assert allowed_moves("suspended", suspended_from="plan") == {"plan", "withdrawn"}
    check_move("suspended", "plan", suspended_from="plan")
    with pytest.raises(ConflictError):
        check_move("suspended", "in-progress", suspended_from="plan")


def test_an_unknown_state_is_refused() -> None:
    with pytest.raises(ConflictError, match="not a state"):
        check_move("intake", "teleported")


T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ROUTE = [
    RoutePoint("cp_a", 1, T0),
    RoutePoint("cp_b", 2, T0 + timedelta(hours=4)),
    RoutePoint("cp_c", 3, T0 + timedelta(hours=8)),
]
GRACE = timedelta(minutes=120)


def test_a_checkpoint_is_overdue_only_after_its_grace_period() -> None:
    at_edge = T0 + GRACE
    assert overdue_points(ROUTE, [], grace=GRACE, now=at_edge) == []
    assert overdue_points(ROUTE, [], grace=GRACE, now=at_edge + timedelta(seconds=1)) == ["cp_a"]


def test_a_checkin_at_the_checkpoint_or_a_later_one_is_enough() -> None:
    late = T0 + timedelta(hours=11)
    assert overdue_points(ROUTE, [], grace=GRACE, now=late) == ["cp_a", "cp_b", "cp_c"]
    assert overdue_points(ROUTE, ["cp_a"], grace=GRACE, now=late) == ["cp_b", "cp_c"]
    assert overdue_points(ROUTE, ["cp_b"], grace=GRACE, now=late) == ["cp_c"]
    assert overdue_points(ROUTE, ["cp_c"], grace=GRACE, now=late) == []


def test_every_code_has_a_ukrainian_label() -> None:
    with use_language("uk"):
        for name, codes in vocabulary.VOCABULARIES.items():
            for code, english in codes.items():
                shown = vocabulary.label(name, code)
                assert shown != english, (name, code)
                assert any("\u0400" <= ch <= "\u04ff" for ch in shown), (name, code, shown)
        assert vocabulary.label("threat", "filtration") == "Фільтрація"
        assert vocabulary.label("threat", "enforced-disappearance") == "Насильницьке зникнення"


def test_codes_are_checked_forgivingly() -> None:
    assert vocabulary.check_code("case-kind", "Safe exit") == "safe-exit"
    assert vocabulary.check_code("threat", "forced_conscription") == "forced-conscription"
    with pytest.raises(RejectedInputError, match="safe-exit"):
        vocabulary.check_code("case-kind", "escape")

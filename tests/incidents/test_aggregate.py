"""Casualty totals over ranges, filters and time series."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from civwatch.errors import RejectedInputError
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.aggregate import casualty_totals, time_series
from civwatch.incidents.casualties import PeopleRange, parse_figures, parse_range, sum_ranges
from civwatch.incidents.service import create_incident
from civwatch.incidents.workflow import review_incident, set_incident_status
from civwatch.workspace import Workspace
from tests.incidents.helpers import incident_doc

ODESA = (46.4825, 30.7233)


def test_ranges_add_minima_and_maxima() -> None:
    assert sum_ranges([parse_range("3"), parse_range("2-5"), parse_range(" 0 - 1 ")]) == (
        PeopleRange(5, 9)
    )
    for bad, message in (
        ("-2", "negative"),
        ("5-3", "inverted"),
        ("three", "not a number"),
        ("2--3", "negative"),
    ):
        with pytest.raises(RejectedInputError, match=message):
            parse_range(bad)
    with pytest.raises(RejectedInputError, match="needs the killed total"):
        parse_figures(["killed.children=1"])
    with pytest.raises(RejectedInputError, match="Unknown casualty group"):
        parse_figures(["killed=3", "killed.pets=1"])
    assert parse_figures(["injured=4-6@Police", "killed=1"]) == {
        "injured": {"min": 4, "max": 6, "source": "Police"},
        "killed": {"min": 1, "max": 1, "source": None},
    }


@pytest.fixture
def recorded(team: Workspace, places: Gazetteer) -> Workspace:
    def add(day: int, killed: dict[str, int] | None, **over: object) -> int:
        figures = {} if killed is None else {"killed": killed}
        doc = incident_doc(start=datetime(2022, 3, day, 8, tzinfo=UTC), casualties=figures, **over)
        return int(create_incident(team, doc, actor="ivan", places=places)["id"])

    add(7, {"min": 2, "max": 4})  # Monday, Kharkiv, hospital
    add(8, {"min": 0, "max": 3}, objects=["school"])
    add(9, None, incident_type="drone attack")
    add(14, {"min": 1, "max": 1}, lat=ODESA[0], lon=ODESA[1], objects=["residential"])
    false_one = add(15, {"min": 50, "max": 60})
    set_incident_status(team, false_one, "under_verification", actor="ivan")
    set_incident_status(team, false_one, "false_or_misattributed", actor="ivan")
    review_incident(team, false_one, "approve", actor="vera")
    return team


def test_totals_are_range_sums_and_count_incidents_without_figures(recorded: Workspace) -> None:
    all_ = casualty_totals(recorded)
    assert all_["incidents"] == 4  # the false one is left out
    assert all_["killed"] == {"incidents_with_figure": 3, "min": 3, "max": 8}
    assert all_["injured"] == {"incidents_with_figure": 0, "min": 0, "max": 0}
    kharkiv = casualty_totals(recorded, oblast="Kharkiv")
    assert (kharkiv["incidents"], kharkiv["killed"]["min"], kharkiv["killed"]["max"]) == (3, 2, 7)
    assert casualty_totals(recorded, oblast="Odeska oblast")["incidents"] == 0
    assert casualty_totals(recorded, oblast="Odesa Oblast")["killed"]["max"] == 1
    hospitals = casualty_totals(recorded, object_="Hospital or clinic")
    assert hospitals["incidents"] == 2  # day 7 and the drone attack (default objects)
    drones = casualty_totals(recorded, incident_type="drone_attack")
    assert drones["incidents"] == 1 and drones["killed"]["incidents_with_figure"] == 0
    week = casualty_totals(
        recorded,
        start_from=datetime(2022, 3, 8, tzinfo=UTC),
        start_to=datetime(2022, 3, 14, tzinfo=UTC),
    )
    assert week["incidents"] == 2
    false_only = casualty_totals(recorded, statuses=["false or misattributed"])
    assert false_only["killed"]["min"] == 50


def test_bad_filters_are_clear_errors(recorded: Workspace) -> None:
    with pytest.raises(RejectedInputError, match="Unknown object 'spaceport'"):
        casualty_totals(recorded, object_="spaceport")
    with pytest.raises(RejectedInputError, match="ends before it starts"):
        casualty_totals(
            recorded,
            start_from=datetime(2022, 4, 1, tzinfo=UTC),
            start_to=datetime(2022, 3, 1, tzinfo=UTC),
        )
    with pytest.raises(RejectedInputError, match="Unknown status"):
        casualty_totals(recorded, statuses=["done"])
    with pytest.raises(RejectedInputError, match="Unknown period"):
        time_series(recorded, "fortnight")


def test_time_series_by_day_and_week(recorded: Workspace) -> None:
    days = time_series(recorded, "day")["series"]
    assert [d["period"] for d in days] == ["2022-03-07", "2022-03-08", "2022-03-09", "2022-03-14"]
    assert days[1]["killed"] == {"incidents_with_figure": 1, "min": 0, "max": 3}
    weeks = time_series(recorded, "week")["series"]
    assert [(w["period"], w["incidents"]) for w in weeks] == [("2022-03-07", 3), ("2022-03-14", 1)]
    assert weeks[0]["killed"]["min"] == 2 and weeks[0]["killed"]["max"] == 7

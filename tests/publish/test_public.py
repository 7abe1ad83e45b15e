"""The public projection: only verified, published incidents, only allow-listed fields,
locations as coarse as the publisher chose, and the publication history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civwatch.errors import NotFoundError, RejectedInputError
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents import published as published_rows
from civwatch.incidents.service import create_incident
from civwatch.incidents.workflow import review_incident, set_incident_status
from civwatch.publish.public import (
    PUBLIC_FIELDS,
    PublicFilter,
    iter_public_incidents,
    public_histories,
    public_incident,
    public_incidents,
    public_map,
)
from civwatch.publish.publication import (
    correct_incident,
    public_history,
    publish_incident,
    set_location_precision,
    withdraw_incident,
)
from civwatch.workspace import Workspace
from tests.incidents.helpers import incident_doc
from tests.publish.published import (
    EXACT,
    marked_incident,
    publish,
    published_incident,
    verified_item,
)

ODESA = (46.4825, 30.7233)
LVIV = (49.8397, 24.0297)


def test_marked_incident_shows_only_public_fields(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    marked = marked_incident(team, places, tmp_path / "in")
    shown = public_incident(team, marked.incident_id)
    assert tuple(shown) == PUBLIC_FIELDS
    everything = [
        json.dumps(shown),
        json.dumps(public_incidents(team)),
        json.dumps(public_map(team)),
        json.dumps(list(iter_public_incidents(team))),
    ]
    for text in everything:
        for secret in marked.secrets:
            assert secret not in text, secret
    assert shown["location"]["precision"] == "settlement"
    assert shown["settlement"] == "Kharkiv" and shown["oblast"] == "Kharkiv Oblast"
    assert (shown["location"]["lat"], shown["location"]["lon"]) != pytest.approx(EXACT, abs=1e-3)
    assert shown["casualties"]["killed"] == {
        "min": 1,
        "max": 3,
        "source": "Regional administration",
    }
    assert shown["sources_count"] == 1
    assert [h["kind"] for h in shown["history"]] == ["published"]
    assert shown["published_at"] == shown["history"][0]["at"]


def test_unknown_figures_stay_unknown(team: Workspace, places: Gazetteer, tmp_path: Path) -> None:
    sha = verified_item(team, tmp_path / "v")
    inc = published_incident(team, places, sha, casualties={})
    shown = public_incident(team, inc)
    assert shown["casualties"] == {"killed": None, "injured": None}


def test_only_verified_public_incidents_and_withdrawn_ones_vanish(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    sha = verified_item(team, tmp_path / "v")
    shown = published_incident(team, places, sha, title="Shown")
    internal = create_incident(team, incident_doc(title="Draft"), actor="ivan", places=places)
    verified_not_published = create_incident(
        team, incident_doc(title="Verified only"), actor="ivan", places=places
    )["id"]
    set_incident_status(team, verified_not_published, "under_verification", actor="ivan")
    from civwatch.incidents.service import link_evidence

    link_evidence(team, verified_not_published, sha, actor="ivan")
    set_incident_status(team, verified_not_published, "verified", actor="viktor")
    review_incident(team, verified_not_published, "approve", actor="vera")
    withdrawn = published_incident(team, places, sha, title="Withdrawn")
    reopened = published_incident(team, places, sha, title="Reopened")

    def listed() -> set[int]:
        return {i["id"] for i in public_incidents(team)["incidents"]}

    assert listed() == {shown, withdrawn, reopened}
    withdraw_incident(team, withdrawn, reason="a witness could be identified", actor="pat")
    set_incident_status(team, reopened, "under_verification", actor="ivan", reason="new video")
    assert listed() == {shown}
    assert {i["id"] for i in iter_public_incidents(team)} == {shown}
    assert {f["id"] for f in public_map(team)["features"]} == {shown}
    for hidden in (int(internal["id"]), verified_not_published, withdrawn, reopened, 999):
        with pytest.raises(NotFoundError):
            public_incident(team, hidden)


def test_history_in_bulk_matches_the_publication_history(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    sha = verified_item(team, tmp_path / "v")
    a = published_incident(team, places, sha, title="Corrected")
    correct_incident(team, a, "The injured were 4 to 9, not 3.", actor="pat")
    b = published_incident(team, places, sha, title="Out and in again")
    withdraw_incident(team, b, reason="checking the figures", actor="pat")
    publish_incident(team, b, actor="pat", note="figures confirmed")
    c = published_incident(team, places, sha, title="Reopened")
    set_incident_status(team, c, "under_verification", actor="ivan", reason="new video")
    set_incident_status(team, c, "verified", actor="viktor")
    review_incident(team, c, "approve", actor="vera")
    publish_incident(team, c, actor="pat")
    ids = [a, b, c]
    with team.sessions() as session:
        bulk = public_histories(session, ids)
        for incident_id in ids:
            one = [{**h, "at": h["at"].isoformat()} for h in public_history(session, incident_id)]
            assert bulk[incident_id] == one
    shown = public_incident(team, a)
    assert [h["kind"] for h in shown["history"]] == ["published", "corrected"]
    assert shown["history"][1]["note"] == "The injured were 4 to 9, not 3."
    assert shown["updated_at"] == shown["history"][1]["at"] > shown["published_at"]
    kinds = [h["kind"] for h in public_incident(team, b)["history"]]
    assert kinds == ["published", "withdrawn", "published"]
    assert [h["kind"] for h in public_incident(team, c)["history"]] == [
        "published",
        "withdrawn",
        "published",
    ]


@pytest.mark.parametrize(
    ("precision", "settlement", "raion_shown"),
    [("exact", "Kharkiv", True), ("raion", None, True), ("oblast", None, False)],
)
def test_areas_named_only_as_far_as_the_precision_allows(
    team: Workspace,
    places: Gazetteer,
    tmp_path: Path,
    precision: str,
    settlement: str | None,
    raion_shown: bool,
) -> None:
    sha = verified_item(team, tmp_path / "v")
    inc = published_incident(
        team, places, sha, raion="Kharkivskyi raion", lat=EXACT[0], lon=EXACT[1]
    )
    set_location_precision(team, inc, precision, actor="pat", places=places)
    shown = public_incident(team, inc)
    assert shown["location"]["precision"] == precision
    assert shown["settlement"] == settlement
    assert (shown["raion"] == "Kharkivskyi raion") is raion_shown
    assert shown["oblast"] == "Kharkiv Oblast"
    if precision != "exact":
        assert "Kharkiv," not in (shown["location"]["place"] or "")
        distance = abs(shown["location"]["lat"] - EXACT[0]) + abs(
            shown["location"]["lon"] - EXACT[1]
        )
        assert distance > 0.01


def test_filters_and_pages(team: Workspace, places: Gazetteer, tmp_path: Path) -> None:
    sha = verified_item(team, tmp_path / "v")
    kharkiv = published_incident(team, places, sha, title="Kharkiv")
    odesa = published_incident(
        team, places, sha, title="Odesa", lat=ODESA[0], lon=ODESA[1], objects=["school"]
    )
    lviv = published_incident(
        team, places, sha, title="Lviv", lat=LVIV[0], lon=LVIV[1], incident_type="drone attack",
        weapons=["Shahed-136"],
    )  # fmt: skip

    def ids(**given: str) -> list[int]:
        return [i["id"] for i in public_incidents(team, PublicFilter.parse(**given))["incidents"]]

    assert ids() == [lviv, odesa, kharkiv]  # newest first
    assert ids(oblast="Odesa") == [odesa]
    assert ids(object_="school") == [odesa]
    assert ids(incident_type="drone attack") == [lviv]
    assert ids(weapon="shahed_136") == [lviv]
    assert ids(bbox="23,49,25,50") == [lviv]
    with pytest.raises(RejectedInputError, match="Unknown incident type"):
        ids(incident_type="teleportation")
    page = public_incidents(team, limit=2)
    assert [i["id"] for i in page["incidents"]] == [lviv, odesa]
    rest = public_incidents(team, limit=2, cursor=page["next_cursor"])
    assert [i["id"] for i in rest["incidents"]] == [kharkiv] and rest["next_cursor"] is None
    for bad in (0, 1001):
        with pytest.raises(RejectedInputError, match="limit"):
            public_incidents(team, limit=bad)
    marker_page = public_map(team, PublicFilter.parse(bbox="23,49,25,50"), limit=1)
    assert [f["id"] for f in marker_page["features"]] == [lviv]
    assert marker_page["next_cursor"] is None
    assert [i["id"] for i in iter_public_incidents(team, batch_size=1)] == [kharkiv, odesa, lviv]


def test_a_dense_viewport_gives_the_same_markers_read_by_id(
    team: Workspace, places: Gazetteer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A viewport with many points is read newest first by id rather than through the point
    index: the markers, their order and the pages must not change with the plan."""
    sha = verified_item(team, tmp_path / "v")
    made = [
        published_incident(team, places, sha, title=f"Strike {n}", lat=lat, lon=lon)
        for n, (lat, lon) in enumerate([EXACT, ODESA, LVIV, EXACT, ODESA])
    ]
    hidden = published_incident(team, places, sha, title="Withdrawn", lat=LVIV[0], lon=LVIV[1])
    withdraw_incident(team, hidden, reason="a wrong date", actor="pat")
    country = PublicFilter.parse(bbox="22,44,41,53")

    def pages(limit: int) -> list[list[int]]:
        out, cursor = [], None
        while True:
            page = public_map(team, country, limit=limit, cursor=cursor)
            out.append([f["id"] for f in page["features"]])
            if (cursor := page["next_cursor"]) is None:
                return out

    by_index = pages(2)
    monkeypatch.setattr(published_rows, "DENSE", 3)
    assert country.bbox is not None
    with team.sessions() as session:  # the probe now finds the box dense
        assert published_rows.dense(session, [], country.bbox)
    by_id = pages(2)
    assert by_id == by_index == [made[::-1][0:2], made[::-1][2:4], made[::-1][4:]]
    odesa_only = PublicFilter.parse(bbox="29,45,32,47.5")
    assert [f["id"] for f in public_map(team, odesa_only)["features"]] == [made[4], made[1]]


def test_a_bad_filter_fails_before_an_export_starts(team: Workspace) -> None:
    with pytest.raises(RejectedInputError):
        iter_public_incidents(team, PublicFilter.parse(weapon="slingshot"))
    _ = publish  # the helper publishes through the real workflow (see published.py)


@pytest.mark.db
def test_an_export_reads_one_state_while_incidents_are_withdrawn_meanwhile(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    """An open data export streams published incidents in batches; an incident withdrawn
    while the export runs is still in it (it was public when the export began): the whole
    export is one state of the database."""
    sha = verified_item(team, tmp_path / "v")
    first, second, third = (
        published_incident(team, places, sha, title=f"Strike {n}") for n in range(3)
    )
    stream = iter_public_incidents(team, batch_size=1)
    seen = [next(stream)["id"]]
    withdraw_incident(team, third, reason="a wrong date", actor="pat")
    seen += [i["id"] for i in stream]
    assert seen == [first, second, third]
    assert [i["id"] for i in iter_public_incidents(team, batch_size=1)] == [first, second]

"""Feeds, share cards and dashboard charts, made from real published incidents."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from civwatch.geo.gazetteer import Gazetteer
from civwatch.publish import charts, fonts, sharecard
from civwatch.publish.feeds import JSON_FEED_VERSION, atom_feed, json_feed
from civwatch.publish.public import iter_public_incidents, public_incident
from civwatch.publish.publication import correct_incident, withdraw_incident
from civwatch.workspace import Workspace
from tests.incidents.helpers import gazetteer_cache, places, team  # noqa: F401
from tests.publish.published import (
    MARKER,
    marked_incident,
    published_incident,
    verified_item,
)

ATOM = {"a": "http://www.w3.org/2005/Atom"}
SVG = "{http://www.w3.org/2000/svg}"
BASE = "https://civwatch.example"


@pytest.fixture
def published(team: Workspace, places: Gazetteer, tmp_path: Path) -> dict[str, int]:  # noqa: F811
    marked = marked_incident(team, places, tmp_path / "m")
    sha = verified_item(team, tmp_path / "a", seed=2)
    tricky = published_incident(
        team,
        places,
        sha,
        title='Strike on "Kyiv" <b>market</b> & station',
        lat=50.4501,
        lon=30.5234,
        objects=["market"],
        casualties={"injured": {"min": 3, "max": 3, "source": "Police"}},
    )
    sha2 = verified_item(team, tmp_path / "b", seed=3)
    gone = published_incident(team, places, sha2, title="Withdrawn report from Sumy")
    withdraw_incident(team, gone, reason="the only source was retracted", actor="pat")
    return {"marked": marked.incident_id, "tricky": tricky, "gone": gone}


def _incidents(ws: Workspace) -> list[dict[str, object]]:
    return list(iter_public_incidents(ws))


def test_atom_feed_is_valid_and_newest_change_first(
    team: Workspace,  # noqa: F811
    published: dict[str, int],
) -> None:
    correct_incident(team, published["marked"], "one more person was injured", actor="pat")
    body = atom_feed(_incidents(team), base_url=BASE, organisation="Truth Hounds & Co")
    assert MARKER.encode() not in body and b"Withdrawn report" not in body
    feed = ET.fromstring(body)
    assert feed.findtext("a:title", namespaces=ATOM) == "Truth Hounds & Co: verified incidents"
    assert feed.findtext("a:author/a:name", namespaces=ATOM) == "Truth Hounds & Co"
    assert feed.find("a:link[@rel='self']", ATOM).get("href") == f"{BASE}/public/feed.atom"  # type: ignore[union-attr]
    entries = feed.findall("a:entry", ATOM)
    assert [e.findtext("a:id", namespaces=ATOM) for e in entries] == [
        f"{BASE}/public/incidents/{published['marked']}",  # corrected last
        f"{BASE}/public/incidents/{published['tricky']}",
    ]
    corrected, tricky = entries
    assert corrected.findtext("a:updated", namespaces=ATOM) > corrected.findtext(  # type: ignore[operator]
        "a:published", namespaces=ATOM
    )
    assert "Corrected on" in (corrected.findtext("a:content", namespaces=ATOM) or "")
    assert "one more person was injured" in (corrected.findtext("a:content", namespaces=ATOM) or "")
    assert "People killed: 1–3; injured: 4–9" in (
        corrected.findtext("a:content", namespaces=ATOM) or ""
    )
    # markup in a title is text, escaped by the XML writer, read back unchanged
    assert tricky.findtext("a:title", namespaces=ATOM) == 'Strike on "Kyiv" <b>market</b> & station'
    assert b"<b>market" not in body
    feed_updated = feed.findtext("a:updated", namespaces=ATOM)
    assert feed_updated == corrected.findtext("a:updated", namespaces=ATOM)


def test_json_feed_is_version_1_1(team: Workspace, published: dict[str, int]) -> None:  # noqa: F811
    doc = json.loads(json_feed(_incidents(team), base_url=BASE, organisation="Org"))
    assert doc["version"] == JSON_FEED_VERSION == "https://jsonfeed.org/version/1.1"
    assert (
        doc["home_page_url"] == f"{BASE}/public" and doc["feed_url"] == f"{BASE}/public/feed.json"
    )
    assert len(doc["items"]) == 2
    for item in doc["items"]:
        assert item["id"] == item["url"] and item["url"].startswith(f"{BASE}/public/incidents/")
        assert item["image"] == item["url"] + "/card.png"
        assert item["date_published"] <= item["date_modified"]
    assert MARKER not in json.dumps(doc)
    assert json.loads(json_feed([], base_url=BASE, organisation="Org"))["items"] == []


def test_share_card_shows_ranges_and_is_cached(
    team: Workspace,  # noqa: F811
    published: dict[str, int],
) -> None:
    incident = public_incident(team, published["marked"])
    lines = sharecard.card_lines(incident, "Truth Hounds")
    assert lines["figures"] == ["Killed: 1–3", "Injured: 4–9"]
    assert lines["date"] == "9 March 2022" and lines["organisation"] == "Truth Hounds"
    assert "Kharkiv" in lines["place"] and MARKER not in json.dumps(lines)
    png = sharecard.share_card(team.data_dir, incident, "Truth Hounds")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1200, 630)
    # the accent bar and text are drawn: many colours, not a blank canvas
    assert len(image.convert("RGB").getcolors(1_000_000) or []) > 50
    cached = list((team.data_dir / "cache" / "sharecards").glob("*.png"))
    assert len(cached) == 1 and cached[0].read_bytes() == png
    assert sharecard.share_card(team.data_dir, incident, "Truth Hounds") == png
    sharecard.share_card(team.data_dir, incident, "Another organisation")
    assert len(list((team.data_dir / "cache" / "sharecards").glob("*.png"))) == 2


def test_share_card_without_dejavu_uses_pillows_font(
    team: Workspace,  # noqa: F811
    published: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fonts, "FONT_DIRS", ())
    fonts.font_file.cache_clear()
    try:
        incident = public_incident(team, published["tricky"])
        png = sharecard.draw_card(sharecard.card_lines(incident, "Org"))
        assert Image.open(io.BytesIO(png)).size == (1200, 630)
    finally:
        fonts.font_file.cache_clear()


def test_charts_show_ranges_as_ranges(team: Workspace, published: dict[str, int]) -> None:  # noqa: F811
    incidents = _incidents(team)
    months = charts.by_month(incidents)
    assert [m.key for m in months] == ["2022-03"]
    assert (months[0].killed.low, months[0].killed.high, months[0].killed.incidents) == (1, 3, 1)
    assert (months[0].injured.low, months[0].injured.high) == (4 + 3, 9 + 3)
    svg = ET.fromstring(charts.range_chart("Killed per month", months, "killed"))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "1–3" in texts and "Mar 2022" in texts
    bars = [r for r in svg.iter(f"{SVG}rect") if r.get("height") == "16"]
    assert len(bars) == 2  # "at least" bar and the lighter "up to" part of the range
    solid, light = sorted(bars, key=lambda r: float(r.get("x", 0)))
    assert float(solid.get("width", 0)) * 3 == pytest.approx(
        float(solid.get("width", 0)) + float(light.get("width", 0)), rel=0.01
    )
    assert all("style" not in el.attrib for el in svg.iter())  # CSP: no inline style
    oblasts = charts.by_oblast(incidents)
    assert [(o.label, o.incidents) for o in oblasts] == [("Kharkiv Oblast", 1), ("Kyiv City", 1)]
    assert charts.by_type(incidents)[0].label == "Missile strike"
    assert charts.range_chart("Empty", [], "killed").count("No incidents") >= 1


def test_months_without_incidents_are_shown_as_gaps() -> None:
    incidents = [
        {"start": "2022-01-05T10:00:00+00:00", "casualties": {"killed": {"min": 1, "max": 2}}},
        {"start": "2022-04-05T10:00:00+00:00", "casualties": {}},
    ]
    months = charts.by_month(incidents)
    assert [m.key for m in months] == ["2022-01", "2022-02", "2022-03", "2022-04"]
    assert [m.incidents for m in months] == [1, 0, 0, 1]
    assert months[3].killed.incidents == 0 and months[3].killed.text == "not known"  # never 0

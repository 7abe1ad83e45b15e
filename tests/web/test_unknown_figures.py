"""Honest numbers: a casualty figure nobody knows reads "not known" in every output (pages,
feeds, the situation report as HTML and PDF, the public API), never 0. Open data keeps an
empty cell or null for it, never 0."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from civwatch.geo.gazetteer import Gazetteer
from civwatch.publish import sitrep
from civwatch.workspace import Workspace
from tests.incidents.helpers import gazetteer_cache, places  # noqa: F401
from tests.publish.published import published_incident, verified_item
from tests.web.test_public_pages import newsroom

DAY = datetime(2023, 5, 4, 9, tzinfo=UTC)
#: Ways a page could write an unknown figure as zero.
ZERO = re.compile(
    r"(?:killed|injured|загинул\w*|поранен\w*|вбито|Загинуло|Поранено)\W{0,20}0(?![\d.,–-])"
    r"|(?<![\d.,–-])0\s*(?:killed|injured|загинул\w*|поранен\w*)"
    r"|<strong>0</strong>|from 0 incidents|з 0 ",
    re.IGNORECASE,
)


@pytest.fixture
def unknown(workspace: Workspace, places: Gazetteer, tmp_path: Path) -> int:  # noqa: F811
    """One published incident (the only one) whose killed and injured are both unknown."""
    newsroom(workspace)
    sha = verified_item(workspace, tmp_path / "u", seed=5)
    return published_incident(
        workspace, places, sha, title="Strike with no known figure", start=DAY, casualties={}
    )


def _visible(html: str) -> str:
    """The text a reader sees (tags and scripts dropped)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("language", ["en", "uk"])
def test_no_output_writes_an_unknown_figure_as_zero(
    unknown: int, client: TestClient, workspace: Workspace, language: str
) -> None:
    words = {"en": "not known", "uk": "невідом"}[language]  # невідомо, невідома
    pages = {
        path: client.get(path, params={"lang": language})
        for path in (
            "/public",
            "/public/timeline",
            "/public/dashboard",
            f"/public/incidents/{unknown}",
            "/public/feed.atom",
            "/public/feed.json",
        )
    }
    for path, page in pages.items():
        assert page.status_code == 200, path
        assert not ZERO.search(page.text), (path, ZERO.search(page.text))
    # the incident page names both figures as not known instead of leaving them out
    incident = _visible(pages[f"/public/incidents/{unknown}"].text)
    assert incident.count(words) >= 2, incident
    # the list says so too rather than staying silent
    assert words in _visible(pages["/public"].text).lower()
    assert _visible(pages["/public/dashboard"].text).count(words) >= 2

    report = sitrep.build_report(workspace, date(2023, 5, 1), date(2023, 5, 31), language=language)
    html = sitrep.render_html(report)
    assert not ZERO.search(_visible(html)), ZERO.search(_visible(html))
    assert _visible(html).count(words) >= 4  # two totals, two cells of the row
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(sitrep.render_pdf(html))).pages)
    text = re.sub(r"\s+", " ", text)
    assert words in text and not ZERO.search(text), text


def test_open_data_keeps_unknown_figures_empty(unknown: int, client: TestClient) -> None:
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/public/incidents.csv").text)))
    figures = {k: v for k, v in rows[0].items() if re.search("killed|injured", k)}
    assert figures and all(v == "" for v in figures.values()), figures
    geo = client.get("/api/v1/public/incidents.geojson").json()
    props = geo["features"][0]["properties"]
    flat = json.dumps({k: v for k, v in props.items() if re.search("killed|injured|casualt", k)})
    assert not re.search(r":\s*0\b", flat), flat
    api = client.get(f"/api/v1/public/incidents/{unknown}").json()
    assert not re.search(r":\s*0\b", json.dumps(api.get("casualties"))), api.get("casualties")

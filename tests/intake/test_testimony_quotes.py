"""Anonymised quotes: with the witness's consent, an excerpt marked by the team appears on
the incident's public page and in the open data as said by "a witness", and nothing else of
the testimony appears anywhere public; without the consent, after its withdrawal, or once a
risk flag is set, nothing does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from civwatch.errors import ConflictError, RejectedInputError
from civwatch.geo.gazetteer import Gazetteer
from civwatch.intake import testimony as t
from civwatch.intake import testimony_quotes as q
from civwatch.web.app import create_app
from tests.intake.conftest import MARKER_NAME, Field, marked
from tests.publish.published import published_incident, verified_item

QUOTE = "the missile hit the hospital's east wing"
#: Everything public: pages, feeds, open data.
PUBLIC = (
    "/public",
    "/public/timeline",
    "/public/dashboard",
    "/public/feed.atom",
    "/public/feed.json",
    "/public/witness-quotes.json",
    "/api/v1/public/incidents",
    "/api/v1/public/incidents.geojson",
    "/api/v1/public/incidents.csv",
    "/api/v1/public/incidents.kml",
    "/api/v1/public/timemap/events",
)


@pytest.fixture
def published(field: Field, places: Gazetteer, tmp_path: Path) -> tuple[Field, int]:
    sha = verified_item(field.ws, tmp_path)
    return field, published_incident(field.ws, places, sha)


@pytest.fixture
def client(field: Field) -> Iterator[TestClient]:
    with TestClient(create_app(field.ws.settings), base_url="https://testserver") as c:
        yield c


def _public(client: TestClient, incident: int) -> str:
    pages = [*PUBLIC, f"/public/incidents/{incident}", f"/api/v1/public/incidents/{incident}"]
    out = []
    for path in pages:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        out.append(r.text)
    return "\n".join(out)


def test_a_consented_quote_is_published_as_a_witness_and_nothing_more(
    published: tuple[Field, int], client: TestClient
) -> None:
    field, incident = published
    ivan = field.who("ivan")
    made = t.record_testimony(field.ws, ivan, marked(incident))
    t.give_consent(field.ws, ivan, made["id"], "publish-anonymised", given_on=date(2024, 5, 2))
    q.mark_quote(field.ws, ivan, made["id"], QUOTE)
    shown = client.get(f"/public/incidents/{incident}").text
    assert QUOTE.replace("'", "&#39;") in shown and "a witness" in shown
    data = client.get("/public/witness-quotes.json").json()
    assert data["quotes"] == [{"incident": incident, "attribution": "a witness", "quote": QUOTE}]
    everything = _public(client, incident)
    for secret in (made["witness"], MARKER_NAME, "2024-05-02", "volunteer centre", "ivan"):
        assert secret not in everything, secret


def test_no_consent_or_a_withdrawn_one_or_a_risk_flag_publishes_nothing(
    published: tuple[Field, int], client: TestClient
) -> None:
    field, incident = published
    ivan = field.who("ivan")
    made = t.record_testimony(field.ws, ivan, marked(incident))
    with pytest.raises(ConflictError):  # no consent to anonymised publication
        q.mark_quote(field.ws, ivan, made["id"], QUOTE)
    # sharing with a court is not publishing
    t.give_consent(field.ws, ivan, made["id"], "share", given_on=date(2024, 5, 2), recipient="ICC")
    with pytest.raises(ConflictError):
        q.mark_quote(field.ws, ivan, made["id"], QUOTE)
    assert "east wing" not in _public(client, incident)
    consent = t.give_consent(
        field.ws, ivan, made["id"], "publish-anonymised", given_on=date(2024, 5, 2)
    )
    with pytest.raises(RejectedInputError):  # not an excerpt of the statement
        q.mark_quote(field.ws, ivan, made["id"], f"{MARKER_NAME} saw the missile")
    with pytest.raises(RejectedInputError):  # not reviewed
        q.mark_quote(field.ws, ivan, made["id"], QUOTE, reviewed=False)
    q.mark_quote(field.ws, ivan, made["id"], QUOTE)
    assert "east wing" in client.get(f"/public/incidents/{incident}").text
    t.withdraw_consent(field.ws, ivan, made["id"], consent)
    assert "east wing" not in _public(client, incident)
    # consent again, then a risk flag: still nothing
    t.give_consent(field.ws, ivan, made["id"], "publish-anonymised", given_on=date(2024, 6, 1))
    assert "east wing" in client.get("/public/witness-quotes.json").text
    t.set_flags(field.ws, ivan, made["id"], ["reprisal"])
    assert "east wing" not in _public(client, incident)
    with pytest.raises(ConflictError):
        q.mark_quote(field.ws, ivan, made["id"], QUOTE)


def test_only_the_team_marks_a_quote_and_a_taken_back_quote_leaves(
    published: tuple[Field, int], client: TestClient
) -> None:
    field, incident = published
    ivan = field.who("ivan")
    made = t.record_testimony(field.ws, ivan, marked(incident))
    t.give_consent(field.ws, ivan, made["id"], "publish-anonymised", given_on=date(2024, 5, 2))
    with pytest.raises(Exception, match="No testimony"):
        q.mark_quote(field.ws, field.who("iryna"), made["id"], QUOTE)
    quote = q.mark_quote(field.ws, ivan, made["id"], QUOTE)
    q.withdraw_quote(field.ws, ivan, made["id"], quote)
    assert "east wing" not in _public(client, incident)
    assert q.quotes(field.ws, ivan, made["id"])[0]["published"] is False

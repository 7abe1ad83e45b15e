"""Nothing a supporter gives reaches a public output: signer fields filled with marker
strings (name, e-mail, comment, a letter's subject and text), some confirmed and some
pending, never appear in a public page, share image (the renderer's inputs are checked:
the image is drawn from campaign fields only), feed, open data export or the public API;
and they are nowhere in the data folder in clear."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from civwatch.campaigns import outbox, share_images
from civwatch.config import Settings
from civwatch.geo.gazetteer import Gazetteer
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.campaigns.conftest import SmtpServer, live_letter, live_petition, smtp  # noqa: F401
from tests.incidents.helpers import gazetteer_cache, places, team  # noqa: F401
from tests.web.campaign_site import act, confirm_link, site_settings

NAME = "MARKNAME-Ґ7q"
MAIL = "marksign9z@example.org"
COMMENT = "MARKCOMMENT-ЇЇ3"
SUBJECT = "MARKSUBJECT-5k"
LETTER = "MARKLETTER-Є2 the words of my letter"
MARKERS = (NAME, "marksign9z", COMMENT, SUBJECT, "MARKLETTER", "Ґ7q", "ЇЇ3", "Є2 the words")


@pytest.fixture
def settings(settings: Settings, smtp: SmtpServer) -> Settings:  # noqa: F811
    return site_settings(settings, smtp)


@pytest.fixture
def client(team: Workspace) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(create_app(team.settings), base_url="https://testserver") as c:
        yield c


def _holding(body: bytes) -> list[str]:
    found = []
    for marker in MARKERS:
        for form in (marker, marker.lower(), marker.upper()):
            if form.encode() in body or form.encode("unicode_escape") in body:
                found.append(marker)
    return found


def test_signer_data_never_leaves(
    team: Workspace,  # noqa: F811
    client: TestClient,
    smtp: SmtpServer,  # noqa: F811
    places: Gazetteer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.publish.published import published_incident, verified_item

    incident = published_incident(team, places, verified_item(team, tmp_path))
    petition = live_petition(team, incidents=[incident])
    letter = live_letter(team)
    # confirmed, named, contactable: the most a supporter can give
    for lang in ("uk", "en"):
        sent = act(
            client,
            petition,
            lang,
            name=NAME,
            email=MAIL,
            comment=COMMENT,
            consent_named="1",
            consent_contact="1",
        )
        assert sent.status_code == 202
    landing = client.get(confirm_link(team, smtp, MAIL))
    sent = act(
        client,
        letter,
        name=NAME,
        email="other-" + MAIL,
        subject=SUBJECT,
        letter=LETTER,
        country="DE",
    )
    assert sent.status_code == 202
    client.get(confirm_link(team, smtp, "other-" + MAIL))
    outbox.send_due(team)
    # and one left pending
    act(client, petition, name=NAME + "-pending", email="pending-" + MAIL, comment=COMMENT)

    drawn: list[share_images.ShareText] = []
    real = share_images.draw_share_image

    def recording(text: share_images.ShareText, size: str) -> bytes:
        drawn.append(text)
        return real(text, size)

    monkeypatch.setattr(share_images, "draw_share_image", recording)
    outputs: dict[str, Any] = {"confirmation landing page": landing}
    for lang in ("uk", "en"):
        for path in (
            "/campaigns",
            f"/campaigns/{petition}",
            f"/campaigns/{letter}",
            f"/public/incidents/{incident}",
            "/public",
            "/public/timeline",
            "/public/dashboard",
            "/public/feed.atom",
            "/public/feed.json",
            "/public/witness-quotes.json",
            "/api/v1/public/incidents.geojson",
            "/api/v1/public/incidents.csv",
            "/api/v1/public/incidents.kml",
            f"/api/v1/public/incidents/{incident}",
            f"/api/v1/public/campaigns/{petition}",
            f"/api/v1/public/campaigns/{letter}",
            *(
                f"/campaigns/{c}/share/{s}.png"
                for c in (petition, letter)
                for s in share_images.SIZES
            ),
        ):
            outputs[f"{path}?lang={lang}"] = client.get(f"{path}?lang={lang}")
    leaks = []
    for where, answer in outputs.items():
        assert answer.status_code == 200, (where, answer.status_code)
        leaks += [f"{where}: {m}" for m in _holding(answer.content)]
    assert not leaks, "\n".join(leaks)
    assert len(drawn) == 2 * 2 * len(share_images.SIZES)
    assert not [t for t in drawn if _holding(repr(t).encode())]
    # the confirmed count moved, with nobody named
    assert client.get(f"/api/v1/public/campaigns/{petition}").json()["count"] == 1

    # nowhere in the data folder in clear (sealed per action; the e-mail only as an HMAC)
    found = []
    for path in team.data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {m}" for m in MARKERS if m.encode() in data]
    assert not found, found

"""The team's campaign pages: a draft made from the form, a target list with bad rows
refused whole with each row's number on the page, a good one imported, published by a
publisher only, the confirmed count by country, and the delivery PDF (recorded)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from civwatch.campaigns import actions
from civwatch.campaigns.service import get_campaign
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.campaigns.conftest import TARGETS_CSV, live_petition
from tests.incidents.helpers import gazetteer_cache, places, team  # noqa: F401
from tests.support.tokens import token_of

BAD_CSV = (
    b"name,country,email\n"
    b"Mission of Germany,DE,mission-de@example.org\n"
    b"Mission of Nowhere,XX,nowhere@example.org\n"
    b"Mission of France,FR,not-an-address\n"
)


@pytest.fixture
def client(team: Workspace) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(create_app(team.settings), base_url="https://testserver") as c:
        yield c


def _as(ws: Workspace, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_of(ws, name)}"}


def test_a_draft_its_targets_publication_and_delivery(
    team: Workspace,  # noqa: F811
    client: TestClient,
) -> None:
    ivan, pat = _as(team, "ivan"), _as(team, "pat")
    made = client.post(
        "/team/campaigns",
        data={
            "title": "Write to the missions",
            "kind": "letter",
            "goal": "1 000",
            "letter_subject": "Protect civilians",
            "letter_template": "Dear delegate, vote for it.",
        },
        headers=ivan,
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    page_url = made.headers["location"].split("?")[0]
    campaign = int(page_url.rsplit("/", 1)[1])
    assert get_campaign(team, campaign, actor="ivan")["goal"] == 1000

    refused = client.post(
        f"{page_url}/targets",
        files={"file": ("targets.csv", BAD_CSV, "text/csv")},
        headers=ivan,
    )
    assert refused.status_code == 422
    shown = re.sub(r"<[^>]+>", " ", refused.text)
    assert re.search(r"\b3\b", shown) and re.search(r"\b4\b", shown)  # the bad rows' numbers
    assert get_campaign(team, campaign, actor="ivan")["targets"] == []  # nothing imported
    assert (
        client.post(
            f"{page_url}/targets",
            files={"file": ("targets.csv", b"\x00\x01binary", "text/csv")},
            headers=ivan,
        ).status_code
        == 422
    )

    imported = client.post(
        f"{page_url}/targets",
        files={"file": ("targets.csv", TARGETS_CSV, "text/csv")},
        headers=ivan,
        follow_redirects=False,
    )
    assert imported.status_code == 303
    assert "Permanent Mission of Germany" in client.get(page_url, headers=ivan).text

    # an investigator drafts; only a publisher makes it live
    assert client.post(f"{page_url}/publish", headers=ivan).status_code == 403
    assert (
        client.post(f"{page_url}/publish", headers=pat, follow_redirects=False).status_code == 303
    )
    assert get_campaign(team, campaign, actor="pat")["state"] == "live"

    pdf = client.post(f"{page_url}/deliver", headers=ivan)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


def test_the_team_sees_the_confirmed_count_by_country(
    team: Workspace,  # noqa: F811
    client: TestClient,
) -> None:
    campaign = live_petition(team)
    from civwatch.campaigns import keys

    for n, country in enumerate(("UA", "UA", "PL")):
        submitted = actions.submit_signature(
            team, campaign, {"name": f"S{n}", "email": f"s{n}@example.org", "country": country}
        )
        actions.confirm(team, keys.make_token(team.settings, keys.CONFIRM, submitted.action_id))
    page = client.get(f"/team/campaigns/{campaign}?lang=en", headers=_as(team, "ivan")).text
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">([^<]+)</td></tr>", page)
    assert ("Ukraine", "2") in rows and ("Poland", "1") in rows
    assert "S0" not in page and "s0@example.org" not in page

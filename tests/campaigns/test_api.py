"""The campaigns' public API: the campaign's public view, signing (202, the mail sent,
the link followed, the count moved), letters, and what it refuses: drafts, bad JSON,
unknown keys, bad e-mails and countries, huge bodies, floods from one client, bursts
without a proof of work; the honeypot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from civwatch.campaigns import abuse, outbox
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.campaigns.conftest import SmtpServer, live_letter, live_petition

API = "/api/v1/public/campaigns"
SIGNER = {"name": "Olena Test", "email": "olena@example.org", "country": "UA"}


@pytest.fixture
def client(team: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(team.settings), base_url="http://civwatch.test") as c:
        yield c


def test_sign_confirm_and_see_the_count_move(
    team: Workspace, smtp: SmtpServer, client: TestClient
) -> None:
    campaign = live_petition(team)
    shown = client.get(f"{API}/{campaign}")
    assert shown.status_code == 200
    assert shown.json()["count"] == 0 and shown.json()["goal"] == 100
    answer = client.post(f"{API}/{campaign}/signatures", json={**SIGNER, "consent_contact": False})
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"campaign": campaign, "status": "pending"}
    outbox.send_due(team)
    token = smtp.inbox.link("olena@example.org")
    confirmed = client.get(f"{API}/confirm/{token}")
    assert confirmed.status_code == 200
    assert confirmed.json() == {"campaign": campaign, "outcome": "confirmed", "count": 1}
    assert client.get(f"{API}/confirm/{token}").json()["count"] == 1
    assert client.get(f"{API}/{campaign}").json()["count"] == 1
    assert client.get(f"{API}/confirm/{token[:-3]}xyz").status_code == 422


def test_a_letter_through_the_api(team: Workspace, smtp: SmtpServer, client: TestClient) -> None:
    campaign = live_letter(team)
    view = client.get(f"{API}/{campaign}").json()
    assert view["letter"]["template"].startswith("Dear delegate")
    assert {t["country"] for t in view["targets"]} == {"DE", "FR"}
    assert "email" not in view["targets"][0]
    answer = client.post(
        f"{API}/{campaign}/letters",
        json={**SIGNER, "country": "FR", "letter": "Mes propres mots."},
    )
    assert answer.status_code == 202, answer.text
    outbox.send_due(team)
    client.get(f"{API}/confirm/{smtp.inbox.link('olena@example.org')}")
    outbox.send_due(team)
    (letter,) = smtp.inbox.to("mission-fr@example.org")
    assert "Mes propres mots." in smtp.inbox.body(letter)
    # A petition takes no letters, a letter campaign no signatures.
    assert client.post(f"{API}/{campaign}/signatures", json=SIGNER).status_code == 422


def test_a_draft_is_not_found(team: Workspace, client: TestClient) -> None:
    from civwatch.campaigns.service import create_campaign

    draft = create_campaign(team, actor="ivan", title="Draft", kind="petition")["id"]
    assert client.get(f"{API}/{draft}").status_code == 404
    assert client.post(f"{API}/{draft}/signatures", json=SIGNER).status_code == 404
    assert client.get(f"{API}/999999").status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({**SIGNER, "email": "not an address"}, 422),
        ({**SIGNER, "email": "a@b"}, 422),
        ({**SIGNER, "country": "ZZ"}, 422),
        ({**SIGNER, "country": "Ukraine"}, 422),
        ({**SIGNER, "name": ""}, 422),
        ({**SIGNER, "admin": True}, 422),
        ({**SIGNER, "consent_contact": "yes please"}, 422),
        ({"name": "No mail"}, 422),
        ([1, 2, 3], 422),
    ],
)
def test_malformed_signatures_are_refused_and_nothing_is_kept(
    team: Workspace, client: TestClient, body: object, status: int
) -> None:
    campaign = live_petition(team)
    answer = client.post(f"{API}/{campaign}/signatures", json=body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert outbox.mail_state(team, campaign) == {}


def test_bad_json_and_huge_bodies_are_refused(team: Workspace, client: TestClient) -> None:
    campaign = live_petition(team)
    bad = client.post(
        f"{API}/{campaign}/signatures",
        content=b'{"name": "x", ',
        headers={"Content-Type": "application/json"},
    )
    assert bad.status_code == 422
    huge = client.post(
        f"{API}/{campaign}/signatures",
        content=b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    assert outbox.mail_state(team, campaign) == {}


def test_the_honeypot_is_answered_as_accepted_and_dropped(
    team: Workspace, client: TestClient
) -> None:
    campaign = live_petition(team)
    answer = client.post(
        f"{API}/{campaign}/signatures", json={**SIGNER, "website": "http://spam.example"}
    )
    assert answer.status_code == 202
    assert outbox.mail_state(team, campaign) == {}


def test_one_client_is_limited_and_a_burst_asks_for_a_proof_of_work(
    team: Workspace, client: TestClient
) -> None:
    from civwatch.web.campaigns_api import campaign_limiter

    campaign = live_petition(team)
    limiter = campaign_limiter(client)  # type: ignore[arg-type]
    url = f"{API}/{campaign}/signatures"
    for n in range(limiter.clients.limit):
        assert client.post(url, json={**SIGNER, "email": f"s{n}@example.org"}).status_code == 202
    assert client.post(url, json=SIGNER).status_code == 429

    limiter.clients = abuse.AddressLimiter(limit=1000, window=60)
    limiter.burst = 5
    assert client.get(f"{API}/{campaign}/challenge").json()["required"] is True
    assert client.post(url, json=SIGNER).status_code == 429
    challenge = client.get(f"{API}/{campaign}/challenge").json()["challenge"]
    nonce = abuse.solve(challenge)
    solved = {**SIGNER, "challenge": challenge, "nonce": nonce}
    assert client.post(url, json=solved).status_code == 202
    # A challenge serves once.
    assert client.post(url, json=solved).status_code == 429

"""The public campaign pages without JavaScript: a supporter signs or writes, is told to
check their e-mail, follows the link a real SMTP server received and sees the count move;
the honeypot, the form's token, the limits and the burst's proof of work; share images
and their Open Graph tags; the act link of an incident page; deleting one's data."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from civwatch.campaigns import abuse
from civwatch.campaigns.public import public_view
from civwatch.config import Settings
from civwatch.geo.gazetteer import Gazetteer
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.campaigns.conftest import SmtpServer, live_letter, live_petition, smtp  # noqa: F401
from tests.incidents.helpers import gazetteer_cache, places, team  # noqa: F401
from tests.web.campaign_site import act, confirm_link, form_token, site_settings

BASE = "https://testserver"


@pytest.fixture
def settings(settings: Settings, smtp: SmtpServer) -> Settings:  # noqa: F811
    return site_settings(settings, smtp)


@pytest.fixture
def client(team: Workspace) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(create_app(team.settings), base_url=BASE) as c:
        yield c


def _count_text(html: str) -> str:
    found = re.search(r'<p class="count"><strong>([^<]+)</strong>', html)
    assert found, "no count on the page"
    return found.group(1)


def test_a_petition_is_signed_confirmed_by_mail_and_counted_without_javascript(
    team: Workspace,  # noqa: F811
    client: TestClient,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    campaign = live_petition(team)
    page = client.get(f"/campaigns/{campaign}?lang=uk")
    assert page.status_code == 200
    html = page.text
    assert "Підпишіть петицію" in html and "<script" in html  # the script only helps
    assert _count_text(html) == "0" and "<progress" in html
    # both consents are separate and unticked; the honeypot is hidden from everyone
    assert re.search(r'name="consent_contact" value="1">', html)
    assert re.search(r'name="consent_named" value="1">', html)
    assert '<div class="hp" aria-hidden="true">' in html and 'tabindex="-1"' in html
    # share links: the wide image is the Open Graph image, absolute, in the page's language
    assert (
        f'<meta property="og:image" content="http://civwatch.test/campaigns/{campaign}'
        '/share/wide.png?lang=uk">' in html
    )
    sent = act(client, campaign, "uk", comment="Тримаймося")
    assert sent.status_code == 202 and "Перевірте пошту" in sent.text
    assert public_view(team, campaign)["count"] == 0  # nothing counts before the link

    landing = client.get(confirm_link(team, smtp, "olena@example.org"))
    assert landing.status_code == 200 and _count_text(landing.text) == "1"
    assert public_view(team, campaign)["count"] == 1
    assert _count_text(client.get(f"/campaigns/{campaign}").text) == "1"
    again = client.get(confirm_link(team, smtp, "olena@example.org"))
    assert again.status_code == 200 and _count_text(again.text) == "1"


def test_a_letter_goes_to_the_target_of_the_supporter_s_country_once_confirmed(
    team: Workspace,  # noqa: F811
    client: TestClient,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    campaign = live_letter(team)
    html = client.get(f"/campaigns/{campaign}").text
    assert "Dear delegate, please vote for the resolution." in html  # the template to edit
    assert "Permanent Mission of Germany" in html and "mission-de@" not in html
    sent = act(
        client,
        campaign,
        country="DE",
        subject="Protect civilians",
        letter="Dear delegate, in my own words: vote for it.",
        to="country",
    )
    assert sent.status_code == 202
    assert smtp.inbox.to("mission-de@example.org") == []
    client.get(confirm_link(team, smtp, "olena@example.org"))
    from civwatch.campaigns import outbox

    outbox.send_due(team)
    (letter,) = smtp.inbox.to("mission-de@example.org")
    assert "in my own words" in smtp.inbox.body(letter)
    assert smtp.inbox.to("mission-fr@example.org") == []


def test_a_filled_honeypot_is_answered_as_taken_and_nothing_is_kept(
    team: Workspace,  # noqa: F811
    client: TestClient,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    campaign = live_petition(team)
    sent = act(client, campaign, website="http://spam.example")
    assert sent.status_code == 202
    from civwatch.campaigns import outbox

    assert outbox.mail_state(team, campaign) == {}
    assert smtp.inbox.to("olena@example.org") == []


def test_a_form_without_its_token_is_refused_and_shown_again(
    team: Workspace,  # noqa: F811
    client: TestClient,
) -> None:
    campaign = live_petition(team)
    sent = client.post(
        f"/campaigns/{campaign}/act",
        data={"csrf_token": "forged", "name": "Olena", "email": "o@example.org", "country": "UA"},
    )
    assert sent.status_code == 400 and 'value="o@example.org"' in sent.text
    from civwatch.campaigns import outbox

    assert outbox.mail_state(team, campaign) == {}


def test_a_bad_field_shows_the_form_again_with_what_was_typed(
    team: Workspace,  # noqa: F811
    client: TestClient,
) -> None:
    campaign = live_petition(team)
    sent = act(client, campaign, email="not an address", name="Ірина")
    assert sent.status_code == 422 and 'value="Ірина"' in sent.text
    assert 'role="alert"' in sent.text


def test_one_client_is_limited_and_a_burst_asks_for_work_or_a_wait(
    team: Workspace,  # noqa: F811
    client: TestClient,
) -> None:
    campaign = live_petition(team)
    client.app.state.campaign_limiter = abuse.RateLimiter(per_client=2, burst=1000)  # type: ignore[attr-defined]
    for n in range(2):
        assert act(client, campaign, email=f"s{n}@example.org").status_code == 202
    refused = act(client, campaign, email="s3@example.org")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert 'value="s3@example.org"' in refused.text

    # a burst: without the work (no JavaScript), wait and keep the form; with it, taken
    client.app.state.campaign_limiter = abuse.RateLimiter(per_client=100, burst=0)  # type: ignore[attr-defined]
    assert act(client, campaign, email="s-first@example.org").status_code == 429  # a burst
    page = client.get(f"/campaigns/{campaign}").text
    challenge = re.search(r'name="pow_challenge" value="([^"]+)"', page)
    assert challenge and 'data-pow="16"' in page
    waited = act(client, campaign, email="s4@example.org")
    assert waited.status_code == 429 and 'name="pow_challenge"' in waited.text
    nonce = abuse.solve(challenge.group(1))
    done = act(
        client, campaign, email="s5@example.org", pow_challenge=challenge.group(1), pow_nonce=nonce
    )
    assert done.status_code == 202


@pytest.mark.parametrize(
    ("size", "pixels"), [("square", (1080, 1080)), ("story", (1080, 1920)), ("wide", (1200, 630))]
)
def test_share_images_in_each_size_and_language(
    team: Workspace,  # noqa: F811
    client: TestClient,
    size: str,
    pixels: tuple[int, int],
) -> None:
    campaign = live_petition(team)
    uk = client.get(f"/campaigns/{campaign}/share/{size}.png?lang=uk")
    en = client.get(f"/campaigns/{campaign}/share/{size}.png?lang=en")
    assert uk.status_code == en.status_code == 200 and uk.headers["content-type"] == "image/png"
    assert uk.content != en.content
    with Image.open(io.BytesIO(uk.content)) as image:
        assert image.size == pixels
    again = client.get(
        f"/campaigns/{campaign}/share/{size}.png?lang=en",
        headers={"If-None-Match": en.headers["etag"]},
    )
    assert again.status_code == 304


def test_a_draft_and_an_unknown_size_are_not_found(
    team: Workspace,  # noqa: F811
    client: TestClient,
) -> None:
    from civwatch.campaigns.service import create_campaign

    draft = create_campaign(team, actor="ivan", title="Not yet", kind="petition")["id"]
    assert client.get(f"/campaigns/{draft}").status_code == 404
    assert client.get(f"/campaigns/{draft}/share/wide.png").status_code == 404
    live = live_petition(team)
    assert client.get(f"/campaigns/{live}/share/huge.png").status_code == 404
    listed = client.get("/campaigns").text
    assert f'href="/campaigns/{live}"' in listed and "Not yet" not in listed


def test_a_forged_confirmation_link_changes_nothing(
    team: Workspace,  # noqa: F811
    client: TestClient,
) -> None:
    campaign = live_petition(team)
    r = client.get("/campaigns/confirm/eyJmb3JnZWQiOjF9.AAAA.BBBB")
    assert r.status_code == 422 and "This link does not work" in r.text
    assert public_view(team, campaign)["count"] == 0


def test_a_supporter_deletes_their_data_with_the_mailed_link(
    team: Workspace,  # noqa: F811
    client: TestClient,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    campaign = live_petition(team)
    act(client, campaign)
    confirm = confirm_link(team, smtp, "olena@example.org")
    delete = f"/campaigns/delete/{smtp.inbox.link('olena@example.org', 'delete')}"
    token = form_token(client, delete)  # the GET only shows the button
    assert client.get(confirm).status_code == 200
    gone = client.post(delete, data={"csrf_token": token})
    assert gone.status_code == 200 and "are deleted" in gone.text
    assert public_view(team, campaign)["count"] == 1


def test_an_incident_page_links_the_live_campaign_about_it(
    team: Workspace,  # noqa: F811
    client: TestClient,
    places: Gazetteer,  # noqa: F811
    tmp_path: Path,
) -> None:
    from tests.publish.published import published_incident, verified_item

    incident = published_incident(team, places, verified_item(team, tmp_path))
    campaign = live_petition(team, incidents=[incident])
    page = client.get(f"/public/incidents/{incident}").text
    assert f'href="/campaigns/{campaign}#act"' in page
    shown = client.get(f"/campaigns/{campaign}").text
    assert f'href="/public/incidents/{incident}"' in shown

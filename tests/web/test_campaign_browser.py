"""Campaigns in a real browser, the issue's "done when": on a phone, a supporter signs a
petition in Ukrainian and sends a letter in English, opens the confirmation link from the
message a real SMTP server (aiosmtpd on loopback) received, and sees the count move; then
the same without JavaScript. Every new page is photographed in both languages at phone and
desktop sizes for a person to look at (the screenshot folder: $CIVWATCH_SCREENSHOTS)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from civwatch.campaigns import outbox
from civwatch.config import Settings
from civwatch.geo.gazetteer import Gazetteer
from civwatch.workspace import Workspace
from tests.campaigns.conftest import SmtpServer, live_letter, live_petition, smtp  # noqa: F401
from tests.incidents.helpers import gazetteer_cache, places, team  # noqa: F401
from tests.support.browser import CHROMIUM, watched_page
from tests.support.live import live_server, screenshot_dir
from tests.support.tokens import token_of
from tests.web.campaign_site import site_settings

pytest.importorskip("playwright.sync_api", reason="needs playwright (dev dependency)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium"),
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def settings(settings: Settings, smtp: SmtpServer) -> Settings:  # noqa: F811
    return site_settings(settings, smtp)


@pytest.fixture
def campaigns(team: Workspace, places: Gazetteer, tmp_path: Path) -> dict[str, int]:  # noqa: F811
    from tests.publish.published import published_incident, verified_item

    incident = published_incident(team, places, verified_item(team, tmp_path))
    return {
        "incident": incident,
        "petition": live_petition(team, incidents=[incident]),
        "letter": live_letter(team),
    }


@pytest.fixture
def server(
    campaigns: dict[str, int],
    cli_env: dict[str, str],
    smtp: SmtpServer,  # noqa: F811
) -> Iterator[str]:
    env = {
        **cli_env,
        "CIVWATCH_SMTP_URL": smtp.url,
        "CIVWATCH_PUBLIC_BASE_URL": "http://civwatch.test",
    }
    with live_server(env) as url:
        yield url


def _link(ws: Workspace, smtp: SmtpServer, address: str, seen: int) -> str:  # noqa: F811
    """The path of the confirmation link in the newest mail to ``address`` once more than
    ``seen`` have arrived (the server's job sends it; the test sends what is due too)."""
    deadline = time.monotonic() + 60
    while len(smtp.inbox.to(address)) <= seen:
        assert time.monotonic() < deadline, f"no mail to {address}"
        outbox.send_due(ws)
        time.sleep(0.3)
    return f"/campaigns/confirm/{smtp.inbox.link(address)}"


def _count(page: Any) -> str:
    return str(page.locator("p.count strong").first.inner_text())


def test_a_supporter_signs_and_writes_from_a_phone_and_sees_the_count_move(
    chromium: Any,
    server: str,
    team: Workspace,  # noqa: F811
    smtp: SmtpServer,  # noqa: F811
    campaigns: dict[str, int],
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    shots = screenshot_dir(tmp_path)
    errors: list[str] = []
    phone = watched_page(chromium, errors, viewport=PHONE, is_mobile=True, has_touch=True)

    # the incident page leads to the campaign; the petition in Ukrainian
    phone.goto(f"{server}/public/incidents/{campaigns['incident']}?lang=uk")
    phone.get_by_role("link", name="Підпишіть петицію: Protect civilians in Kharkiv").click()
    expect(phone.get_by_role("heading", name="Protect civilians in Kharkiv")).to_be_visible()
    assert _count(phone) == "0"
    phone.get_by_label("Ваше ім’я").fill("Олена Тестова")
    phone.get_by_label("Ваша електронна пошта").fill("olena@example.org")
    phone.get_by_label("Ваша країна").select_option("UA")
    phone.get_by_label("Коментар").fill("Тримаймося разом")
    expect(
        phone.get_by_label("Моє ім’я можна передати адресатам разом із кількістю підписів")
    ).not_to_be_checked()
    phone.screenshot(path=shots / "campaign-petition-phone-uk.png", full_page=True)
    phone.get_by_role("button", name="Підписати").click()
    expect(phone.get_by_role("heading", name="Перевірте пошту")).to_be_visible()
    phone.screenshot(path=shots / "campaign-sent-phone-uk.png", full_page=True)
    phone.goto(server + _link(team, smtp, "olena@example.org", 0))
    expect(phone.get_by_text("Ваш підпис підтверджено.")).to_be_visible()
    assert _count(phone) == "1"
    phone.screenshot(path=shots / "campaign-confirmed-phone-uk.png", full_page=True)

    # the letter in English, edited, to the target of the supporter's country
    phone.goto(f"{server}/campaigns?lang=en")
    phone.get_by_role("link", name="Write to the missions").click()
    phone.get_by_label("Your name").fill("Anna Test")
    phone.get_by_label("Your e-mail").fill("anna@example.org")
    phone.get_by_label("Your country").select_option("DE")
    letter = phone.get_by_role("textbox", name="Your letter")
    expect(letter).to_have_value("Dear delegate, please vote for the resolution.")
    letter.fill("Dear delegate, I ask you in my own words: vote for the resolution.")
    phone.screenshot(path=shots / "campaign-letter-phone-en.png", full_page=True)
    phone.get_by_role("button", name="Send my letter").click()
    expect(phone.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    phone.goto(server + _link(team, smtp, "anna@example.org", 0))
    expect(phone.get_by_text("Your letter is confirmed and on its way.")).to_be_visible()
    assert _count(phone) == "1"
    deadline = time.monotonic() + 60
    while not smtp.inbox.to("mission-de@example.org"):
        assert time.monotonic() < deadline, "the letter never reached its target"
        outbox.send_due(team)
        time.sleep(0.3)
    (sent,) = smtp.inbox.to("mission-de@example.org")
    assert "in my own words" in smtp.inbox.body(sent)
    assert not smtp.inbox.to("mission-fr@example.org")
    assert errors == []

    # without JavaScript, the same petition: the count moves again
    plain = chromium.new_context(java_script_enabled=False, viewport=PHONE).new_page()
    plain.goto(f"{server}/campaigns/{campaigns['petition']}?lang=en")
    plain.get_by_label("Your name").fill("Petro NoScript")
    plain.get_by_label("Your e-mail").fill("petro@example.org")
    plain.get_by_label("Your country").select_option("PL")
    plain.get_by_role("button", name="Sign").click()
    expect(plain.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    plain.goto(server + _link(team, smtp, "petro@example.org", 0))
    expect(plain.get_by_text("Your signature is confirmed.")).to_be_visible()
    assert _count(plain) == "2"


def test_every_campaign_page_at_phone_and_desktop_sizes_in_both_languages(
    chromium: Any,
    server: str,
    team: Workspace,  # noqa: F811
    campaigns: dict[str, int],
    tmp_path: Path,
) -> None:
    """Screenshots for a person to look at; each page answers 200 with no script error."""
    shots = screenshot_dir(tmp_path)
    token = token_of(team, "pat")
    pages = {
        "list": "/campaigns",
        "petition": f"/campaigns/{campaigns['petition']}",
        "letter": f"/campaigns/{campaigns['letter']}",
        "incident": f"/public/incidents/{campaigns['incident']}",
        "delete": "/campaigns/delete/not-a-real-token",
        "confirm-bad": "/campaigns/confirm/not-a-real-token",
        "team-list": "/team/campaigns",
        "team-new": "/team/campaigns/new",
        "team-letter": f"/team/campaigns/{campaigns['letter']}",
    }
    errors: list[str] = []
    for size_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = chromium.new_context(
            viewport=viewport, extra_http_headers={"Authorization": f"Bearer {token}"}
        )
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        for lang in ("uk", "en"):
            for name, path in pages.items():
                answer = page.goto(f"{server}{path}?lang={lang}")
                assert answer is not None
                assert answer.status in (200, 422), (path, answer.status)
                page.screenshot(
                    path=shots / f"campaign-{name}-{size_name}-{lang}.png", full_page=True
                )
        context.close()
    assert errors == []

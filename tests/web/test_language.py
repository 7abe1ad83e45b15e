"""Which language a reader gets (issue 13): an explicit choice (``?lang=`` or the switch,
remembered in a cookie), then the browser's Accept-Language, then the deployment's default
(Ukrainian for the public site); every page says its language and offers the switch as
plain links; a language choice never sends the reader to another site."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from civwatch.config import Settings
from civwatch.i18n.negotiation import LANGUAGE_COOKIE, accepted_languages, choose_language
from civwatch.web.app import create_app
from civwatch.workspace import Workspace

BASE = "http://testserver"
HTML_LANG = re.compile(r'<html lang="(\w+)"')


def page_language(response: object) -> str:
    html = response.text  # type: ignore[attr-defined]
    found = HTML_LANG.search(html)
    assert found, "every page says its language in <html lang>"
    assert response.headers["content-language"] == found.group(1)  # type: ignore[attr-defined]
    return found.group(1)


def shipped(workspace: Workspace, **changes: str) -> Settings:
    """The workspace's settings with the languages civwatch ships with (the tests' own
    settings make English the default, to read their assertions)."""
    default = Settings.model_fields["default_language"].default
    assert default == "uk", "the public site is Ukrainian unless a deployment says otherwise"
    values = {**workspace.settings.model_dump(), "default_language": default, **changes}
    return Settings(**values)


@pytest.fixture
def fresh(workspace: Workspace) -> Iterator[TestClient]:
    """A client with no cookie and no Accept-Language (httpx sends none by default)."""
    app = create_app(shipped(workspace), secure_cookies=False)
    with TestClient(app, base_url=BASE) as c:
        yield c


def test_the_public_site_is_ukrainian_for_a_reader_who_chose_nothing(fresh: TestClient) -> None:
    assert page_language(fresh.get("/public")) == "uk"
    assert page_language(fresh.get("/signin")) == "uk"


def test_the_browser_language_is_followed_when_civwatch_has_it(fresh: TestClient) -> None:
    assert page_language(fresh.get("/public", headers={"Accept-Language": "en-GB,en"})) == "en"
    # a language without a catalogue falls to the next the browser accepts, then the default
    wanted = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
    assert page_language(fresh.get("/public", headers=wanted)) == "en"
    assert page_language(fresh.get("/public", headers={"Accept-Language": "fr"})) == "uk"


def test_lang_in_the_address_wins_and_is_remembered(fresh: TestClient) -> None:
    english = {"Accept-Language": "en"}
    answer = fresh.get("/public?lang=uk", headers=english)
    assert page_language(answer) == "uk"
    assert answer.cookies.get(LANGUAGE_COOKIE) == "uk"
    # the next page, with no ?lang, stays in the language chosen, over the browser's
    assert page_language(fresh.get("/public/timeline", headers=english)) == "uk"
    assert page_language(fresh.get("/signin?lang=en", headers=english)) == "en"
    assert page_language(fresh.get("/public", headers={"Accept-Language": "uk"})) == "en"


def test_an_unknown_lang_is_ignored_and_not_remembered(fresh: TestClient) -> None:
    answer = fresh.get("/public?lang=xx", headers={"Accept-Language": "en"})
    assert page_language(answer) == "en"
    assert LANGUAGE_COOKIE not in answer.cookies
    assert fresh.get("/public?lang=" + "u" * 5000).status_code == 200


def test_the_api_follows_lang_but_sets_no_cookie(fresh: TestClient) -> None:
    answer = fresh.get("/api/v1/public/incidents?lang=en")
    assert answer.headers["content-language"] == "en"
    assert LANGUAGE_COOKIE not in answer.cookies


def test_the_switch_remembers_a_choice_and_stays_on_this_site(fresh: TestClient) -> None:
    answer = fresh.get("/language?lang=en&next=/public/timeline", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/public/timeline"
    cookie = answer.headers["set-cookie"]
    assert f"{LANGUAGE_COOKIE}=en" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert page_language(fresh.get("/public")) == "en"
    for elsewhere in ("//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil"):
        moved = fresh.get(
            "/language", params={"lang": "uk", "next": elsewhere}, follow_redirects=False
        )
        assert moved.status_code == 303 and moved.headers["location"] == "/"


def test_every_page_offers_the_other_language_as_a_plain_link(fresh: TestClient) -> None:
    for path in ("/public", "/public/timeline", "/public/methodology", "/signin"):
        html = fresh.get(path + "?lang=uk").text
        switch = re.search(r'<nav class="languages"[^>]*>(.*?)</nav>', html, re.S)
        assert switch, path
        assert re.search(r'<a href="/language\?lang=en&amp;next=[^"]+" lang="en"', switch.group(1))
        assert 'aria-current="true"' in switch.group(1) and ">Українська<" in switch.group(1)


def test_the_team_default_can_differ_from_the_public_one(workspace: Workspace) -> None:
    settings = shipped(workspace, team_default_language="en")
    with TestClient(create_app(settings, secure_cookies=False), base_url=BASE) as c:
        assert page_language(c.get("/signin")) == "en"
        assert page_language(c.get("/public")) == "uk"


def test_accept_language_is_read_by_quality_and_bounded() -> None:
    assert accepted_languages("en;q=0.4, uk-UA, *;q=0.1, de;q=0") == ["uk", "en"]
    assert accepted_languages("uk;q=abc, en") == ["en"]
    assert choose_language(explicit=(None, "EN"), accept_language="uk") == "en"
    assert choose_language(accept_language="x," * 10_000, default="uk") == "uk"


def test_answers_kept_in_memory_are_kept_per_language(fresh: TestClient) -> None:
    """A feed or map answer kept until something public changes must not hand a reader the
    copy made for a reader of another language (nor its ETag: a 304 would keep it)."""
    for path in ("/public/feed.atom", "/public/feed.json", "/api/v1/public/map"):
        uk = fresh.get(path, headers={"Accept-Language": "uk"})
        en = fresh.get(path, headers={"Accept-Language": "en"})
        assert uk.status_code == en.status_code == 200, path
        assert uk.headers["content-language"] == "uk" and en.headers["content-language"] == "en"
        assert uk.headers["etag"] != en.headers["etag"], path
        again = fresh.get(
            path, headers={"Accept-Language": "en", "If-None-Match": uk.headers["etag"]}
        )
        assert again.status_code == 200, path
        for answer in (uk, en):
            assert {"accept-language", "cookie"} <= {
                v.strip().lower() for v in answer.headers["vary"].split(",")
            }

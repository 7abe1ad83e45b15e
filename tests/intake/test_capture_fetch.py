"""One exchange of a capture, without a browser: it goes to the pinned address whatever
the name says, and it keeps to the capture's byte and time limits."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from civwatch.i18n import localise
from civwatch.intake.capture_fetch import FetchError, fetch
from civwatch.intake.capture_ssrf import PinnedTarget
from tests.intake.site import PHOTO, Site, running_site


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with running_site() as s:
        yield s


def _target(site: Site, path: str, host: str = "127.0.0.1") -> PinnedTarget:
    return PinnedTarget(f"http://{host}:{site.port}{path}", "http", host, site.port, "127.0.0.1")


def test_the_connection_goes_to_the_pinned_address_with_the_name_in_host(site: Site) -> None:
    """A name is never resolved again at connect time (DNS rebinding): the request goes to
    the address the policy checked; the name only travels in the Host header."""
    exchange = fetch(
        _target(site, "/photo.png", host="news.example"),
        "GET",
        {"User-Agent": "test", "Host": "evil.example", "Connection": "upgrade"},
        None,
        timeout=5,
        max_bytes=10**6,
    )
    assert exchange.status == 200 and exchange.raw_body == PHOTO
    assert exchange.address == "127.0.0.1" and exchange.media_type == "image/png"
    assert ("Host", f"news.example:{site.port}") in exchange.request_headers
    assert all(k.lower() != "connection" for k, _ in exchange.request_headers)


def test_a_redirect_is_returned_not_followed(site: Site) -> None:
    exchange = fetch(_target(site, "/to-metadata"), "GET", {}, None, timeout=5, max_bytes=1000)
    assert exchange.status == 302
    assert exchange.header("location") == "http://169.254.169.254/latest/meta-data/"


def test_an_answer_over_the_byte_limit_is_cut_off(site: Site) -> None:
    with pytest.raises(FetchError) as cut:
        fetch(_target(site, "/photo.png"), "GET", {}, None, timeout=5, max_bytes=1024)
    assert "byte limit" in localise(cut.value.message, "en")
    assert "ліміт" in localise(cut.value.message, "uk")


def test_an_answer_that_never_comes_ends_at_the_time_limit(site: Site) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="too long"):
        fetch(_target(site, "/hang.png"), "GET", {}, None, timeout=1.0, max_bytes=10**6)
    assert time.monotonic() - started < 5

"""Which addresses a capture may reach, checked after name resolution and pinned; and
which addresses are not web addresses at all. No browser, no connection is made."""

from __future__ import annotations

import pytest

from civwatch.errors import RejectedInputError
from civwatch.i18n import localise
from civwatch.intake.capture_ssrf import AddressPolicy, CaptureRefusedError, parse_capture_url

REFUSED = [
    "127.0.0.1",
    "127.8.8.8",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.10.10",
    "100.64.0.1",
    "224.0.0.1",
    "0.0.0.0",
    "255.255.255.255",
    "192.0.2.1",
    "[::1]",
    "[::]",
    "[fd00::1]",
    "[fe80::1]",
    "[fd00:ec2::254]",
    "[ff02::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:169.254.169.254]",
    "[64:ff9b::a00:1]",
    "[2002:a00:1::]",
]


@pytest.mark.parametrize("host", REFUSED)
def test_private_loopback_link_local_and_metadata_addresses_are_refused(host: str) -> None:
    policy = AddressPolicy()
    with pytest.raises(CaptureRefusedError) as refused:
        policy.pin(f"http://{host}/latest/meta-data/")
    assert "Refused" in localise(refused.value.message, "en")
    assert "Відхилено" in localise(refused.value.message, "uk")


def test_a_public_address_is_pinned_as_given() -> None:
    target = AddressPolicy().pin("https://93.184.215.14:8443/a?b=c")
    assert (target.scheme, target.host, target.port, target.address) == (
        "https",
        "93.184.215.14",
        8443,
        "93.184.215.14",
    )


def test_a_name_is_checked_by_the_addresses_it_resolves_to() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return {"news.example": ["93.184.215.14"], "intranet.example": ["10.0.0.7"]}[host]

    policy = AddressPolicy(resolver=resolver)
    assert policy.pin("http://news.example/").address == "93.184.215.14"
    with pytest.raises(CaptureRefusedError, match=r"intranet\.example \(10\.0\.0\.7\)"):
        policy.pin("http://intranet.example/")


def test_one_private_address_among_public_ones_is_enough_to_refuse() -> None:
    policy = AddressPolicy(resolver=lambda h, p: ["93.184.215.14", "127.0.0.1"])
    with pytest.raises(CaptureRefusedError, match="loopback"):
        policy.pin("http://mixed.example/")


def test_dns_rebinding_cannot_move_a_checked_name_to_a_private_address() -> None:
    """The first answer is public, every later one private: each request of the capture
    goes to the address that was checked, and the name is not resolved again."""
    answers = iter([["93.184.215.14"], ["127.0.0.1"], ["127.0.0.1"]])
    calls = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    policy = AddressPolicy(resolver=rebinding)
    first = policy.pin("http://rebind.example/page")
    again = policy.pin("http://rebind.example/image.png")
    assert first.address == again.address == "93.184.215.14"
    assert calls == ["rebind.example"]


def test_an_allowed_host_may_be_private_but_never_the_metadata_service() -> None:
    policy = AddressPolicy.from_setting(" 127.0.0.1, LOCAL.test ,169.254.169.254,[fd00:ec2::254]")
    assert policy.pin("http://127.0.0.1:8000/").address == "127.0.0.1"
    for url in ("http://169.254.169.254/", "http://[fd00:ec2::254]/"):
        with pytest.raises(CaptureRefusedError, match="metadata"):
            policy.pin(url)
    # the allowance is for the host as written: another name for the same address is not
    named = AddressPolicy(["127.0.0.1"], resolver=lambda h, p: ["127.0.0.1"])
    with pytest.raises(CaptureRefusedError, match="loopback"):
        named.pin("http://localhost:8000/")
    with pytest.raises(CaptureRefusedError, match="metadata"):
        AddressPolicy(["metadata.google.internal"]).pin("http://metadata.google.internal/")


def test_a_name_that_cannot_be_found_is_refused_with_its_host() -> None:
    def missing(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(CaptureRefusedError, match="cannot be found"):
        AddressPolicy(resolver=missing).pin("https://no-such-host.example/")


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "example.org/page",
        "ftp://example.org/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "gopher://127.0.0.1:6379/_INFO",
        "http://",
        "http:///path",
        "http://user:secret@example.org/",
        "http://example.org:99999/",
        "http://example.org:0/",
        "http://[::1/",
        "http://exa mple.org/",
        "http://example.org/\x00",
        "https://example.org/" + "a" * 2100,
    ],
)
def test_malformed_addresses_are_refused_in_both_languages(url: str) -> None:
    with pytest.raises(RejectedInputError) as refused:
        parse_capture_url(url)
    english, ukrainian = (localise(refused.value.message, lang) for lang in ("en", "uk"))
    assert english and ukrainian and english != ukrainian

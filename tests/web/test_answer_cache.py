"""The map answer cache: kept per public version, bounded in bytes, ETags compared as
RFC 9110 says."""

from __future__ import annotations

from civwatch.web.answer_cache import AnswerCache, etag_matches


def test_an_answer_is_made_once_per_version() -> None:
    cache = AnswerCache()
    made: list[str] = []

    def make(body: str) -> bytes:
        made.append(body)
        return body.encode()

    a = cache.get("/map?bbox=1", "v1", lambda: make("a"))
    b = cache.get("/map?bbox=1", "v1", lambda: make("never"))
    assert a == b and made == ["a"]
    c = cache.get("/map?bbox=1", "v2", lambda: make("c"))
    assert c.body == b"c" and c.etag != a.etag and made == ["a", "c"]
    assert (cache.hits, cache.misses) == (1, 2)


def test_the_oldest_answers_go_first_when_full() -> None:
    cache = AnswerCache(max_bytes=250)
    for key in ("a", "b"):
        cache.get(key, "v", lambda: b"x" * 100)
    cache.get("a", "v", lambda: b"never")  # a is used again, so b goes when c arrives
    cache.get("c", "v", lambda: b"x" * 100)
    remade: list[str] = []
    for key in ("a", "b", "c"):
        cache.get(key, "v", lambda k=key: remade.append(k) or b"y" * 100)  # type: ignore[func-returns-value]
    # b was dropped for c; reading a, then making b again drops c (now the least recently
    # used), so c is made again too.
    assert remade == ["b", "c"]


def test_etags_match_as_rfc_9110_says() -> None:
    tag = '"abc"'
    assert etag_matches('"abc"', tag)
    assert etag_matches('W/"abc"', tag)
    assert etag_matches('"x", "abc"', tag)
    assert etag_matches("*", tag)
    assert not etag_matches('"abd"', tag)
    assert not etag_matches(None, tag)
    assert not etag_matches("", tag)

"""The engine's grouping of row streams, which the state replays of ``civwatch verify``
rest on: every key of any stream comes out once, with that key's rows of each stream, so a
row whose companions were deleted is still seen (and named) rather than skipped."""

from __future__ import annotations

from civwatch.custody.bindings import Row
from civwatch.custody.row_stream import merge_by


def _rows(*keys: object) -> list[Row]:
    return [{"group": key, "n": n} for n, key in enumerate(keys)]


def test_three_streams_are_grouped_by_key_with_gaps_in_any_of_them() -> None:
    incidents = _rows(1, 2, 4)
    revisions = _rows(1, 1, 3, 4)
    decisions = _rows(2, 4, 4, "garbage")
    merged = [
        (key, [r["n"] for r in a], [r["n"] for r in b], [r["n"] for r in c])
        for key, a, b, c in merge_by("group", iter(incidents), iter(revisions), iter(decisions))
    ]
    assert merged == [
        (1, [0], [0, 1], []),
        (2, [1], [], [0]),
        (3, [], [2], []),
        (4, [2], [3], [1, 2]),
        ("garbage", [], [], [3]),  # a malformed key comes last, not lost
    ]


def test_two_streams_still_give_pairs() -> None:
    merged = list(merge_by("group", iter(_rows(1, 3)), iter(_rows(2, 3))))
    assert [(key, len(a), len(b)) for key, a, b in merged] == [(1, 1, 0), (2, 0, 1), (3, 1, 1)]

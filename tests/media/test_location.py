"""ISO 6709 and the other textual positions phones write into videos."""

from __future__ import annotations

import pytest

from civwatch.media.location import parse_coordinates, parse_iso6709


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+50.4501+030.5234+150.000/", (50.4501, 30.5234, 150.0)),
        ("+50.4501+030.5234/", (50.4501, 30.5234, None)),
        ("+49.9935+036.2304-012.5/", (49.9935, 36.2304, -12.5)),
        ("-33.8688+151.2093/", (-33.8688, 151.2093, None)),
        ("+40.7128-074.0060+010.000CRSWGS_84/", (40.7128, -74.006, 10.0)),
        ("+5027.006+03031.404/", (50 + 27.006 / 60, 30 + 31.404 / 60, None)),
        ("+502700.36+0303124.2/", (50 + 27 / 60 + 0.36 / 3600, 30 + 31 / 60 + 24.2 / 3600, None)),
        ("+50+030/", (50.0, 30.0, None)),
    ],
)
def test_iso6709(text: str, expected: tuple[float, float, float | None]) -> None:
    found = parse_iso6709(text)
    assert found is not None
    assert found[:2] == pytest.approx(expected[:2], abs=1e-9)
    assert found[2] == (pytest.approx(expected[2]) if expected[2] is not None else None)


@pytest.mark.parametrize("text", ["", "50.45 30.52", "+50.4501", "+5.4501+030.5234/", "hello"])
def test_not_iso6709(text: str) -> None:
    assert parse_iso6709(text) is None


def test_exiftool_and_3gpp_forms() -> None:
    assert parse_coordinates("50.4501 30.5234 150") == (50.4501, 30.5234, 150.0)
    assert parse_coordinates("-33.8688 151.2093") == (-33.8688, 151.2093, None)
    loci = "(none) Role=shooting Lat=50.45009 Lon=30.52339 Alt=0.00 Body=earth Notes="
    assert parse_coordinates(loci) == (50.45009, 30.52339, 0.0)
    assert parse_coordinates(50.1) is None

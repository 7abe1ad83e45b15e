"""Money is Decimal only, in a known currency with its minor units; rates are kept as
entered and decide the tier in euros."""

from __future__ import annotations

from decimal import Decimal

import pytest

from civwatch.config import Settings
from civwatch.errors import RejectedInputError
from civwatch.relief.money import Money, in_euros, rate_of
from civwatch.relief.rules import Tier, tier


def test_amounts_keep_their_currency_s_minor_units() -> None:
    assert Money.of("1500", "uah").minor == 150000
    assert Money.of("1500", "JPY").minor == 1500
    assert Money.of("1.234", "KWD").minor == 1234
    assert str(Money.from_minor(150001, "UAH")) == "1500.01 UAH"


@pytest.mark.parametrize(
    ("amount", "code", "words"),
    [
        (0.1, "EUR", "floating-point"),
        ("1.5", "JPY", "more decimals"),
        ("1.001", "EUR", "more decimals"),
        ("NaN", "EUR", "must be a number"),
        ("Infinity", "EUR", "must be a number"),
        ("1e30", "EUR", "beyond"),
        ("ten", "EUR", "must be a number"),
        (True, "EUR", "must be a number"),
        ("10", "XTS", "Unknown currency"),
        ("10", "", "Unknown currency"),
    ],
)
def test_what_is_not_money_is_refused(amount: object, code: str, words: str) -> None:
    with pytest.raises(RejectedInputError, match=words):
        Money.of(amount, code)


def test_rates_are_as_entered_and_required_beyond_the_euro() -> None:
    assert rate_of(None, "EUR") == 1
    assert rate_of("0.0221", "UAH") == Decimal("0.0221")
    with pytest.raises(RejectedInputError, match="exchange rate to the euro"):
        rate_of(None, "UAH")
    with pytest.raises(RejectedInputError, match="more than zero"):
        rate_of("-1", "UAH")
    with pytest.raises(RejectedInputError, match="floating-point"):
        rate_of(0.02, "UAH")
    assert in_euros(Money.of("45000.00", "UAH"), Decimal("0.0221")) == Decimal("994.50")


def test_tiers_by_the_amount_in_euros() -> None:
    s = Settings()
    assert tier(Decimal("999.99"), s) == Tier(1, False)
    assert tier(Decimal("1000.00"), s) == Tier(2, False)
    assert tier(Decimal("5000.00"), s) == Tier(2, True)
    low = s.model_copy(update={"relief_two_approvers_from_eur": Decimal(500)})
    assert tier(Decimal("600"), low) == Tier(2, False)

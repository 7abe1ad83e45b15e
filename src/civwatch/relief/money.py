"""Amounts of money: :class:`~decimal.Decimal` only, in a currency with its ISO 4217 minor
unit, kept in the database as whole minor units (kopiykas, cents) so that SQLite and
PostgreSQL store them exactly; exchange rates to the euro as the person entered them.

A float is refused (``0.1 + 0.2`` is not money); so is an amount with more decimals than
its currency has, and a currency not in :data:`MINOR_UNITS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from civwatch.errors import RejectedInputError
from civwatch.i18n import _

#: ISO 4217 currencies the fund may hold, with their minor units (digits after the point).
MINOR_UNITS: dict[str, int] = {
    "UAH": 2,
    "EUR": 2,
    "USD": 2,
    "PLN": 2,
    "GBP": 2,
    "CHF": 2,
    "CZK": 2,
    "MDL": 2,
    "RON": 2,
    "HUF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "GEL": 2,
    "TRY": 2,
    "BGN": 2,
    "CAD": 2,
    "AUD": 2,
    "ILS": 2,
    "AMD": 2,
    "KZT": 2,
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "BHD": 3,
    "JOD": 3,
    "KWD": 3,
    "TND": 3,
}
#: The reference currency of tiers and caps.
EUR = "EUR"
#: No amount reaches this (a typo of many zeros is refused, not stored).
LARGEST = Decimal(10) ** 12
#: The most a rate may hold after the point (as entered, within reason).
RATE_PLACES = 10


def currency(code: str) -> str:
    """``code`` upper-cased if it is a currency of :data:`MINOR_UNITS`; refused otherwise."""
    if not isinstance(code, str) or code.strip().upper() not in MINOR_UNITS:
        raise RejectedInputError(
            _(
                "Unknown currency %(code)s: give an ISO 4217 code the fund knows (%(known)s).",
                code=repr(code),
                known=", ".join(sorted(MINOR_UNITS)),
            )
        )
    return code.strip().upper()


def decimal_of(value: object, what: str) -> Decimal:
    """``value`` (a Decimal, an int or a string of digits) as a finite Decimal; a float
    and anything else is refused, naming ``what`` it was meant to be."""
    if isinstance(value, float):
        raise RejectedInputError(
            _(
                "%(what)s was given as a floating-point number (%(value)s), which cannot "
                'hold money exactly: give it as a decimal string, e.g. "1500.00".',
                what=what,
                value=repr(value),
            )
        )
    if isinstance(value, bool):
        value = str(value)
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        number = Decimal("NaN")
    if not number.is_finite():
        raise RejectedInputError(
            _(
                "%(what)s must be a number, e.g. 1500.00; %(value)s is not one.",
                what=what,
                value=repr(value),
            )
        )
    return number


@dataclass(frozen=True, order=True)
class Money:
    """An amount in a currency (never a float)."""

    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: object, code: str, *, what: str | None = None) -> Money:
        """``amount`` of ``code``, checked: a Decimal (never a float) with no more
        decimals than the currency has."""
        code = currency(code)
        label = what or _("The amount")
        number = decimal_of(amount, label)
        places = MINOR_UNITS[code]
        if abs(number) >= LARGEST:
            raise RejectedInputError(
                _(
                    "%(what)s %(amount)s is beyond what the fund can hold.",
                    what=label,
                    amount=str(number),
                )
            )
        if number != number.quantize(Decimal(1).scaleb(-places)):
            raise RejectedInputError(
                _(
                    "%(what)s %(amount)s has more decimals than %(currency)s has (%(places)s).",
                    what=label,
                    amount=str(number),
                    currency=code,
                    places=places,
                )
            )
        return cls(number.quantize(Decimal(1).scaleb(-places)), code)

    @classmethod
    def from_minor(cls, minor: int, code: str) -> Money:
        """The amount stored as ``minor`` units of ``code``."""
        code = currency(code)
        return cls(Decimal(minor).scaleb(-MINOR_UNITS[code]), code)

    @property
    def minor(self) -> int:
        """The amount in whole minor units (what the database keeps)."""
        return int(self.amount.scaleb(MINOR_UNITS[self.currency]))

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def positive(money: Money, what: str) -> Money:
    """``money`` if it is more than zero; refused otherwise."""
    if money.amount <= 0:
        raise RejectedInputError(
            _("%(what)s must be more than zero (%(amount)s given).", what=what, amount=str(money))
        )
    return money


def rate_of(value: object, code: str) -> Decimal:
    """The rate of one unit of ``code`` in euros, as entered: 1 for the euro itself
    (any other rate given for it is refused), required and positive otherwise."""
    code = currency(code)
    if code == EUR:
        if value is not None and decimal_of(value, _("The exchange rate")) != 1:
            raise RejectedInputError(_("An amount in euros has the exchange rate 1 to the euro."))
        return Decimal(1)
    if value is None:
        raise RejectedInputError(
            _(
                "An amount in %(currency)s needs the exchange rate to the euro it was "
                "converted at (how many euros one %(currency)s was worth), e.g. --eur-rate "
                "0.0225.",
                currency=code,
            )
        )
    rate = decimal_of(value, _("The exchange rate"))
    if rate <= 0 or rate.as_tuple().exponent < -RATE_PLACES:  # type: ignore[operator]
        raise RejectedInputError(
            _(
                "The exchange rate must be more than zero with at most %(places)s decimals "
                "(%(rate)s given).",
                places=RATE_PLACES,
                rate=str(rate),
            )
        )
    return rate


def in_euros(money: Money, rate: Decimal) -> Decimal:
    """``money`` in euros at ``rate`` (euros per unit), to the cent (half to even)."""
    return (money.amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)

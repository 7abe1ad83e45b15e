"""The relief fund's rules, without the database: approval tiers by the amount in euros,
and separation of duties (no one holds two of request, approve, release, pay on a grant)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from civwatch.config import Settings
from civwatch.errors import ConflictError
from civwatch.i18n import _


@dataclass(frozen=True)
class Tier:
    """What a grant of an amount needs: how many approvers, and a finance release."""

    approvers: int
    release: bool


def tier(amount_eur: Decimal, settings: Settings) -> Tier:
    """The tier of a grant of ``amount_eur`` (defaults: below 1,000 one approver; from
    1,000 two; from 5,000 two and a finance release)."""
    release = amount_eur >= settings.relief_release_from_eur
    two = release or amount_eur >= settings.relief_two_approvers_from_eur
    return Tier(2 if two else 1, release)


def separate(acts: Iterable[tuple[str, int]], user_id: int, act: str) -> None:
    """Refuse ``act`` by ``user_id`` when they hold another duty on the grant already
    (``acts``: the grant's (act, user id) so far). Paying again (a partial payment) is
    the same duty."""
    held = {a for a, who in acts if who == user_id}
    if act in held and act != "pay":
        raise ConflictError(
            _("You have already recorded this act (%(act)s) on this grant.", act=act)
        )
    other = sorted(held - {act})
    if other:
        raise ConflictError(
            _(
                "Separation of duties: you hold the act %(held)s on this grant, so you "
                "cannot also %(act)s it; another person must.",
                held=", ".join(other),
                act=act,
            )
        )

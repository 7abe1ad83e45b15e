"""Risk assessments of a person at risk: a history, never overwritten.

Each assessment names the threats a person faces, their sources and indicators, and rates
likelihood and impact from 1 to 5; :func:`risk_level` turns the two into a level (the
table is pinned by a test). A new assessment is a new row; the person's ``risk_level`` and
``next_review`` follow the newest one, and :func:`reviews_due` lists the people whose
review date has passed.
"""

from __future__ import annotations

from typing import Final

from civwatch.errors import RejectedInputError
from civwatch.i18n import _

#: Score (likelihood x impact) bands, highest first: a score at or above the bound has the level.
LEVEL_BANDS: Final = ((20, "critical"), (10, "high"), (5, "medium"), (1, "low"))
SCALE: Final = range(1, 6)


def check_rating(value: int, what: str) -> int:
    """``value`` if it is on the 1-5 scale, else a clear error naming ``what`` it rates."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in SCALE:
        raise RejectedInputError(
            _("%(what)s is rated from 1 to 5 (given: %(value)s).", what=what, value=value)
        )
    return value


def risk_level(likelihood: int, impact: int) -> str:
    """The level of a risk rated ``likelihood`` and ``impact`` (1-5 each): by their
    product, 1-4 low, 5-9 medium, 10-16 high, 20-25 critical."""
    score = check_rating(likelihood, _("Likelihood")) * check_rating(impact, _("Impact"))
    for bound, level in LEVEL_BANDS:
        if score >= bound:
            return level
    raise AssertionError(score)  # pragma: no cover - every score is >= 1

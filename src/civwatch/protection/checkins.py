"""Check-ins: a person on a route reports being safe at a checkpoint (an officer records
it). A checkpoint whose expected time plus the case's grace period has passed without a
check-in there, or at a later checkpoint, is overdue: the job in
:mod:`civwatch.protection.jobs` raises one alert for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RoutePoint:
    """A checkpoint of a route as the overdue rule sees it."""

    id: str
    position: int
    expected_at: datetime | None


def overdue_points(
    points: Sequence[RoutePoint],
    checked_in_at: Iterable[str],
    *,
    grace: timedelta,
    now: datetime,
) -> list[str]:
    """The ids of ``points`` overdue at ``now``: expected at a time ``grace`` ago or
    earlier, and neither checked in at (``checked_in_at``: checkpoint ids of the case's
    check-ins) nor passed (a check-in at a later checkpoint)."""
    reached = set(checked_in_at)
    furthest = max((p.position for p in points if p.id in reached), default=None)
    return [
        p.id
        for p in sorted(points, key=lambda p: p.position)
        if p.expected_at is not None
        and p.expected_at + grace < now
        and p.id not in reached
        and (furthest is None or p.position > furthest)
    ]

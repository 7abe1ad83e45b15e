"""A shelter's shown status: what the confirmed reports say, weighed by who sent them and
how long ago.

Only reports a coordinator confirmed count. Each counts with the weight of its channel
(:data:`CHANNEL_WEIGHTS`) halved every :data:`HALF_LIFE` since it was received; the status
with the greatest total is shown if that total reaches :data:`MIN_WEIGHT`, else the status
is "unknown". Reports older than :data:`HORIZON` count for nothing. Without a report the
registry's own statement (a source saying a shelter is disused) is shown, else "unknown".
docs/shelters.md explains these figures to coordinators and the public.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.i18n import _, current_language, ngettext, use_language
from civwatch.i18n.formatting import format_age
from civwatch.shelters.models import Shelter, ShelterReport
from civwatch.shelters.vocabulary import label

#: How much one confirmed report counts, by the channel it came through: a coordinator on
#: site most, a phone call to the hotline (a person heard by staff) next, the public form
#: and the command line less, another application through the API least.
CHANNEL_WEIGHTS: Final[dict[str, float]] = {
    "coordinator": 1.0,
    "phone": 0.8,
    "web": 0.6,
    "cli": 0.6,
    "api": 0.5,
}
#: A report's weight halves every HALF_LIFE after it was received.
HALF_LIFE: Final = timedelta(hours=24)
#: The least total weight a status needs to be shown (one public report: about 30 hours;
#: one coordinator's: 48 hours).
MIN_WEIGHT: Final = 0.25
#: Reports older than this are not read at all ("unknown — no report in 30 days").
HORIZON: Final = timedelta(days=30)

Basis = Literal["reports", "registry", "none"]


@dataclass(frozen=True)
class ShownStatus:
    """A shelter's status as shown, with how it was established and when."""

    #: A report status code ("open", "closed", ...) or "unknown".
    code: str
    #: When the newest report behind it was received (or the registry changed); None if
    #: nothing is known.
    at: datetime | None
    #: How many confirmed reports agree with it.
    confirmations: int
    basis: Basis

    def sentence(self, now: datetime) -> str:
        """The status in a sentence, in the language in force ("open — confirmed by 3
        people, 40 minutes ago")."""
        if self.at is None:
            return _without_reports(self.code, current_language())
        status = label(self.code)
        if self.basis == "reports" and self.at is not None:
            return ngettext(
                "%(status)s — confirmed by %(num)s person, %(age)s ago",
                "%(status)s — confirmed by %(num)s people, %(age)s ago",
                self.confirmations,
                status=status,
                age=format_age(self.at, now=now),
            )
        if self.basis == "registry" and self.at is not None:
            return _(
                "%(status)s — as its source states, %(age)s ago",
                status=status,
                age=format_age(self.at, now=now),
            )
        return _(
            "%(status)s — the last report, %(age)s ago, is too old to rely on",
            status=status,
            age=format_age(self.at, now=now),
        )


@functools.lru_cache(maxsize=128)
def _without_reports(code: str, language: str) -> str:
    """The sentence of a status with nothing behind it ("unknown — no report in 30 days",
    most shelters'), in ``language``: worded once per status and language."""
    with use_language(language):
        return ngettext(
            "%(status)s — no report in %(num)s day",
            "%(status)s — no report in %(num)s days",
            HORIZON.days,
            status=label(code),
        )


#: The status of a shelter with no report and no statement from its source.
NOTHING_KNOWN: Final = ShownStatus("unknown", None, 0, "none")


def report_weight(channel: str, received_at: datetime, now: datetime) -> float:
    """How much one confirmed report counts at ``now`` (0 beyond :data:`HORIZON` or for a
    report from the future)."""
    age = now - received_at
    if age > HORIZON:
        return 0.0
    age_s = max(age.total_seconds(), 0.0)
    decay: float = 0.5 ** (age_s / HALF_LIFE.total_seconds())
    return CHANNEL_WEIGHTS.get(channel, 0.0) * decay


def weigh(
    reports: Iterable[tuple[str, str, datetime]],
    now: datetime,
    registry: tuple[str | None, datetime | None] = (None, None),
) -> ShownStatus:
    """The shown status from confirmed reports ``(status, channel, received_at)`` and the
    registry's own statement ``(status, changed_at)``."""
    if not reports and registry[0] is None:
        return NOTHING_KNOWN  # most shelters, at every nearest-shelter answer
    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    newest: dict[str, datetime] = {}
    last: datetime | None = None
    for status, channel, received_at in reports:
        if received_at > now or now - received_at > HORIZON:
            continue
        last = received_at if last is None or received_at > last else last
        totals[status] = totals.get(status, 0.0) + report_weight(channel, received_at, now)
        counts[status] = counts.get(status, 0) + 1
        if status not in newest or received_at > newest[status]:
            newest[status] = received_at
    if totals:
        best = max(totals, key=lambda s: (totals[s], newest[s]))
        if totals[best] >= MIN_WEIGHT:
            return ShownStatus(best, newest[best], counts[best], "reports")
    stated, changed_at = registry
    if stated is not None:
        return ShownStatus(stated, changed_at, 0, "registry")
    return ShownStatus("unknown", last, 0, "none")


def confirmed_reports(
    session: Session, since: datetime
) -> dict[str, list[tuple[str, str, datetime]]]:
    """Every confirmed report received since ``since``, by shelter: (status, channel,
    received_at), for :func:`weigh`."""
    found: dict[str, list[tuple[str, str, datetime]]] = {}
    rows = session.execute(
        select(
            ShelterReport.shelter_id,
            ShelterReport.status,
            ShelterReport.channel,
            ShelterReport.received_at,
        ).where(ShelterReport.state == "confirmed", ShelterReport.received_at >= since)
    )
    for shelter_id, status, channel, received_at in rows:
        found.setdefault(shelter_id, []).append((status, channel, received_at))
    return found


def shown_statuses(
    session: Session, shelter_ids: Iterable[str], now: datetime
) -> dict[str, ShownStatus]:
    """The shown status of each of ``shelter_ids`` (two queries whatever their number)."""
    ids = list(dict.fromkeys(shelter_ids))
    if not ids:
        return {}
    found: dict[str, list[tuple[str, str, datetime]]] = {i: [] for i in ids}
    registry: dict[str, tuple[str | None, datetime | None]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(
            select(
                ShelterReport.shelter_id,
                ShelterReport.status,
                ShelterReport.channel,
                ShelterReport.received_at,
            ).where(
                ShelterReport.shelter_id.in_(chunk),
                ShelterReport.state == "confirmed",
                ShelterReport.received_at >= now - HORIZON,
            )
        )
        for shelter_id, status, channel, received_at in rows:
            found[shelter_id].append((status, channel, received_at))
        for shelter_id, stated, updated_at in session.execute(
            select(Shelter.id, Shelter.registry_status, Shelter.updated_at).where(
                Shelter.id.in_(chunk), Shelter.registry_status.is_not(None)
            )
        ):
            registry[shelter_id] = (stated, updated_at)
    return {i: weigh(found[i], now, registry.get(i, (None, None))) for i in ids}


def shown_status(session: Session, shelter_id: str, now: datetime) -> ShownStatus:
    """The shown status of one shelter at ``now``."""
    return shown_statuses(session, [shelter_id], now)[shelter_id]

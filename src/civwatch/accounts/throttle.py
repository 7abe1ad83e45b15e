"""Slowing down password guessing, with state in the database that every server process
(and machine) shares.

Two brakes:

- **per client address** (:class:`ClientThrottle`): 20 failed sign-ins from one address
  within 10 minutes make that address wait;
- **per account, and per browser its user signed in from before** (a *lane*): two failed
  password checks in a row cost nothing (a typo, a forgotten code); from the third on, each
  pauses the lane twice as long as the one before (1 s, 2 s, 4 s ... up to 15 minutes).
  During a pause the lane's attempts are refused without being checked. A
  browser holding the user's device cookie (:mod:`civwatch.accounts.devices`) is its own
  lane: failures from elsewhere never pause it, its own failures pause it alone. Failures
  are forgotten a day after the last one, and a right password clears its lane.

A check holds its lane (one conditional UPDATE, committed before the password is
verified), so parallel requests cannot each be checked before the first failure is written.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from civwatch.accounts.models import SignInDevice, SignInFailure, User
from civwatch.db import utcnow
from civwatch.errors import TooManyAttemptsError
from civwatch.i18n import ngettext
from civwatch.workspace import Workspace

#: Failures in a row that pause nothing yet; the longest pause; how long failures count.
FREE_FAILURES = 2
MAX_PAUSE = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)
#: A lane is held this long for a password check under way (argon2 takes well under 1 s);
#: the check's end replaces it by the real pause or clears it.
CHECK_HOLD = timedelta(seconds=30)

#: What pauses: an account (attempts from browsers the user never signed in from) or one
#: remembered browser.
Lane = User | SignInDevice


def pause_after(failures: int) -> timedelta:
    """The pause after ``failures`` failed checks in a row: none for the first
    :data:`FREE_FAILURES`, then 1 s, 2 s, 4 s ... at most :data:`MAX_PAUSE`."""
    paused = failures - FREE_FAILURES
    if paused <= 0:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(paused - 1, 20)), MAX_PAUSE)


def hold(session: Session, lane: Lane, now: datetime) -> bool:
    """Take ``lane`` for one password check; False while it is paused (or held by another
    check). Commit before verifying the password, so that other processes see the hold."""
    if isinstance(lane, User):
        statement = update(User).where(
            User.id == lane.id, or_(User.locked_until.is_(None), User.locked_until <= now)
        )
    else:
        statement = update(SignInDevice).where(
            SignInDevice.id_sha256 == lane.id_sha256,
            or_(SignInDevice.locked_until.is_(None), SignInDevice.locked_until <= now),
        )
    taken = session.execute(
        statement.values(locked_until=now + CHECK_HOLD),
        execution_options={"synchronize_session": False},
    )
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def count_failure(lane: Lane, now: datetime) -> None:
    """A failed check on ``lane``: it pauses twice as long as after the previous one."""
    if lane.last_failed_at is None or now - lane.last_failed_at > FORGET_AFTER:
        lane.failed_logins = 0
    lane.failed_logins += 1
    lane.last_failed_at = now
    lane.locked_until = now + pause_after(lane.failed_logins)


def clear(lane: Lane) -> None:
    """A right password: the lane's failures are forgotten."""
    lane.failed_logins = 0
    lane.last_failed_at = None
    lane.locked_until = None


def release(lane: Lane) -> None:
    """The check was no guess (e.g. a right password, but no second factor set up): the
    hold ends, the failures counted stay."""
    lane.locked_until = None


def wait_seconds(until: datetime | None, now: datetime) -> int:
    """Whole seconds from ``now`` until ``until`` (at least 1)."""
    return max(1, int((until - now).total_seconds()) + 1) if until else 1


class ClientThrottle:
    """Refuses a client address after ``limit`` failed sign-ins within ``window``."""

    def __init__(
        self, ws: Workspace, limit: int = 20, window: timedelta = timedelta(minutes=10)
    ) -> None:
        self.ws = ws
        self.limit = limit
        self.window = window

    def check(self, client: str) -> None:
        """Raise :class:`TooManyAttemptsError` when ``client`` must wait."""
        now = utcnow()
        with self.ws.sessions() as session:
            count, first = session.execute(
                select(func.count(), func.min(SignInFailure.at)).where(
                    SignInFailure.client == client[:255], SignInFailure.at > now - self.window
                )
            ).one()
        if count >= self.limit:
            raise TooManyAttemptsError(
                ngettext(
                    "Too many failed sign-ins from this address: try again in %(num)s second.",
                    "Too many failed sign-ins from this address: try again in %(num)s seconds.",
                    wait_seconds(first + self.window, now),
                )
            )

    def failed(self, client: str) -> None:
        """Count a failed sign-in of ``client``; failures older than the window go."""
        now = utcnow()
        with self.ws.sessions() as session, session.begin():
            session.add(SignInFailure(client=client[:255], at=now))
            session.execute(delete(SignInFailure).where(SignInFailure.at <= now - self.window))

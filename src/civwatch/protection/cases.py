"""Cases of the protection desk: safe exit, relocation, protection support.

A case goes intake -> assessment -> plan -> approved -> in progress -> completed; it may
be withdrawn from any open state, suspended and resumed where it stopped, and a plan or an
approval may go one step back. :func:`allowed_moves` is the state machine; every
transition is a row and a protection audit entry.
"""

from __future__ import annotations

from typing import Final

from civwatch.errors import ConflictError
from civwatch.i18n import _
from civwatch.protection.vocabulary import CASE_STATES, label

#: The states a case ends in: nothing moves it out of them.
FINAL_STATES: Final = frozenset({"completed", "withdrawn"})
#: The states a case works through, in order (a suspended case resumes into one of them).
WORKING_STATES: Final = ("intake", "assessment", "plan", "approved", "in-progress")
#: Forward and one-step-back moves between working states.
_MOVES: Final[dict[str, frozenset[str]]] = {
    "intake": frozenset({"assessment"}),
    "assessment": frozenset({"plan"}),
    "plan": frozenset({"approved", "assessment"}),
    "approved": frozenset({"in-progress", "plan"}),
    "in-progress": frozenset({"completed"}),
}


def allowed_moves(state: str, *, suspended_from: str | None = None) -> frozenset[str]:
    """The states a case in ``state`` may move to. A suspended case resumes only into the
    state it was suspended from (``suspended_from``), or is withdrawn."""
    if state in FINAL_STATES:
        return frozenset()
    if state == "suspended":
        back = {suspended_from} if suspended_from in WORKING_STATES else set()
        return frozenset({*back, "withdrawn"})
    return _MOVES[state] | {"withdrawn", "suspended"}


def check_move(state: str, to_state: str, *, suspended_from: str | None = None) -> None:
    """Refuse a move the state machine does not allow, naming both states."""
    if to_state not in CASE_STATES:
        raise ConflictError(
            _(
                "%(state)s is not a state of a case; the states are: %(known)s.",
                state=repr(to_state),
                known=", ".join(CASE_STATES),
            )
        )
    if to_state not in allowed_moves(state, suspended_from=suspended_from):
        raise ConflictError(
            _(
                "A case cannot go from %(from_state)s to %(to_state)s.",
                from_state=label("case-state", state),
                to_state=label("case-state", to_state),
            )
        )

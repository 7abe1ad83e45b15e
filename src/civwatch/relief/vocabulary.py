"""The relief fund's words: purposes of a grant, vetting checks, payment methods, states,
and the ledger's accounts of each fund (Beancount names)."""

from __future__ import annotations

from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.i18n.messages import N_, Message

#: What a grant may pay for, with its expenses account's last component.
PURPOSES: dict[str, str] = {
    "transport": "Transport",
    "accommodation": "Accommodation",
    "documents_visas": "DocumentsVisas",
    "medical": "Medical",
    "subsistence": "Subsistence",
    "security_equipment": "SecurityEquipment",
}
PURPOSE_LABELS = {
    "transport": N_("transport"),
    "accommodation": N_("temporary accommodation"),
    "documents_visas": N_("documents and visas"),
    "medical": N_("medical needs"),
    "subsistence": N_("subsistence on the way"),
    "security_equipment": N_("security equipment"),
}
#: The vetting checks, each needed before approval.
CHECKS = ("identity", "risk", "duplicates", "sanctions", "conflict")
METHODS = ("bank_transfer", "cash", "mobile_money", "voucher")
#: A grant's states.
REQUESTED, APPROVED, RELEASED, PAID, CANCELLED = (
    "requested",
    "approved",
    "released",
    "paid",
    "cancelled",
)
#: How each state reads (translate where shown: :func:`state_label`).
STATE_LABELS = {
    # TRANSLATORS: a relief grant's state, shown in messages such as "Grant X is %(state)s".
    REQUESTED: N_("requested"),
    APPROVED: N_("approved"),
    RELEASED: N_("released"),
    PAID: N_("paid"),
    CANCELLED: N_("cancelled"),
}


def state_label(state: str) -> Message:
    """A grant's state as words of the language in force, rendered again in any other
    (a message's value: "Грант … має стан «виплачено»", never the code ``paid``)."""
    return Message(STATE_LABELS.get(state, state))


def purpose_label(code: str) -> Message:
    """A purpose as words of the language in force (:data:`PURPOSE_LABELS`)."""
    return Message(PURPOSE_LABELS.get(code, code))


#: The acts on a grant that separation of duties keeps apart (one person, one of them).
DUTIES = ("request", "approve", "release", "pay")


def purpose(value: str) -> str:
    """``value`` if it is a purpose of :data:`PURPOSES`; refused otherwise."""
    if value not in PURPOSES:
        raise RejectedInputError(
            _(
                "Unknown purpose %(value)s: one of %(known)s.",
                value=repr(value),
                known=", ".join(PURPOSES),
            )
        )
    return value


def check(value: str) -> str:
    if value not in CHECKS:
        raise RejectedInputError(
            _(
                "Unknown check %(value)s: one of %(known)s.",
                value=repr(value),
                known=", ".join(CHECKS),
            )
        )
    return value


def method(value: str) -> str:
    if value not in METHODS:
        raise RejectedInputError(
            _(
                "Unknown payment method %(value)s: one of %(known)s.",
                value=repr(value),
                known=", ".join(METHODS),
            )
        )
    return value


def fund_part(fund_id: int) -> str:
    """The component naming fund ``fund_id`` in its accounts (``Fund3``)."""
    return f"Fund{fund_id}"


def bank(fund_id: int) -> str:
    return f"Assets:{fund_part(fund_id)}:Bank"


def cash(fund_id: int) -> str:
    return f"Assets:{fund_part(fund_id)}:Cash"


def commitments(fund_id: int) -> str:
    return f"Liabilities:{fund_part(fund_id)}:Commitments"


def payables(fund_id: int) -> str:
    return f"Liabilities:{fund_part(fund_id)}:Payables"


def donations(fund_id: int) -> str:
    return f"Income:{fund_part(fund_id)}:Donations"


def transfers(fund_id: int) -> str:
    return f"Equity:{fund_part(fund_id)}:Transfers"


def expenses(fund_id: int, purpose_code: str) -> str:
    return f"Expenses:{fund_part(fund_id)}:{PURPOSES[purpose_code]}"


def accounts_of(fund_id: int) -> list[str]:
    """Every account of a fund (opened together in an export)."""
    return [
        bank(fund_id),
        cash(fund_id),
        commitments(fund_id),
        payables(fund_id),
        donations(fund_id),
        transfers(fund_id),
        *(expenses(fund_id, p) for p in PURPOSES),
    ]

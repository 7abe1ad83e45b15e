"""The custody acts of field testimony (``custody/entries.py``), in the evidence custody
log. They name the testimony by its row number and the witness by the pseudonymous code
only, the statement by its SHA-256: never a name, contact or place of the witness (reads
of the witness's identity go to the protection audit log, ids only)."""

from __future__ import annotations

from civwatch.custody.entries import (
    NAME,
    ROW_ID,
    SHA256,
    Act,
    Schema,
    nullable,
    one_of,
    register,
)

#: Why a testimony may be used; ``share`` needs a named recipient (a court, a prosecutor,
#: a partner).
PURPOSES = ("investigation", "share", "publish-anonymised", "recontact")
#: Risk flags: the witness is in occupied territory, is a minor, fears reprisal.
FLAGS = ("occupied", "minor", "reprisal")
_CODE: Schema = {"type": "string", "pattern": "^W-[0-9A-Z]{6}$"}
_DATE: Schema = {"type": "string", "format": "date"}

TESTIMONY_RECORD = register(
    Act(
        "testimony-record",
        "A testimony taken down: the witness's code, the statement's SHA-256, when it was "
        "taken, its language, the incidents it concerns, its attachments and risk flags.",
        {
            "testimony": ROW_ID,
            "witness": _CODE,
            "statement_sha256": SHA256,
            "taken_at": {"type": "string", "format": "date-time"},
            "language": NAME,
            "incidents": {"type": "array", "items": ROW_ID},
            "attachments": {"type": "array", "items": SHA256},
            "flags": {"type": "array", "items": one_of(FLAGS)},
        },
    )
)
TESTIMONY_CONSENT = register(
    Act(
        "testimony-consent",
        "Consent for a purpose of a testimony given (on a date) or withdrawn.",
        {
            "testimony": ROW_ID,
            "consent": ROW_ID,
            "what": one_of(("give", "withdraw")),
            "purpose": one_of(PURPOSES),
            "recipient": nullable(NAME),
            "given_on": _DATE,
        },
    )
)
TESTIMONY_FLAGS = register(
    Act(
        "testimony-flags",
        "The risk flags of a testimony changed.",
        {"testimony": ROW_ID, "flags": {"type": "array", "items": one_of(FLAGS)}},
    )
)
WITNESS_SHRED = register(
    Act(
        "witness-shred",
        "A witness's identity destroyed (crypto-shredding): their code stays on their "
        "testimonies, nothing of who they are opens again.",
        {"witness": _CODE},
    )
)

TESTIMONY_DISCLOSURE = register(
    Act(
        "testimony-disclosure",
        "A decision that the witness's identity goes to a named court or prosecutor: "
        "proposed (with the reason's SHA-256), approved by a second person, or revoked.",
        {
            "testimony": ROW_ID,
            "disclosure": ROW_ID,
            "what": one_of(("propose", "approve", "revoke")),
            "recipient": NAME,
            "reason_sha256": SHA256,
        },
    )
)
TESTIMONY_QUOTE = register(
    Act(
        "testimony-quote",
        "An excerpt of a statement marked for anonymised publication (by its SHA-256), or "
        "taken back.",
        {
            "testimony": ROW_ID,
            "quote": ROW_ID,
            "what": one_of(("mark", "withdraw")),
            "excerpt_sha256": SHA256,
        },
    )
)

ACTS = (
    TESTIMONY_RECORD,
    TESTIMONY_CONSENT,
    TESTIMONY_FLAGS,
    WITNESS_SHRED,
    TESTIMONY_DISCLOSURE,
    TESTIMONY_QUOTE,
)

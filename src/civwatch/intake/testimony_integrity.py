"""What ``civwatch verify`` checks of field testimony: each testimony, consent, disclosure
decision and quote against the entries that recorded it (a row has one entry per step: given
and withdrawn, proposed, approved and revoked...), the risk flags against the latest entry that
set them, and a witness's identity destroyed where an entry says so. The statement, a
decision's reason and a quote are in the entries by their SHA-256 only."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, cast, func, literal, select, union_all

from civwatch.accounts.service import username_of
from civwatch.custody.bindings import (
    AnySelect,
    Binding,
    Declarations,
    Entry,
    LogState,
    Row,
    as_json,
    fields,
)
from civwatch.i18n import _
from civwatch.intake.testimony_acts import (
    TESTIMONY_CONSENT,
    TESTIMONY_DISCLOSURE,
    TESTIMONY_FLAGS,
    TESTIMONY_QUOTE,
    TESTIMONY_RECORD,
    WITNESS_SHRED,
)
from civwatch.intake.testimony_models import (
    Testimony,
    TestimonyAttachment,
    TestimonyConsent,
    TestimonyDisclosure,
    TestimonyIncident,
    TestimonyQuote,
    TestimonyWitness,
)

_WHO_WHEN = (("actor", "actor"), ("at", "at", "time"))


def _listed(column: Any, owner: Any) -> Any:
    """The values of ``column`` of the testimony's rows, joined by commas (any order)."""
    return (
        select(func.aggregate_strings(cast(column, String), ","))
        .where(owner == Testimony.id)
        .scalar_subquery()
    )


def _testimonies() -> AnySelect:
    t = Testimony
    return select(
        t.id.label("id"),
        t.custody_leaf.label("leaf"),
        t.id.label("testimony"),
        select(TestimonyWitness.code)
        .where(TestimonyWitness.id == t.witness_id)
        .scalar_subquery()
        .label("witness"),
        t.statement.label("statement"),
        t.taken_at.label("taken_at"),
        t.language.label("language"),
        _listed(TestimonyIncident.incident_id, TestimonyIncident.testimony_id).label("incidents"),
        _listed(TestimonyAttachment.sha256, TestimonyAttachment.testimony_id).label("attachments"),
        username_of(t.interviewer_id).label("actor"),
        t.created_at.label("at"),
    )


def _split(value: Any) -> list[str]:
    return sorted(str(v) for v in str(value).split(",")) if value else []


def _sha(text: Any) -> str:
    return hashlib.sha256(str(text).encode()).hexdigest()


def _testimony_check(row: Row, entry: Entry) -> Iterable[str]:
    if _sha(row["statement"]) != entry.get("statement_sha256"):
        yield _("The statement differs from the one its custody entry recorded.")
    if _split(row["incidents"]) != sorted(str(i) for i in entry.get("incidents") or []):
        yield _("The incidents differ from those its custody entry recorded.")
    if _split(row["attachments"]) != sorted(entry.get("attachments") or []):
        yield _("The attachments differ from those its custody entry recorded.")


#: A step of a record: what it is, and the columns of its entry's index, actor and time.
Step = tuple[str, Any, Any, Any]


def _steps(model: Any, name: str, columns: list[Any], first: Step, *later: Step) -> AnySelect:
    """One row per step of a ``model`` record of a testimony (each recorded by its own
    entry: the first always, each later one where its entry exists), as one SELECT; the
    record's id is also labelled ``name``, as its entries name it."""

    def step(what: str, leaf: Any, actor: Any, at: Any) -> AnySelect:
        return select(
            model.id.label("id"),
            leaf.label("leaf"),
            model.testimony_id.label("testimony"),
            model.id.label(name),
            literal(what).label("what"),
            *columns,
            username_of(actor).label("actor"),
            at.label("at"),
        )

    selects = [step(*first), *(step(*s).where(s[1].is_not(None)) for s in later)]
    steps = union_all(*selects).subquery()
    return select(*(c.label(c.name) for c in steps.c))


def _consents() -> AnySelect:
    c = TestimonyConsent
    return _steps(
        c,
        "consent",
        [
            c.purpose.label("purpose"),
            c.recipient.label("recipient"),
            cast(c.given_on, String).label("given_on"),
        ],
        ("give", c.custody_leaf, c.recorded_by, c.recorded_at),
        ("withdraw", c.withdraw_leaf, c.withdrawn_by, c.withdrawn_at),
    )


def _disclosures() -> AnySelect:
    d = TestimonyDisclosure
    return _steps(
        d,
        "disclosure",
        [d.recipient.label("recipient"), d.reason.label("text")],
        ("propose", d.custody_leaf, d.decided_by, d.decided_at),
        ("approve", d.approve_leaf, d.approved_by, d.approved_at),
        ("revoke", d.revoke_leaf, d.revoked_by, d.revoked_at),
    )


def _quotes() -> AnySelect:
    q = TestimonyQuote
    return _steps(
        q,
        "quote",
        [q.excerpt.label("text")],
        ("mark", q.custody_leaf, q.marked_by, q.marked_at),
        ("withdraw", q.withdraw_leaf, q.withdrawn_by, q.withdrawn_at),
    )


def _text_is(key: str) -> Any:
    def check(row: Row, entry: Entry) -> Iterable[str]:
        if _sha(row["text"]) != entry.get(key):
            yield _("The text differs from the one its custody entry recorded.")

    return check


def _flags(value: Any) -> tuple[str, ...]:
    found = as_json(value)
    return tuple(found) if isinstance(found, list) else ("?",)


def declarations() -> Declarations:
    """Field testimony's bindings."""
    return Declarations(
        bindings=[
            Binding(
                table="testimony",
                stage="testimonies",
                acts=(TESTIMONY_RECORD.name,),
                query=_testimonies,
                fields=fields(
                    ("testimony", "testimony", "number"),
                    "witness",
                    ("taken_at", "taken_at", "time"),
                    "language",
                    *_WHO_WHEN,
                ),
                check=_testimony_check,
            ),
            Binding(
                table="testimony_consent",
                stage="testimony consents",
                acts=(TESTIMONY_CONSENT.name,),
                query=_consents,
                fields=fields(
                    ("testimony", "testimony", "number"),
                    ("consent", "consent", "number"),
                    "what",
                    "purpose",
                    "recipient",
                    "given_on",
                    *_WHO_WHEN,
                ),
            ),
            Binding(
                table="testimony_disclosure",
                stage="witness identity disclosures",
                acts=(TESTIMONY_DISCLOSURE.name,),
                query=_disclosures,
                fields=fields(
                    ("testimony", "testimony", "number"),
                    ("disclosure", "disclosure", "number"),
                    "what",
                    "recipient",
                    *_WHO_WHEN,
                ),
                check=_text_is("reason_sha256"),
            ),
            Binding(
                table="testimony_quote",
                stage="testimony quotes",
                acts=(TESTIMONY_QUOTE.name,),
                query=_quotes,
                fields=fields(
                    ("testimony", "testimony", "number"),
                    ("quote", "quote", "number"),
                    "what",
                    *_WHO_WHEN,
                ),
                check=_text_is("excerpt_sha256"),
            ),
        ],
        states=[
            LogState(
                table="testimony",
                what="risk flags",
                acts=(TESTIMONY_RECORD.name, TESTIMONY_FLAGS.name),
                changes=lambda e: [(e.get("testimony"), tuple(e.get("flags") or ()))],
                query=lambda: select(Testimony.id.label("id"), Testimony.flags.label("flags")),
                row_value=lambda row: (row["id"], _flags(row["flags"])),
            ),
            LogState(
                table="testimony_witness",
                what="identity destroyed",
                acts=(WITNESS_SHRED.name,),
                changes=lambda e: [(e.get("witness"), True)],
                query=lambda: select(
                    TestimonyWitness.code.label("id"),
                    TestimonyWitness.deleted_at.is_not(None).label("shredded"),
                ),
                row_value=lambda row: (row["id"], bool(row["shredded"])),
                default=False,
            ),
        ],
    )

"""The campaigns' acts in the custody log (``custody/entries.py``): a campaign created,
published, closed, its targets imported, delivered to its targets, and its supporters' data
purged. Ids, counts and hashes only: never a supporter's name, e-mail or words."""

from __future__ import annotations

from civwatch.custody.entries import Act, Actor, Schema, one_of, register

_ID: Schema = {"type": "integer", "minimum": 1}
_COUNT: Schema = {"type": "integer", "minimum": 0}
_SHA256: Schema = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

CAMPAIGN_CREATE = register(
    Act(
        "campaign-create",
        "A campaign created as a draft: its id, kind (petition or letter) and the SHA-256 "
        "of its text (title, summary, ask, letter).",
        {"campaign": _ID, "kind": one_of(("petition", "letter")), "doc_sha256": _SHA256},
    )
)
CAMPAIGN_PUBLISH = register(
    Act(
        "campaign-publish",
        "A campaign made live by a publisher: the SHA-256 of its text, the incidents it "
        "links and its number of targets.",
        {
            "campaign": _ID,
            "doc_sha256": _SHA256,
            "incidents": {"type": "array", "items": _ID},
            "targets": _COUNT,
        },
    )
)
CAMPAIGN_CLOSE = register(
    Act(
        "campaign-close",
        "A campaign closed by a publisher, with its count of confirmed actions.",
        {"campaign": _ID, "count": _COUNT},
    )
)
CAMPAIGN_TARGETS = register(
    Act(
        "campaign-targets-import",
        "A campaign's list of targets replaced from a CSV file: the file's SHA-256 and the "
        "number of targets.",
        {"campaign": _ID, "sha256": _SHA256, "targets": _COUNT},
    )
)
CAMPAIGN_DELIVER = register(
    Act(
        "campaign-deliver",
        "A campaign's delivery document made for its targets: the count it carries, how "
        "many supporters it names (each agreed), its language and the PDF's SHA-256.",
        {
            "campaign": _ID,
            "count": _COUNT,
            "named": _COUNT,
            "language": {"type": "string", "pattern": "^[a-z]{2,3}$"},
            "sha256": _SHA256,
        },
    )
)
CAMPAIGN_PURGE = register(
    Act(
        "campaign-purge",
        "Supporters' data destroyed (their keys shredded): the campaign, how many actions, "
        "and why (the retention period ended, a request, or actions never confirmed within "
        "their link's validity).",
        {
            "campaign": _ID,
            "actions": _COUNT,
            "reason": one_of(("retention", "request", "unconfirmed")),
        },
        actor=Actor.PERSON_OR_NONE,
    )
)

ACTS: tuple[Act, ...] = (
    CAMPAIGN_CREATE,
    CAMPAIGN_PUBLISH,
    CAMPAIGN_CLOSE,
    CAMPAIGN_TARGETS,
    CAMPAIGN_DELIVER,
    CAMPAIGN_PURGE,
)

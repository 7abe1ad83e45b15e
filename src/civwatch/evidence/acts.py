"""The custody acts of the evidence domain: what its entries hold (``custody/entries.py``).

Layout 1 of ``ingest`` and ``sighting`` named the actor ``collected_by`` and the time
``collected_at``; that of ``unpack`` named the actor ``by``; ``extract``, ``hash`` and
``match`` had no actor. Layout 2 is the one layout of every act; entries written before
keep layout 1.
"""

from __future__ import annotations

from civwatch.custody.entries import (
    COUNT,
    NAME,
    SHA256,
    TEXT,
    TIME,
    Act,
    Actor,
    Layout,
    Schema,
    nullable,
    one_of,
    register,
)

#: Where an item was seen, as the collector states it (claims, not verified facts).
SOURCE: Schema = {
    "type": "object",
    "properties": {
        "url": nullable(TEXT),
        "platform": nullable(TEXT),
        "account": nullable(TEXT),
        "post_id": nullable(TEXT),
        "caption": nullable(TEXT),
        "published_at": nullable(TIME),
    },
    "required": ["url", "platform", "account", "post_id", "caption", "published_at"],
    "additionalProperties": False,
}
_SIGHTING: dict[str, Schema] = {
    "sha256": SHA256,
    "original_name": TEXT,
    "source": SOURCE,
    "fingerprint": SHA256,
}
_FILE: dict[str, Schema] = {"size": {"type": "integer", "minimum": 1}, "media_type": NAME}
_COLLECTED: dict[str, Schema] = {"collected_by": TEXT, "collected_at": TIME}
_COLLECTED_AS = {"collected_by": "actor", "collected_at": "at"}

INGEST = register(
    Act(
        "ingest",
        "A file stored as evidence for the first time: its content (SHA-256, size, media "
        "type), the name it had, where the collector says it was seen, and who collected it.",
        {**_FILE, **_SIGHTING},
        version=2,
        packaged=True,
        older=(
            Layout(
                1,
                {**_FILE, **_SIGHTING, **_COLLECTED},
                tuple([*_FILE, *_SIGHTING, *_COLLECTED]),
                _COLLECTED_AS,
            ),
        ),
    )
)
SIGHTING = register(
    Act(
        "sighting",
        "A file already held, collected again (another name, source or collector).",
        _SIGHTING,
        version=2,
        packaged=True,
        older=(
            Layout(1, {**_SIGHTING, **_COLLECTED}, tuple([*_SIGHTING, *_COLLECTED]), _COLLECTED_AS),
        ),
    )
)
_EXTRACT: dict[str, Schema] = {"sha256": SHA256, "extractor": TEXT, "metadata_sha256": SHA256}
EXTRACT = register(
    Act(
        "extract",
        "The metadata civwatch extracted from a new item (exiftool, structure, C2PA), by "
        "the SHA-256 of its canonical JSON.",
        _EXTRACT,
        version=2,
        actor=Actor.CIVWATCH,
        packaged=True,
        older=(Layout(1, {**_EXTRACT, "at": TIME}, (*_EXTRACT, "at")),),
    )
)
_HASH: dict[str, Schema] = {
    "sha256": SHA256,
    "algorithm": NAME,
    "version": TEXT,
    "status": one_of(("hashed", "unhashable", "not-media")),
    "reason": nullable(TEXT),
    "count": COUNT,
    "hashes_sha256": SHA256,
}
HASH = register(
    Act(
        "hash",
        "The perceptual hashes civwatch made of an item (or why it could make none), by "
        "their count and digest.",
        _HASH,
        version=2,
        actor=Actor.CIVWATCH,
        packaged=True,
        older=(Layout(1, {**_HASH, "at": TIME}, (*_HASH, "at")),),
    )
)
_MATCH: dict[str, Schema] = {
    "sha256": SHA256,
    "other": SHA256,
    "distance": nullable({"type": "integer", "minimum": 0}),
    "transform": nullable(TEXT),
    "method": NAME,
}
MATCH = register(
    Act(
        "match",
        "An item found to be a copy of another held item (distance, transform, method).",
        _MATCH,
        version=2,
        actor=Actor.CIVWATCH,
        packaged=True,
        older=(Layout(1, {**_MATCH, "at": TIME}, (*_MATCH, "at")),),
    )
)
_UNPACK: dict[str, Schema] = {"sha256": SHA256, "written": COUNT, "refused": COUNT}
UNPACK = register(
    Act(
        "unpack",
        "An archive held as evidence unpacked to a folder: how many files were written and "
        "how many refused.",
        _UNPACK,
        version=2,
        packaged=True,
        older=(
            Layout(1, {**_UNPACK, "by": TEXT, "at": TIME}, (*_UNPACK, "by", "at"), {"by": "actor"}),
        ),
    )
)

#: The evidence domain's acts.
ACTS = (INGEST, SIGHTING, EXTRACT, HASH, MATCH, UNPACK)

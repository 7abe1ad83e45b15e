"""``civwatch verify``: prove the vault, the evidence records and the custody log agree.

Every blob is re-hashed, every item and sighting is compared with the custody entry that
recorded it, every recorded ingest must still have its item, and the log itself is
checked against its signed tree heads. Each problem names the item or entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.errors import CivwatchError
from civwatch.evidence.ingest import metadata_digest
from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.workspace import Workspace

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Problem:
    """Something that does not match: ``target`` names the item, sighting or entry."""

    target: str
    message: str

    def __str__(self) -> str:
        return f"{self.target}: {self.message}"


def _entry(ws: Workspace, session: Session, leaf: int | None) -> dict[str, Any] | None:
    if leaf is None:
        return None
    for _index, raw in ws.custody.entries(session, leaf, leaf + 1):
        try:
            doc = json.loads(raw)
        except ValueError:
            return None
        return doc if isinstance(doc, dict) else None
    return None


def _check_item(ws: Workspace, session: Session, item: EvidenceItem) -> list[Problem]:
    target = f"item {item.sha256}"
    problems: list[Problem] = []
    entry = _entry(ws, session, item.ingest_leaf)
    if entry is None or entry.get("act") != "ingest":
        return [Problem(target, f"custody entry {item.ingest_leaf} is not its ingest record")]
    recorded = {
        "sha256": item.sha256,
        "size": item.size,
        "media_type": item.media_type,
        "original_name": item.original_name,
        "collected_by": item.collected_by,
        "collected_at": item.collected_at.isoformat(timespec="microseconds"),
    }
    for key, value in recorded.items():
        if entry.get(key) != value:
            problems.append(
                Problem(
                    target,
                    f"{key} in the database ({value!r}) differs from "
                    f"custody entry {item.ingest_leaf} ({entry.get(key)!r})",
                )
            )
    extraction = _entry(ws, session, item.extraction_leaf)
    if item.extraction_leaf is not None:
        digest = metadata_digest(item.metadata_, item.exiftool, item.c2pa, item.warnings)
        if extraction is None or extraction.get("metadata_sha256") != digest:
            problems.append(
                Problem(
                    target,
                    "extracted metadata differs from what custody entry "
                    f"{item.extraction_leaf} recorded",
                )
            )
    return problems


def _check_sighting(ws: Workspace, session: Session, s: Sighting, sha256: str) -> list[Problem]:
    entry = _entry(ws, session, s.custody_leaf)
    target = f"sighting {s.id} of item {sha256}"
    if entry is None or entry.get("act") not in ("ingest", "sighting"):
        return [Problem(target, f"custody entry {s.custody_leaf} is not its record")]
    source = entry.get("source") or {}
    recorded = {
        "sha256": (entry.get("sha256"), sha256),
        "fingerprint": (entry.get("fingerprint"), s.fingerprint),
        "collected_by": (entry.get("collected_by"), s.collected_by),
        "original_name": (entry.get("original_name"), s.original_name),
        "source url": (source.get("url"), s.source_url),
        "platform": (source.get("platform"), s.platform),
        "account": (source.get("account"), s.account),
        "post id": (source.get("post_id"), s.post_id),
        "caption": (source.get("caption"), s.caption),
    }
    return [
        Problem(
            target,
            f"{key} in the database ({db!r}) differs from custody entry "
            f"{s.custody_leaf} ({logged!r})",
        )
        for key, (logged, db) in recorded.items()
        if logged != db
    ]


def verify_workspace(
    ws: Workspace, *, rehash: bool = True, progress: Progress | None = None
) -> list[Problem]:
    """Everything that does not match; an empty list means all is sound."""
    problems: list[Problem] = []
    public_key = ws.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    with ws.sessions() as session:

        def log_progress(done: int, total: int) -> None:
            if progress:
                progress("custody log", done, total)

        problems += [
            Problem("custody log", msg)
            for msg in ws.custody.verify(session, public_key, log_progress)
        ]

        items = session.scalars(select(EvidenceItem).order_by(EvidenceItem.id)).all()
        known = {item.sha256 for item in items}
        for n, item in enumerate(items, 1):
            if rehash:
                try:
                    actual = ws.vault.rehash(item.sha256)
                except CivwatchError as exc:
                    problems.append(Problem(f"item {item.sha256}", exc.message))
                else:
                    if actual != item.sha256:
                        problems.append(
                            Problem(
                                f"item {item.sha256}",
                                f"the stored blob has changed: it now hashes to {actual}",
                            )
                        )
            problems += _check_item(ws, session, item)
            for s in item.sightings:
                problems += _check_sighting(ws, session, s, item.sha256)
            if progress:
                progress("evidence", n, len(items))

        size = ws.custody.size(session)
        for index, raw in ws.custody.entries(session, 0, size):
            try:
                doc = json.loads(raw)
            except ValueError:
                continue  # the log check above already names unreadable entries
            if (
                isinstance(doc, dict)
                and doc.get("act") == "ingest"
                and doc.get("sha256") not in known
            ):
                problems.append(
                    Problem(
                        f"custody entry {index}",
                        f"records the ingest of {doc.get('sha256')}, "
                        "but that item is missing from the database",
                    )
                )
    return problems

"""Evidence recorded as civwatch recorded it before the one custody entry layout (layout 1
of ``ingest``, ``sighting`` and ``extract``): the log is append-only, so data folders keep
such entries, and every reader must still accept and check them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from civwatch.db import utcnow
from civwatch.evidence.ingest import SourceInfo, metadata_digest, sighting_fingerprint
from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.workspace import Workspace
from tests.support.files import photo


def ingest_as_layout_1(
    ws: Workspace, folder: Path, *, seed: int = 7, collectors: tuple[str, ...] = ("olena", "taras")
) -> str:
    """Ingest a photo (collected by the first of ``collectors``, sighted again by the
    others) as civwatch did before the one entry layout: the ingest and sighting entries
    name the collector ``collected_by`` and the time ``collected_at``, the extract entry
    names no actor. Returns the photo's SHA-256."""
    folder.mkdir(parents=True, exist_ok=True)
    path = photo(folder / "old.jpg", seed=seed)
    with path.open("rb") as f:
        blob = ws.vault.put(f, max_size=ws.settings.max_file_size)
    sha, source = blob.sha256, SourceInfo(caption="seen before")
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        now = utcnow()
        seen: dict[str, dict[str, Any]] = {}
        for collector in collectors:
            fingerprint = sighting_fingerprint(sha, "old.jpg", "old.jpg", collector, source)
            seen[collector] = {
                "sha256": sha,
                "original_name": "old.jpg",
                "collected_at": now.isoformat(timespec="microseconds"),
                "collected_by": collector,
                "source": source.as_entry(),
                "fingerprint": fingerprint,
            }
        first, *others = collectors
        ingest, extract, *again = ws.custody.append(
            session,
            [
                {"v": 1, "act": "ingest", "size": blob.size, "media_type": "image/jpeg"}
                | seen[first],
                {
                    "v": 1,
                    "act": "extract",
                    "sha256": sha,
                    "at": now.isoformat(timespec="microseconds"),
                    "extractor": "exiftool",
                    "metadata_sha256": metadata_digest({}, {}, None, []),
                },
                *({"v": 1, "act": "sighting"} | seen[other] for other in others),
            ],
        )
        item = EvidenceItem(
            sha256=sha,
            size=blob.size,
            media_type="image/jpeg",
            original_name="old.jpg",
            collected_at=now,
            collected_by=first,
            metadata_={},
            exiftool={},
            c2pa=None,
            warnings=[],
            ingest_leaf=ingest,
            extraction_leaf=extract,
        )
        session.add(item)
        session.flush()
        for collector, leaf in zip(collectors, (ingest, *again), strict=True):
            session.add(
                Sighting(
                    item_id=item.id,
                    collected_at=now,
                    collected_by=collector,
                    original_name="old.jpg",
                    caption="seen before",
                    fingerprint=seen[collector]["fingerprint"],
                    custody_leaf=leaf,
                )
            )
    return sha

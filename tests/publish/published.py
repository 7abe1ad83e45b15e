"""Published incidents for tests of public outputs, one of them with every internal field
filled with a marker string that no public page, feed or export may ever show.

Use :func:`marked_incident` for the marker test and :func:`published_incident` for more
published incidents; both go through the real workflow (evidence verified and reviewed,
incident verified by two people, published by a publisher). Users: the ``team`` fixture
of tests/incidents/helpers.py (ivan investigator, vera and viktor verifiers, pat publisher).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.internal_fields import add_witness, set_internal_notes
from civwatch.incidents.service import create_incident, link_evidence
from civwatch.incidents.verification import add_record, review_item, set_item_status
from civwatch.incidents.workflow import review_incident, set_incident_status
from civwatch.publish.publication import publish_incident
from civwatch.workspace import Workspace
from tests.incidents.helpers import incident_doc
from tests.support.files import photo

#: Appears in every internal field of the marked incident; must never be public.
MARKER = "QX7MARKERZQ"
#: The exact point of the marked incident (shown publicly at settlement precision only).
EXACT = (49.987654, 36.254321)
#: Texts of the exact point as any output might print it.
EXACT_TEXTS = ("49.987654", "36.254321", "49.98765", "36.25432", "49.9877", "36.2543")


@dataclass
class Marked:
    """The marked incident: its id, its evidence item and the texts that must not leak."""

    incident_id: int
    sha256: str
    secrets: list[str] = field(default_factory=list)


def _ingest(ws: Workspace, folder: Path, seed: int, source: SourceInfo, collector: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = photo(folder / f"pub{seed}.jpg", lat=EXACT[0], lon=EXACT[1], seed=seed)
    (outcome,) = Ingest(ws, source=source, collector=collector).run([Candidate(path, path.name)])
    assert outcome.sha256 is not None, outcome
    return outcome.sha256


def verified_item(ws: Workspace, folder: Path, *, seed: int = 1, marker: str = "") -> str:
    """An evidence item, verified and reviewed; with ``marker`` in every internal field."""
    m = marker
    source = SourceInfo(
        url=f"https://t.me/{m or 'channel'}/1" if m else None,
        platform=f"Telegram {m}" if m else None,
        account=f"account-{m}" if m else None,
        post_id=f"post-{m}" if m else None,
        caption=f"Caption of the item {m}" if m else None,
    )
    sha = _ingest(ws, folder, seed, source, collector=f"collector-{m}" if m else "test")
    add_record(
        ws,
        sha,
        "geolocation",
        {
            "claimed_place": f"Street of the witness {m}",
            "lat": EXACT[0],
            "lon": EXACT[1],
            "precision_m": 30,
            "method": f"matched facade to satellite imagery {m}",
            "references": [f"satellite image {m}"],
            "confidence": "high",
            "notes": f"geolocation notes {m}",
        },
        actor="ivan",
    )
    add_record(
        ws,
        sha,
        "source",
        {
            "account": f"source account {m}",
            "platform": "Telegram",
            "url": f"https://example.org/{m or 'post'}",
            "reliability": "usually_reliable",
            "notes": f"source notes {m}",
        },
        actor="ivan",
    )
    add_record(
        ws,
        sha,
        "chronolocation",
        {
            "claimed_time": "2022-03-09T14:00:00+03:00",
            "window_start": "2022-03-09T10:30:00+00:00",
            "window_end": "2022-03-09T11:30:00+00:00",
            "method": f"shadow bearing {m}",
            "notes": f"chronolocation notes {m}",
        },
        actor="ivan",
    )
    set_item_status(ws, sha, "verified", actor="ivan")
    review_item(ws, sha, "approve", actor="vera", reason=f"review reason {m}" if m else None)
    return sha


def publish(ws: Workspace, incident_id: int, sha256: str, *, note: str = "") -> None:
    """Link a verified item, verify the incident (two people) and publish it."""
    set_incident_status(ws, incident_id, "under_verification", actor="ivan")
    link_evidence(ws, incident_id, sha256, role="primary", actor="ivan")
    set_incident_status(ws, incident_id, "verified", actor="viktor")
    review_incident(ws, incident_id, "approve", actor="vera")
    publish_incident(ws, incident_id, actor="pat", note=note or None)


def published_incident(ws: Workspace, places: Gazetteer, sha256: str, **doc: Any) -> int:
    """A published incident (``doc`` overrides the fields of the usual test incident)."""
    incident = create_incident(ws, incident_doc(**doc), actor="ivan", places=places)
    publish(ws, incident["id"], sha256)
    return int(incident["id"])


def marked_incident(ws: Workspace, places: Gazetteer, folder: Path) -> Marked:
    """A published incident whose internal fields all hold :data:`MARKER`."""
    sha = verified_item(ws, folder, seed=7, marker=MARKER)
    incident = create_incident(
        ws,
        incident_doc(
            title="Strike on a school in Kharkiv",
            narrative="A missile hit a school in the afternoon.",
            lat=EXACT[0],
            lon=EXACT[1],
            casualties={
                "killed": {"min": 1, "max": 3, "source": "Regional administration"},
                "injured": {"min": 4, "max": 9, "source": "Hospital"},
            },
            perpetrator="Russian Armed Forces",
            perpetrator_confidence="likely",
            ihl_concerns=["protected object"],
            objects=["school"],
        ),
        actor="ivan",
        places=places,
    )
    inc = int(incident["id"])
    set_internal_notes(ws, inc, f"internal notes {MARKER}", actor="ivan")
    add_witness(
        ws,
        inc,
        f"Witness {MARKER}",
        contact=f"+380 {MARKER}",
        lat=49.911111,
        lon=36.311111,
        note=f"lives near the school {MARKER}",
        actor="ivan",
    )
    set_incident_status(ws, inc, "under_verification", actor="ivan")
    link_evidence(ws, inc, sha, role="primary", note=f"link note {MARKER}", actor="ivan")
    set_incident_status(ws, inc, "verified", actor="viktor")
    review_incident(ws, inc, "approve", actor="vera")
    publish_incident(ws, inc, actor="pat")
    return Marked(
        inc,
        sha,
        [MARKER, *EXACT_TEXTS, "49.91111", "36.31111"],
    )

"""The answers of the evidence routes of /api/v1: items, their verification and the
incidents suggested for them, custody entries and proofs, and redactions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from civwatch.incidents import vocabulary as vocab
from civwatch.web.answers import Answer
from civwatch.web.answers_incidents import IncidentSummary, Transition

# --- evidence items -----------------------------------------------------------------------------


class ItemCustody(Answer):
    """Where the item's ingest and metadata extraction are in the custody log."""

    ingest_leaf: int
    extraction_leaf: int | None = Field(description="None: extracted before it was logged")


class ItemSummary(Answer):
    """An evidence item in a list."""

    sha256: str
    size: int = Field(description="Bytes")
    media_type: str
    original_name: str
    collected_at: str = Field(description="ISO 8601")
    collected_by: str
    warnings: list[str] = Field(description="What ingest found odd about the file")
    custody: ItemCustody
    sighting_count: int


class ItemPage(Answer):
    """A page of evidence items, newest first."""

    total: int = Field(description="Matching items, counted up to a cap")
    total_is_lower_bound: bool = Field(description="True when more match than the cap")
    items: list[ItemSummary]
    next_cursor: str | None = Field(description="Send as cursor for the next page")


class Sighting(Answer):
    """Where and when the item was seen or collected."""

    collected_at: str = Field(description="ISO 8601")
    collected_by: str
    original_name: str
    source_url: str | None
    platform: str | None
    account: str | None
    post_id: str | None
    caption: str | None
    published_at: str | None = Field(description="ISO 8601, as the source said")
    custody_leaf: int


class FirstSighting(Sighting):
    """The earliest sighting of any copy of the item."""

    sha256: str = Field(description="The copy seen")
    seen_at: str = Field(description="ISO 8601")
    seen_by: str = Field(description="'published' (the source's time) or 'collected'")


class Copies(Answer):
    """Other items whose media match this one."""

    count: int
    first_seen: FirstSighting | None


class ItemMetadata(Answer):
    """The item's metadata: the few fields read from the file (None when it does not tell
    them), and the extractors' own documents."""

    captured_at: str | None = None
    captured_at_is_local: bool | None = Field(
        default=None, description="True: a local time without zone, as the file gave it"
    )
    gps_lat: float | None = None
    gps_lon: float | None = None
    gps_alt: float | None = None
    device_make: str | None = None
    device_model: str | None = None
    software: str | None = None
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    orientation: int | None = Field(default=None, description="EXIF orientation, 1 to 8")
    # exiftool's and c2patool's documents are open: their keys are whatever tags the file
    # holds (e.g. "EXIF:Make"), so they stay free JSON objects
    exiftool: dict[str, Any] = Field(description="exiftool -json -n -G1, as it reported")
    c2pa: dict[str, Any] | None = Field(description="The C2PA manifest store, if any")


class ItemCapture(Answer):
    """A web capture that stored the item: the page it was captured from."""

    id: int
    url: str = Field(description="The address asked for")
    final_url: str = Field(description="The address after redirects")
    http_status: int | None = Field(description="The page's HTTP status (None: not known)")
    captured_at: str = Field(description="ISO 8601")
    kind: Literal["wacz", "screenshot", "html", "media"] = Field(
        description="What the item is in that capture"
    )
    page: str = Field(description="The capture's page")
    api: str = Field(description="The capture on the API")


class CaptureItem(Answer):
    """An item a web capture stored."""

    sha256: str
    kind: Literal["wacz", "screenshot", "html", "media"]
    url: str | None = Field(description="The address it came from (media, HTML)")
    status: str = Field(description="'ingested' (new) or 'duplicate' (already held)")


class CaptureView(Answer):
    """A web capture as its record and its custody entry hold it."""

    capture_id: int
    url: str = Field(description="The address asked for")
    final_url: str = Field(description="The address after redirects")
    http_status: int | None = Field(description="The page's HTTP status (None: not known)")
    captured_at: str = Field(description="ISO 8601")
    title: str | None = Field(description="The page's title (a label, not in the entry)")
    browser: str = Field(description="The capturing browser and its version")
    certificate_sha256: str | None = Field(
        description="SHA-256 of the DER of the server's TLS certificate (None over http)"
    )
    items: list[CaptureItem]
    warnings: list[str] = Field(description="In English, as the custody entry holds them")
    warning_messages: list[dict[str, Any]] = Field(
        description="The same warnings as messages with their values"
    )
    captured_by: str
    custody_index: int = Field(description="The capture's web-capture custody entry")
    job_id: int | None = Field(description="The job that made it")
    page: str = Field(description="The capture's page")
    api: str = Field(description="This capture on the API")


class ItemView(Answer):
    """An evidence item with its sightings, metadata and copies, and the web captures
    that stored it."""

    sha256: str
    size: int = Field(description="Bytes")
    media_type: str
    original_name: str
    collected_at: str = Field(description="ISO 8601")
    collected_by: str
    warnings: list[str]
    custody: ItemCustody
    sightings: list[Sighting]
    metadata: ItemMetadata
    copies: Copies
    captures: list[ItemCapture] = Field(
        default_factory=list, description="The web captures that stored it, oldest first"
    )


# --- verification -------------------------------------------------------------------------------


class RecordView(Answer):
    """A verification record of an evidence item."""

    id: int
    kind: str = Field(description=", ".join(vocab.RECORD_KINDS))
    # a record's fields depend on its kind (see the NewRecord request), and a record
    # keeps the fields it was written with, so the content stays a JSON object
    content: dict[str, Any]
    content_sha256: str
    author: str
    at: str = Field(description="ISO 8601")
    supersedes: int | None = Field(description="The record this one corrects")
    superseded: bool = Field(description="A newer record corrects this one")
    custody_leaf: int


class MetadataCheck(Answer):
    """What every check of the file's own metadata against the verified facts says."""

    flagged: bool = Field(description="Beyond what is allowed")
    explanation: str


class LocationCheck(MetadataCheck):
    """The file's GPS position against the verified place."""

    check: Literal["location"]
    distance_m: float = Field(description="How far apart")
    threshold_m: float = Field(description="How far apart is allowed")


class TimeCheck(MetadataCheck):
    """The file's capture time against the verified time."""

    check: Literal["time"]
    difference_s: float = Field(description="How far apart, in seconds")
    threshold_s: float = Field(description="How far apart is allowed")


class VerificationView(Answer):
    """An item's verification: status, records, checks and history."""

    sha256: str
    status: str = Field(description=", ".join(vocab.ITEM_STATUSES))
    proposed_status: str | None
    submitted_by: str | None
    records: list[RecordView]
    current_records: list[int] = Field(description="Ids of the records not superseded")
    checks: list[Annotated[LocationCheck | TimeCheck, Field(discriminator="check")]]
    history: list[Transition]


class BasisPlace(Answer):
    """Where the item was, as far as is known."""

    lat: float
    lon: float
    precision_m: float
    from_: str = Field(alias="from", description="What told it")


class BasisTime(Answer):
    """When the item was made, as far as is known."""

    start: str = Field(description="ISO 8601")
    end: str = Field(description="ISO 8601")
    from_: str = Field(alias="from", description="What told it")


class Basis(Answer):
    """What the suggestions were computed from."""

    place: BasisPlace | None
    time: BasisTime | None
    has_caption: bool
    cluster_size: int = Field(description="The item and its copies")


class Suggestion(Answer):
    """An incident the item may belong to."""

    incident: IncidentSummary
    score: float = Field(description="0 to 1")
    parts: dict[str, float] = Field(
        description="The score's parts that apply: distance, time, cluster, caption"
    )
    reasons: list[str]


class SuggestionsAnswer(Answer):
    """Incidents the item may belong to, best first."""

    sha256: str
    basis: Basis
    suggestions: list[Suggestion]


class SuggestionDecided(Answer):
    """A suggestion confirmed or dismissed."""

    sha256: str
    incident: int
    decision: str = Field(description="confirmed or dismissed")
    score: float


# --- custody ------------------------------------------------------------------------------------


class EntrySubject(Answer):
    """What a custody entry concerns."""

    kind: str = Field(description="evidence, incident or user")
    id: str


class CustodyEntry(Answer):
    """A custody log entry for people (its exact text is in ``text``)."""

    index: int
    act: str | None
    subject: EntrySubject | None
    incident: int | None
    actor: str | None
    at: str | None = Field(description="ISO 8601, as the entry says")
    appended_at: str = Field(description="ISO 8601, when the log took it")
    leaf_hash: str
    text: str


class CustodyEntries(Answer):
    """Custody log entries, newest first."""

    total: int
    item: str | None = Field(description="The item asked for, in full")
    act: str | None
    limit: int
    offset: int
    entries: list[CustodyEntry]


class SignedHead(Answer):
    """A signed tree head, with the exact message its signature covers."""

    tree_size: int
    root_hash: str = Field(description="RFC 9162 root hash, hex")
    timestamp: int = Field(description="When signed, ms since 1970 UTC")
    signature: str = Field(description="Ed25519 signature, base64")
    public_key: str = Field(description="Ed25519 public key, base64")
    key_fingerprint: str
    signed_message: str = Field(description="The bytes signed, hex")


class EntryProof(Answer):
    """A custody entry with its inclusion proof."""

    index: int
    entry: str = Field(description="The exact bytes logged, base64")
    entry_text: str
    leaf_hash: str
    audit_path: list[str]


class ItemProof(Answer):
    """Inclusion proofs of every custody entry of an item against one signed head."""

    format: str
    sha256: str
    how_to_check: str
    tree_head: SignedHead
    entries: list[EntryProof]
    key_chain: list[EntryProof] | None = Field(
        default=None,
        description="After a key rotation: the key announcements the head covers, with their "
        "proofs, leading from the first key to the head's (docs/custody-log.md section 3.1)",
    )


class InclusionProof(Answer):
    """An entry's inclusion proof against a tree size."""

    format: str
    how_to_check: str
    tree_size: int
    root_hash: str
    tree_head: SignedHead | None = Field(description="The signed head of that size, if any")
    entries: list[EntryProof]
    key_chain: list[EntryProof] | None = Field(
        default=None,
        description="After a key rotation: the key announcements the head covers, with their "
        "proofs, leading from the first key to the head's (docs/custody-log.md section 3.1)",
    )


class ConsistencyProof(Answer):
    """An RFC 9162 consistency proof between two tree sizes."""

    format: str
    how_to_check: str
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]
    first_head: SignedHead | None
    second_head: SignedHead | None


# --- redactions ---------------------------------------------------------------------------------


class Box(Answer):
    """A rectangle on the picture, in pixels."""

    x: int
    y: int
    w: int
    h: int


class RedactionView(Answer):
    """A redacted copy of an item: what was done, by whom, its status."""

    id: int
    status: str = Field(description="draft, approved or superseded")
    original_sha256: str
    derivative_sha256: str
    media_type: str
    size: int
    width: int | None
    height: int | None
    actions: list[str] = Field(description="What was done, in words")
    blur_faces: bool
    faces_found: int
    face_boxes: list[Box] = Field(description="Faces found and blurred")
    removed_faces: list[Box] = Field(
        description="Faces found that the reviewer removed (not blurred)"
    )
    regions: list[Box] = Field(description="Blurred by hand")
    graphic: bool
    # what exiftool still reads in the copy: its tags, whatever they are
    metadata_left: dict[str, Any]
    created_by: str
    created_at: str = Field(description="ISO 8601")
    custody_leaf: int
    decided_by: str | None
    decided_at: str | None
    decision_leaf: int | None
    decision_note: str | None

"""Web captures: a page preserved as evidence, with its context, in one service function.

:func:`capture_page` loads the page in headless Chromium
(:mod:`civwatch.intake.capture_browser`, every request checked by
:mod:`civwatch.intake.capture_ssrf`), packs what it loaded as a WACZ
(:mod:`civwatch.intake.web_archive`), and stores the WACZ, the full-page screenshot, the
rendered HTML and the media the page loaded through the evidence ingest (each an item
with an ``ingest`` or ``sighting`` custody entry whose source is the page's address).
A ``web-capture`` custody entry then binds the items to what only the capture knows, and
the capture's record (``intake_capture``, :mod:`civwatch.intake.capture_records`) is
written in the same transaction.
:func:`start_capture` queues it as a background job (:mod:`civwatch.intake.capture_job`):
the web form and ``civwatch capture`` both go through it.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from civwatch.accounts.permissions import Permission
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import CivwatchError
from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, IngestOutcome, SourceInfo
from civwatch.i18n import SOURCE_LANGUAGE, Message, _, localise
from civwatch.intake.acts import WEB_CAPTURE
from civwatch.intake.capture_browser import CaptureLimits, PageCapture, load_page
from civwatch.intake.capture_ssrf import AddressPolicy, parse_capture_url
from civwatch.intake.models import WebCapture, WebCaptureItem
from civwatch.intake.web_archive import pack_wacz
from civwatch.jobs.spool import Spool
from civwatch.workspace import Workspace

#: The platform of a capture's sightings.
PLATFORM = "web"
#: Media types kept as items of their own (above ``capture_media_min_bytes``).
MEDIA_PREFIXES = ("image/", "video/", "audio/")
MAX_MEDIA = 200
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/avif": ".avif",
    "image/svg+xml": ".svg",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

Progress = Callable[[Message], None]


@dataclass(frozen=True)
class CapturedFile:
    path: Path
    kind: str
    url: str | None


def check_capture_url(ws: Workspace, url: str) -> str:
    """``url`` as it will be captured, refused at once if malformed or if its host is an
    address a capture may not reach (:class:`~civwatch.errors.RejectedInputError`)."""
    text = url.strip()
    parse_capture_url(text)
    AddressPolicy.from_setting(ws.settings.capture_allow_hosts).pin(text)
    return text


def limits_of(ws: Workspace) -> CaptureLimits:
    s = ws.settings
    return CaptureLimits(
        timeout_s=s.capture_timeout_s,
        max_bytes=s.capture_max_bytes,
        max_requests=s.capture_max_requests,
        max_height=s.capture_max_height,
    )


def _media_name(n: int, url: str, media_type: str) -> str:
    base = Path(unquote(urlsplit(url).path)).name or "media"
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    stem = _UNSAFE.sub("-", stem).strip("-.")[:60] or "media"
    if not suffix or _UNSAFE.search(suffix[1:]) or len(suffix) > 6:
        suffix = _EXTENSIONS.get(media_type, ".bin")
    return f"media-{n:03d}-{stem}{suffix}"


def _media_files(ws: Workspace, page: PageCapture, folder: Path) -> list[CapturedFile]:
    folder.mkdir()
    smallest = ws.settings.capture_media_min_bytes
    seen: set[str] = set()
    found: list[CapturedFile] = []
    for exchange in page.exchanges:
        if exchange.status != 200 or not exchange.media_type.startswith(MEDIA_PREFIXES):
            continue
        try:
            body = exchange.browser_body()
        except zlib.error:  # a body that does not decode: kept in the WACZ only
            continue
        if len(body) < max(1, smallest):
            continue
        digest = hashlib.sha256(body).hexdigest()
        if digest in seen or len(found) >= MAX_MEDIA:
            continue
        seen.add(digest)
        path = folder / _media_name(len(found) + 1, exchange.url, exchange.media_type)
        path.write_bytes(body)
        found.append(CapturedFile(path, "media", exchange.url))
    return found


def capture_page(
    ws: Workspace,
    url: str,
    *,
    collector: str,
    progress: Progress | None = None,
    job_id: int | None = None,
) -> dict[str, Any]:
    """Capture the page at ``url`` as ``collector`` (who must be allowed to add evidence)
    and return what was stored: ``capture_id``, ``url``, ``final_url``, ``http_status``,
    ``captured_at``, ``items`` (``sha256``, ``kind``, ``status``, ``url``), ``warnings``
    (in English) and ``warning_messages`` (each warning's message and values, to show in
    any language). ``job_id``: the job capturing it, kept on the capture's record."""
    from civwatch.accounts.service import require

    said = progress or (lambda m: None)
    with ws.sessions() as session:
        require(session, collector, Permission.EVIDENCE_UPLOAD)
    text = check_capture_url(ws, url)
    spool = Spool.create(ws.data_dir)
    try:
        page = asyncio.run(
            load_page(
                text,
                policy=AddressPolicy.from_setting(ws.settings.capture_allow_hosts),
                limits=limits_of(ws),
                browser_path=ws.settings.capture_browser_path,
                workdir=spool.folder,
                progress=said,
            )
        )
        said(_("Packing the web archive."))
        wacz = spool.folder / "capture.wacz"
        pack_wacz(
            page.warc,
            wacz,
            pages=[
                {
                    "url": page.final_url,
                    "ts": page.captured_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
                    "title": page.title,
                }
            ],
            main_url=page.final_url,
            created=page.captured_at,
            title=page.title or page.final_url,
        )
        files = [
            CapturedFile(wacz, "wacz", None),
            CapturedFile(page.screenshot, "screenshot", None),
            CapturedFile(page.html, "html", page.final_url),
            *_media_files(ws, page, spool.folder / "media"),
        ]
        said(_("Storing the files as evidence."))
        return _store(ws, page, files, collector, job_id)
    finally:
        spool.remove()


def _store(
    ws: Workspace,
    page: PageCapture,
    files: list[CapturedFile],
    collector: str,
    job_id: int | None,
) -> dict[str, Any]:
    source = SourceInfo(url=page.final_url, platform=PLATFORM, caption=page.title or None)
    run = Ingest(ws, source=source, collector=collector)
    # One outcome per file, in the order given (each after its commit).
    stored: list[tuple[CapturedFile, IngestOutcome]] = list(
        zip(files, run.run(Candidate(f.path, f.path.name) for f in files), strict=True)
    )
    lost = next((o for f, o in stored if o.sha256 is None and f.kind != "media"), None)
    if lost is not None:  # the archive, screenshot or HTML: the capture is not complete
        raise CivwatchError(
            _("The capture could not be stored: %(reason)s", reason=lost.error or "")
        )
    warnings: list[Message] = list(page.warnings)
    for f, o in stored:
        if o.sha256 is None:
            warnings.append(
                _(
                    "A media file of %(url)s was not stored: %(reason)s",
                    url=f.url,
                    reason=o.error or "",
                )
            )
    items = [
        {"sha256": o.sha256, "kind": f.kind, "url": f.url, "status": o.status}
        for f, o in stored
        if o.sha256 is not None
    ]
    english = [localise(w, SOURCE_LANGUAGE) for w in warnings]
    listed = [{"sha256": i["sha256"], "kind": i["kind"], "url": i["url"]} for i in items]
    at = utcnow()
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        leaf = entries.append(
            ws.custody,
            session,
            WEB_CAPTURE,
            collector,
            at,
            url=page.url,
            final_url=page.final_url,
            http_status=page.http_status,
            captured_at=page.captured_at.isoformat(timespec="microseconds"),
            certificate_sha256=page.certificate_sha256,
            browser=page.browser,
            items=listed,
            warnings=english,
        )
        # The capture's record, in the entry's transaction: both or neither.
        capture = WebCapture(
            job_id=job_id,
            url=page.url,
            final_url=page.final_url,
            http_status=page.http_status,
            captured_at=page.captured_at,
            certificate_sha256=page.certificate_sha256,
            browser=page.browser,
            title=page.title or None,
            items=listed,
            warnings=english,
            warning_messages=[message_doc(w) for w in warnings],
            captured_by=collector,
            recorded_at=at,
            custody_leaf=leaf,
        )
        session.add(capture)
        session.flush()
        kept: set[str] = set()
        for i in items:
            sha256 = str(i["sha256"])
            if sha256 not in kept:
                kept.add(sha256)
                session.add(
                    WebCaptureItem(
                        capture_id=capture.id,
                        item_sha256=sha256,
                        kind=i["kind"],
                        status=i["status"],
                    )
                )
        capture_id = capture.id
    ws.sign_head()
    return {
        "capture_id": capture_id,
        "url": page.url,
        "final_url": page.final_url,
        "http_status": page.http_status,
        "captured_at": page.captured_at.isoformat(),
        "title": page.title,
        "browser": page.browser,
        "certificate_sha256": page.certificate_sha256,
        "items": items,
        "warnings": english,
        "warning_messages": [message_doc(w) for w in warnings],
    }


def message_doc(message: Message) -> dict[str, Any]:
    """A message as JSON (its English text and values), to be shown again in any language
    with :func:`message_from_doc`."""
    values = {
        k: message_doc(v) if isinstance(v, Message) else str(v) for k, v in message.values.items()
    }
    return {"msgid": message.msgid, "values": values}


def message_from_doc(doc: dict[str, Any]) -> Message:
    """A message stored by :func:`message_doc`, in the language in force."""
    values = {
        k: message_from_doc(v) if isinstance(v, dict) else v
        for k, v in (doc.get("values") or {}).items()
    }
    return Message(str(doc.get("msgid", "")), values=values)


def capture_json(doc: dict[str, Any]) -> dict[str, Any]:
    """The machine-readable answer: ``url``, ``final_url``, ``http_status``,
    ``captured_at``, ``items`` (``sha256``, ``kind``) and ``warnings``."""
    return {
        "url": doc["url"],
        "final_url": doc["final_url"],
        "http_status": doc["http_status"],
        "captured_at": doc["captured_at"],
        "items": [{"sha256": i["sha256"], "kind": i["kind"]} for i in doc["items"]],
        "warnings": doc["warnings"],
    }


def allowed_capture_url(ws: Workspace, url: str, *, collector: str) -> str:
    """``url`` as it will be captured, once ``collector`` is known to be allowed to add
    evidence (asked first: a refused user learns nothing of the address) and the address
    passes :func:`check_capture_url`."""
    from civwatch.accounts.service import require

    with ws.sessions() as session:
        require(session, collector, Permission.EVIDENCE_UPLOAD)
    return check_capture_url(ws, url)


def start_capture(
    ws: Workspace, url: str, *, collector: str, client: str | None = None
) -> dict[str, Any]:
    """Check ``collector`` and ``url`` and queue the capture as a background job; returns
    the job."""
    from civwatch.intake.capture_job import CAPTURE
    from civwatch.jobs import submit

    text = allowed_capture_url(ws, url, collector=collector)
    return submit(ws, CAPTURE, collector, {"url": text, "collector": collector, "client": client})

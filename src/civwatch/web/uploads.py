"""Uploaded files, received into a durable spool and handed to a background job.

The request only copies each part (in chunks, never whole in memory) into the job's spool
folder under its own base name, fsyncs it, records the job and queues it: the answer
comes as soon as the bytes are safe. Ingest (the stored type is sniffed from the bytes;
the content type the client claimed is ignored), copy finding and auditing run in the
job (:func:`civwatch.evidence.jobs.ingest_upload`), whose progress the uploader follows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from civwatch.errors import RejectedInputError
from civwatch.evidence.ingest import SourceInfo
from civwatch.evidence.jobs import UPLOAD
from civwatch.i18n import _
from civwatch.jobs import submit
from civwatch.jobs.spool import Spool
from civwatch.workspace import Workspace

MAX_FILES = 100
MAX_NAME_BYTES = 200


def upload_name(filename: str | None) -> str:
    """The base name of a client's file name: no folders, no '..', at most 200 bytes."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name.strip()
    name = name.replace("\x00", "")
    if name in {"", ".", ".."}:
        name = "upload"
    while len(name.encode()) > MAX_NAME_BYTES:
        name = name[:-1]
    return name


def published_time(text: str | None) -> datetime | None:
    """When the source says it published the files, from a form: ISO 8601 with its zone,
    or a browser's date and time without one (read as UTC, as the form says); None if
    empty."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RejectedInputError(
            _(
                "The publication time must be a date and time such as %(example)s.",
                example="2024-06-04T10:30:00+03:00",
            )
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def receive_upload(
    ws: Workspace,
    files: list[tuple[str | None, BinaryIO]],
    *,
    source: SourceInfo,
    collector: str,
    client: str | None,
) -> dict[str, Any]:
    """Spool ``(client file name, stream)`` pairs and queue their ingest; returns the job."""
    if not files:
        raise RejectedInputError(_("Choose at least one file to upload."))
    if len(files) > MAX_FILES:
        raise RejectedInputError(_("Upload at most %(most)s files at a time.", most=MAX_FILES))
    spool = Spool.create(ws.data_dir)
    try:
        for filename, stream in files:
            spool.add(upload_name(filename), stream, max_size=ws.settings.max_file_size)
        spool.seal()
        params = {
            "spool": spool.token,
            "files": [f.as_json() for f in spool.files],
            "source": {
                "url": source.url,
                "platform": source.platform,
                "account": source.account,
                "post_id": source.post_id,
                "caption": source.caption,
                "published_at": source.published_at.isoformat() if source.published_at else None,
            },
            "collector": collector,
            "client": client,
        }
        return submit(ws, UPLOAD, collector, params, total=len(spool.files))
    except BaseException:
        spool.remove()
        raise

"""Uploaded files, received into a durable spool and handed to a background job.

The request only copies each part (in chunks, never whole in memory) into the job's spool
folder under its own base name, fsyncs it, records the job and queues it: the answer
comes as soon as the bytes are safe. Ingest (the stored type is sniffed from the bytes;
the content type the client claimed is ignored), copy finding and auditing run in the
job (:func:`civwatch.evidence.jobs.ingest_upload`), whose progress the uploader follows.
"""

from __future__ import annotations

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
                "caption": source.caption,
            },
            "collector": collector,
            "client": client,
        }
        return submit(ws, UPLOAD, collector, params, total=len(spool.files))
    except BaseException:
        spool.remove()
        raise

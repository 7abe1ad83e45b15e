"""A capture's web archive: the WARC records of every exchange, packed as a WACZ.

The WARC (ISO 28500, written with ``warcio``) holds a ``warcinfo`` record, then for
each exchange of the capture a ``response`` record (status line, headers and the body as
received) and the ``request`` record that asked for it. The WACZ (1.1.1,
https://specs.webrecorder.net/wacz/1.1.1/) is a ZIP holding::

    archive/data.warc.gz        the WARC (stored, not compressed again)
    indexes/index.cdx           CDXJ index of its records, sorted (cdxj-indexer)
    pages/pages.jsonl           the captured page
    datapackage.json            every file above with its size and SHA-256
    datapackage-digest.json     the SHA-256 of datapackage.json

so that replay tools (ReplayWeb.page, pywb) open it and ``wacz validate`` accepts it.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from civwatch import __version__
from civwatch.intake.capture_fetch import Exchange

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
SOFTWARE = f"civwatch {__version__}"
#: Headers that describe the transfer, not the content: the body is stored de-chunked.
_TRANSFER = frozenset({"transfer-encoding"})


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class WarcRecorder:
    """Writes exchanges to a gzipped WARC file as they happen."""

    def __init__(self, path: Path, *, browser: str) -> None:
        self.path = path
        self._file: BinaryIO = path.open("wb")
        self._writer = WARCWriter(self._file, gzip=True)
        info = self._writer.create_warcinfo_record(
            WARC_NAME,
            {
                "software": SOFTWARE,
                "format": "WARC File Format 1.1",
                "browser": browser,
            },
        )
        self._writer.write_record(info)
        self.records = 0

    def add(self, exchange: Exchange, at: datetime) -> None:
        date = at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        headers = [(k, v) for k, v in exchange.headers if k.lower() not in _TRANSFER]
        status = StatusAndHeaders(
            f"{exchange.status} {exchange.reason}".strip(),
            headers,
            protocol=exchange.http_version,
        )
        response = self._writer.create_warc_record(
            exchange.url,
            "response",
            payload=io.BytesIO(exchange.raw_body),
            length=len(exchange.raw_body),
            http_headers=status,
            warc_headers_dict={"WARC-Date": date, "WARC-IP-Address": exchange.address},
        )
        parts = urlsplit(exchange.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_headers = StatusAndHeaders(
            f"{exchange.method} {target} HTTP/1.1",
            exchange.request_headers,
            is_http_request=True,
        )
        body = exchange.request_body or b""
        request = self._writer.create_warc_record(
            exchange.url,
            "request",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=request_headers,
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": str(response.rec_headers.get_header("WARC-Record-ID")),
            },
        )
        self._writer.write_record(response)
        self._writer.write_record(request)
        self.records += 2

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


def _sha256(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return size, "sha256:" + digest.hexdigest()


def cdxj_lines(warc: Path) -> list[str]:
    """The sorted CDXJ index of the WARC's response records (``cdxj-indexer``)."""
    from cdxj_indexer.main import CDXJIndexer

    out = io.StringIO()
    with warc.open("rb") as f:
        indexer = CDXJIndexer(out, [f], filename=WARC_NAME)
        indexer.process_all()
    return sorted(line for line in out.getvalue().splitlines() if line.strip())


def pack_wacz(
    warc: Path,
    out: Path,
    *,
    pages: Iterable[dict[str, Any]],
    main_url: str,
    created: datetime,
    title: str,
) -> None:
    """Pack ``warc`` as the WACZ ``out`` with the given pages (``url``, ``ts``, ``title``)."""
    work = out.with_name(out.name + ".parts")
    work.mkdir(exist_ok=True)
    index = work / "index.cdx"
    index.write_text("".join(f"{line}\n" for line in cdxj_lines(warc)), encoding="utf-8")
    pages_file = work / "pages.jsonl"
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}]
    for page in pages:
        lines.append({"id": uuid.uuid4().hex, **page})
    pages_file.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
    members = [
        (f"archive/{WARC_NAME}", warc, zipfile.ZIP_STORED),
        ("indexes/index.cdx", index, zipfile.ZIP_DEFLATED),
        ("pages/pages.jsonl", pages_file, zipfile.ZIP_DEFLATED),
    ]
    resources = []
    for name, path, _method in members:
        size, digest = _sha256(path)
        resources.append({"name": Path(name).name, "path": name, "hash": digest, "bytes": size})
    package = {
        "profile": "data-package",
        "resources": resources,
        "wacz_version": WACZ_VERSION,
        "software": SOFTWARE,
        "created": _iso(created),
        "title": title,
        "mainPageURL": main_url,
        "mainPageDate": _iso(created),
    }
    package_bytes = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
    digest_doc = {
        "path": "datapackage.json",
        "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest(),
    }
    stamp = created.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(out, "w") as z:
        for name, path, method in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = method
            with path.open("rb") as src, z.open(info, "w", force_zip64=True) as dst:
                while chunk := src.read(1024 * 1024):
                    dst.write(chunk)
        for name, data in (
            ("datapackage.json", package_bytes),
            ("datapackage-digest.json", json.dumps(digest_doc, indent=2).encode("utf-8")),
        ):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    for path in (index, pages_file):
        path.unlink()
    work.rmdir()

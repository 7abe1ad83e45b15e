"""What a file is, decided from its bytes and never from its name.

The formats that make up nearly all evidence (JPEG, PNG, GIF, WebP, TIFF, PDF and
the ISO media family: MP4, MOV, 3GP, HEIC, AVIF) are told apart by their leading
bytes here, which is precise (the ``ftyp`` brand says MOV or MP4 or HEIC) and
costs microseconds. Everything else goes to ``puremagic`` (pure Python, so no
libmagic system library to install and keep patched; wide signature coverage),
given the bytes only, never the file name. puremagic is weak on plain text, so
text, HTML and JSON are recognised here from the content.
"""

from __future__ import annotations

import json
import mimetypes
import re
import zipfile
from pathlib import Path, PurePosixPath

import puremagic

OCTET_STREAM = "application/octet-stream"

#: Bytes read to decide whether a file is text.
_TEXT_PROBE = 8192
#: Largest file parsed in full to confirm it is JSON.
_JSON_PROBE_LIMIT = 1024 * 1024

#: Extensions that name the same thing as a media type, beyond what ``mimetypes`` knows.
_EXTRA_EXTENSIONS: dict[str, frozenset[str]] = {
    "image/jpeg": frozenset({".jpg", ".jpeg", ".jpe", ".jfif"}),
    "image/png": frozenset({".png"}),
    "image/heic": frozenset({".heic", ".heif"}),
    "image/heif": frozenset({".heic", ".heif"}),
    "image/webp": frozenset({".webp"}),
    "image/tiff": frozenset({".tif", ".tiff", ".dng"}),
    "video/mp4": frozenset({".mp4", ".m4v", ".m4a", ".3gp", ".mov"}),
    "video/quicktime": frozenset({".mov", ".qt", ".mp4", ".m4v", ".3gp"}),
    "video/3gpp": frozenset({".3gp", ".mp4", ".mov"}),
    "text/plain": frozenset({".txt", ".text", ".log", ".md", ".csv"}),
    "text/html": frozenset({".html", ".htm", ".xhtml"}),
    "application/json": frozenset({".json", ".geojson"}),
}


def sniff_media_type(path: Path) -> str:
    """MIME type of the file at ``path`` from its content; ``application/octet-stream``
    when nothing is recognised. The file name plays no part."""
    with path.open("rb") as handle:
        head = handle.read(64)
        known = _common_type(head)
        if known is not None:
            return known
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            return _zip_type(path)
        handle.seek(0)
        try:
            matches = puremagic.magic_stream(handle) if head else []
        except (puremagic.PureError, ValueError, OSError):
            matches = []
    # Signatures of 4+ bytes are trusted first; plain text is checked before short ones.
    for match in matches:
        if match.mime_type and match.confidence >= 0.4:
            return str(match.mime_type)
    text_type = _sniff_text(path)
    if text_type is not None:
        return text_type
    for match in matches:
        if match.mime_type and match.confidence >= 0.3 and not match.mime_type.startswith("text/"):
            return str(match.mime_type)
    return OCTET_STREAM


_ISO_BRANDS: dict[bytes, str] = {
    b"qt  ": "video/quicktime",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"heim": "image/heic",
    b"heis": "image/heic",
    b"hevc": "image/heic",
    b"hevx": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"M4A ": "audio/mp4",
    b"M4B ": "audio/mp4",
    b"crx ": "image/x-canon-cr3",
}


_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def _zip_type(path: Path) -> str:
    """ZIP, or the document format packed in it (Office, OpenDocument, EPUB), from
    the archive's table of contents (nothing is unpacked)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as member:  # read 100 bytes, never all
                    declared = member.read(100).decode("ascii", "replace").strip()
                if re.fullmatch(r"[a-z]+/[A-Za-z0-9.+\-]+", declared):
                    return declared
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
        return "application/zip"
    if "[Content_Types].xml" in names:
        for prefix, media_type in _OOXML.items():
            if any(name.startswith(prefix) for name in names):
                return media_type
    return "application/zip"


def _common_type(head: bytes) -> str | None:
    """The type of the most common evidence formats from their first bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp" and len(head) >= 12:
        brand = head[8:12]
        if brand in _ISO_BRANDS:
            return _ISO_BRANDS[brand]
        if brand.startswith(b"3g2"):
            return "video/3gpp2"
        if brand.startswith(b"3gp"):
            return "video/3gpp"
        return "video/mp4"
    return None


def _sniff_text(path: Path) -> str | None:
    """``text/html``, ``application/json`` or ``text/plain`` when the file is UTF-8 text."""
    with path.open("rb") as handle:
        head = handle.read(_TEXT_PROBE)
        size = handle.seek(0, 2)
    if not head or b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the probe boundary is still text.
        if exc.start < len(head) - 3:
            return None
        text = head[: exc.start].decode("utf-8")
    if any(ord(c) < 32 and c not in "\t\n\r\f\v\x1b" for c in text):
        return None
    lead = text.lstrip("\ufeff \t\r\n").lower()
    if lead.startswith(("<!doctype html", "<html", "<head", "<body", "<script", "<iframe")):
        return "text/html"
    if lead.startswith(("{", "[")) and size <= _JSON_PROBE_LIMIT:
        try:
            json.loads(path.read_bytes())
        except (ValueError, UnicodeDecodeError):
            return "text/plain"
        return "application/json"
    return "text/plain"


def _extensions_for(media_type: str) -> frozenset[str]:
    known = set(mimetypes.guess_all_extensions(media_type, strict=False))
    known |= _EXTRA_EXTENSIONS.get(media_type, frozenset())
    return frozenset(ext.lower() for ext in known)


def name_mismatch_warning(original_name: str, media_type: str) -> str | None:
    """A short warning when the name's extension does not fit the content's type.

    ``None`` when they agree, or when the name carries no extension we can judge.
    """
    suffix = PurePosixPath(original_name.replace("\\", "/")).suffix.lower()
    if not suffix or len(suffix) > 10:
        return None
    named_type, _ = mimetypes.guess_type("x" + suffix, strict=False)
    expected = _extensions_for(media_type)
    if suffix in expected:
        return None
    if named_type is None and not any(suffix in exts for exts in _EXTRA_EXTENSIONS.values()):
        return None  # an extension we know nothing about: no claim to check
    if media_type == OCTET_STREAM:
        return (
            f"The name {original_name!r} suggests {named_type or suffix} "
            "but the content was not recognised."
        )
    return (
        f"The name {original_name!r} suggests {named_type or suffix} "
        f"but the content is {media_type}."
    )

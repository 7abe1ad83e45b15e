"""Media types come from content; names that lie are flagged."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from civwatch.media import name_mismatch_warning, sniff_media_type
from tests.media.conftest import make_video


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<!doctype html>\n<html><body>x</body></html>", "text/html"),
        (b"  \n<html lang='uk'><p>\xd0\x9a\xd0\xb8\xd1\x97\xd0\xb2</p></html>", "text/html"),
        (b'{"incident": "strike", "lat": 50.45}', "application/json"),
        (b'{"broken": ', "text/plain"),
        ("Свідчення очевидця, Харків\n".encode(), "text/plain"),
        (b"\x00\x01\x02\x03binary\xff\xfe", "application/octet-stream"),
    ],
)
def test_text_kinds(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "file.jpg"  # the name must play no part
    path.write_bytes(content)
    assert sniff_media_type(path) == expected


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("GIF", "image/gif"),
        ("WEBP", "image/webp"),
        ("TIFF", "image/tiff"),
    ],
)
def test_images_whatever_their_name(tmp_path: Path, fmt: str, expected: str) -> None:
    path = tmp_path / "evidence.txt"
    Image.new("RGB", (16, 16)).save(path, fmt)
    assert sniff_media_type(path) == expected


def test_video(tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", seconds=0.2, size="64x48")
    renamed = video.rename(tmp_path / "v.pdf")
    assert sniff_media_type(renamed) == "video/mp4"


@pytest.mark.parametrize(
    ("name", "media_type", "warned"),
    [
        ("IMG_0001.JPG", "image/jpeg", False),
        ("photo.jpeg", "image/jpeg", False),
        ("clip.MOV", "video/mp4", False),
        ("clip.mp4", "video/quicktime", False),
        ("notes.txt", "text/plain", False),
        ("no-extension", "image/png", False),
        ("archive.weird-ext", "image/png", False),
        ("photo.jpg", "image/png", True),
        ("photo.jpg", "text/html", True),
        ("report.pdf", "application/octet-stream", True),
        ("video.mp4", "image/jpeg", True),
    ],
)
def test_name_mismatch(name: str, media_type: str, warned: bool) -> None:
    warning = name_mismatch_warning(name, media_type)
    assert (warning is not None) is warned
    if warning:
        assert repr(name) in warning


def test_quicktime_brand(tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mov", seconds=0.2, size="64x48")
    assert sniff_media_type(video.rename(tmp_path / "v.mp4")) == "video/quicktime"


def test_other_formats_go_to_puremagic(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "evidence.jpg"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("statement.txt", "witness statement")
    assert sniff_media_type(path) == "application/zip"


def test_office_document_in_zip(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "report.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert sniff_media_type(path).endswith("wordprocessingml.document")
    odt = tmp_path / "report.bin"
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    assert sniff_media_type(odt) == "application/vnd.oasis.opendocument.text"

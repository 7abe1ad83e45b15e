"""Damaged, hostile and oddly named files: a warning each, never an exception."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest
from PIL import Image

from civwatch.errors import ConfigurationError
from civwatch.media import MetadataExtractor
from tests.media.conftest import bomb_png, exif_jpeg, make_video, media_settings


def _truncate(path: Path, keep: float) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def test_truncated_jpeg(extractor: MetadataExtractor, tmp_path: Path) -> None:
    photo = _truncate(exif_jpeg(tmp_path / "cut.jpg"), 0.6)
    result = extractor.extract(photo)
    assert any("no end-of-image marker" in w for w in result.warnings)
    # What survives in the header is still read.
    assert result.normalised["device_model"] == "Pixel 6"


def test_truncated_png(extractor: MetadataExtractor, tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    Image.effect_noise((200, 200), 64).convert("RGB").save(path)
    _truncate(path, 0.5)
    result = extractor.extract(path)
    assert any("PNG chunk 'IDAT'" in w and "truncated" in w for w in result.warnings)
    assert (result.normalised["width"], result.normalised["height"]) == (200, 200)


def test_truncated_mp4_index_at_end(extractor: MetadataExtractor, tmp_path: Path) -> None:
    video = _truncate(make_video(tmp_path / "cut.mp4", seconds=2.0), 0.5)
    result = extractor.extract(video)
    assert any("'mdat' box is missing" in w for w in result.warnings)
    assert any("no 'moov' index" in w for w in result.warnings)
    assert any(w.startswith("ffprobe could not read the video") for w in result.warnings)


def test_truncated_mp4_index_at_start(extractor: MetadataExtractor, tmp_path: Path) -> None:
    video = make_video(tmp_path / "fast.mp4", "-movflags", "+faststart", seconds=2.0)
    _truncate(video, 0.7)
    result = extractor.extract(video)
    assert any("'mdat' box is missing" in w for w in result.warnings)
    assert not any("moov" in w for w in result.warnings)
    assert result.normalised["duration_s"] == pytest.approx(2.0, abs=0.05)


def test_png_declaring_huge_size_is_not_decoded(
    extractor: MetadataExtractor, tmp_path: Path
) -> None:
    bomb = bomb_png(tmp_path / "bomb.png")
    started = time.perf_counter()
    result = extractor.extract(bomb)
    assert time.perf_counter() - started < 5
    assert any("declares 100000x100000 pixels" in w for w in result.warnings)
    assert (result.normalised["width"], result.normalised["height"]) == (100_000, 100_000)


def test_png_named_jpg(extractor: MetadataExtractor, tmp_path: Path) -> None:
    path = tmp_path / "upload"
    Image.new("RGB", (10, 10)).save(path, "PNG")
    result = extractor.extract(path, original_name="photo.jpg")
    assert result.media_type == "image/png"
    assert "'photo.jpg' suggests image/jpeg but the content is image/png" in result.warnings[0]


def test_html_named_jpg(extractor: MetadataExtractor, tmp_path: Path) -> None:
    path = tmp_path / "upload"
    path.write_text("<!DOCTYPE html><html><script>alert(1)</script></html>")
    result = extractor.extract(path, original_name="strike.jpg")
    assert result.media_type == "text/html"
    assert any("content is text/html" in w for w in result.warnings)


def test_hanging_exiftool_is_killed_and_next_file_read(tmp_path: Path, fake_exiftool: Path) -> None:
    settings = media_settings(tmp_path, exiftool_path=str(fake_exiftool), extractor_timeout_s=1.0)
    good = exif_jpeg(tmp_path / "good.jpg")
    hang = exif_jpeg(tmp_path / "hang.jpg")
    after = exif_jpeg(tmp_path / "after.jpg")
    with MetadataExtractor(settings) as extractor:
        results = list(extractor.extract_many([good, hang, after]))
        assert extractor.exiftool_restarts >= 1
        again = extractor.extract(after)
    assert [r.normalised["device_model"] for r in results] == ["Pixel 6", None, "Pixel 6"]
    assert any("longer than 1 s" in w for w in results[1].warnings)
    assert results[0].warnings == [] and results[2].warnings == []
    assert again.normalised["device_model"] == "Pixel 6"


def test_crashing_exiftool_is_restarted(tmp_path: Path, fake_exiftool: Path) -> None:
    settings = media_settings(tmp_path, exiftool_path=str(fake_exiftool), extractor_timeout_s=10)
    crash = exif_jpeg(tmp_path / "crash.jpg")
    after = exif_jpeg(tmp_path / "after.jpg")
    with MetadataExtractor(settings) as extractor:
        first = extractor.extract(crash)
        second = extractor.extract(after)
    assert any("exiftool stopped unexpectedly" in w for w in first.warnings)
    assert first.normalised["device_model"] is None
    assert second.normalised["device_model"] == "Pixel 6"
    assert second.warnings == []


def test_missing_exiftool_is_a_configuration_error(tmp_path: Path) -> None:
    settings = media_settings(tmp_path, exiftool_path=str(tmp_path / "no-such-exiftool"))
    with (
        MetadataExtractor(settings) as extractor,
        pytest.raises(ConfigurationError, match="exiftool could not be started"),
    ):
        extractor.extract(exif_jpeg(tmp_path / "p.jpg"))


@pytest.mark.parametrize(
    "name",
    [
        "line\nbreak.jpg",
        "trailing space.jpg ",
        "-starts-with-dash.jpg",
        "#comment.jpg",
        "кириличне ім'я.jpg",
        "tab\tand\rreturn.jpg",
    ],
)
def test_odd_file_names(extractor: MetadataExtractor, tmp_path: Path, name: str) -> None:
    photo = exif_jpeg(tmp_path / name)
    result = extractor.extract(photo)
    assert result.normalised["device_model"] == "Pixel 6", result.errors
    assert result.errors == []


def test_non_utf8_file_name(extractor: MetadataExtractor, tmp_path: Path) -> None:
    raw = os.path.join(os.fsencode(tmp_path), b"\xff\xfe-latin1-\xe9.jpg")
    source = exif_jpeg(tmp_path / "src.jpg")
    os.rename(source, raw)
    result = extractor.extract(Path(os.fsdecode(raw)))
    assert result.normalised["device_model"] == "Pixel 6"
    assert result.errors == []


def test_empty_and_random_files(extractor: MetadataExtractor, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    noise = tmp_path / "noise.bin"
    # fixed noise: some random draws hold bytes exiftool reads as a field (a flaky test)
    noise.write_bytes(random.Random(7).randbytes(4096))
    first, second = extractor.extract_many([empty, noise])
    assert "The file is empty." in first.warnings
    assert second.media_type == "application/octet-stream"
    assert all(v is None for v in second.normalised.values())


def test_forgotten_extractor_does_not_leave_exiftool_running(tmp_path: Path) -> None:
    import gc

    extractor = MetadataExtractor(media_settings(tmp_path))
    extractor.extract(exif_jpeg(tmp_path / "p.jpg"))
    proc = extractor._exiftool._proc
    assert proc is not None and proc.poll() is None
    del extractor
    gc.collect()
    assert proc.wait(timeout=5) is not None

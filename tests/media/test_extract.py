"""The extractor on photos and videos generated here, checked field by field and
against exiftool's own output."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from civwatch.errors import NotFoundError
from civwatch.media import NORMALISED_KEYS, MetadataExtractor
from tests.media.conftest import KHARKIV, KYIV, MARIUPOL, exif_jpeg, exiftool_json, make_video


def test_jpeg_fields_are_normalised(extractor: MetadataExtractor, tmp_path: Path) -> None:
    photo = exif_jpeg(tmp_path / "IMG_0001.jpg", position=KYIV)
    result = extractor.extract(photo, original_name="IMG_0001.JPG")

    assert result.media_type == "image/jpeg"
    assert set(result.normalised) == set(NORMALISED_KEYS)
    n = result.normalised
    assert n["captured_at"] == "2022-03-09T14:05:33.250000+02:00"
    assert n["captured_at_is_local"] is False
    assert n["gps_lat"] == pytest.approx(50.4501, abs=1e-6)
    assert n["gps_lon"] == pytest.approx(30.5234, abs=1e-6)
    assert n["gps_alt"] == pytest.approx(179.0)
    assert n["device_make"] == "Google"
    assert n["device_model"] == "Pixel 6"
    assert n["software"] == "HDR+ 1.0.437059325zd"
    assert (n["width"], n["height"]) == (320, 240)
    assert n["duration_s"] is None
    assert n["orientation"] == 6
    assert n["c2pa"] is None
    assert result.warnings == []
    assert result.errors == []


def test_normalised_values_agree_with_exiftool(
    extractor: MetadataExtractor, tmp_path: Path
) -> None:
    photos = [
        exif_jpeg(tmp_path / "kharkiv.jpg", position=KHARKIV, offset="+03:00"),
        exif_jpeg(tmp_path / "mariupol.jpg", position=MARIUPOL, subsec="05"),
    ]
    for photo, result in zip(photos, extractor.extract_many(photos), strict=True):
        own = exiftool_json(photo)
        n = result.normalised
        assert n["gps_lat"] == pytest.approx(own["Composite:GPSLatitude"], abs=1e-9)
        assert n["gps_lon"] == pytest.approx(own["Composite:GPSLongitude"], abs=1e-9)
        assert n["gps_alt"] == pytest.approx(own["Composite:GPSAltitude"], abs=1e-9)
        # exiftool's own composite of date, sub-seconds and offset, read as ISO 8601.
        joined = datetime.strptime(
            own["Composite:SubSecDateTimeOriginal"], "%Y:%m:%d %H:%M:%S.%f%z"
        )
        assert datetime.fromisoformat(n["captured_at"]) == joined
        assert n["captured_at"] == joined.isoformat()
        assert f"{n['width']} {n['height']}" == own["Composite:ImageSize"]
        assert n["device_model"] == own["IFD0:Model"]
        # The raw object is exiftool's, apart from where the file is.
        skip = {"SourceFile", "System:FileAccessDate", "System:FileInodeChangeDate"}
        assert {k: v for k, v in result.exiftool.items() if k not in skip} == {
            k: v for k, v in own.items() if k not in skip
        }


def test_subseconds_keep_leading_zero(extractor: MetadataExtractor, tmp_path: Path) -> None:
    photo = exif_jpeg(tmp_path / "p.jpg", position=MARIUPOL, subsec="05", offset="+02:00")
    assert extractor.extract(photo).normalised["captured_at"] == "2022-03-09T14:05:33.050000+02:00"


def test_time_without_zone_is_local(extractor: MetadataExtractor, tmp_path: Path) -> None:
    photo = exif_jpeg(tmp_path / "p.jpg", offset=None, subsec=None, position=None)
    n = extractor.extract(photo).normalised
    assert n["captured_at"] == "2022-03-09T14:05:33"
    assert n["captured_at_is_local"] is True
    assert (n["gps_lat"], n["gps_lon"], n["gps_alt"]) == (None, None, None)


def test_gps_time_gives_the_zone(extractor: MetadataExtractor, tmp_path: Path) -> None:
    photo = exif_jpeg(
        tmp_path / "p.jpg", offset=None, subsec=None, gps_time=("2022:03:09", (12, 5, 30))
    )
    n = extractor.extract(photo).normalised
    assert n["captured_at"] == "2022-03-09T14:05:33+02:00"
    assert n["captured_at_is_local"] is False


def test_camera_clock_far_from_gps_time_is_flagged(
    extractor: MetadataExtractor, tmp_path: Path
) -> None:
    photo = exif_jpeg(tmp_path / "p.jpg", offset="+02:00", gps_time=("2022:03:09", (9, 0, 0)))
    result = extractor.extract(photo)
    assert any("disagree by 185 minutes" in w for w in result.warnings)


def test_editing_software_is_flagged(extractor: MetadataExtractor, tmp_path: Path) -> None:
    photo = exif_jpeg(tmp_path / "p.jpg", software="Adobe Photoshop 25.0 (Windows)")
    result = extractor.extract(photo)
    assert result.normalised["software"] == "Adobe Photoshop 25.0 (Windows)"
    assert any("image-editing software" in w for w in result.warnings)


def test_mp4_from_ffmpeg(extractor: MetadataExtractor, tmp_path: Path) -> None:
    video = make_video(
        tmp_path / "clip.mp4",
        "-metadata",
        "creation_time=2024-03-01T10:15:30Z",
        "-metadata",
        "location=+50.4501+030.5234/",
        seconds=2.0,
        size="320x240",
    )
    result = extractor.extract(video, original_name="clip.mp4")
    n = result.normalised
    assert result.media_type == "video/mp4"
    assert n["duration_s"] == pytest.approx(2.0, abs=0.05)
    assert (n["width"], n["height"]) == (320, 240)
    assert n["captured_at"] == "2024-03-01T10:15:30+00:00"
    assert n["captured_at_is_local"] is False
    # MP4 stores the place in a 3GPP 'loci' box with 1/65536 degree precision.
    assert n["gps_lat"] == pytest.approx(50.4501, abs=1e-4)
    assert n["gps_lon"] == pytest.approx(30.5234, abs=1e-4)
    assert result.warnings == []


def test_iphone_style_mov_keys(extractor: MetadataExtractor, tmp_path: Path) -> None:
    video = make_video(
        tmp_path / "IMG_1234.MOV",
        "-movflags",
        "use_metadata_tags",
        "-metadata",
        "creation_time=2024-03-01T10:15:30Z",
        "-metadata",
        "com.apple.quicktime.location.ISO6709=+49.9935+036.2304+152.000/",
        "-metadata",
        "com.apple.quicktime.make=Apple",
        "-metadata",
        "com.apple.quicktime.model=iPhone 13",
        "-metadata",
        "com.apple.quicktime.creationdate=2024-03-01T12:15:30+0200",
        seconds=1.0,
        size="160x120",
    )
    n = extractor.extract(video).normalised
    assert (n["gps_lat"], n["gps_lon"], n["gps_alt"]) == (49.9935, 36.2304, 152.0)
    assert (n["device_make"], n["device_model"]) == ("Apple", "iPhone 13")
    # Apple's creation date keeps the local zone; it is the same instant as the UTC header.
    assert n["captured_at"] == "2024-03-01T12:15:30+02:00"
    assert n["duration_s"] == pytest.approx(1.0, abs=0.05)
    assert (n["width"], n["height"]) == (160, 120)


def test_android_style_mov_location(extractor: MetadataExtractor, tmp_path: Path) -> None:
    video = make_video(
        tmp_path / "VID.mov",
        "-metadata",
        "location=+46.4825+030.7233+012.000/",
        "-metadata",
        "creation_time=2023-07-20T01:02:03Z",
        seconds=1.0,
    )
    n = extractor.extract(video).normalised
    assert (n["gps_lat"], n["gps_lon"], n["gps_alt"]) == (46.4825, 30.7233, 12.0)
    assert n["captured_at"] == "2023-07-20T01:02:03+00:00"


def test_extract_many_keeps_order_and_matches_extract(
    extractor: MetadataExtractor, tmp_path: Path
) -> None:
    photos = [
        exif_jpeg(tmp_path / f"{i:02d}.jpg", position=(48.0 + i / 100, 35.0, 100.0))
        for i in range(37)
    ]
    results = list(extractor.extract_many(photos))
    assert [r.path for r in results] == photos
    assert [r.normalised["gps_lat"] for r in results] == pytest.approx(
        [48.0 + i / 100 for i in range(37)], abs=1e-6
    )
    single = extractor.extract(photos[5])
    assert single.normalised == results[5].normalised


def test_missing_file_is_a_clear_error(extractor: MetadataExtractor, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no file"):
        extractor.extract(tmp_path / "nothing.jpg")


def test_stopping_extract_many_early_leaves_extractor_usable(
    extractor: MetadataExtractor, tmp_path: Path
) -> None:
    photos = [exif_jpeg(tmp_path / f"{i}.jpg") for i in range(40)]
    stream = extractor.extract_many(photos)
    first = next(stream)
    stream.close()
    assert first.normalised["device_model"] == "Pixel 6"
    assert extractor.extract(photos[-1]).normalised["device_model"] == "Pixel 6"


def test_same_file_twice_in_one_batch(extractor: MetadataExtractor, tmp_path: Path) -> None:
    photo = exif_jpeg(tmp_path / "p.jpg")
    odd = exif_jpeg(tmp_path / "new\nline.jpg")
    results = list(extractor.extract_many([photo, odd, photo, odd]))
    assert [r.normalised["device_model"] for r in results] == ["Pixel 6"] * 4
    assert all(r.errors == [] for r in results)


def test_metadata_posing_as_end_marker(extractor: MetadataExtractor, tmp_path: Path) -> None:
    photo = exif_jpeg(tmp_path / "p.jpg", software="x{ready1}\n{ready2}\n")
    result = extractor.extract(photo)
    assert result.normalised["software"] == "x{ready1}\n{ready2}"
    assert result.normalised["device_model"] == "Pixel 6"


def test_missing_file_in_a_batch_is_reported_not_raised(
    extractor: MetadataExtractor, tmp_path: Path
) -> None:
    photo = exif_jpeg(tmp_path / "p.jpg")
    results = list(extractor.extract_many([photo, tmp_path / "gone.jpg", tmp_path, photo]))
    assert [r.normalised["device_model"] for r in results] == ["Pixel 6", None, None, "Pixel 6"]
    assert "There is no file" in results[1].errors[0]
    assert "not a regular file" in results[2].errors[0]

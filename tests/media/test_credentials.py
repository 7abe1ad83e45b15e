"""C2PA Content Credentials on files signed here with a generated certificate chain."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from civwatch.media import MetadataExtractor
from tests.media.conftest import exif_jpeg, make_video
from tests.media.signing import make_signer, sign


@pytest.fixture(scope="module")
def signer():  # type: ignore[no-untyped-def]
    return make_signer("Field Camera 7")


def test_signed_jpeg_names_its_signer(
    extractor: MetadataExtractor, tmp_path: Path, signer: object
) -> None:
    signed = sign(exif_jpeg(tmp_path / "p.jpg"), tmp_path / "signed.jpg", "image/jpeg", signer)
    result = extractor.extract(signed)
    creds = result.normalised["c2pa"]
    assert creds["signer"] == "Field Camera 7"
    assert creds["issuer"] == "Civwatch Test Newsroom"
    assert creds["claim_generator"] == "civwatch-field-app 2.1"
    # Signature and hashes check out; our test root is simply not a trusted one.
    assert creds["state"] == "valid"
    assert creds["status_codes"] == ["signingCredential.untrusted"]
    assert not any("do not verify" in w for w in result.warnings)
    # The rest of the metadata is still read.
    assert result.normalised["device_model"] == "Pixel 6"


def test_signed_png(extractor: MetadataExtractor, tmp_path: Path, signer: object) -> None:
    plain = tmp_path / "p.png"
    Image.new("RGB", (32, 32), (0, 90, 180)).save(plain)
    signed = sign(plain, tmp_path / "signed.png", "image/png", signer)
    assert extractor.extract(signed).normalised["c2pa"]["state"] == "valid"


def test_signed_mp4(extractor: MetadataExtractor, tmp_path: Path, signer: object) -> None:
    video = make_video(tmp_path / "v.mp4", seconds=1.0, size="160x120")
    signed = sign(video, tmp_path / "signed.mp4", "video/mp4", signer)
    creds = extractor.extract(signed).normalised["c2pa"]
    assert creds["signer"] == "Field Camera 7"
    assert creds["state"] == "valid"


def test_edited_pixels_break_the_credentials(
    extractor: MetadataExtractor, tmp_path: Path, signer: object
) -> None:
    signed = sign(exif_jpeg(tmp_path / "p.jpg"), tmp_path / "signed.jpg", "image/jpeg", signer)
    data = bytearray(signed.read_bytes())
    data[-40] ^= 0x55  # inside the compressed image, far from the manifest
    signed.write_bytes(bytes(data))
    result = extractor.extract(signed)
    creds = result.normalised["c2pa"]
    assert creds["state"] == "invalid"
    assert "assertion.dataHash.mismatch" in creds["status_codes"]
    assert any("do not verify" in w and "dataHash.mismatch" in w for w in result.warnings)


def test_corrupted_manifest(extractor: MetadataExtractor, tmp_path: Path, signer: object) -> None:
    signed = sign(exif_jpeg(tmp_path / "p.jpg"), tmp_path / "signed.jpg", "image/jpeg", signer)
    data = bytearray(signed.read_bytes())
    claim = data.find(b"c2pa.claim")
    assert claim > 0
    for i in range(claim + 200, claim + 260):
        data[i] ^= 0xFF
    signed.write_bytes(bytes(data))
    result = extractor.extract(signed)
    creds = result.normalised["c2pa"]
    assert creds is not None and creds["state"] == "invalid"
    assert creds["error"]
    assert any("Content Credentials (C2PA) could not be read" in w for w in result.warnings)


def test_plain_files_have_no_credentials(extractor: MetadataExtractor, tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", seconds=1.0, size="160x120")
    photo = exif_jpeg(tmp_path / "p.jpg")
    assert [r.normalised["c2pa"] for r in extractor.extract_many([photo, video])] == [None, None]

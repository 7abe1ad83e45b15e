"""Copies of a photo read as words on the item page ("the same photo, mirrored", "a crop
of this photo"), from what the real matcher recorded, with its figures in a detail line."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image, ImageOps

from civwatch.evidence.collect import Candidate
from civwatch.evidence.copies import hash_pending
from civwatch.evidence.ingest import Ingest, SourceInfo
from tests.support.files import photo
from tests.web.conftest import Team, bearer


def _ingest(team: Team, *paths: Path) -> list[str]:
    done = list(
        Ingest(team.ws, source=SourceInfo(), collector="alice").run(
            [Candidate(p, p.name) for p in paths]
        )
    )
    assert all(o.sha256 for o in done), done
    return [str(o.sha256) for o in done]


def _copy_line(page: str, name: str) -> str:
    start = page.index(f">{name}</a>:")
    return page[start : page.index("</li>", start)]


def test_copies_are_described_in_words_with_the_figures_beside(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    original = photo(tmp_path / "original.jpg", seed=5)
    with Image.open(original) as img:
        img.convert("RGB").save(tmp_path / "resaved.jpg", "JPEG", quality=70)
        ImageOps.mirror(img).save(tmp_path / "mirrored.jpg", "JPEG", quality=90)
        img.rotate(90, expand=True).save(tmp_path / "rotated.jpg", "JPEG", quality=90)
        w, h = img.size
        img.crop((w // 10, h // 10, w - w // 10, h - h // 10)).save(
            tmp_path / "cropped.jpg", "JPEG", quality=90
        )
    (sha,) = _ingest(team, original)
    hash_pending(team.ws)
    *_others, crop = _ingest(
        team,
        tmp_path / "resaved.jpg",
        tmp_path / "mirrored.jpg",
        tmp_path / "rotated.jpg",
        tmp_path / "cropped.jpg",
    )
    hash_pending(team.ws)
    page = client.get(f"/evidence/{sha}", headers=bearer(team.tokens["viewer"])).text
    assert "the same photo</strong>" in _copy_line(page, "resaved.jpg")
    assert "the same photo, mirrored" in _copy_line(page, "mirrored.jpg")
    assert "a rotated copy of this photo" in _copy_line(page, "rotated.jpg")
    assert "a crop of this photo" in _copy_line(page, "cropped.jpg")
    # the numbers stay, in the detail line, not as the headline
    assert "PDQ distance" in _copy_line(page, "mirrored.jpg")
    assert "flip" in _copy_line(page, "mirrored.jpg")
    assert "/thumbnail" in page.split('id="copies-title"')[1].split("</section>")[0]
    # seen from the crop, the original is the wider picture
    from_crop = client.get(f"/evidence/{crop}", headers=bearer(team.tokens["viewer"])).text
    assert "a wider version of this photo" in _copy_line(from_crop, "original.jpg")

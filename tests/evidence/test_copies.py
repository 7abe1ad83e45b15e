"""Copies found at ingest, `civwatch match` without ingesting, clusters and first sightings."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from tests.conftest import run_cli
from tests.support.files import photo


def lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def _repost(src: Path, dst: Path) -> Path:
    """Resized, recompressed and captioned, as a channel reposting it would."""
    img = Image.open(src).convert("RGB")
    img = img.resize((img.width // 2, img.height // 2))
    canvas = Image.new("RGB", (img.width, img.height + 60), "white")
    canvas.paste(img, (0, 60))
    ImageDraw.Draw(canvas).text((10, 20), "BREAKING: strike reported", fill="black")
    canvas.save(dst, "JPEG", quality=55)
    return dst


def test_copies_found_at_ingest_with_first_sighting(tmp_path: Path, cli_env: dict) -> None:
    env = cli_env
    run_cli(env, "init", check=True)
    original = photo(tmp_path / "original.jpg", seed=11)
    other = photo(tmp_path / "other-scene.jpg", seed=99, lat=46.48, lon=30.72)
    repost = _repost(original, tmp_path / "repost.jpg")

    first = lines(
        run_cli(
            env,
            "ingest",
            str(repost),
            "--source-url",
            "https://t.me/b/9",
            "--published-at",
            "2022-03-09T15:00:00+02:00",
            "--json",
            check=True,
        ).stdout
    )[0]
    run_cli(env, "ingest", str(other), "--json", check=True)
    orig = lines(
        run_cli(
            env,
            "ingest",
            str(original),
            "--source-url",
            "https://t.me/a/1",
            "--published-at",
            "2022-03-09T14:20:00+02:00",
            "--json",
            check=True,
        ).stdout
    )[0]

    cluster = json.loads(run_cli(env, "cluster", orig["sha256"], "--json", check=True).stdout)
    assert cluster["copies"] == 1
    assert {m["sha256"] for m in cluster["members"]} == {orig["sha256"], first["sha256"]}
    # The original was collected last but its source published first.
    assert cluster["first_sighting"]["source_url"] == "https://t.me/a/1"
    assert cluster["first_sighting"]["seen_by"] == "published"
    assert [s["source_url"] for s in cluster["sightings"]] == [
        "https://t.me/a/1",
        "https://t.me/b/9",
    ]

    # A mirrored copy is found without being ingested, with the transform that matched.
    mirrored = tmp_path / "mirrored.jpg"
    ImageOps.mirror(Image.open(original)).save(mirrored, "JPEG", quality=80)
    found = json.loads(run_cli(env, "match", str(mirrored), "--json", check=True).stdout)
    assert [f["sha256"] for f in found][:1] == [orig["sha256"]]
    assert found[0]["transform"] in ("flipx", "flipy") and found[0]["distance"] <= 31
    assert other.name not in json.dumps(found)
    listing = json.loads(run_cli(env, "custody", "head", "--json", check=True).stdout)
    assert listing["tree_size"] > 6  # ingest, extract, hash and match entries


def test_hash_command_and_unhashable_files(tmp_path: Path, cli_env: dict) -> None:
    env = cli_env
    run_cli(env, "init", check=True)
    pic = photo(tmp_path / "p.jpg", seed=3)
    doc = json.loads(run_cli(env, "hash", str(pic), "--json", check=True).stdout)
    assert len(doc["pdq"]) == 64 and 0 <= doc["quality"] <= 100

    Image.new("RGB", (1, 1), "red").save(tmp_path / "dot.png")
    Image.new("RGB", (400, 300), "white").save(tmp_path / "blank.png")
    (tmp_path / "broken.jpg").write_bytes(pic.read_bytes()[:300])
    proc = run_cli(env, "hash", str(tmp_path / "blank.png"))
    assert proc.returncode == 1 and "cannot be hashed" in proc.stderr

    batch = tmp_path / "batch"
    batch.mkdir()
    for name in ("dot.png", "blank.png", "broken.jpg"):
        (batch / name).write_bytes((tmp_path / name).read_bytes())
    out = run_cli(env, "ingest", str(batch), "--json", check=True)
    assert {o["status"] for o in lines(out.stdout)} == {"ingested"}
    assert "3 unhashable" in out.stderr and "0 copies found" in out.stderr
    found = json.loads(run_cli(env, "match", str(pic), "--json", check=True).stdout)
    assert found == []


def _clip(path: Path, *, size: str, seconds: int, bitrate: str, start: int = 0) -> Path:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=25:duration=12",
            "-ss",
            str(start),
            "-t",
            str(seconds),
            "-vf",
            f"scale={size}",
            "-b:v",
            bitrate,
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
        timeout=120,
    )
    return path


def test_reencoded_and_trimmed_video_match(tmp_path: Path, cli_env: dict) -> None:
    env = cli_env
    run_cli(env, "init", check=True)
    original = _clip(tmp_path / "orig.mp4", size="640:360", seconds=12, bitrate="1500k")
    run_cli(env, "ingest", str(original), "--json", check=True)
    small = _clip(tmp_path / "small.mp4", size="320:180", seconds=12, bitrate="150k")
    trimmed = _clip(tmp_path / "trim.mp4", size="640:360", seconds=9, bitrate="800k", start=2)
    for clip in (small, trimmed):
        found = json.loads(run_cli(env, "match", str(clip), "--json", check=True).stdout)
        assert len(found) == 1 and found[0]["method"] == "vpdq"
        assert found[0]["query_in_other"] >= 0.8
    frames = json.loads(run_cli(env, "hash", str(original), "--json", check=True).stdout)
    assert 5 <= len(frames["frames"]) <= 12 and frames["frames"][0]["t"] == 0

"""vPDQ frame hashing and video matching on clips made with ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from civwatch.errors import UnhashableMediaError
from civwatch.matching.video import video_frame_hashes, video_match


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    original = folder / "original.mp4"
    # A moving test pattern whose colours turn over 10 s.
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=480x270:rate=25:duration=10",
        "-vf", "hue=h=t*36", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18",
        "-pix_fmt", "yuv420p", str(original),
    )  # fmt: skip
    low = folder / "low.mp4"
    _ffmpeg("-i", str(original), "-vf", "scale=320:180", "-b:v", "150k", str(low))
    trimmed = folder / "trimmed.mp4"
    _ffmpeg("-ss", "1", "-i", str(original), "-t", "8", "-c:v", "libx264", str(trimmed))
    other = folder / "other.mp4"
    _ffmpeg(
        "-f", "lavfi", "-i", "life=size=320x180:rate=25:mold=10:ratio=0.3:seed=5", "-t", "10",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", str(other),
    )  # fmt: skip
    black = folder / "black.mp4"
    _ffmpeg("-f", "lavfi", "-i", "color=black:size=320x240:rate=10:duration=3", str(black))
    return {"original": original, "low": low, "trimmed": trimmed, "other": other, "black": black}


def test_frames_sampled_once_a_second(clips: dict[str, Path]) -> None:
    frames = video_frame_hashes(clips["original"], fold_distance=-1)
    assert [t for t, _ in frames] == [float(s) for s in range(10)]
    assert all(h.quality >= 50 for _, h in frames)


def test_reencoded_and_trimmed_copies_match_and_other_video_does_not(
    clips: dict[str, Path],
) -> None:
    original = video_frame_hashes(clips["original"])
    low = video_match(video_frame_hashes(clips["low"]), original)
    assert low.matched and low.query_in_other >= 0.9
    trimmed = video_match(video_frame_hashes(clips["trimmed"]), original)
    assert trimmed.matched
    # The other direction: 80% of the original is in the trimmed copy, not all of it.
    assert trimmed.other_in_query < 1.0
    other = video_match(video_frame_hashes(clips["other"]), original)
    assert not other.matched and other.query_in_other == 0.0


def test_video_without_hashable_frames_gives_a_reason(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(UnhashableMediaError, match="No frame"):
        video_frame_hashes(clips["black"])
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    with pytest.raises(UnhashableMediaError, match="No frame"):
        video_frame_hashes(broken)
    with pytest.raises(UnhashableMediaError, match="does not exist"):
        video_frame_hashes(tmp_path / "absent.mp4")

"""Accuracy of copy detection on real photographs and their copies (and on video clips).

Prints, per transform, the recall of plain PDQ (whole image, 8 dihedral variants, distance
<= 31: the reference), of region hashes alone, and of the full pipeline (index candidates
within CANDIDATE_DISTANCE, then ``is_copy``), with the false matches between different
photos. Then the geometric check alone on every pair of different photos carrying the
same overlay, and video copies.

    .venv/bin/python bench/matching_accuracy.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from civwatch.matching.video import video_frame_hashes, video_match
from tests.matching.evalset import REQUIRED, build, evaluate, photos


def images(folder: Path) -> None:
    rows = build(folder)
    start = time.perf_counter()
    report = evaluate(rows)
    elapsed = time.perf_counter() - start
    n_photos = sum(1 for _, t, _ in rows if t == "original")
    print(f"{n_photos} photos, {len(rows)} images; every image queried against all others")
    header = ("transform", "copies", "plain PDQ", "regions", "pipeline", "false")
    print(
        f"{header[0]:18} {header[1]:>6} {header[2]:>9} {header[3]:>8} {header[4]:>8} {header[5]:>5}"
    )
    for name, s in report.scores.items():
        extra = "" if name in REQUIRED else "  (extra)"
        missed = f"  missed: {', '.join(s.misses)}" if s.misses else ""
        print(
            f"{name:18} {s.copies:6d} {s.plain_pdq / s.copies:9.2f} {s.multi_hash / s.copies:8.2f}"
            f" {s.found / s.copies:8.2f} {s.false_matches:5d}{extra}{missed}"
        )
    for label, names in (("required", REQUIRED), ("all", tuple(report.scores))):
        print(
            f"recall, {label} transforms: plain PDQ {report.recall(names, 'plain_pdq'):.3f},"
            f" regions {report.recall(names, 'multi_hash'):.3f},"
            f" pipeline {report.recall(names):.3f}"
        )
    print(f"false matches between different photos (pipeline): {len(report.false_pairs)}")
    for a, b in report.false_pairs[:10]:
        print(f"  {a} ~ {b}")
    print(f"candidate pairs checked: {report.candidates}")
    print(
        f"geometric check alone on {report.adversarial_pairs} pairs of different photos with"
        f" the same overlay: {report.adversarial_passes} passed (false)"
    )
    for a, b in report.adversarial_false:
        print(f"  {a} ~ {b}")
    print(f"time: {elapsed:.1f} s")


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=600)


def videos(folder: Path) -> None:
    pictures = list(photos().items())
    clips = {}
    for label, chosen in (("a", pictures[:6]), ("b", pictures[6:12])):
        for k, (_, image) in enumerate(chosen):
            image.resize((1280, 720)).save(folder / f"{label}{k}.png")
        # A slideshow with a slow Ken Burns zoom: 4 s per photo, 24 s, 1280x720.
        out = folder / f"clip-{label}.mp4"
        _ffmpeg(
            "-framerate", "1/4", "-i", str(folder / f"{label}%d.png"),
            "-vf", "zoompan=z='min(zoom+0.0005,1.5)':d=100:s=1280x720:fps=25,format=yuv420p",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", str(out),
        )  # fmt: skip
        clips[label] = out
    low = folder / "low.mp4"
    _ffmpeg("-i", str(clips["a"]), "-vf", "scale=480:270", "-b:v", "200k", str(low))
    trimmed = folder / "trimmed.mp4"
    _ffmpeg("-ss", "4.8", "-i", str(clips["a"]), "-t", "19.2", "-c:v", "libx264", str(trimmed))
    original = video_frame_hashes(clips["a"])
    print(f"\nvideo: original {len(original)} unique frames at 1 fps")
    for name, path in (("re-encoded 480x270 200 kb/s", low), ("trimmed by 20%", trimmed),
                       ("different clip", clips["b"])):  # fmt: skip
        m = video_match(video_frame_hashes(path), original)
        print(
            f"  {name:28} query in original {m.query_in_other:.2f},"
            f" original in query {m.other_in_query:.2f} -> {'match' if m.matched else 'no match'}"
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        images(Path(tmp) / "images")
        videos(Path(tmp))


if __name__ == "__main__":
    main()

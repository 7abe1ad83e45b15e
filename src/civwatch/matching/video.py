"""vPDQ: PDQ hashes of video frames sampled once a second, and video-to-video matching.

Frames are decoded by an ``ffmpeg`` subprocess (with a time limit) and streamed as raw RGB
over a pipe, scaled to a fixed square: PDQ reduces every frame to 64x64 regardless of its
aspect ratio, so a smaller decode gives the same hash at a fraction of the cost.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from civwatch.errors import UnhashableMediaError
from civwatch.i18n import _
from civwatch.matching.pdq import (
    DEFAULT_MAX_DISTANCE,
    HASH_BYTES,
    MIN_MATCH_QUALITY,
    PdqHash,
    pdq_from_rgb,
)
from civwatch.media.tools import FFMPEG, resolve

#: Side of the square frames are scaled to before hashing.
FRAME_SIDE: Final = 512
#: Consecutive frames whose hashes differ by at most this many bits are folded into one.
DEFAULT_FOLD_DISTANCE: Final = 2
DEFAULT_TIMEOUT_SECONDS: Final = 600.0
DEFAULT_MAX_SECONDS: Final = 6 * 3600

FrameHash = tuple[float, PdqHash]
"""Time in seconds from the start of the video, and the PDQ hash of that frame."""


def video_frame_hashes(
    path: str | os.PathLike[str],
    *,
    fps: float = 1.0,
    fold_distance: int = DEFAULT_FOLD_DISTANCE,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    ffmpeg: str = "ffmpeg",
) -> list[FrameHash]:
    """PDQ hashes of a video's frames at ``fps`` frames a second, near-repeats folded.

    Uniform (e.g. black) frames are skipped. Raises ``UnhashableMediaError`` if no frame
    could be decoded and hashed, or ``ffmpeg`` runs longer than ``timeout`` seconds.
    """
    source = Path(path)
    if not source.is_file():
        raise UnhashableMediaError(_("The file %(name)s does not exist.", name=source.name))
    ffmpeg = resolve(FFMPEG, ffmpeg)
    frame_bytes = FRAME_SIDE * FRAME_SIDE * 3
    # The first frame, then each frame at least 1/fps seconds after the last one taken
    # (as vPDQ does); ffmpeg's fps filter would take frames from mid-interval instead.
    select = f"select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,{1 / fps:.6f})'"
    command = [
        ffmpeg, "-nostdin", "-v", "error", "-t", str(max_seconds), "-i", str(source),
        "-map", "0:v:0", "-an", "-sn", "-dn",
        "-vf", f"{select},scale={FRAME_SIDE}:{FRAME_SIDE}:flags=area",
        "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    ]  # fmt: skip
    frames: list[FrameHash] = []
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        try:
            number = 0
            while True:
                if time.monotonic() > deadline:
                    raise UnhashableMediaError(
                        _(
                            "Decoding %(name)s took longer than %(timeout)s s; stopped.",
                            name=source.name,
                            timeout=f"{timeout:.0f}",
                        )
                    )
                chunk = process.stdout.read(frame_bytes)
                if len(chunk) < frame_bytes:
                    break
                rgb = np.frombuffer(chunk, dtype=np.uint8).reshape(FRAME_SIDE, FRAME_SIDE, 3)
                t = number / fps
                number += 1
                try:
                    frame_hash = pdq_from_rgb(rgb)
                except UnhashableMediaError:
                    continue  # a uniform frame: nothing to hash
                if frames and _distance(frames[-1][1], frame_hash) <= fold_distance:
                    continue
                frames.append((round(t, 3), frame_hash))
        finally:
            process.stdout.close()
            if process.poll() is None:
                process.kill()
            process.wait()
        errors.seek(0)
        message = errors.read(500).decode("utf-8", "replace").strip()
    if not frames:
        raise UnhashableMediaError(
            _(
                "No frame of %(name)s could be decoded and hashed: %(reason)s.",
                name=source.name,
                reason=message,
            )
            if message
            else _("No frame of %(name)s could be decoded and hashed.", name=source.name)
        )
    return frames


@dataclass(frozen=True, slots=True)
class VideoMatch:
    """How much of each video is found in the other (fractions of unique strong frames)."""

    query_in_other: float
    other_in_query: float
    query_frames: int
    other_frames: int
    threshold: float

    @property
    def matched(self) -> bool:
        """True when enough of the query's frames are found in the other video."""
        return self.query_frames > 0 and self.query_in_other >= self.threshold


def video_match(
    query_frames: Sequence[FrameHash],
    other_frames: Sequence[FrameHash],
    max_distance: int = DEFAULT_MAX_DISTANCE,
    threshold: float = 0.8,
) -> VideoMatch:
    """Compare two videos' frame hashes in both directions.

    Only frames of quality >= 50 count, and identical hashes count once. A frame is found
    when the other video has a frame within ``max_distance``.
    """
    query = _unique_strong_bits(query_frames)
    other = _unique_strong_bits(other_frames)
    if query.shape[0] == 0 or other.shape[0] == 0:
        return VideoMatch(0.0, 0.0, query.shape[0], other.shape[0], threshold)
    distances = pairwise_distances(query, other)
    query_found = float((distances.min(axis=1) <= max_distance).mean())
    other_found = float((distances.min(axis=0) <= max_distance).mean())
    return VideoMatch(query_found, other_found, query.shape[0], other.shape[0], threshold)


def pairwise_distances(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> NDArray[np.int32]:
    """Hamming distances between every row of ``a`` and of ``b`` (both ``(n, 32)`` uint8)."""
    a64 = np.ascontiguousarray(a).view(np.uint64)
    b64 = np.ascontiguousarray(b).view(np.uint64)
    out = np.empty((a64.shape[0], b64.shape[0]), dtype=np.int32)
    step = max(1, 4_000_000 // max(1, b64.shape[0]))
    for start in range(0, a64.shape[0], step):
        block = np.bitwise_xor(a64[start : start + step, None, :], b64[None, :, :])
        out[start : start + step] = np.bitwise_count(block).sum(axis=2, dtype=np.int32)
    return out


def _unique_strong_bits(frames: Sequence[FrameHash]) -> NDArray[np.uint8]:
    unique = {h.bits for _, h in frames if h.quality >= MIN_MATCH_QUALITY}
    if not unique:
        return np.empty((0, HASH_BYTES), dtype=np.uint8)
    return np.frombuffer(b"".join(sorted(unique)), dtype=np.uint8).reshape(-1, HASH_BYTES)


def _distance(a: PdqHash, b: PdqHash) -> int:
    return (int.from_bytes(a.bits, "big") ^ int.from_bytes(b.bits, "big")).bit_count()

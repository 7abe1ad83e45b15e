"""ffprobe as a second opinion on a video's duration and frame size."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from civwatch.media.tools import FFPROBE, resolve


class ProbeFailed(Exception):
    """ffprobe could not read the file, timed out, or is not installed."""


def ffprobe(path: Path, *, executable: str = "ffprobe", timeout_s: float = 30.0) -> dict[str, Any]:
    """ffprobe's JSON description (format and streams) of the file at ``path``.
    ``executable`` is resolved by :func:`civwatch.media.tools.resolve`
    (``ToolMissingError`` if it cannot be run)."""
    program = resolve(FFPROBE, executable)
    try:
        done = subprocess.run(
            [
                program,
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                "--",
                str(path),
            ],
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ProbeFailed(f"ffprobe took longer than {timeout_s:g} s") from exc
    except OSError as exc:
        raise ProbeFailed(f"ffprobe could not be started: {exc.strerror}") from exc
    try:
        parsed = json.loads(done.stdout.decode("utf-8", errors="replace") or "{}")
    except ValueError as exc:
        raise ProbeFailed("ffprobe gave unreadable output") from exc
    if done.returncode != 0 and not parsed.get("streams"):
        lines = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        message = lines[-1] if lines else f"ffprobe failed ({done.returncode})"
        raise ProbeFailed(message.removeprefix(f"{path}: ").rstrip("."))
    return parsed if isinstance(parsed, dict) else {}


def video_facts(probe: dict[str, Any]) -> tuple[float | None, int | None, int | None]:
    """Duration in seconds, width and height of the first video stream."""
    duration: float | None = None
    try:
        duration = float(probe.get("format", {}).get("duration"))
    except (TypeError, ValueError):
        duration = None
    width = height = None
    for stream in probe.get("streams", []):
        if (
            stream.get("codec_type") == "video"
            and stream.get("disposition", {}).get("attached_pic") != 1
        ):
            if isinstance(stream.get("width"), int) and isinstance(stream.get("height"), int):
                width, height = stream["width"], stream["height"]
            if duration is None:
                try:
                    duration = float(stream.get("duration"))
                except (TypeError, ValueError):
                    duration = None
            break
    return duration, width, height

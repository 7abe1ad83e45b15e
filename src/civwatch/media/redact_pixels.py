"""Redacted copies of photos and videos, made pixel by pixel (DESIGN.md invariant 5).

The original is never changed. A redaction decodes it, applies the EXIF orientation,
blurs faces (:mod:`civwatch.media.faces`) and the manual regions given, and re-encodes it
without any metadata; :mod:`civwatch.media.metadata_check` then reads the result back with
exiftool. What is kept of it, and who approves it, is the publish domain's
(:mod:`civwatch.publish.redaction`).

Images: JPEG out (PNG for PNG and GIF input), only the first frame of an animation.
Video: ffmpeg re-encodes to H.264/AAC MP4 with ``-map_metadata -1`` and bit-exact
containers; faces are looked for in 2 frames a second and each face found is blurred from
0.6 s before to 0.6 s after the frame it was seen in; manual regions are blurred
throughout. Audio is kept (re-encoded): voices are not altered.

Engine level: knows files and pixels, nothing of evidence or incidents.
"""

from __future__ import annotations

import io
import math
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageCms

from civwatch.errors import RejectedInputError, UnhashableMediaError
from civwatch.i18n import _
from civwatch.matching.decoding import decode_image
from civwatch.media.faces import (
    RGB,
    Box,
    blur_boxes,
    detect_faces,
    grow,
    parse_regions,
    split_removed,
)
from civwatch.media.tools import FFMPEG, resolve
from civwatch.media.video import ProbeFailed
from civwatch.media.video import ffprobe as run_ffprobe

JPEG_QUALITY = 90
#: Working size (longer side, pixels) for face detection in video frames.
VIDEO_DETECT_SIDE = 640
#: Faces are looked for in this many video frames a second; each stays blurred this long
#: before and after the frame it was found in.
VIDEO_SAMPLE_FPS = 2.0
VIDEO_FACE_HOLD_S = 0.6
MAX_VIDEO_SECONDS = 20 * 60
MAX_VIDEO_PIXELS = 3840 * 2160
#: A photo is published with at least this many pixels on its shorter side: a larger one is
#: decoded (and published) reduced, never whole.
PUBLISH_MIN_SIDE = 2048
VIDEO_TIMEOUT_S = 3600.0


@dataclass
class RedactedMedia:
    """A redacted derivative, before it is stored."""

    path: Path
    media_type: str
    width: int
    height: int
    faces: list[dict[str, Any]]
    regions: list[dict[str, Any]]
    #: Faces the finder found that the reviewer removed (not blurred), photos only.
    removed_faces: list[dict[str, Any]] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    metadata_left: dict[str, Any] = field(default_factory=dict)


def _scaled(box: Box, sx: float, sy: float) -> Box:
    """A box on the full-size picture, on the picture decoded reduced (covering it)."""
    x, y, w, h = box
    x0, y0 = math.floor(x * sx), math.floor(y * sy)
    return x0, y0, max(1, math.ceil((x + w) * sx) - x0), max(1, math.ceil((y + h) * sy) - y0)


def _box_json(box: Box, **extra: Any) -> dict[str, Any]:
    return {"x": box[0], "y": box[1], "w": box[2], "h": box[3], **extra}


def _to_srgb(image: Image.Image, actions: list[str]) -> Image.Image:
    icc = image.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            target = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(image.convert("RGB"), source, target)
            if converted is not None:
                actions.append("colour profile converted to sRGB and removed")
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            actions.append("colour profile removed (could not be applied)")
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def redact_image(
    source: Path,
    out_dir: Path,
    regions: Sequence[Mapping[str, Any]] | None = None,
    *,
    blur_faces: bool = True,
    max_pixels: int,
    removed_faces: Sequence[Mapping[str, Any]] | None = None,
) -> RedactedMedia:
    """Decode, orient, blur faces and ``regions``, re-encode without metadata.

    A large image is decoded reduced (at least ``PUBLISH_MIN_SIDE`` pixels on its shorter
    side, see ``decode_image``) and published at that size; ``regions`` in pixels are on
    the picture as displayed at full size. ``removed_faces`` (same pixels) are the face
    finder's boxes a reviewer removed: the faces found there are not blurred, and are
    returned apart (``removed_faces``) so the record says what was found, kept and removed.
    """
    actions: list[str] = []
    try:
        decoded = decode_image(
            source, max_pixels=max_pixels, min_side=PUBLISH_MIN_SIDE, orient=True, count_frames=True
        )
    except UnhashableMediaError as err:
        raise RejectedInputError(err.message) from err
    fmt, frames, orientation = decoded.format, decoded.frames, decoded.orientation
    if orientation != 1:
        actions.append(f"EXIF orientation {orientation} applied")
    image = _to_srgb(decoded.image, actions)
    if frames > 1:
        actions.append(f"first frame of {frames} kept")
    rgb = np.ascontiguousarray(np.asarray(image, dtype=np.uint8))
    height, width = rgb.shape[:2]
    full_width, full_height = (
        (decoded.height, decoded.width)
        if orientation in (5, 6, 7, 8)
        else (decoded.width, decoded.height)
    )
    manual = [
        _scaled(box, width / full_width, height / full_height)
        for box in parse_regions(regions, full_width, full_height)
    ]
    if decoded.reduction > 1:
        actions.append(
            f"reduced from {full_width} x {full_height} to {width} x {height} pixels for "
            "publication"
        )
    unwanted = [
        _scaled(box, width / full_width, height / full_height)
        for box in parse_regions(removed_faces, full_width, full_height)
    ]
    faces, removed = split_removed(detect_faces(rgb) if blur_faces else [], unwanted)
    rgb = blur_boxes(rgb, [*faces, *manual])
    # Recorded in English, in these exact words: ``publish.redaction_words`` reads them back
    # for the pages in the reader's language (with plural forms).
    if blur_faces:
        actions.append(f"{len(faces)} face(s) found and blurred")
        if removed:
            actions.append(f"{len(removed)} face box(es) removed by the reviewer, not blurred")
    else:
        actions.append("face detection not asked for")
    if manual:
        actions.append(f"{len(manual)} region(s) blurred by hand")
    out_type, out_format, suffix = (
        ("image/png", "PNG", ".png") if fmt in ("PNG", "GIF") else ("image/jpeg", "JPEG", ".jpg")
    )
    out = Image.fromarray(rgb, "RGB")
    path = Path(tempfile.mkstemp(dir=out_dir, prefix="redacted-", suffix=suffix)[1])
    if out_format == "JPEG":
        out.save(path, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        out.save(path, "PNG")
    actions.append(f"re-encoded as {out_type} without metadata")
    return RedactedMedia(
        path=path,
        media_type=out_type,
        width=width,
        height=height,
        faces=[_box_json(b) for b in faces],
        regions=[_box_json(b) for b in manual],
        removed_faces=[_box_json(b) for b in removed],
        actions=actions,
    )


# --- video ---------------------------------------------------------------------------------


def _probe(source: Path, ffprobe: str, timeout_s: float) -> tuple[int, int, float, float, bool]:
    """Displayed width, height, frame rate, duration and whether there is audio."""
    try:
        probe = run_ffprobe(source, executable=ffprobe, timeout_s=timeout_s)
    except ProbeFailed as err:
        raise RejectedInputError(_("The video could not be read (%(err)s).", err=err)) from err
    streams = probe.get("streams", [])
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video" and s.get("disposition", {}).get("attached_pic") != 1
        ),
        None,
    )
    if video is None or not isinstance(video.get("width"), int):
        raise RejectedInputError(_("The file has no video stream that can be decoded."))
    width, height = int(video["width"]), int(video["height"])
    rotation = 0.0
    for side in video.get("side_data_list", []) or []:
        if "rotation" in side:
            rotation = float(side["rotation"])
    if round(abs(rotation)) % 180 == 90:
        width, height = height, width
    try:
        num, _sep, den = str(video.get("avg_frame_rate") or video.get("r_frame_rate")).partition(
            "/"
        )
        fps = float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        fps = 0.0
    if not 0.5 <= fps <= 240:
        fps = 25.0
    try:
        duration = float(probe.get("format", {}).get("duration") or video.get("duration") or 0)
    except (TypeError, ValueError):
        duration = 0.0
    if width * height > MAX_VIDEO_PIXELS:
        raise RejectedInputError(
            _(
                "The video is %(width)s x %(height)s; redaction handles up to 3840 x 2160.",
                width=width,
                height=height,
            )
        )
    if duration > MAX_VIDEO_SECONDS:
        raise RejectedInputError(
            _(
                "The video lasts %(minutes)s minutes; cut it to at most %(most)s "
                "minutes before redacting.",
                minutes=f"{duration / 60:.0f}",
                most=MAX_VIDEO_SECONDS // 60,
            )
        )
    audio = any(s.get("codec_type") == "audio" for s in streams)
    return width, height, fps, duration, audio


def _frames(command: list[str], width: int, height: int) -> Iterator[RGB]:
    size = width * height * 3
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        try:
            while True:
                chunk = process.stdout.read(size)
                if len(chunk) < size:
                    break
                yield np.frombuffer(chunk, dtype=np.uint8).reshape(height, width, 3)
        finally:
            process.stdout.close()
            if process.poll() is None:
                process.kill()
            process.wait()


def redact_video(
    source: Path,
    out_dir: Path,
    regions: Sequence[Mapping[str, Any]] | None = None,
    *,
    blur_faces: bool = True,
    ffprobe: str = "ffprobe",
    ffmpeg: str = "ffmpeg",
    timeout_s: float = 30.0,
) -> RedactedMedia:
    """Re-encode a video without metadata, faces and ``regions`` blurred (see the module)."""
    ffmpeg = resolve(FFMPEG, ffmpeg)
    width, height, fps, _duration, audio = _probe(source, ffprobe, timeout_s)
    # H.264 in 4:2:0 needs even sides: the last row/column is dropped when odd.
    width, height = width - width % 2, height - height % 2
    manual = parse_regions(regions, width, height)
    actions = ["EXIF/container rotation applied"]
    faces: list[tuple[float, Box]] = []
    if blur_faces:
        scale = min(1.0, VIDEO_DETECT_SIDE / max(width, height))
        sw, sh = max(2, round(width * scale)), max(2, round(height * scale))
        sample = [
            ffmpeg, "-nostdin", "-v", "error", "-i", str(source), "-map", "0:v:0",
            "-an", "-sn", "-dn", "-vf",
            f"crop={width}:{height}:0:0,fps={VIDEO_SAMPLE_FPS},scale={sw}:{sh}:flags=area",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
        ]  # fmt: skip
        for number, frame in enumerate(_frames(sample, sw, sh)):
            t = number / VIDEO_SAMPLE_FPS
            for x, y, w, h in detect_faces(frame, side=VIDEO_DETECT_SIDE):
                box = (
                    math.floor(x / scale),
                    math.floor(y / scale),
                    math.ceil(w / scale),
                    math.ceil(h / scale),
                )
                faces.append((t, grow(box, width, height, 0.1)))
    decode = [
        ffmpeg, "-nostdin", "-v", "error", "-i", str(source), "-map", "0:v:0",
        "-an", "-sn", "-dn", "-vf", f"crop={width}:{height}:0:0", "-fps_mode", "cfr",
        "-r", f"{fps:.6f}", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    ]  # fmt: skip
    path = Path(tempfile.mkstemp(dir=out_dir, prefix="redacted-", suffix=".mp4")[1])
    encode = [
        ffmpeg, "-nostdin", "-v", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", f"{fps:.6f}",
        "-i", "pipe:0", "-i", str(source),
        "-map", "0:v:0", *(["-map", "1:a:0?"] if audio else []),
        "-map_metadata", "-1", "-map_metadata:s", "-1", "-map_chapters", "-1",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
        *(["-c:a", "aac", "-b:a", "128k"] if audio else []),
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-movflags", "+faststart", "-shortest", "-f", "mp4", str(path),
    ]  # fmt: skip
    with tempfile.TemporaryFile() as errors:
        encoder = subprocess.Popen(encode, stdin=subprocess.PIPE, stderr=errors)
        assert encoder.stdin is not None
        frames = 0
        try:
            for number, frame in enumerate(_frames(decode, width, height)):
                t = number / fps
                boxes = [b for ft, b in faces if abs(ft - t) <= VIDEO_FACE_HOLD_S] + manual
                encoder.stdin.write((blur_boxes(frame, boxes) if boxes else frame).tobytes())
                frames += 1
            encoder.stdin.close()
            code = encoder.wait(timeout=VIDEO_TIMEOUT_S)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            encoder.kill()
            encoder.wait()
            code = -1
        errors.seek(0)
        message = errors.read(500).decode("utf-8", "replace").strip()
    if frames == 0 or code != 0:
        path.unlink(missing_ok=True)
        detail = message or ("no frame could be decoded" if frames == 0 else f"exit {code}")
        raise RejectedInputError(_("The video could not be redacted (%(detail)s).", detail=detail))
    if blur_faces:
        actions.append(
            f"faces looked for in {VIDEO_SAMPLE_FPS:g} frames a second: {len(faces)} "
            f"sighting(s) blurred, each for {VIDEO_FACE_HOLD_S:g} s either side"
        )
    else:
        actions.append("face detection not asked for")
    if manual:
        actions.append(f"{len(manual)} region(s) blurred by hand in every frame")
    actions.append(
        "re-encoded as H.264"
        + (" with AAC audio (voices unchanged)" if audio else "")
        + " in MP4 without metadata"
    )
    return RedactedMedia(
        path=path,
        media_type="video/mp4",
        width=width,
        height=height,
        faces=[_box_json(b, t=round(t, 2)) for t, b in faces],
        regions=[_box_json(b) for b in manual],
        actions=actions,
    )

"""Redacted derivatives of evidence media, for publication (DESIGN.md invariant 5).

The original is never changed. A redaction decodes it, applies the EXIF orientation,
blurs faces (found by the LBP frontal-face cascade that ships inside scikit-image: no
download at run time) and the manual regions given, and re-encodes it without any
metadata. The result is read back with exiftool; any location, device, date, XMP, IPTC or
maker-note field left makes the redaction fail. The derivative is a new blob in the vault,
recorded with what was done and by whom; it stays a "draft" until a publisher (a second
person) approves it, and only approved derivatives are ever published.

Images: JPEG out (PNG for PNG and GIF input), only the first frame of an animation.
Video: ffmpeg re-encodes to H.264/AAC MP4 with ``-map_metadata -1`` and bit-exact
containers; faces are looked for in 2 frames a second and each face found is blurred from
0.6 s before to 0.6 s after the frame it was seen in; manual regions are blurred
throughout. Audio is kept (re-encoded): voices are not altered.

The detector finds frontal and near-frontal faces of about 20 pixels and more (at the
working size: 1024 pixels on the longer side for photos, 640 for video); it misses
profiles, small and covered faces. It is generous (false alarms are cheaper than a missed
face) but it is an aid: the preview is for a person to check, and to add manual regions.
"""

from __future__ import annotations

import functools
import io
import math
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageCms
from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import (
    NotFoundError,
    PermissionDeniedError,
    RejectedInputError,
    UnhashableMediaError,
)
from civwatch.evidence.service import find_item
from civwatch.incidents.links import current_links, current_links_of_items
from civwatch.incidents.versions import mark_public_items
from civwatch.matching.decoding import decode_image
from civwatch.media.exiftool import ExiftoolProcess, parse_json_output
from civwatch.media.tools import EXIFTOOL, FFMPEG, resolve
from civwatch.publish.acts import REDACTION_APPROVE, REDACTION_CREATE
from civwatch.publish.models import Redaction
from civwatch.workspace import Workspace

#: Working size (longer side, pixels) for face detection in photos and in video frames.
DETECT_SIDE = 1024
VIDEO_DETECT_SIDE = 640
#: Smallest face looked for, in pixels at the working size.
MIN_FACE = 20
#: Each face box is grown by this fraction of its size on every side (hair, ears, chin).
FACE_MARGIN = 0.3
#: Number of blocks across the longer side of a blurred region.
BLOCKS = 8
MAX_REGIONS = 200
JPEG_QUALITY = 90
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

Box = tuple[int, int, int, int]
RGB = NDArray[np.uint8]

# --- regions and faces ---------------------------------------------------------------------


def parse_regions(raw: Sequence[Mapping[str, Any]] | None, width: int, height: int) -> list[Box]:
    """Manual regions as pixel boxes (x, y, w, h) on the image as displayed.

    Each region is ``{"x", "y", "w", "h"}`` in pixels, or with ``"unit": "fraction"`` as
    fractions (0-1) of the width and height. A region reaching past an edge is cut at the
    edge; one entirely outside the picture is refused.
    """
    if not raw:
        return []
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise RejectedInputError("Regions must be a list of {x, y, w, h}.")
    if len(raw) > MAX_REGIONS:
        raise RejectedInputError(f"At most {MAX_REGIONS} regions can be blurred by hand.")
    boxes: list[Box] = []
    for number, region in enumerate(raw, 1):
        if not isinstance(region, Mapping):
            raise RejectedInputError(f"Region {number} must be an object {{x, y, w, h}}.")
        unknown = set(region) - {"x", "y", "w", "h", "unit"}
        if unknown:
            raise RejectedInputError(
                f"Region {number} has unknown field(s) {', '.join(sorted(unknown))}."
            )
        unit = region.get("unit", "px")
        if unit not in ("px", "fraction"):
            raise RejectedInputError(f"Region {number}: unit must be 'px' or 'fraction'.")
        values = []
        for key in ("x", "y", "w", "h"):
            value = region.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise RejectedInputError(f"Region {number} needs a number {key}.")
            if not math.isfinite(value):
                raise RejectedInputError(f"Region {number}: {key} must be a finite number.")
            values.append(float(value))
        x, y, w, h = values
        if unit == "fraction":
            if not all(-1.0 <= v <= 2.0 for v in values):
                raise RejectedInputError(
                    f"Region {number}: fractions are between 0 and 1 of the picture."
                )
            x, w = x * width, w * width
            y, h = y * height, h * height
        if w <= 0 or h <= 0:
            raise RejectedInputError(f"Region {number} has no area (width and height > 0).")
        x0, y0 = max(0, math.floor(x)), max(0, math.floor(y))
        x1, y1 = min(width, math.ceil(x + w)), min(height, math.ceil(y + h))
        if x1 <= x0 or y1 <= y0:
            raise RejectedInputError(
                f"Region {number} ({x:g}, {y:g}, {w:g} x {h:g} px) lies outside the picture, "
                f"which is {width} x {height} pixels."
            )
        boxes.append((x0, y0, x1 - x0, y1 - y0))
    return boxes


@functools.lru_cache(maxsize=1)
def _cascade() -> Any:
    from skimage.data import lbp_frontal_face_cascade_filename
    from skimage.feature import Cascade

    return Cascade(lbp_frontal_face_cascade_filename())  # type: ignore[no-untyped-call]


def _grey(rgb: RGB) -> NDArray[np.float64]:
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float64)
    return np.ascontiguousarray((rgb.astype(np.float64) @ weights) / 255.0)


def _grow(box: Box, width: int, height: int, margin: float = FACE_MARGIN) -> Box:
    x, y, w, h = box
    dx, dy = round(w * margin), round(h * margin)
    x0, y0 = max(0, x - dx), max(0, y - dy)
    x1, y1 = min(width, x + w + dx), min(height, y + h + dy)
    return (x0, y0, x1 - x0, y1 - y0)


def _iou(a: Box, b: Box) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    if x1 <= x0 or y1 <= y0:
        return 0.0
    inter = (x1 - x0) * (y1 - y0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _cluster(boxes: list[Box], threshold: float = 0.3) -> list[Box]:
    """Boxes that overlap by more than ``threshold`` (IoU) joined into their union."""
    groups: list[list[Box]] = []
    for box in boxes:
        for group in groups:
            if any(_iou(box, other) > threshold for other in group):
                group.append(box)
                break
        else:
            groups.append([box])
    out = []
    for group in groups:
        x0, y0 = min(b[0] for b in group), min(b[1] for b in group)
        x1 = max(b[0] + b[2] for b in group)
        y1 = max(b[1] + b[3] for b in group)
        out.append((x0, y0, x1 - x0, y1 - y0))
    return sorted(out)


def detect_faces(rgb: RGB, *, side: int = DETECT_SIDE) -> list[Box]:
    """Face boxes (x, y, w, h, grown by ``FACE_MARGIN``) in pixels of ``rgb``.

    The picture is scaled so its longer side is at most ``side``; the cascade runs with a
    low vote threshold on it and on its mirror image, and a face is kept when both passes
    see it (measured on scikit-image's LFW sample: 98 of 100 faces found, 1 of 100
    non-face pictures taken for a face).
    """
    import cv2

    height, width = rgb.shape[:2]
    scale = min(1.0, side / max(width, height))
    small = (
        rgb
        if scale == 1.0
        else cv2.resize(
            rgb,
            (max(1, round(width * scale)), max(1, round(height * scale))),
            interpolation=cv2.INTER_AREA,
        )
    )
    grey = _grey(np.asarray(small, dtype=np.uint8))
    sh, sw = grey.shape
    if min(sh, sw) < MIN_FACE:
        return []
    passes: list[list[Box]] = []
    for mirrored in (False, True):
        view = grey[:, ::-1] if mirrored else grey
        detections = _cascade().detect_multi_scale(
            img=np.ascontiguousarray(view),
            scale_factor=1.1,
            step_ratio=1,
            min_size=(MIN_FACE, MIN_FACE),
            max_size=(min(sh, sw), min(sh, sw)),
            min_neighbor_number=2,
            intersection_score_threshold=0.5,
        )
        passes.append(
            [
                (sw - d["c"] - d["width"] if mirrored else d["c"], d["r"], d["width"], d["height"])
                for d in detections
            ]
        )
    plain, mirror = passes
    agreed = [b for b in plain if any(_iou(b, m) > 0.3 for m in mirror)]
    agreed += [m for m in mirror if any(_iou(b, m) > 0.3 for b in plain)]
    faces = []
    for x, y, w, h in _cluster(agreed):
        box = (
            math.floor(x / scale),
            math.floor(y / scale),
            math.ceil(w / scale),
            math.ceil(h / scale),
        )
        faces.append(_grow(box, width, height))
    return faces


def blur_boxes(rgb: RGB, boxes: Sequence[Box]) -> RGB:
    """A copy of ``rgb`` with each box pixelated (``BLOCKS`` across) and smoothed: the
    detail inside is gone for good, only a few average colours remain."""
    import cv2

    out = rgb.copy()
    for x, y, w, h in boxes:
        if w <= 0 or h <= 0:
            continue
        block = max(2, math.ceil(max(w, h) / BLOCKS))
        patch = out[y : y + h, x : x + w]
        tiny = cv2.resize(
            patch,
            (max(1, math.ceil(w / block)), max(1, math.ceil(h / block))),
            interpolation=cv2.INTER_AREA,
        )
        coarse = cv2.resize(tiny, (w, h), interpolation=cv2.INTER_NEAREST)
        sigma = block / 2
        out[y : y + h, x : x + w] = cv2.GaussianBlur(coarse, (0, 0), sigmaX=sigma, sigmaY=sigma)
    return out


# --- images --------------------------------------------------------------------------------


@dataclass
class RedactedMedia:
    """A redacted derivative, before it is stored."""

    path: Path
    media_type: str
    width: int
    height: int
    faces: list[dict[str, Any]]
    regions: list[dict[str, Any]]
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
) -> RedactedMedia:
    """Decode, orient, blur faces and ``regions``, re-encode without metadata.

    A large image is decoded reduced (at least ``PUBLISH_MIN_SIDE`` pixels on its shorter
    side, see ``decode_image``) and published at that size; ``regions`` in pixels are on
    the picture as displayed at full size.
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
    faces = detect_faces(rgb) if blur_faces else []
    rgb = blur_boxes(rgb, [*faces, *manual])
    if blur_faces:
        actions.append(f"{len(faces)} face(s) found and blurred")
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
        actions=actions,
    )


# --- video ---------------------------------------------------------------------------------


def _probe(source: Path, ffprobe: str, timeout_s: float) -> tuple[int, int, float, float, bool]:
    """Displayed width, height, frame rate, duration and whether there is audio."""
    from civwatch.media.video import ProbeFailed
    from civwatch.media.video import ffprobe as run_ffprobe

    try:
        probe = run_ffprobe(source, executable=ffprobe, timeout_s=timeout_s)
    except ProbeFailed as err:
        raise RejectedInputError(f"The video could not be read ({err}).") from err
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
        raise RejectedInputError("The file has no video stream that can be decoded.")
    width, height = int(video["width"]), int(video["height"])
    rotation = 0.0
    for side in video.get("side_data_list", []) or []:
        if "rotation" in side:
            rotation = float(side["rotation"])
    if round(abs(rotation)) % 180 == 90:
        width, height = height, width
    try:
        num, _, den = str(video.get("avg_frame_rate") or video.get("r_frame_rate")).partition("/")
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
            f"The video is {width} x {height}; redaction handles up to 3840 x 2160."
        )
    if duration > MAX_VIDEO_SECONDS:
        raise RejectedInputError(
            f"The video lasts {duration / 60:.0f} minutes; cut it to at most "
            f"{MAX_VIDEO_SECONDS // 60} minutes before redacting."
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
                faces.append((t, _grow(box, width, height, 0.1)))
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
        raise RejectedInputError(f"The video could not be redacted ({detail}).")
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


# --- metadata check ------------------------------------------------------------------------

#: Groups (exiftool -G1) a clean derivative may hold, and for some of them the tags.
_SAFE_GROUPS = {"ExifTool", "System", "File", "JFIF", "PNG", "Composite", "QuickTime"}
_SAFE_TAGS = {
    "PNG": {
        "ImageWidth",
        "ImageHeight",
        "BitDepth",
        "ColorType",
        "Compression",
        "Filter",
        "Interlace",
    },
    "Composite": {"ImageSize", "Megapixels", "AvgBitrate", "Rotation"},
}
_TRACK = re.compile(r"^Track\d+$")
_RISKY = re.compile(
    r"GPS|Latitude|Longitude|Location|Make$|Model|Serial|Lens|Owner|Author|Artist|Creator|"
    r"Copyright|Comment|^(Image)?Description$|^Title$|Keyword|Software|UUID|"
    r"ContentIdentifier|Camera|Device",
    re.IGNORECASE,
)
_ZERO_DATE = re.compile(r"^[0:\s.]*$")


def metadata_problems(tags: Mapping[str, Any]) -> list[str]:
    """Fields of exiftool's ``-G1`` JSON that must not be in a published file."""
    problems = []
    for key, value in tags.items():
        if key == "SourceFile":
            continue
        group, _, name = key.partition(":")
        name = name.split(" #")[0]
        if group in ("ExifTool", "System", "File"):
            continue
        if (
            (group not in _SAFE_GROUPS and not _TRACK.match(group))
            or (group in _SAFE_TAGS and name not in _SAFE_TAGS[group])
            or _RISKY.search(name)
            or ("Date" in name and not _ZERO_DATE.match(str(value)))
        ):
            problems.append(key)
    return sorted(problems)


def read_metadata(
    path: Path, exiftool: str = "exiftool", timeout_s: float = 30.0
) -> dict[str, Any]:
    """Everything exiftool reads in ``path`` (``-G1 -a -u``, JSON)."""
    with ExiftoolProcess(resolve(EXIFTOOL, exiftool)) as tool:
        stdout, _ = tool.execute([str(path).encode()], timeout_s)
    found = parse_json_output(stdout)
    return found[0] if found else {}


def check_clean(path: Path, exiftool: str = "exiftool", timeout_s: float = 30.0) -> dict[str, Any]:
    """exiftool's reading of a derivative; raises if anything identifying is left."""
    tags = read_metadata(path, exiftool, timeout_s)
    if not tags:
        raise RejectedInputError("exiftool could not read the redacted file back.")
    left = metadata_problems(tags)
    if left:
        raise RejectedInputError(
            "The redacted file still holds metadata that must not be published: "
            + ", ".join(left[:20])
            + "; the redaction was not kept."
        )
    return {
        k: v
        for k, v in tags.items()
        if not k.startswith(("System:", "ExifTool:", "SourceFile", "File:Directory"))
        and k != "File:FileName"
    }


# --- the records ---------------------------------------------------------------------------


def _linked_incidents(session: Session, item_id: int) -> list[int]:
    return sorted({lk.incident_id for lk in current_links_of_items(session, [item_id])})


def redaction_json(r: Redaction) -> dict[str, Any]:
    return {
        "id": r.id,
        "status": r.status,
        "original_sha256": r.original_sha256,
        "derivative_sha256": r.derivative_sha256,
        "media_type": r.media_type,
        "size": r.size,
        "width": r.width,
        "height": r.height,
        "actions": list(r.actions),
        "blur_faces": r.blur_faces,
        "faces_found": r.faces_found,
        "face_boxes": list(r.face_boxes),
        "regions": list(r.regions),
        "graphic": r.graphic,
        "metadata_left": dict(r.metadata_left),
        "created_by": r.created_by,
        "created_at": r.created_at.isoformat(),
        "custody_leaf": r.custody_leaf,
        "decided_by": r.decided_by,
        "decided_at": r.decided_at.isoformat() if r.decided_at else None,
        "decision_leaf": r.decision_leaf,
        "decision_note": r.decision_note,
    }


def create_redaction(
    ws: Workspace,
    sha256: str,
    regions: Sequence[Mapping[str, Any]] | None = None,
    *,
    blur_faces: bool = True,
    graphic: bool = False,
    actor: str | None,
) -> dict[str, Any]:
    """Make a draft redacted derivative of an evidence item linked to an incident."""
    item = find_item(ws, sha256)
    with ws.sessions() as session:
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        if not _linked_incidents(session, item.id):
            raise RejectedInputError(
                f"Item {item.sha256[:12]} is not linked to any incident: only evidence of an "
                "incident is redacted for publication."
            )
    if not item.media_type.startswith(("image/", "video/")):
        raise RejectedInputError(
            f"Item {item.sha256[:12]} is {item.media_type}: only photos and videos can be "
            "redacted for publication."
        )
    source = ws.vault.local_path(item.sha256)
    settings = ws.settings
    with tempfile.TemporaryDirectory(prefix="civwatch-redact-") as tmp:
        work = Path(tmp)
        if source is None:
            source = work / "original"
            with ws.vault.open(item.sha256) as f, source.open("wb") as out:
                shutil.copyfileobj(f, out)
        if item.media_type.startswith("image/"):
            made = redact_image(
                source, work, regions, blur_faces=blur_faces, max_pixels=settings.max_image_pixels
            )
        else:
            made = redact_video(
                source,
                work,
                regions,
                blur_faces=blur_faces,
                ffprobe=settings.ffprobe_path,
                ffmpeg=settings.ffmpeg_path,
                timeout_s=settings.extractor_timeout_s,
            )
        made.metadata_left = check_clean(
            made.path, settings.exiftool_path, settings.extractor_timeout_s
        )
        made.actions.insert(0, "all metadata removed (checked with exiftool)")
        with made.path.open("rb") as f:
            stored = ws.vault.put(f, max_size=settings.max_file_size)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        now = utcnow()
        record = Redaction(
            item_id=item.id,
            original_sha256=item.sha256,
            derivative_sha256=stored.sha256,
            media_type=made.media_type,
            size=stored.size,
            width=made.width,
            height=made.height,
            actions=made.actions,
            blur_faces=blur_faces,
            faces_found=len(made.faces),
            face_boxes=made.faces,
            regions=made.regions,
            graphic=bool(graphic),
            metadata_left=made.metadata_left,
            status="draft",
            created_by=user.username,
            created_at=now,
            custody_leaf=0,
        )
        session.add(record)
        session.flush()
        record.custody_leaf = entries.append(
            ws.custody,
            session,
            REDACTION_CREATE,
            user.username,
            now,
            redaction=record.id,
            sha256=item.sha256,
            derivative_sha256=stored.sha256,
            media_type=made.media_type,
            size=stored.size,
            actions=made.actions,
            faces_found=len(made.faces),
            face_boxes=made.faces,
            regions=made.regions,
            blur_faces=blur_faces,
            graphic=bool(graphic),
        )
        session.flush()
        return redaction_json(record)


def _redaction(session: Session, redaction_id: int, *, for_update: bool = False) -> Redaction:
    if isinstance(redaction_id, bool) or not isinstance(redaction_id, int) or redaction_id < 1:
        raise RejectedInputError(f"{redaction_id!r} is not a redaction number.")
    query = select(Redaction).where(Redaction.id == redaction_id)
    if for_update:
        query = query.with_for_update()
    found = session.scalars(query).first()
    if found is None:
        raise NotFoundError(f"No redaction {redaction_id}.")
    return found


def approve_redaction(
    ws: Workspace, redaction_id: int, *, actor: str | None, note: str | None = None
) -> dict[str, Any]:
    """A publisher who did not make it approves a draft: it becomes the published form of
    its item (an earlier approved one is superseded)."""
    text = (note or "").strip()[:5000] or None
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.PUBLISH)
        record = _redaction(session, redaction_id, for_update=True)
        if record.status != "draft":
            raise RejectedInputError(
                f"Redaction {record.id} is {record.status}: only a draft can be approved."
            )
        if record.created_by == user.username:
            raise PermissionDeniedError(
                f"{user.username} made redaction {record.id} and cannot approve it: a second "
                "person must check the preview."
            )
        now = utcnow()
        previous = session.scalars(
            select(Redaction).where(
                Redaction.item_id == record.item_id, Redaction.status == "approved"
            )
        ).all()
        leaf = entries.append(
            ws.custody,
            session,
            REDACTION_APPROVE,
            user.username,
            now,
            redaction=record.id,
            sha256=record.original_sha256,
            derivative_sha256=record.derivative_sha256,
            supersedes=[p.id for p in previous],
            graphic=record.graphic,
            note=text,
        )
        for p in previous:
            p.status = "superseded"
        record.status = "approved"
        record.decided_by, record.decided_at = user.username, now
        # The public incidents showing this item now show the new copy.
        mark_public_items(session, [record.item_id], now)
        record.decision_leaf, record.decision_note = leaf, text
        session.flush()
        return redaction_json(record)


def get_redaction(ws: Workspace, redaction_id: int) -> dict[str, Any]:
    with ws.sessions() as session:
        return redaction_json(_redaction(session, redaction_id))


def list_redactions(ws: Workspace, sha256: str) -> list[dict[str, Any]]:
    """Every redaction of an item, newest first."""
    item = find_item(ws, sha256)
    with ws.sessions() as session:
        rows = session.scalars(
            select(Redaction).where(Redaction.item_id == item.id).order_by(Redaction.id.desc())
        ).all()
        return [redaction_json(r) for r in rows]


def approved_by_item(session: Session, item_ids: Sequence[int]) -> dict[int, Redaction]:
    """The approved redaction of each item that has one."""
    if not item_ids:
        return {}
    rows = session.scalars(
        select(Redaction).where(
            Redaction.item_id.in_(list(item_ids)), Redaction.status == "approved"
        )
    ).all()
    return {r.item_id: r for r in rows}


def published_media(session: Session, incident_id: int) -> list[dict[str, Any]]:
    """The approved redacted derivatives of the media linked to an incident, in link order:
    the only media any public page, feed or package may show for it. Each:
    ``{"redaction_id", "original_sha256", "derivative_sha256", "media_type", "size",
    "width", "height", "graphic", "actions", "faces_found", "approved_at", "custody_leaf",
    "approval_leaf"}`` (the custody entries that made and approved it)."""
    links = current_links(session, [incident_id])
    approved = approved_by_item(session, [lk.item_id for lk in links])
    out = []
    for lk in links:
        r = approved.get(lk.item_id)
        if r is None:
            continue
        out.append(
            {
                "redaction_id": r.id,
                "original_sha256": r.original_sha256,
                "derivative_sha256": r.derivative_sha256,
                "media_type": r.media_type,
                "size": r.size,
                "width": r.width,
                "height": r.height,
                "graphic": r.graphic,
                "actions": list(r.actions),
                "faces_found": r.faces_found,
                "approved_at": r.decided_at.isoformat() if r.decided_at else None,
                "custody_leaf": r.custody_leaf,
                "approval_leaf": r.decision_leaf,
            }
        )
    return out


@dataclass(frozen=True)
class DerivativeFile:
    """A redacted copy as a file to download: its hash in the vault, size, type and the
    name it is offered under."""

    sha256: str
    size: int
    media_type: str
    original_name: str


def derivative_item(ws: Workspace, redaction_id: int) -> DerivativeFile:
    """The redacted copy ``redaction_id`` as a file to download (for ``media_response``
    and ``civwatch redaction save``)."""
    with ws.sessions() as session:
        r = _redaction(session, redaction_id)
        suffix = (
            ".mp4"
            if r.media_type == "video/mp4"
            else (".png" if r.media_type == "image/png" else ".jpg")
        )
        return DerivativeFile(
            sha256=r.derivative_sha256,
            size=r.size,
            media_type=r.media_type,
            original_name=f"redacted-{r.id}-{r.derivative_sha256[:12]}{suffix}",
        )

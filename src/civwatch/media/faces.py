"""Faces and regions in a picture: manual regions parsed into pixel boxes, faces found,
and boxes blurred for good. The pixel work of a redaction (:mod:`civwatch.media.redact_pixels`).

Faces are found by the LBP frontal-face cascade that ships inside scikit-image (no download
at run time). The detector finds frontal and near-frontal faces of about 20 pixels and more
(at the working size: 1024 pixels on the longer side for photos, 640 for video); it misses
profiles, small and covered faces. It is generous (false alarms are cheaper than a missed
face), with a second, closer look at each box to drop the window grids and textures it
takes for faces (:func:`second_look`), but it is an aid: the preview is for a person to
check, and to add manual regions.

Engine level: knows pictures as arrays of pixels, nothing of evidence or incidents.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from civwatch.errors import RejectedInputError
from civwatch.i18n import _

#: Working size (longer side, pixels) for face detection in photos.
DETECT_SIDE = 1024
#: Smallest face looked for, in pixels at the working size.
MIN_FACE = 20
#: Each face box is grown by this fraction of its size on every side (hair, ears, chin).
FACE_MARGIN = 0.3
#: The second look at each box found (see :func:`second_look`): the sizes (pixels across
#: the face) it is scaled to, and the votes it needs in all.
SECOND_LOOK_SIDES = (36, 48, 64)
SECOND_LOOK_VOTES = 7
#: Number of blocks across the longer side of a blurred region.
BLOCKS = 8
#: The most regions one redaction blurs by hand.
MAX_REGIONS = 200

Box = tuple[int, int, int, int]
RGB = NDArray[np.uint8]


def parse_regions(raw: Sequence[Mapping[str, Any]] | None, width: int, height: int) -> list[Box]:
    """Manual regions as pixel boxes (x, y, w, h) on the image as displayed.

    Each region is ``{"x", "y", "w", "h"}`` in pixels, or with ``"unit": "fraction"`` as
    fractions (0-1) of the width and height. A region reaching past an edge is cut at the
    edge; one entirely outside the picture is refused.
    """
    if not raw:
        return []
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise RejectedInputError(_("Regions must be a list of {x, y, w, h}."))
    if len(raw) > MAX_REGIONS:
        raise RejectedInputError(
            _("At most %(most)s regions can be blurred by hand.", most=MAX_REGIONS)
        )
    boxes: list[Box] = []
    for number, region in enumerate(raw, 1):
        if not isinstance(region, Mapping):
            raise RejectedInputError(
                _("Region %(number)s must be an object {x, y, w, h}.", number=number)
            )
        unknown = set(region) - {"x", "y", "w", "h", "unit"}
        if unknown:
            raise RejectedInputError(
                _(
                    "Region %(number)s has unknown field(s) %(fields)s.",
                    number=number,
                    fields=", ".join(sorted(unknown)),
                )
            )
        unit = region.get("unit", "px")
        if unit not in ("px", "fraction"):
            raise RejectedInputError(
                _("Region %(number)s: unit must be 'px' or 'fraction'.", number=number)
            )
        values = []
        for key in ("x", "y", "w", "h"):
            value = region.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise RejectedInputError(
                    _("Region %(number)s needs a number %(key)s.", number=number, key=key)
                )
            if not math.isfinite(value):
                raise RejectedInputError(
                    _("Region %(number)s: %(key)s must be a finite number.", number=number, key=key)
                )
            values.append(float(value))
        x, y, w, h = values
        if unit == "fraction":
            if not all(-1.0 <= v <= 2.0 for v in values):
                raise RejectedInputError(
                    _(
                        "Region %(number)s: fractions are between 0 and 1 of the picture.",
                        number=number,
                    )
                )
            x, w = x * width, w * width
            y, h = y * height, h * height
        if w <= 0 or h <= 0:
            raise RejectedInputError(
                _("Region %(number)s has no area (width and height > 0).", number=number)
            )
        x0, y0 = max(0, math.floor(x)), max(0, math.floor(y))
        x1, y1 = min(width, math.ceil(x + w)), min(height, math.ceil(y + h))
        if x1 <= x0 or y1 <= y0:
            raise RejectedInputError(
                _(
                    "Region %(number)s (%(x)s, %(y)s, %(w)s x %(h)s px) lies outside the "
                    "picture, which is %(width)s x %(height)s pixels.",
                    number=number,
                    x=f"{x:g}",
                    y=f"{y:g}",
                    w=f"{w:g}",
                    h=f"{h:g}",
                    width=width,
                    height=height,
                )
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


def grow(box: Box, width: int, height: int, margin: float = FACE_MARGIN) -> Box:
    """``box`` grown by ``margin`` of its size on every side, cut at the picture's edges."""
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


def split_removed(faces: Sequence[Box], removed: Sequence[Box]) -> tuple[list[Box], list[Box]]:
    """``faces`` split into those kept and those a reviewer removed: a face is removed when
    it overlaps a removed box (IoU above 0.3; the reviewer saw the finder's boxes on the
    preview, and the same finder on the full picture draws them a few pixels apart). A
    removed box that matches no face removes nothing."""
    kept: list[Box] = []
    dropped: list[Box] = []
    for face in faces:
        (dropped if any(_iou(face, r) > 0.3 for r in removed) else kept).append(face)
    return kept, dropped


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


def second_look(grey: NDArray[np.float64], box: Box, *, votes: int = SECOND_LOOK_VOTES) -> bool:
    """Whether the cascade still sees a face in ``box`` when it looks again closely.

    The box is cut out with a margin of 60 % of its width on every side and scaled so the
    face would be 36, 48 and 64 pixels across; at each size the cascade looks only for
    faces of about that size, asking for 1, 2, 3... overlapping detections (neighbours)
    until it sees none. A face keeps being seen as more neighbours are asked for (a whole
    face at every size gets 10 and more); window grids, gravel and façades fall away after
    one or two. The box is kept once the counts add up to ``votes``. Measured on
    ``bench/faces.py``'s set: false alarms 76 -> 30, no face lost (docs/performance.md).
    """
    height, width = grey.shape
    x, y, w, h = box
    pad = 0.6 * w
    x0, y0 = max(0, math.floor(x - pad)), max(0, math.floor(y - pad))
    x1, y1 = min(width, math.ceil(x + w + pad)), min(height, math.ceil(y + h + pad))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return False
    crop = np.ascontiguousarray(grey[y0:y1, x0:x1])
    import cv2

    total = 0
    for side in SECOND_LOOK_SIDES:
        scale = side / max(1, w)
        size = (max(24, round((x1 - x0) * scale)), max(24, round((y1 - y0) * scale)))
        view = np.ascontiguousarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA))
        smallest, largest = max(20, int(side * 0.6)), int(side * 1.6)
        neighbours = 0
        while total + neighbours < votes:
            seen = _cascade().detect_multi_scale(
                img=view,
                scale_factor=1.1,
                step_ratio=1,
                min_size=(smallest, smallest),
                max_size=(largest, largest),
                min_neighbor_number=neighbours + 1,
                intersection_score_threshold=0.5,
            )
            if not seen:
                break
            neighbours += 1
        total += neighbours
        if total >= votes:
            return True
    return False


def detect_faces(rgb: RGB, *, side: int = DETECT_SIDE) -> list[Box]:
    """Face boxes (x, y, w, h, grown by ``FACE_MARGIN``) in pixels of ``rgb``.

    The picture is scaled so its longer side is at most ``side``; the cascade runs with a
    low vote threshold on it and on its mirror image, a face is kept when both passes see
    it, and then only if a closer look at it agrees (:func:`second_look`). Measured on
    ``bench/faces.py``'s 227 labelled pictures: recall 0.98, precision 0.57 without the
    closer look, 0.77 with it, recall unchanged (docs/performance.md).
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
        if not second_look(grey, (x, y, w, h)):
            continue
        box = (
            math.floor(x / scale),
            math.floor(y / scale),
            math.ceil(w / scale),
            math.ceil(h / scale),
        )
        faces.append(grow(box, width, height))
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

"""Copy detection beyond plain PDQ: several hashes per image and a geometric check.

A copy that was screenshotted, captioned, bordered, cropped, stickered or slightly rotated
is often more than 31 bits from its original's PDQ hash. An ``ImageDescriptor`` therefore
holds PDQ hashes of several regions (the whole image, central crops, the content inside
plain borders and central crops of that), ORB local features of the image and of its
mirror image, and a small grey thumbnail.

``is_copy`` declares a match when two strong region hashes agree (PDQ's own rule), or
when the geometric check passes: ORB features inside each image's content (captions,
frames and status bars excluded) agree under one homography (RANSAC) with enough
well-spread inliers, *and* the thumbnails agree where the homography overlays them. The
last test is what stops two different photos that share an overlay (the same caption,
watermark or app frame) from matching through the overlay's features.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import cv2
import numpy as np
from numpy.typing import NDArray

from civwatch.errors import UnhashableMediaError
from civwatch.matching.decoding import DEFAULT_MAX_PIXELS, ImageSource, RGBArray, load_rgb
from civwatch.matching.pdq import (
    DEFAULT_MAX_DISTANCE,
    PdqHash,
    dihedral_from_rgb,
    hamming,
)

#: Hash distance within which stored images become candidates for ``is_copy``: wider than
#: PDQ's 31 because the geometric check, not the hash, then decides. Unrelated photos are
#: ~128 bits apart (standard deviation ~8), so 64 admits few strangers.
CANDIDATE_DISTANCE: Final = 64
#: Long side of the grey image local features are detected on, and of the thumbnail.
FEATURE_SIDE: Final = 800
THUMBNAIL_SIDE: Final = 128
ORB_FEATURES: Final = 1500
#: Geometric check thresholds.
MIN_INLIERS: Final = 20
MIN_INLIER_RATIO: Final = 0.25
#: The inliers' convex hull must cover this share of one image's content, and
#: ``MIN_HULL_FRACTION_EACH`` of both.
MIN_HULL_FRACTION: Final = 0.18
MIN_HULL_FRACTION_EACH: Final = 0.03
#: With low-quality hashes agreeing, consistent features covering this share of both suffice.
MIN_WEAK_HULL_FRACTION: Final = 0.05
#: Thumbnails overlaid by the homography must correlate at least this much over at least
#: ``MIN_OVERLAP`` of the second image's content.
MIN_CORRELATION: Final = 0.6
MIN_OVERLAP: Final = 0.2
_BLOCK_ERROR: Final = 0.35
_FLAT_BLOCK: Final = 0.2
_LOCAL_BLOCK_ERROR: Final = 0.6
_RATIO_TEST: Final = 0.8
_RANSAC_PIXELS: Final = 6.0

Box = tuple[float, float, float, float]
"""(top, bottom, left, right) as fractions of the image's height and width."""


@dataclass(frozen=True, slots=True)
class LocalFeatures:
    """ORB keypoints (x, y as fractions of width/height) and their descriptors."""

    points: NDArray[np.float32] = field(repr=False)
    descriptors: NDArray[np.uint8] = field(repr=False)


@dataclass(frozen=True, slots=True)
class ImageDescriptor:
    """Region hashes, local features and a thumbnail of one image."""

    hashes: tuple[tuple[str, PdqHash], ...]
    #: For each hashed region, its eight dihedral variants (``original`` first).
    dihedral: tuple[tuple[str, tuple[tuple[str, PdqHash], ...]], ...] = field(repr=False)
    features: LocalFeatures
    #: Features of the mirror image (x measured in the mirror image).
    mirror_features: LocalFeatures
    thumbnail: NDArray[np.uint8] = field(repr=False)
    content_box: Box
    width: int
    height: int

    def hash_of(self, region: str) -> PdqHash | None:
        """The hash of a region, or None if that region was not hashed."""
        return next((h for name, h in self.hashes if name == region), None)


@dataclass(frozen=True, slots=True)
class GeometricCheck:
    """Outcome of matching local features under one homography."""

    matches: int
    inliers: int
    hull_fraction_a: float = 0.0
    hull_fraction_b: float = 0.0
    correlation: float = 0.0
    overlap: float = 0.0
    mirrored: bool = False
    homography: NDArray[np.float64] | None = field(default=None, repr=False)

    @property
    def consistent(self) -> bool:
        """Enough inliers, a large enough share, and the thumbnails agree."""
        return (
            self.inliers >= MIN_INLIERS
            and self.inliers >= MIN_INLIER_RATIO * max(self.matches, 1)
            and self.correlation >= MIN_CORRELATION
            and self.overlap >= MIN_OVERLAP
        )

    @property
    def passed(self) -> bool:
        """``consistent`` and the inliers are spread over the content."""
        return (
            self.consistent
            and max(self.hull_fraction_a, self.hull_fraction_b) >= MIN_HULL_FRACTION
            and min(self.hull_fraction_a, self.hull_fraction_b) >= MIN_HULL_FRACTION_EACH
        )


@dataclass(frozen=True, slots=True)
class CopyDecision:
    """Whether two images are copies of one another, with the evidence."""

    matched: bool
    #: "pdq" (a strong hash pair within the distance), "geometry" (the geometric check),
    #: "weak-pdq+geometry" (low-quality hashes within the distance, confirmed by
    #: consistent features and thumbnails), or None.
    method: str | None
    distance: int | None  # smallest region-hash distance seen (strong hashes)
    regions: tuple[str, str] | None  # (region of a, region of b) at that distance
    transform: str | None  # dihedral transform of a at that distance
    geometry: GeometricCheck | None


def describe(
    source: ImageSource,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    reduced_decode: bool = True,
) -> ImageDescriptor:
    """Region hashes, local features and thumbnail of an image.

    Raises ``UnhashableMediaError`` when the image cannot be decoded or is blank.
    """
    rgb = load_rgb(source, max_pixels=max_pixels, reduced_decode=reduced_decode)
    return describe_rgb(rgb)


def describe_rgb(rgb: RGBArray) -> ImageDescriptor:
    """``describe`` for an already decoded ``(h, w, 3)`` uint8 array.

    The ``whole`` hash is that of ``pdq_hash`` on the same pixels; regions, features and
    thumbnail are computed on a copy at most ``FEATURE_SIDE`` pixels long (PDQ reduces
    every region to 64x64 anyway).
    """
    height, width = rgb.shape[:2]
    dihedral = [("whole", tuple(dihedral_from_rgb(rgb)))]
    work = _downscaled(rgb, FEATURE_SIDE)
    w_height, w_width = work.shape[:2]
    box = trim_box(work)
    for name, region in region_crops(work, box):
        try:
            dihedral.append((name, tuple(dihedral_from_rgb(region))))
        except UnhashableMediaError:
            continue  # a blank region adds nothing
    hashes = tuple((name, variants[0][1]) for name, variants in dihedral)
    grey = _grey(work, FEATURE_SIDE)
    top, bottom, left, right = box
    return ImageDescriptor(
        hashes=hashes,
        dihedral=tuple(dihedral),
        features=orb_features(grey),
        mirror_features=orb_features(np.ascontiguousarray(grey[:, ::-1])),
        thumbnail=_grey(work, THUMBNAIL_SIDE),
        content_box=(top / w_height, bottom / w_height, left / w_width, right / w_width),
        width=width,
        height=height,
    )


def _downscaled(rgb: RGBArray, side: int) -> RGBArray:
    height, width = rgb.shape[:2]
    scale = side / max(height, width)
    if scale >= 1:
        return rgb
    size = (max(16, round(width * scale)), max(16, round(height * scale)))
    return np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))


def region_crops(
    rgb: RGBArray, box: tuple[int, int, int, int] | None = None
) -> list[tuple[str, RGBArray]]:
    """The regions hashed besides the whole image.

    Central 90% and 80% of the image; when plain borders were found (``box`` from
    ``trim_box``), the content inside them, its central 90% and 80%, and the rows of
    the content at full width; and four overlapping corners of the content.
    """
    height, width = rgb.shape[:2]
    top, bottom, left, right = box if box is not None else trim_box(rgb)
    regions = _central(rgb, "")
    content = rgb
    trimmed = (top, bottom, left, right) != (0, height, 0, width)
    if trimmed and (bottom - top) * (right - left) >= 0.1 * height * width:
        content = np.ascontiguousarray(rgb[top:bottom, left:right])
        regions.append(("trimmed", content))
        regions.extend(_central(content, "trimmed_"))
        if (left, right) != (0, width) and (top, bottom) != (0, height):
            regions.append(("trimmed_rows", np.ascontiguousarray(rgb[top:bottom])))
    # Overlapping corners (60% x 60%) of the content: survive a sticker or a caption
    # elsewhere in the picture.
    c_height, c_width = content.shape[:2]
    h60, w60 = round(c_height * 0.6), round(c_width * 0.6)
    if h60 >= 16 and w60 >= 16:
        for name, y, x in (
            ("corner_tl", 0, 0),
            ("corner_tr", 0, c_width - w60),
            ("corner_bl", c_height - h60, 0),
            ("corner_br", c_height - h60, c_width - w60),
        ):
            regions.append((name, np.ascontiguousarray(content[y : y + h60, x : x + w60])))
    return regions


def _central(rgb: RGBArray, prefix: str) -> list[tuple[str, RGBArray]]:
    height, width = rgb.shape[:2]
    out: list[tuple[str, RGBArray]] = []
    for name, keep in (("center90", 0.9), ("center80", 0.8)):
        dy = round(height * (1 - keep) / 2)
        dx = round(width * (1 - keep) / 2)
        if height - 2 * dy >= 16 and width - 2 * dx >= 16:
            crop = np.ascontiguousarray(rgb[dy : height - dy, dx : width - dx])
            out.append((prefix + name, crop))
    return out


def trim_box(
    rgb: RGBArray, tolerance: int | None = None, min_share: float = 0.8
) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` of the content inside plain bands at the edges.

    From each edge, lines (rows, then columns of the rows kept) are peeled while they are
    *plain* - at least ``min_share`` of their pixels within ``tolerance`` (per channel) of
    that edge's colour, the median of its outermost line - or are short runs of text
    between plain lines: uniform borders, caption bars, a phone's status bar and the text
    around a post.
    """
    pixels = rgb.astype(np.int16)
    height, width = rgb.shape[:2]
    if tolerance is None:
        # Scaled to the image's contrast, so a low-contrast picture is not taken for border.
        tolerance = int(np.clip(0.4 * float(pixels.std()), 6, 24))
    top = _border_depth(pixels, tolerance, min_share)
    bottom = height - _border_depth(pixels[::-1], tolerance, min_share)
    if bottom - top < 16:
        return 0, height, 0, width
    columns = pixels[top:bottom].transpose(1, 0, 2)
    left = _border_depth(columns, tolerance, min_share)
    right = width - _border_depth(columns[::-1], tolerance, min_share)
    if right - left < 16:
        return 0, height, 0, width
    return top, bottom, left, right


def _border_depth(lines: NDArray[np.int16], tolerance: int, min_share: float) -> int:
    """How many lines (axis 0, outermost first) belong to the border.

    A line is plain when near the outermost line's colour; the content starts at the
    first run of non-plain lines at least 10% of the length long, so short runs (lines of
    text on a caption bar or around a post) stay in the border.
    """
    reference = np.median(lines[0], axis=0)
    near = (np.abs(lines - reference).max(axis=2) <= tolerance).mean(axis=1)
    busy = np.concatenate([[False], near < min_share, [False]])
    edges = np.flatnonzero(np.diff(busy.astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    min_run = max(4, round(0.1 * lines.shape[0]))
    long_runs = np.flatnonzero(ends - starts >= min_run)
    if not long_runs.size or starts[long_runs[0]] > 0.6 * lines.shape[0]:
        return 0  # no content found from this side (a flat, low-contrast picture)
    return int(starts[long_runs[0]])


def orb_features(grey: NDArray[np.uint8]) -> LocalFeatures:
    """ORB keypoints (as fractions of width and height) and descriptors of a grey image."""
    orb = cv2.ORB.create(nfeatures=ORB_FEATURES, fastThreshold=5)
    keypoints, descriptors = orb.detectAndCompute(grey, None)
    if descriptors is None or not keypoints:
        return LocalFeatures(np.empty((0, 2), np.float32), np.empty((0, 32), np.uint8))
    height, width = grey.shape
    points = np.array([(k.pt[0] / width, k.pt[1] / height) for k in keypoints], np.float32)
    return LocalFeatures(points, np.asarray(descriptors, dtype=np.uint8))


def verify_geometry(a: ImageDescriptor, b: ImageDescriptor) -> GeometricCheck:
    """Match ORB features of ``a`` (then of its mirror image) with ``b``'s.

    Features inside each image's content box are tried first, then all features (in
    case the border trimming was wrong). The first check that passes, else the one with
    most inliers, is returned.
    """
    full: Box = (0.0, 1.0, 0.0, 1.0)
    boxed = a.content_box != full or b.content_box != full
    tried: list[GeometricCheck] = []
    for mirrored in (False, True):
        for use_boxes in (True, False) if boxed else (True,):
            check = _verify(a, b, mirrored=mirrored, use_boxes=use_boxes)
            if check.passed:
                return check
            tried.append(check)
    return max(tried, key=lambda c: (c.consistent, c.inliers))


def _verify(
    a: ImageDescriptor, b: ImageDescriptor, *, mirrored: bool, use_boxes: bool
) -> GeometricCheck:
    full: Box = (0.0, 1.0, 0.0, 1.0)
    features_a = a.mirror_features if mirrored else a.features
    box_a = a.content_box if use_boxes else full
    box_b = b.content_box if use_boxes else full
    thumb_a = a.thumbnail
    if mirrored:
        top, bottom, left, right = box_a
        box_a = (top, bottom, 1 - right, 1 - left)
        thumb_a = np.ascontiguousarray(thumb_a[:, ::-1])
    points_a, descriptors_a = _inside(features_a, box_a)
    points_b, descriptors_b = _inside(b.features, box_b)
    if len(descriptors_a) < MIN_INLIERS or len(descriptors_b) < MIN_INLIERS:
        return GeometricCheck(0, 0, mirrored=mirrored)
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(descriptors_a, descriptors_b, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < _RATIO_TEST * p[1].distance]
    if len(good) < MIN_INLIERS:
        return GeometricCheck(len(good), 0, mirrored=mirrored)
    # Work in feature-image pixels so RANSAC's tolerance means the same on both.
    size_a = _feature_size(a)
    size_b = _feature_size(b)
    src = points_a[[m.queryIdx for m in good]] * size_a
    dst = points_b[[m.trainIdx for m in good]] * size_b
    fitted, mask = cv2.findHomography(src, dst, cv2.RANSAC, _RANSAC_PIXELS)
    if fitted is None or mask is None:
        return GeometricCheck(len(good), 0, mirrored=mirrored)
    homography = np.asarray(fitted, dtype=np.float64)
    if not _plausible(homography):
        return GeometricCheck(len(good), 0, mirrored=mirrored)
    inlier = mask.ravel().astype(bool)
    # The thumbnails must agree both ways: a shared overlay on two different pictures can
    # look consistent from one side, where the other picture's content is flat.
    forward, overlap_b = _thumbnail_agreement(
        thumb_a, b.thumbnail, box_b, homography, size_a, size_b
    )
    backward, overlap_a = _thumbnail_agreement(
        b.thumbnail,
        thumb_a,
        box_a,
        np.asarray(np.linalg.inv(homography), np.float64),
        size_b,
        size_a,
    )
    correlation, overlap = min(forward, backward), max(overlap_a, overlap_b)
    return GeometricCheck(
        matches=len(good),
        inliers=int(inlier.sum()),
        hull_fraction_a=_hull_area(src[inlier]) / _box_area(box_a, size_a),
        hull_fraction_b=_hull_area(dst[inlier]) / _box_area(box_b, size_b),
        correlation=correlation,
        overlap=overlap,
        mirrored=mirrored,
        homography=homography,
    )


def is_copy(
    a: ImageDescriptor,
    b: ImageDescriptor,
    *,
    max_distance: int = DEFAULT_MAX_DISTANCE,
    geometric: bool = True,
) -> CopyDecision:
    """Decide whether ``b`` is a copy of ``a`` (or the other way round).

    1. PDQ: some region of ``a`` (in any of its eight dihedral variants) within
       ``max_distance`` of a region of ``b``, both hashes of quality >= 50.
    2. Otherwise, when ``geometric``: the geometric check passes; or low-quality hashes
       agree within ``max_distance`` and the features and thumbnails are consistent.
    """
    strong = _closest(a, b, strong_only=True)
    distance, regions, transform = strong if strong else (None, None, None)
    if distance is not None and distance <= max_distance:
        return CopyDecision(True, "pdq", distance, regions, transform, None)
    if not geometric:
        return CopyDecision(False, None, distance, regions, transform, None)
    check = verify_geometry(a, b)
    if check.passed:
        return CopyDecision(True, "geometry", distance, regions, transform, check)
    weak = _closest(a, b, strong_only=False)
    if (
        weak is not None
        and weak[0] <= max_distance
        and check.consistent
        and min(check.hull_fraction_a, check.hull_fraction_b) >= MIN_WEAK_HULL_FRACTION
    ):
        return CopyDecision(True, "weak-pdq+geometry", weak[0], weak[1], weak[2], check)
    return CopyDecision(False, None, distance, regions, transform, check)


def _closest(
    a: ImageDescriptor, b: ImageDescriptor, *, strong_only: bool
) -> tuple[int, tuple[str, str], str] | None:
    """Smallest distance between a region variant of ``a`` and a region of ``b``."""
    best: tuple[int, tuple[str, str], str] | None = None
    b_hashes = [(n, h) for n, h in b.hashes if h.strong or not strong_only]
    for region_a, variants in a.dihedral:
        for variant, hash_a in variants:
            if strong_only and not hash_a.strong:
                continue
            for region_b, hash_b in b_hashes:
                bits = hamming(hash_a, hash_b)
                if best is None or bits < best[0]:
                    best = (bits, (region_a, region_b), variant)
    return best


def _grey(rgb: RGBArray, side: int) -> NDArray[np.uint8]:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    height, width = grey.shape
    scale = side / max(height, width)
    if scale == 1:
        return np.asarray(grey, dtype=np.uint8)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(grey, size, interpolation=interpolation), dtype=np.uint8)


def _feature_size(d: ImageDescriptor) -> NDArray[np.float32]:
    scale = FEATURE_SIDE / max(d.width, d.height)
    return np.array([d.width * scale, d.height * scale], dtype=np.float32)


def _inside(features: LocalFeatures, box: Box) -> tuple[NDArray[np.float32], NDArray[np.uint8]]:
    top, bottom, left, right = box
    x, y = features.points[:, 0], features.points[:, 1]
    keep = (x >= left) & (x <= right) & (y >= top) & (y <= bottom)
    return features.points[keep], features.descriptors[keep]


def _box_area(box: Box, size: NDArray[np.float32]) -> float:
    top, bottom, left, right = box
    return max(float((bottom - top) * (right - left) * size[0] * size[1]), 1.0)


def _thumbnail_agreement(
    thumb_a: NDArray[np.uint8],
    thumb_b: NDArray[np.uint8],
    box_b: Box,
    homography: NDArray[np.float64],
    size_a: NDArray[np.float32],
    size_b: NDArray[np.float32],
) -> tuple[float, float]:
    """How well ``a``'s thumbnail, warped onto ``b``'s, agrees within ``b``'s content.

    Returns (share of blocks of the overlap where a linear brightness fit holds, overlap
    as a share of ``b``'s content box).
    """
    th_a, tw_a = thumb_a.shape
    th_b, tw_b = thumb_b.shape
    to_thumb_a = np.diag([tw_a / float(size_a[0]), th_a / float(size_a[1]), 1.0])
    to_thumb_b = np.diag([tw_b / float(size_b[0]), th_b / float(size_b[1]), 1.0])
    warp = to_thumb_b @ homography @ np.linalg.inv(to_thumb_a)
    warped = cv2.warpPerspective(thumb_a.astype(np.float32), warp, (tw_b, th_b))
    covered = cv2.warpPerspective(np.ones_like(thumb_a, dtype=np.float32), warp, (tw_b, th_b))
    top, bottom, left, right = box_b
    box = np.zeros((th_b, tw_b), dtype=bool)
    box[
        int(top * th_b) : int(np.ceil(bottom * th_b)), int(left * tw_b) : int(np.ceil(right * tw_b))
    ] = True
    mask = box & (covered > 0.99)
    overlap = float(mask.sum()) / max(float(box.sum()), 1.0)
    if mask.sum() < 64:
        return 0.0, overlap
    x = warped[mask]
    y = thumb_b.astype(np.float32)[mask]
    # Fit y ~ gain * x + offset (copies may be brighter, contrastier or grey), then ask
    # in how many blocks of the overlap the fit holds: an overlay shared by two different
    # pictures agrees in its own blocks only.
    design = np.stack([x, np.ones_like(x)], axis=1)
    (gain, offset), *_ = np.linalg.lstsq(design, y, rcond=None)
    scale = float(y.std())
    if scale < 1e-3 or gain <= 0:
        return 0.0, overlap
    residual = np.zeros((th_b, tw_b), dtype=np.float32)
    residual[mask] = np.abs(y - (gain * x + offset)) / scale
    fitted_a = np.zeros((th_b, tw_b), dtype=np.float32)
    fitted_a[mask] = gain * x + offset
    plain_b = np.zeros((th_b, tw_b), dtype=np.float32)
    plain_b[mask] = y
    agree = total = 0
    step_y, step_x = max(1, th_b // 8), max(1, tw_b // 8)
    for by in range(0, th_b - step_y + 1, step_y):
        for bx in range(0, tw_b - step_x + 1, step_x):
            block = mask[by : by + step_y, bx : bx + step_x]
            if block.mean() < 0.5:
                continue
            here_a = fitted_a[by : by + step_y, bx : bx + step_x][block]
            here_b = plain_b[by : by + step_y, bx : bx + step_x][block]
            error = float(residual[by : by + step_y, bx : bx + step_x][block].mean())
            texture = max(float(here_a.std()), float(here_b.std()))
            if texture < _FLAT_BLOCK * scale and error < _BLOCK_ERROR:
                continue  # flat and equal in both (an app's background, a border): no proof
            total += 1
            # The difference must be small against the block's own texture as well.
            local_error = error * scale / max(texture, 2.0)
            agree += error < _BLOCK_ERROR and local_error < _LOCAL_BLOCK_ERROR
    return (agree / total if total else 0.0), overlap


def _plausible(homography: NDArray[np.float64]) -> bool:
    """Reject degenerate fits (collapsed, mirrored or extremely skewed mappings)."""
    linear = homography[:2, :2] / homography[2, 2] if homography[2, 2] else homography[:2, :2]
    determinant = float(np.linalg.det(linear))
    if not 0.02 < determinant < 50:
        return False
    perspective = float(np.abs(homography[2, :2]).max() / max(abs(homography[2, 2]), 1e-9))
    return perspective < 0.005


def _hull_area(points: NDArray[np.float32]) -> float:
    if len(points) < 3:
        return 0.0
    hull = cv2.convexHull(points.astype(np.float32))
    return float(cv2.contourArea(hull))

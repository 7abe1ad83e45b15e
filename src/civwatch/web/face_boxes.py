"""The faces the detector finds in an item's picture, as boxes for the redaction form to
draw on the preview (each with a "remove" control): the same detector the redaction runs,
on the preview (never the original sent anywhere), in pixels of the full-size picture.

The finder takes seconds: its answer is kept beside the preview in the cache (named after
the finder's settings, so a new finder looks again), and requests for the same item while
it runs wait for that one run instead of starting their own (a page reloaded after a form
asks again at once)."""

from __future__ import annotations

import io
import json
import threading
from typing import Annotated, Any

import numpy as np
from fastapi import Depends
from PIL import Image

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import RejectedInputError
from civwatch.evidence.service import find_item
from civwatch.files import write_atomic
from civwatch.i18n import _
from civwatch.media.faces import SECOND_LOOK_SIDES, SECOND_LOOK_VOTES, detect_faces
from civwatch.media.preview import IMAGE_TYPES, cached_preview
from civwatch.vault import readable_path
from civwatch.web.auth import require
from civwatch.web.deps import WS
from civwatch.workspace import Workspace

Writer = Annotated[Principal, Depends(require(Permission.INCIDENTS_WRITE))]
#: EXIF orientations that turn the picture a quarter: width and height swap.
QUARTER_TURNS = frozenset({5, 6, 7, 8})
#: Names the finder whose answers the cache holds: another finder looks again.
FINDER = "lbp-look{}-{}".format("-".join(map(str, SECOND_LOOK_SIDES)), SECOND_LOOK_VOTES)
#: One run of the finder at a time per item (a fixed set of locks, chosen by the hash).
_RUNS = tuple(threading.Lock() for _ in range(64))


def _full_size(w: Workspace, sha256: str) -> tuple[int, int]:
    """The picture's size as displayed (EXIF orientation applied), from its header."""
    with w.vault.open(sha256) as original, Image.open(original) as image:
        width, height = image.size
        turned = image.getexif().get(0x0112) in QUARTER_TURNS
    return (height, width) if turned else (width, height)


def face_boxes(w: Workspace, sha256: str) -> dict[str, Any]:
    """``{"width", "height", "faces": [{x, y, w, h}]}`` in pixels of the full picture."""
    item = find_item(w, sha256)
    if item.media_type not in IMAGE_TYPES:
        raise RejectedInputError(_("Faces are shown on photos only."))
    kept = w.data_dir / "cache" / "previews" / f"{item.sha256}.faces-{FINDER}.json"
    with _RUNS[int(item.sha256[:8], 16) % len(_RUNS)]:
        try:
            found: dict[str, Any] = json.loads(kept.read_bytes())
            return found
        except (OSError, ValueError):
            pass
        found = _find(w, item)
        write_atomic(kept, json.dumps(found).encode())
        return found


def _find(w: Workspace, item: Any) -> dict[str, Any]:
    data, _kind = cached_preview(
        w.data_dir / "cache" / "previews",
        item.sha256,
        item.media_type,
        lambda: readable_path(w.vault, item.sha256),
        settings=w.settings,
    )
    with Image.open(io.BytesIO(data)) as preview:
        rgb = np.ascontiguousarray(np.asarray(preview.convert("RGB"), dtype=np.uint8))
    width, height = _full_size(w, item.sha256)
    sx, sy = width / rgb.shape[1], height / rgb.shape[0]
    return {
        "width": width,
        "height": height,
        "faces": [
            {"x": round(x * sx), "y": round(y * sy), "w": round(bw * sx), "h": round(bh * sy)}
            for x, y, bw, bh in detect_faces(rgb)
        ],
    }


def item_faces(w: WS, _writer: Writer, sha256: str) -> dict[str, Any]:
    """The faces found in the picture, for the redaction form's preview
    (``GET /evidence/{sha256}/faces``, registered by :mod:`civwatch.web.item_pages`)."""
    return face_boxes(w, sha256)

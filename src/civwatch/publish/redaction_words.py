"""What a redaction did, in the reader's words: the record keeps each step in fixed English
("3 face(s) found and blurred", custody-recorded and so never rewritten); the pages and the
command line show it in the language in force, with the plural form its number takes
("1 face", "4 faces"; in Ukrainian "1 обличчя", "4 обличчя", "5 облич").

A step in words this module does not know (a future version's, or one recorded before)
is shown as recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from civwatch.i18n import N_, _, gettext, ngettext

#: Steps recorded in these exact words (``media.redact_pixels``, ``publish.redaction``).
FIXED: Mapping[str, str] = {
    "all metadata removed (checked with exiftool)": N_(
        "all metadata removed (checked with exiftool)"
    ),
    "colour profile converted to sRGB and removed": N_(
        "colour profile converted to sRGB and removed"
    ),
    "colour profile removed (could not be applied)": N_(
        "colour profile removed (could not be applied)"
    ),
    "face detection not asked for": N_("face detection not asked for"),
    "EXIF/container rotation applied": N_("the rotation in the file's metadata applied"),
    "re-encoded as H.264 in MP4 without metadata": N_(
        "re-encoded as H.264 in MP4 without metadata"
    ),
    "re-encoded as H.264 with AAC audio (voices unchanged) in MP4 without metadata": N_(
        "re-encoded as H.264 with AAC audio (voices unchanged) in MP4 without metadata"
    ),
}


def _faces(m: re.Match[str]) -> str:
    return ngettext("%(num)s face found and blurred", "%(num)s faces found and blurred", int(m[1]))


def _removed(m: re.Match[str]) -> str:
    return ngettext(
        "%(num)s face box removed by the reviewer, not blurred",
        "%(num)s face boxes removed by the reviewer, not blurred",
        int(m[1]),
    )


def _areas(m: re.Match[str]) -> str:
    return ngettext("%(num)s area blurred by hand", "%(num)s areas blurred by hand", int(m[1]))


def _areas_video(m: re.Match[str]) -> str:
    return ngettext(
        "%(num)s area blurred by hand in every frame",
        "%(num)s areas blurred by hand in every frame",
        int(m[1]),
    )


def _video_faces(m: re.Match[str]) -> str:
    return ngettext(
        "faces looked for in %(rate)s frames a second: %(num)s sighting blurred, each for "
        "%(hold)s s either side",
        "faces looked for in %(rate)s frames a second: %(num)s sightings blurred, each for "
        "%(hold)s s either side",
        int(m[2]),
        rate=m[1],
        hold=m[3],
    )


def _orientation(m: re.Match[str]) -> str:
    return _("EXIF orientation %(value)s applied", value=m[1])


def _first_frame(m: re.Match[str]) -> str:
    return ngettext("first frame of %(num)s kept", "first frame of %(num)s kept", int(m[1]))


def _reduced(m: re.Match[str]) -> str:
    return _(
        "reduced from %(width)s × %(height)s to %(new_width)s × %(new_height)s pixels for "
        "publication",
        width=m[1],
        height=m[2],
        new_width=m[3],
        new_height=m[4],
    )


def _encoded(m: re.Match[str]) -> str:
    return _("re-encoded as %(type)s without metadata", type=m[1])


_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(\d+) face\(s\) found and blurred"), _faces),
    (re.compile(r"(\d+) face box\(es\) removed by the reviewer, not blurred"), _removed),
    (re.compile(r"(\d+) region\(s\) blurred by hand"), _areas),
    (re.compile(r"(\d+) region\(s\) blurred by hand in every frame"), _areas_video),
    (
        re.compile(
            r"faces looked for in (\S+) frames a second: (\d+) sighting\(s\) blurred, "
            r"each for (\S+) s either side"
        ),
        _video_faces,
    ),
    (re.compile(r"EXIF orientation (\d+) applied"), _orientation),
    (re.compile(r"first frame of (\d+) kept"), _first_frame),
    (re.compile(r"reduced from (\d+) x (\d+) to (\d+) x (\d+) pixels for publication"), _reduced),
    (re.compile(r"re-encoded as (\S+) without metadata"), _encoded),
)


def action_text(action: str) -> str:
    """One recorded step of a redaction in the language in force."""
    fixed = FIXED.get(action)
    if fixed is not None:
        return gettext(fixed)
    for pattern, words in _PATTERNS:
        found = pattern.fullmatch(action)
        if found:
            return str(words(found))
    return action


def faces_text(redaction: Mapping[str, Any]) -> str:
    """What the face finder did, as the "Faces" line of a redaction says it: "2 faces found
    and blurred, 1 removed by the reviewer", or "not looked for"."""
    if not redaction.get("blur_faces"):
        return str(_("not looked for"))
    blurred = len(redaction.get("face_boxes") or ()) or int(redaction.get("faces_found") or 0)
    removed = len(redaction.get("removed_faces") or ())
    found = str(
        ngettext("%(num)s face found and blurred", "%(num)s faces found and blurred", blurred)
    )
    if not removed:
        return found
    return str(
        ngettext(
            "%(found)s; %(num)s more found and removed by the reviewer (not blurred)",
            "%(found)s; %(num)s more found and removed by the reviewer (not blurred)",
            removed,
            found=found,
        )
    )


def areas_text(count: int) -> str:
    """ "1 area", "4 areas" (blurred by hand)."""
    return str(ngettext("%(num)s area", "%(num)s areas", count))

"""Copies described in words for people ("the same photo, mirrored", "a crop of this
photo"), from what the matcher recorded (transform, distance, matched regions, method),
with the figures kept for a detail line.

The matcher records a match from the newer item (``sha256``) to the stored one
(``other``): ``transform`` is what turns the newer picture into the stored one, and
``detail["regions"]`` names the region of each picture that matched ("whole", a central
crop such as "center90", the content inside plain borders "trimmed", a corner...).
"""

from __future__ import annotations

from typing import Any

from civwatch.i18n import N_, _, gettext

#: PDQ distances up to this many bits read as the very same picture (a re-encoding keeps
#: well under it); above, the copy was recompressed, resized or retouched.
SAME_DISTANCE = 8
#: Share of frames in common above which two videos read as the same video.
SAME_VIDEO_SHARE = 0.9

SAME = N_("the same photo")
SAME_EDITED = N_("the same photo, recompressed, resized or slightly edited")
MIRRORED = N_("the same photo, mirrored")
ROTATED = N_("a rotated copy of this photo")
UPSIDE_DOWN = N_("a copy of this photo turned upside down")
MIRRORED_ROTATED = N_("a mirrored and rotated copy of this photo")
CROP_OF_THIS = N_("a crop of this photo")
THIS_IS_CROP = N_("a wider version of this photo (this one is cropped from it)")
PARTIAL = N_("a copy sharing part of the picture (cropped, framed or with something added)")
FEATURES = N_("an edited copy, recognised by the shapes in it (cropped, covered or re-shot)")
SAME_VIDEO = N_("the same video")
VIDEO_PART = N_("a video with frames in common with this one (a clip or a longer cut)")
INDIRECT = N_("a copy of another copy listed here")

_TURNS = {
    "rotate90": ROTATED,
    "rotate270": ROTATED,
    "rotate180": UPSIDE_DOWN,
    "flipx": MIRRORED,
    "flipy": MIRRORED,
    "flip_plus1": MIRRORED_ROTATED,
    "flip_minus1": MIRRORED_ROTATED,
}


def _regions(match: dict[str, Any], this_sha: str) -> tuple[str, str]:
    """(region of this item, region of the other item) that matched."""
    found = list((match.get("detail") or {}).get("regions") or ())
    newer, stored = (str(found[0]), str(found[1])) if len(found) == 2 else ("whole", "whole")
    return (newer, stored) if match["sha256"] == this_sha else (stored, newer)


def copy_words(match: dict[str, Any], this_sha: str) -> str:
    """What the other item of ``match`` is to the item ``this_sha``, as words."""
    method = str(match.get("method") or "")
    if method == "vpdq":
        detail = match.get("detail") or {}
        shares = [float(detail.get(k) or 0) for k in ("query_in_other", "other_in_query")]
        return gettext(SAME_VIDEO if min(shares) >= SAME_VIDEO_SHARE else VIDEO_PART)
    if method != "pdq":
        return gettext(FEATURES)
    mine, theirs = _regions(match, this_sha)
    if mine == theirs:  # the same part of both pictures: the same framing
        mine = theirs = "whole"
    if mine != "whole" and theirs == "whole":
        return gettext(CROP_OF_THIS)
    if mine == "whole" and theirs != "whole":
        return gettext(THIS_IS_CROP)
    if mine != "whole":
        return gettext(PARTIAL)
    turn = _TURNS.get(str(match.get("transform") or "original"))
    if turn is not None:
        return gettext(turn)
    distance = match.get("distance")
    return gettext(SAME if distance is None or distance <= SAME_DISTANCE else SAME_EDITED)


def copies_in_words(cluster: dict[str, Any], this_sha: str) -> list[dict[str, Any]]:
    """The other members of ``this_sha``'s cluster, each with ``words`` and ``figures``
    (the figures empty when it matched another copy, not this item, directly)."""
    # This item's own matches, by the other item: one look-up per member, however large
    # the cluster (its matches span it: a member linked through another copy has none).
    direct: dict[str, dict[str, Any]] = {}
    for m in cluster["matches"]:
        if this_sha in (m["sha256"], m["other"]):
            direct.setdefault(m["other"] if m["sha256"] == this_sha else m["sha256"], m)
    out = []
    for member in cluster["members"]:
        if member["sha256"] == this_sha:
            continue
        match = direct.get(member["sha256"])
        out.append(
            {
                **member,
                "words": gettext(INDIRECT) if match is None else copy_words(match, this_sha),
                "figures": "" if match is None else copy_figures(match),
            }
        )
    return out


def copy_figures(match: dict[str, Any]) -> str:
    """The matcher's figures for the detail line under the words."""
    detail = match.get("detail") or {}
    if match.get("method") == "vpdq":
        return _(
            "frames in common: %(a)s and %(b)s of each video; method %(method)s",
            a=detail.get("query_in_other", "?"),
            b=detail.get("other_in_query", "?"),
            method=match.get("method"),
        )
    regions = detail.get("regions") or []
    return _(
        "PDQ distance %(distance)s of 256 bits; transform %(transform)s; regions %(regions)s; "
        "method %(method)s",
        distance=match.get("distance"),
        transform=match.get("transform") or "original",
        regions=" / ".join(str(r) for r in regions) or "whole / whole",
        method=match.get("method"),
    )

"""The metadata check of a redacted copy: exiftool reads the file back, and any location,
device, date, XMP, IPTC or maker-note field left makes the redaction fail.

Engine level: knows files and exiftool's tags, nothing of evidence or incidents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.media.exiftool import ExiftoolProcess, parse_json_output
from civwatch.media.tools import EXIFTOOL, resolve

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
        stdout, _stderr = tool.execute([str(path).encode()], timeout_s)
    found = parse_json_output(stdout)
    return found[0] if found else {}


def check_clean(path: Path, exiftool: str = "exiftool", timeout_s: float = 30.0) -> dict[str, Any]:
    """exiftool's reading of a derivative; raises if anything identifying is left."""
    tags = read_metadata(path, exiftool, timeout_s)
    if not tags:
        raise RejectedInputError(_("exiftool could not read the redacted file back."))
    left = metadata_problems(tags)
    if left:
        raise RejectedInputError(
            _(
                "The redacted file still holds metadata that must not be published: "
                "%(fields)s; the redaction was not kept.",
                fields=", ".join(left[:20]),
            )
        )
    return {
        k: v
        for k, v in tags.items()
        if not k.startswith(("System:", "ExifTool:", "SourceFile", "File:Directory"))
        and k != "File:FileName"
    }

"""The external programs civwatch runs - exiftool, ffprobe, ffmpeg - and the one place
each is found.

Each is a setting (``CIVWATCH_EXIFTOOL_PATH``, ``CIVWATCH_FFPROBE_PATH``,
``CIVWATCH_FFMPEG_PATH``): a name looked up on ``PATH`` (the default: the program's own
name) or a full path. :func:`resolve` gives the executable to run, or raises
:class:`~civwatch.errors.ToolMissingError` saying which setting to correct. Engine level.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from civwatch.config import Settings
from civwatch.errors import ToolMissingError
from civwatch.i18n import _


@dataclass(frozen=True)
class Tool:
    """An external program: its name, the setting naming it, its Debian package."""

    name: str
    setting: str
    package: str


EXIFTOOL = Tool("exiftool", "CIVWATCH_EXIFTOOL_PATH", "libimage-exiftool-perl")
FFPROBE = Tool("ffprobe", "CIVWATCH_FFPROBE_PATH", "ffmpeg")
FFMPEG = Tool("ffmpeg", "CIVWATCH_FFMPEG_PATH", "ffmpeg")


def resolve(tool: Tool, configured: str) -> str:
    """The full path of ``configured`` (a name on PATH or a path) for ``tool``; raises
    :class:`ToolMissingError` when it does not exist or cannot be run."""
    found = shutil.which(configured)
    if found is not None:
        return found
    raise ToolMissingError(
        _(
            "%(name)s could not be started: %(configured)s (set by %(setting)s) "
            "does not exist or cannot be run. Install %(name)s (Debian package "
            "%(package)s) or set %(setting)s to the full path of the program.",
            name=tool.name,
            configured=repr(configured),
            setting=tool.setting,
            package=tool.package,
        )
    )


def exiftool(settings: Settings) -> str:
    """The exiftool executable the settings name."""
    return resolve(EXIFTOOL, settings.exiftool_path)


def ffprobe(settings: Settings) -> str:
    """The ffprobe executable the settings name."""
    return resolve(FFPROBE, settings.ffprobe_path)


def ffmpeg(settings: Settings) -> str:
    """The ffmpeg executable the settings name."""
    return resolve(FFMPEG, settings.ffmpeg_path)

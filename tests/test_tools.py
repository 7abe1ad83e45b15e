"""External programs are found in one place (``media/tools.py``) from the settings, and
no module changes the process environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from civwatch.config import Settings
from civwatch.errors import CivwatchError, ConfigurationError, ToolMissingError
from civwatch.matching.video import video_frame_hashes
from civwatch.media import tools
from civwatch.media.preview import cached_preview
from civwatch.media.video import ffprobe
from civwatch.publish.redaction import check_clean

SRC = Path(__file__).resolve().parents[1] / "src" / "civwatch"


def test_a_configured_tool_path_that_does_not_exist_is_named_in_a_clear_error(
    tmp_path: Path,
) -> None:
    missing = str(tmp_path / "bin" / "ffmpeg")
    settings = Settings(
        data_dir=tmp_path, ffmpeg_path=missing, ffprobe_path=missing, exiftool_path=missing
    )
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    with pytest.raises(ToolMissingError) as caught:
        cached_preview(
            tmp_path / "cache", "ab" * 32, "video/mp4", video, video.open, settings=settings
        )
    message = caught.value.message
    assert message.startswith("ffmpeg could not be started:"), message
    assert missing in message and "CIVWATCH_FFMPEG_PATH" in message
    assert isinstance(caught.value, ConfigurationError | CivwatchError)
    with pytest.raises(ToolMissingError, match="CIVWATCH_FFMPEG_PATH"):
        video_frame_hashes(video, ffmpeg=settings.ffmpeg_path)
    with pytest.raises(ToolMissingError, match="CIVWATCH_FFPROBE_PATH"):
        ffprobe(video, executable=settings.ffprobe_path)
    with pytest.raises(ToolMissingError, match="CIVWATCH_EXIFTOOL_PATH"):
        check_clean(video, settings.exiftool_path)
    with pytest.raises(ToolMissingError, match="CIVWATCH_EXIFTOOL_PATH"):
        tools.exiftool(settings)


def test_tools_default_to_their_names_on_path(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert Path(tools.ffmpeg(settings)).name == "ffmpeg"
    assert Path(tools.ffprobe(settings)).name == "ffprobe"
    assert Path(tools.exiftool(settings)).name == "exiftool"


def _environment_writes(tree: ast.AST) -> list[int]:
    """Lines that change os.environ (assignment, deletion, setdefault, update, pop, clear)
    or call os.putenv / os.unsetenv."""
    lines = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
        for target in targets:
            if isinstance(target, ast.Subscript) and ast.unparse(target.value) == "os.environ":
                lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner, name = ast.unparse(node.func.value), node.func.attr
            if owner == "os" and name in ("putenv", "unsetenv"):
                lines.append(node.lineno)
            if owner == "os.environ" and name in ("setdefault", "update", "pop", "clear"):
                lines.append(node.lineno)
    return lines


def test_no_module_writes_the_environment() -> None:
    written = [
        f"{path.relative_to(SRC)}:{line}"
        for path in sorted(SRC.rglob("*.py"))
        for line in _environment_writes(ast.parse(path.read_text(), str(path)))
    ]
    assert written == []

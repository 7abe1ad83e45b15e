"""External programs are found in one place (``media/tools.py``) from the settings, and
no module changes the process environment."""

from __future__ import annotations

import ast
from contextlib import nullcontext
from pathlib import Path

import pytest

from civwatch.config import Settings
from civwatch.errors import CivwatchError, ConfigurationError, ToolMissingError
from civwatch.matching.video import video_frame_hashes
from civwatch.media import tools
from civwatch.media.metadata_check import check_clean
from civwatch.media.preview import cached_preview
from civwatch.media.video import ffprobe

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
            tmp_path / "cache",
            "ab" * 32,
            "video/mp4",
            lambda: nullcontext(video),
            settings=settings,
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


def test_an_oversize_image_is_refused_under_the_settings_limit(tmp_path: Path) -> None:
    """The preview of an image goes through the one guarded decoder with the data folder's
    own limit: a file declaring more pixels than ``max_image_pixels`` is never decoded,
    and a damaged one is refused, each with a sentence saying why."""
    from PIL import Image

    from civwatch.errors import RejectedInputError

    picture = tmp_path / "wide.png"
    Image.new("RGB", (400, 300), "gray").save(picture)
    strict = Settings(data_dir=tmp_path, max_image_pixels=100_000)
    with pytest.raises(
        RejectedInputError, match="400 x 300 pixels, more than the limit of 100,000"
    ):
        cached_preview(
            tmp_path / "cache",
            "ab" * 32,
            "image/png",
            lambda: nullcontext(picture),
            settings=strict,
        )
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())
    data, kind = cached_preview(
        tmp_path / "cache",
        "ab" * 32,
        "image/png",
        lambda: nullcontext(picture),
        settings=Settings(data_dir=tmp_path),
    )
    assert kind in ("image/png", "image/jpeg") and data
    damaged = tmp_path / "cut.png"
    damaged.write_bytes(picture.read_bytes()[:60])
    with pytest.raises(RejectedInputError, match="There is no preview of this image"):
        cached_preview(
            tmp_path / "cache",
            "cd" * 32,
            "image/png",
            lambda: nullcontext(damaged),
            settings=strict,
        )

"""Durable file writes: one helper (``civwatch.files``) for every file civwatch replaces,
and a crash or an error in the middle of a write leaves the old file as it was."""

from __future__ import annotations

import ast
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from civwatch.files import append_durable, atomic_writer, write_atomic, write_new
from civwatch.workspace import Workspace

SRC = Path(__file__).resolve().parents[1] / "src" / "civwatch"


def test_a_write_interrupted_before_rename_leaves_the_old_file_intact(tmp_path: Path) -> None:
    """The process dies (no cleanup, as in a power cut) after writing half the new
    content: the file still holds all of the old one."""
    target = tmp_path / "export.csv"
    write_atomic(target, b"old,complete\n", mode=0o644)
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from civwatch.files import atomic_writer\n"
        "with atomic_writer(Path(sys.argv[1])) as out:\n"
        "    out.write(b'new,half')\n"
        "    out.flush()\n"
        "    os._exit(9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True)
    assert proc.returncode == 9, proc.stderr
    assert target.read_bytes() == b"old,complete\n"
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == [target.name]


def test_an_error_while_writing_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path,
) -> None:
    target = tmp_path / "index.bin"
    write_atomic(target, b"old")
    with pytest.raises(RuntimeError), atomic_writer(target) as out:
        out.write(b"new")
        raise RuntimeError("the disk filled up")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.bin"]
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"


def test_the_mode_is_the_one_asked_for_whatever_the_umask_or_the_file_before(
    tmp_path: Path,
) -> None:
    target = tmp_path / "opendata.json"
    target.write_text("{}")
    target.chmod(0o666)
    write_atomic(target, b"[]")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    write_atomic(target, b"[]", mode=0o644)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    key = tmp_path / "signing.pem"
    write_new(key, b"secret")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        write_new(key, b"another")
    assert key.read_bytes() == b"secret"
    log = tmp_path / "custody" / "heads.jsonl"
    append_durable(log, b"1\n")
    append_durable(log, b"2\n")
    assert log.read_bytes() == b"1\n2\n" and stat.S_IMODE(log.stat().st_mode) == 0o600


def test_demo_credentials_stay_private_despite_a_leftover_temporary_file(
    workspace: Workspace,
) -> None:
    """A temporary file left readable by all (a crash, or another program) must not make
    the file of passwords and tokens readable by all."""
    from civwatch.accounts.bootstrap import DEMO_CREDENTIALS_FILE, ensure_demo_admin

    path = workspace.data_dir / DEMO_CREDENTIALS_FILE
    leftover = path.with_suffix(".tmp")
    leftover.write_text("")
    leftover.chmod(0o644)
    assert ensure_demo_admin(workspace) is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "token:" in path.read_text()


def _replacing_calls(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls that rename, replace or fsync files: ``os.replace``, ``os.rename``,
    ``os.fsync``, and ``x.replace(target)`` / ``x.rename(target)`` with one argument
    (``str.replace`` takes two)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name, owner = node.func.attr, node.func.value
        if isinstance(owner, ast.Name) and owner.id == "os" and name in ("replace", "rename"):
            found.append((node.lineno, f"os.{name}"))
        elif isinstance(owner, ast.Name) and owner.id == "os" and name == "fsync":
            found.append((node.lineno, "os.fsync"))
        elif name in ("replace", "rename") and len(node.args) == 1 and not node.keywords:
            found.append((node.lineno, f".{name}()"))
    return found


def test_every_file_replaced_is_replaced_through_the_one_helper() -> None:
    """No module but civwatch/files.py renames files into place or fsyncs them: each
    twin of the helper had its own durability (one never synced its file)."""
    twins = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "files.py" and path.parent == SRC:
            continue
        for line, what in _replacing_calls(ast.parse(path.read_text(), str(path))):
            twins.append(f"{path.relative_to(SRC)}:{line}: {what}")
    assert twins == []

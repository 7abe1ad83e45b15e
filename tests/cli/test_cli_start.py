"""The command line starts fast: ``civwatch --help`` and light commands import only what they
use (asserted on the imports, not on the wall time, which a shared machine makes noisy)."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

import civwatch.cli
from civwatch.cli import Root
from civwatch.cli.lazy import LazyCommand
from tests.conftest import run_cli

#: Libraries that neither ``--help`` nor a light command uses: images, video, matching,
#: science, PDF, the web server and its templates, the job queue, migrations.
HEAVY = (
    "cv2",
    "faiss",
    "scipy",
    "weasyprint",
    "numpy",
    "PIL",
    "pyvips",
    "pdqhash",
    "c2pa",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "huey",
    "alembic",
)
#: What ``--help`` needs besides typer and rich: it reads no settings and opens no database.
HELP_ONLY = (*HEAVY, "sqlalchemy", "pydantic_settings", "cryptography", "civwatch.workspace")


def imported(
    env: dict[str, str] | None, *args: str
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``civwatch ARGS`` under ``python -X importtime``: its result and the modules it
    imported."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "civwatch", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return proc, modules


def loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(
        p for p in packages if p in modules or any(m.startswith(p + ".") for m in modules)
    )


@pytest.mark.parametrize("args", [["--help"], ["--lang", "uk", "--help"]])
def test_help_imports_no_command_module_nor_heavy_library(args: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k.upper() != "CIVWATCH_LANGUAGE"}
    proc, modules = imported({**env, "LANG": "C"}, *args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "custody" in proc.stdout and "HTTP" in proc.stdout
    assert loaded(modules, HELP_ONLY) == []
    # Only the root, its table and the catalogues its help is translated with: no command's
    # module (civwatch.cli.incidents...).
    assert {m for m in modules if m.startswith("civwatch")} <= {
        "civwatch",
        "civwatch.__main__",
        "civwatch.cli",
        "civwatch.cli.lazy",
        "civwatch.cli.help_texts",
        "civwatch.cli.language",
        "civwatch.errors",
        "civwatch.i18n",
        "civwatch.i18n.catalogues",
        "civwatch.i18n.messages",
        "civwatch.i18n.negotiation",
    }


def test_light_commands_import_no_heavy_library(cli_env: dict[str, str], tmp_path: Path) -> None:
    run_cli(cli_env, "init", check=True)
    note = tmp_path / "note.txt"
    note.write_text("a witness statement\n", encoding="utf-8")
    sha = json.loads(
        run_cli(cli_env, "ingest", "--no-copies", "--json", str(note), check=True).stdout
    )["sha256"]

    proc, modules = imported(cli_env, "custody", "head", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.splitlines()[-1])["tree_size"] >= 1
    assert loaded(modules, HEAVY) == []
    # One command's module, not every command's.
    assert "civwatch.cli.incidents" not in modules and "civwatch.cli.copies" not in modules

    proc, modules = imported(cli_env, "show", sha[:12])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "note.txt" in proc.stdout
    assert loaded(modules, HEAVY) == []


def test_root_lists_every_command_with_its_own_summary() -> None:
    """The table that ``--help`` reads says what each command says of itself, and names every
    command that the modules of ``civwatch.cli`` define."""
    root = typer.main.get_group(typer.Typer(cls=Root))
    for entry in Root.table:
        real = root.load(entry.name)
        assert real.name == entry.name
        first = inspect.cleandoc(real.short_help or real.help or "").split("\n\n")[0]
        assert " ".join(first.split()) == entry.summary, entry.name

    # Every Typer of a command module is reached: as a group of the root, as a group inside
    # another Typer, or through each of its commands listed one by one.
    listed: dict[str, list[LazyCommand]] = {}
    for entry in Root.table:
        listed.setdefault(entry.typer_app, []).append(entry)
    specs: dict[int, list[str]] = {}
    apps: dict[int, typer.Typer] = {}
    for info in pkgutil.iter_modules(civwatch.cli.__path__):
        module = importlib.import_module(f"civwatch.cli.{info.name}")
        for attribute, value in vars(module).items():
            if isinstance(value, typer.Typer):
                specs.setdefault(id(value), []).append(f"{module.__name__}:{attribute}")
                apps[id(value)] = value
    nested = {id(g.typer_instance) for app in apps.values() for g in app.registered_groups}
    for key, app in apps.items():
        if key in nested:
            continue
        entries = [e for spec in specs[key] for e in listed.get(spec, [])]
        assert entries, f"{specs[key]} is not listed in civwatch.cli.Root.table"
        if any(e.group for e in entries):
            continue
        names = {
            info.name or typer.main.get_command_name(info.callback.__name__)
            for info in app.registered_commands
            if info.callback is not None
        }
        assert names == {e.name for e in entries}, specs[key]


@pytest.mark.parametrize(("typo", "suggestion"), [("custdy", "custody"), ("sho", "show")])
def test_a_mistyped_command_is_refused_with_a_suggestion(typo: str, suggestion: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "civwatch", typo], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert f"No such command '{typo}'" in proc.stderr
    assert repr(suggestion) in proc.stderr

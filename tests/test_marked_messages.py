"""New code is born translatable: an error raised with a bare text, or (on the command line)
a text printed for a person without marking, fails here with its file and line.

Each package listed in PACKAGES is scanned (an AST walk of its modules):

- ``raise SomeError("literal")`` or ``raise SomeError(f"...")``: the first argument must be
  marked (``_("...")``, ``ngettext(...)``, or a name holding a marked text);
- in ``cli`` also: ``out.print`` / ``err.print`` / ``fail`` / ``typer.echo`` / ``typer.secho`` /
  ``print`` with a literal or f-string whose own text has words (rich markup such as
  ``[bold]`` and pure data lines like ``f"{key}: {value}"`` aside).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import civwatch

PACKAGES = ["cli", "jobs"]
#: Packages whose printed texts are read by people (their output calls are checked too).
PRINTING = {"cli"}

ROOT = Path(civwatch.__file__).parent
#: Raised by programming mistakes, never shown to a user: their texts stay English.
INTERNAL = {"TypeError", "LookupError", "ValueError", "AssertionError", "RuntimeError"}
OUTPUT_CALLS = {"print", "echo", "secho", "fail"}
MARKUP = re.compile(r"\[/?[a-z #0-9]*\]")
WORD = re.compile(r"[A-Za-z]{2,}")


def _literal_text(node: ast.expr) -> str | None:
    """The text a literal or f-string writes itself (placeholders left out), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return None


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def unmarked(source: str, *, printing: bool) -> list[tuple[int, str]]:
    """(line, what) of each unmarked user-facing text in a module's ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            error = _name(node.exc.func)
            if error not in INTERNAL and _literal_text(node.exc.args[0]) is not None:
                found.append((node.lineno, f"raise {error}(...) with an unmarked text"))
        if printing and isinstance(node, ast.Call) and node.args:
            text = _literal_text(node.args[0])
            words = text is not None and WORD.search(MARKUP.sub("", text))
            if _name(node.func) in OUTPUT_CALLS and words:
                found.append((node.lineno, f"{_name(node.func)}() of an unmarked text"))
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_every_message_of_the_package_is_marked(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, what in unmarked(path.read_text(encoding="utf-8"), printing=package in PRINTING)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_scan_finds_unmarked_texts_and_passes_marked_ones() -> None:
    bad = """
raise NotFoundError("There is no job.")
raise NotFoundError(f"There is no job {n}.")
out.print(f"{n} items written")
typer.echo("Done.")
"""
    good = """
raise NotFoundError(_("There is no job %(id)s.", id=n))
raise NotFoundError(message)
raise TypeError(f"{spec} is not a typer.Typer")
out.print(ngettext("%(num)s item", "%(num)s items", n))
out.print(f"{key}: {value}")
out.print(f"[{colour}]{status}[/] {sha}")
"""
    assert [line for line, _ in unmarked(bad, printing=True)] == [2, 3, 4, 5]
    assert unmarked(good, printing=True) == []

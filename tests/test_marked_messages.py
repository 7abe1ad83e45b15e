"""Errors raised to users are born translatable (issue 13): in the packages listed, an
error of civwatch (a class named ``...Error`` that is not one of Python's) made with a
text that is not marked - a string literal, an f-string, or text joined with ``+`` - fails
this test. Mark it with ``_()`` or ``ngettext()`` from :mod:`civwatch.i18n`."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "civwatch"
#: Packages of src/civwatch whose errors must be marked (each helper lists its own).
PACKAGES = ["custody", "media", "accounts", "evidence", "matching", "vault"]
PYTHON_ERRORS = {
    name
    for name in dir(builtins)
    if isinstance(getattr(builtins, name), type) and issubclass(getattr(builtins, name), Exception)
}


def _unmarked(text: ast.expr) -> bool:
    """Whether ``text`` is a message that is not marked for translation."""
    if isinstance(text, ast.IfExp):
        return _unmarked(text.body) or _unmarked(text.orelse)
    if isinstance(text, ast.Constant):
        return isinstance(text.value, str)
    return isinstance(text, ast.JoinedStr | ast.BinOp)


def _error_name(call: ast.Call) -> str:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name if name.endswith("Error") and name not in PYTHON_ERRORS else ""


def unmarked_errors(package: str) -> list[str]:
    """``file:line ErrorClass`` of every error of ``package`` made with an unmarked text."""
    found = []
    for path in sorted((SRC / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args and _error_name(node):
                if not _unmarked(node.args[0]):
                    continue
                where = path.relative_to(SRC.parent)
                found.append(f"{where}:{node.lineno} {_error_name(node)}")
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_errors_raised_to_users_are_marked_for_translation(package: str) -> None:
    assert unmarked_errors(package) == []


def test_the_scan_finds_an_unmarked_error(tmp_path: Path) -> None:
    """The scan itself: literal, f-string, joined and conditional texts are caught, marked
    ones and Python's own errors are not."""
    source = (
        "raise NotFoundError('No such item.')\n"
        "raise RejectedInputError(f'Item {n} is bad.')\n"
        "raise ProofError('a' + reason)\n"
        "raise ProofError(_('x') if n else 'y')\n"
        "raise NotFoundError(_('No item %(n)s.', n=n))\n"
        "raise ValueError(f'not a number: {n}')\n"
    )
    calls = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call) and n.args]
    flagged = [c.lineno for c in calls if _error_name(c) and _unmarked(c.args[0])]
    assert sorted(flagged) == [1, 2, 3, 4]

"""Every message an error raised in Python carries is marked for translation (issue 13), so
new code is born translatable: ``raise NotFoundError("...")`` or ``raise
NotFoundError(f"...")`` is refused here; ``raise NotFoundError(_("...", id=n))`` is the way.

Each package (or top-level module) of ``src/civwatch`` whose messages are marked is listed in
PACKAGES; the list grows as packages are done.
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "civwatch"

#: Folders and modules under src/civwatch whose raised messages are all marked.
PACKAGES = [
    "incidents",
    "publish",
    "web",
    "geo",
    "__init__.py",
    "__main__.py",
    "acts.py",
    "config.py",
    "db.py",
    "demo.py",
    "errors.py",
    "extensions.py",
    "files.py",
    "integrity.py",
    "models.py",
    "workspace.py",
]
#: Files that stay English on purpose: the evidence package's verifier runs without civwatch.
EXEMPT = {"publish/verify_package.py"}


def _files() -> list[Path]:
    found: list[Path] = []
    for entry in PACKAGES:
        path = SOURCE / entry
        found.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return [p for p in found if p.relative_to(SOURCE).as_posix() not in EXEMPT]


def _error_class(call: ast.Call) -> str | None:
    """The name of the class ``call`` makes when it is one of civwatch's errors (a name
    ending in ``Error`` that is not one of Python's own exceptions)."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name.endswith("Error") and not hasattr(builtins, name):
        return str(name)
    return None


def _unmarked(text: ast.expr) -> bool:
    """A message written in place rather than through ``_()`` / ``ngettext()``."""
    if isinstance(text, ast.Constant):
        return isinstance(text.value, str)
    if isinstance(text, ast.JoinedStr):
        return True
    if isinstance(text, ast.BinOp):  # "a" + b, "a %s" % b
        return _unmarked(text.left) or _unmarked(text.right)
    if isinstance(text, ast.Call) and isinstance(text.func, ast.Attribute):
        return text.func.attr == "format" and _unmarked(text.func.value)  # "...".format()
    return False


def findings(source: str, where: str) -> list[str]:
    """Unmarked error messages in ``source``, and ``_()`` called where a parameter named
    ``_`` (a route's unused dependency) hides the marker."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            name = _error_class(node.exc)
            if name and node.exc.args and _unmarked(node.exc.args[0]):
                found.append(f"{where}:{node.lineno}: {name} with an unmarked message")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _hides_marker(node):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and getattr(inner.func, "id", None) == "_":
                    found.append(f"{where}:{inner.lineno}: `_` is a local name here, not _()")
    return found


def _hides_marker(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A parameter or a local variable named ``_`` (``_, x = ...``) hides the marker in
    ``function`` (a comprehension's own ``_`` does not)."""
    params = function.args.posonlyargs + function.args.args + function.args.kwonlyargs
    if any(p.arg == "_" for p in params):
        return True
    own = set()
    for comp in ast.walk(function):
        if isinstance(comp, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            own.update(id(n) for g in comp.generators for n in ast.walk(g.target))
    return any(
        isinstance(n, ast.Name)
        and n.id == "_"
        and isinstance(n.ctx, ast.Store)
        and id(n) not in own
        for n in ast.walk(function)
    )


@pytest.mark.parametrize(
    "source",
    [
        'raise NotFoundError("Incident 3 does not exist.")',
        'raise errors.RejectedInputError(f"{n} is not a number.")',
        'raise ConflictError("Changed by " + who)',
        'raise PermissionDeniedError("{who} may not.".format(who=w))',
        "def page(_: Anyone) -> None:\n    raise NotFoundError(_('No page.'))",
        "def f() -> None:\n    _, b = pair()\n    raise NotFoundError(_('No %(b)s.', b=b))",
    ],
)
def test_the_scan_finds_a_message_written_in_place(source: str) -> None:
    assert findings(source, "example.py")


def test_the_scan_lets_marked_messages_and_other_exceptions_through() -> None:
    source = (
        'raise NotFoundError(_("Incident %(id)s does not exist.", id=n))\n'
        'raise RejectedInputError(ngettext("%(num)s file", "%(num)s files", n))\n'
        "raise ConflictError(message)\n"
        'raise ValueError("an internal fault, never shown to a user")\n'
        "def f() -> int:\n    return sum(n for _, n in pairs()) or len(_('x'))\n"
    )
    assert findings(source, "example.py") == []


def test_every_error_raised_in_the_listed_packages_carries_a_marked_message() -> None:
    found = []
    for path in _files():
        found.extend(findings(path.read_text(encoding="utf-8"), str(path.relative_to(SOURCE))))
    assert found == [], "\n".join(found)

"""Every message an error raised in Python carries is marked for translation (issue 13), so
new code is born translatable: ``raise NotFoundError("...")`` or ``raise
NotFoundError(f"...")`` is refused here; ``raise NotFoundError(_("...", id=n))`` is the way.
On the command line (PRINTING) a text printed for a person (``out.print``, ``err.print``,
``fail``, ``typer.echo``, ``typer.secho``, ``print``) must be marked too: a literal or an
f-string with words of its own fails (rich markup such as ``[bold]`` and pure data lines
such as ``f"{key}: {value}"`` aside).

Every package and top-level module of ``src/civwatch`` is listed in PACKAGES; a new one is
added to it.
"""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "civwatch"

#: Folders and modules under src/civwatch whose raised messages are all marked.
PACKAGES = [
    "incidents",
    "publish",
    "protection",
    "relief",
    "campaigns",
    "shelters",
    "intake",
    "web",
    "geo",
    "custody",
    "crypto",
    "media",
    "accounts",
    "evidence",
    "matching",
    "vault",
    "cli",
    "jobs",
    "i18n",
    "__init__.py",
    "__main__.py",
    "acts.py",
    "config.py",
    "db.py",
    "demo.py",
    "demo_desk.py",
    "demo_relief.py",
    "demo_shelters.py",
    "errors.py",
    "extensions.py",
    "files.py",
    "mail.py",
    "integrity.py",
    "models.py",
    "workspace.py",
]
#: Packages whose printed texts are read by people (their output calls are checked too).
PRINTING = {"cli"}
OUTPUT_CALLS = {"print", "echo", "secho", "fail"}
MARKUP = re.compile(r"\[/?[a-z #0-9]*\]")
WORD = re.compile(r"[A-Za-z]{2,}")
#: Not scanned: migrations are frozen history (they speak to the operator running them).
NOT_SCANNED = {"migrations", "locale"}
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
    if isinstance(text, ast.IfExp):  # _("a") if x else "b"
        return _unmarked(text.body) or _unmarked(text.orelse)
    if isinstance(text, ast.Constant):
        return isinstance(text.value, str)
    if isinstance(text, ast.JoinedStr):
        return True
    if isinstance(text, ast.BinOp):  # "a" + b, "a %s" % b
        return _unmarked(text.left) or _unmarked(text.right)
    if isinstance(text, ast.Call) and isinstance(text.func, ast.Attribute):
        return text.func.attr == "format" and _unmarked(text.func.value)  # "...".format()
    return False


def _literal_text(node: ast.expr) -> str | None:
    """The text a literal or f-string writes itself (placeholders left out), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return None


def _printed_unmarked(node: ast.AST) -> bool:
    """An output call of the command line printing a text with words, not marked."""
    if not (isinstance(node, ast.Call) and node.args):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    text = _literal_text(node.args[0])
    return name in OUTPUT_CALLS and text is not None and bool(WORD.search(MARKUP.sub("", text)))


def findings(source: str, where: str, *, printing: bool = False) -> list[str]:
    """Unmarked error messages in ``source`` (and, ``printing``, unmarked printed texts),
    and ``_()`` called where a parameter named ``_`` (a route's unused dependency) hides
    the marker."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if printing and _printed_unmarked(node):
            found.append(f"{where}:{getattr(node, 'lineno', 0)}: a text printed unmarked")
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
        "raise ProofError(_('x') if n else 'y')",
        'out.print(f"{n} items written")',
        'typer.echo("Done.")',
        "def page(_: Anyone) -> None:\n    raise NotFoundError(_('No page.'))",
        "def f() -> None:\n    _, b = pair()\n    raise NotFoundError(_('No %(b)s.', b=b))",
    ],
)
def test_the_scan_finds_a_message_written_in_place(source: str) -> None:
    assert findings(source, "example.py", printing=True)


def test_the_scan_lets_marked_messages_and_other_exceptions_through() -> None:
    source = (
        'raise NotFoundError(_("Incident %(id)s does not exist.", id=n))\n'
        'raise RejectedInputError(ngettext("%(num)s file", "%(num)s files", n))\n'
        "raise ConflictError(message)\n"
        'raise ValueError("an internal fault, never shown to a user")\n'
        "def f() -> int:\n    return sum(n for _, n in pairs()) or len(_('x'))\n"
        'out.print(ngettext("%(num)s item", "%(num)s items", n))\n'
        'out.print(f"{key}: {value}")\n'
        'out.print(f"[{colour}]{status}[/] {sha}")\n'
    )
    assert findings(source, "example.py", printing=True) == []


def test_every_package_is_listed() -> None:
    listed = set(PACKAGES)
    missing = [
        p.name
        for p in sorted(SOURCE.iterdir())
        if (p.is_dir() and p.name not in listed | NOT_SCANNED and (p / "__init__.py").exists())
        or (p.suffix == ".py" and p.name not in listed)
    ]
    assert missing == [], f"add to PACKAGES (and mark their messages): {missing}"


def test_every_error_raised_in_the_listed_packages_carries_a_marked_message() -> None:
    found = []
    for path in _files():
        where = path.relative_to(SOURCE)
        printing = where.parts[0] in PRINTING
        found.extend(findings(path.read_text(encoding="utf-8"), str(where), printing=printing))
    assert found == [], "\n".join(found)

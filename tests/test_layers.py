"""The joins between packages, read from the source (every import, lazy ones included).

`lint-imports` (make lint; contracts in pyproject.toml) checks the layers and who may
import each domain's `models`. This scan checks the same from the syntax tree, and what
import-linter cannot express: no `_private` name of one package used in another, and
migrations that import nothing of civwatch (a migration must not change meaning when the
code it would import changes).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO

SRC = REPO / "src" / "civwatch"
ENGINES = frozenset(
    {
        "vault",
        "custody",
        "crypto",
        "media",
        "matching",
        "geo",
        "jobs",
        "db",
        "config",
        "errors",
        "workspace",
        "mail",
    }
)
DOMAINS = frozenset(
    {
        "accounts",
        "campaigns",
        "evidence",
        "incidents",
        "intake",
        "publish",
        "protection",
        "relief",
        "shelters",
    }
)
INTERFACES = frozenset({"web", "cli"})
#: Gathers every table for the migrations: the one module outside a domain that imports
#: its models.
TABLE_GATHERER = "civwatch.models"


@dataclass(frozen=True)
class Use:
    """One name of another module used by ``module``: imported, or read as an attribute."""

    module: str
    line: int
    target: str  # the module used
    name: str | None  # the name taken from it, if any

    def __str__(self) -> str:
        what = self.target if self.name is None else f"{self.target}.{self.name}"
        return f"{self.module} (line {self.line}) uses {what}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package(module: str) -> str:
    """The package a module belongs to: ``civwatch.X`` for anything under ``X``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def uses(path: Path) -> Iterator[Use]:
    """Every civwatch module or name ``path`` uses, with attributes read off imported
    modules (``service._incident(...)`` after ``from civwatch.incidents import service``)."""
    module = module_name(path)
    tree = ast.parse(path.read_text(), filename=str(path))
    bound: dict[str, str] = {}  # local name -> the civwatch module or name it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "civwatch":
                    yield Use(module, node.lineno, alias.name, None)
                    if alias.asname:
                        bound[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if path.name != "__init__.py":
                    base.pop()
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] != "civwatch":
                continue
            for alias in node.names:
                yield Use(module, node.lineno, target, alias.name)
                bound[alias.asname or alias.name] = f"{target}.{alias.name}"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
        ):
            yield Use(module, node.lineno, bound[node.value.id], node.attr)


def all_uses() -> list[Use]:
    return [use for path in sorted(SRC.rglob("*.py")) for use in uses(path)]


#: The gettext names (``_`` marks and translates, ``N_`` only marks) are public by convention.
GETTEXT_NAMES = {"_", "N_"}


def private(name: str | None) -> bool:
    return (
        name is not None
        and name not in GETTEXT_NAMES
        and name.startswith("_")
        and not name.startswith("__")
    )


def imported_module(use: Use) -> str:
    """The module a use reaches (``from civwatch.evidence import models`` reaches
    ``civwatch.evidence.models``)."""
    if use.name is None:
        return use.target
    whole = f"{use.target}.{use.name}"
    path = SRC.parent / whole.replace(".", "/")
    return whole if path.is_dir() or path.with_suffix(".py").is_file() else use.target


def test_no_private_name_is_used_across_packages() -> None:
    found = [
        str(use)
        for use in all_uses()
        if private(use.name) and package(use.target) != package(use.module)
    ]
    assert found == [], "give these a public name and a docstring:\n" + "\n".join(found)


def test_no_domain_table_is_read_outside_its_domain() -> None:
    found = []
    for use in all_uses():
        reached = imported_module(use)
        owner = package(reached)
        if (
            owner in DOMAINS
            and reached == f"civwatch.{owner}.models"
            and package(use.module) != owner
            and use.module != TABLE_GATHERER
        ):
            found.append(str(use))
    assert found == [], "call the owning domain's service functions instead:\n" + "\n".join(found)


def test_engines_import_no_domain_or_interface() -> None:
    found = [
        str(use)
        for use in all_uses()
        if package(use.module) in ENGINES and package(imported_module(use)) in DOMAINS | INTERFACES
    ]
    assert found == [], "\n".join(found)


def test_domains_import_no_interface() -> None:
    found = [
        str(use)
        for use in all_uses()
        if package(use.module) in DOMAINS and package(imported_module(use)) in INTERFACES
    ]
    assert found == [], "\n".join(found)


def test_migrations_import_nothing_of_civwatch() -> None:
    found = [
        str(use)
        for path in sorted((SRC / "migrations" / "versions").glob("*.py"))
        for use in uses(path)
    ]
    assert found == [], "a migration keeps a frozen copy of what it needs:\n" + "\n".join(found)


#: Each domain's rank: a domain imports only domains of a lower rank. Domains of the same
#: rank are siblings that may not import each other (publishing never reaches the
#: protection desk's registry).
DOMAIN_RANK = {
    "accounts": 0,
    "evidence": 1,
    "incidents": 2,
    "publish": 3,
    "protection": 3,
    "shelters": 3,
    "relief": 4,
    "campaigns": 4,
    "intake": 5,
}


def test_every_domain_has_a_rank() -> None:
    assert set(DOMAIN_RANK) == DOMAINS


def test_domains_import_only_the_domains_below_them() -> None:
    found = [
        str(use)
        for use in all_uses()
        if package(use.module) in DOMAINS
        and package(imported_module(use)) in DOMAINS
        and package(imported_module(use)) != package(use.module)
        and DOMAIN_RANK[package(imported_module(use))] >= DOMAIN_RANK[package(use.module)]
    ]
    assert found == [], "\n".join(found)

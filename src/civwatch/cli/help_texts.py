"""The command line's help texts, in the language in force.

typer reads a command's help from its docstring or ``help=``, and an option's or argument's
from its ``help=``: English texts that are not marked for translation one by one. Instead,
the help of a command tree is translated where it is shown: :func:`translate` walks the
click tree of a command (its own help, short help and epilog, the help of every option and
argument, the ``--help`` option's, and the same for every subcommand) and puts each text in
the language in force, looked up in the catalogue with the English text as typer displays it
(:func:`shown`) as msgid. :class:`civwatch.cli.Root` calls it for the root's own help and
for each command it loads, so every command of every module is covered without marking.

:func:`extract` is the Babel extractor that puts those texts in ``civwatch.pot``: it walks
the same tree, every lazy command loaded (configured in ``pyproject.toml``'s
``[tool.babel]`` mappings for ``cli/__init__.py``, whose Python strings it extracts too).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, cast

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

if TYPE_CHECKING:
    from typer._click import Command

#: The attributes of a command that typer shows as help.
COMMAND_TEXTS = ("help", "short_help", "epilog")


@dataclass(frozen=True)
class HelpText:
    """One help text of a command tree: ``holder.attribute`` (a command or a parameter)
    reads ``text``; ``where`` names it for translators (``civwatch protect person add
    --name``)."""

    holder: Any
    attribute: str
    text: str
    where: str


def shown(text: str) -> str:
    """``text`` as typer displays it, the msgid of its translation: dedented
    (``inspect.cleandoc``), cut at a form feed, and each paragraph on one line (typer joins
    a paragraph's lines with spaces; a paragraph starting with ``\\b`` keeps its lines)."""
    cleaned = inspect.cleandoc(text).partition("\f")[0].strip()
    return "\n\n".join(
        paragraph if paragraph.startswith("\b") else " ".join(paragraph.split())
        for paragraph in cleaned.split("\n\n")
    )


def help_texts(command: Command, path: str = "civwatch") -> Iterator[HelpText]:
    """Every help text of ``command`` and of its subcommands (those it holds: a lazy group's
    stand-ins, not the commands it would load)."""
    for attribute in COMMAND_TEXTS:
        text = getattr(command, attribute, None)
        if text:
            yield HelpText(command, attribute, text, path)
    context = command.context_class(command, info_name=path.rpartition(" ")[2])
    for param in command.get_params(context):
        name = max(param.opts, key=len) if param.opts else str(param.name)
        text = getattr(param, "help", None)
        if text:
            yield HelpText(param, "help", text, f"{path} {name}")
        yield from _panel(param, f"{path} {name}")
    subcommands: dict[str, Command] = getattr(command, "commands", {})
    for name, subcommand in subcommands.items():
        yield from _panel(subcommand, f"{path} {name}")
        yield from help_texts(subcommand, f"{path} {name}")


def _panel(holder: Any, where: str) -> Iterator[HelpText]:
    """The title of the help's panel that lists ``holder`` (typer's ``rich_help_panel``; by
    default "Arguments", "Options" or "Commands", which are typer's own untranslated
    texts), unless it has a panel of its own."""
    if getattr(holder, "rich_help_panel", None):  # typer leaves a false placeholder if none
        return
    if isinstance(holder, TyperArgument):
        yield HelpText(holder, "rich_help_panel", "Arguments", where)
    elif isinstance(holder, TyperOption):
        yield HelpText(holder, "rich_help_panel", "Options", where)
    elif isinstance(holder, (TyperCommand, TyperGroup)):
        yield HelpText(holder, "rich_help_panel", "Commands", where)


def _translations(command: Command, language: str) -> list[tuple[Any, str, str]]:
    """``(holder, attribute, text in language)`` for every help text of ``command``."""
    from civwatch.i18n import gettext

    return [(t.holder, t.attribute, gettext(shown(t.text), language)) for t in help_texts(command)]


def translate(command: Command, language: str) -> None:
    """Put every help text of ``command``'s tree in ``language``, for good (a command loaded
    for this language only)."""
    for holder, attribute, text in _translations(command, language):
        setattr(holder, attribute, text)


@contextlib.contextmanager
def translated(command: Command, language: str) -> Iterator[None]:
    """``command``'s help texts in ``language`` inside the ``with`` block, as they were after
    it (the root, whose help is shown in the language of each run)."""
    before = [(t.holder, t.attribute, t.text) for t in help_texts(command)]
    translate(command, language)
    try:
        yield
    finally:
        for holder, attribute, text in before:
            setattr(holder, attribute, text)


def every_help_text() -> Iterator[HelpText]:
    """Every help text the command line shows: the root's, its commands' summaries, and
    every command's tree (each lazy command loaded)."""
    import typer

    from civwatch.cli import Root, app

    root = typer.main.get_command(app)
    assert isinstance(root, Root)
    yield from help_texts(root)
    for entry in Root.table:
        yield from help_texts(root.build(entry.name), f"civwatch {entry.name}")


#: What a Babel extraction method yields: line, function name, message(s), comments.
Found = tuple[int, str | None, str | tuple[str, ...], list[str]]


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Any,
) -> Iterator[Found]:
    """Babel extraction method (``civwatch.cli.help_texts:extract``): the Python messages of
    the file, then every help text of the command line once, with where it is shown as a
    comment for translators."""
    from babel.messages.extract import extract_python

    # babel types extract_python's results as those of extract(): they are these.
    yield from cast("Iterator[Found]", extract_python(fileobj, keywords, comment_tags, options))
    seen: set[str] = set()
    for text in every_help_text():
        msgid = shown(text.text)
        if msgid in seen:
            continue
        seen.add(msgid)
        yield 1, None, msgid, [f"help of: {text.where}"]

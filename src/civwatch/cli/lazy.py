"""Commands loaded when they run: the root command imports a command's module only then.

``civwatch --help`` lists every command from a table of names and one-line summaries
(:class:`LazyCommand`), so it imports none of the command modules (nor the database, image
and matching libraries they use); ``civwatch custody head`` imports the module of ``custody``
only. The summaries must be what the commands themselves say first (a test compares them).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_command_name, get_group

if TYPE_CHECKING:
    # The Click that this typer builds on (its own copy since typer 0.29): types only.
    from typer._click import Command, Context, HelpFormatter


@dataclass(frozen=True)
class LazyCommand:
    """A command of the root, found in a module of ``civwatch.cli`` when it runs.

    ``typer_app`` names the ``typer.Typer`` that holds it as ``"module:attribute"``: with
    ``group``, that Typer is the command (``civwatch custody ...``); otherwise the command is
    the one named ``name`` among the Typer's commands. ``summary`` is the first paragraph of
    its help, as listed by ``civwatch --help``.
    """

    name: str
    typer_app: str
    summary: str
    group: bool = False


def _typer(spec: str) -> typer.Typer:
    module_name, _, attribute = spec.partition(":")
    found = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(found, typer.Typer):
        raise TypeError(f"{spec} is not a typer.Typer")
    return found


class LazyGroup(TyperGroup):
    """The root command: lists its :data:`table` from the summaries, loads a command to run it.

    Subclass it with ``table`` set and give it to ``typer.Typer(cls=...)``.
    """

    table: tuple[LazyCommand, ...] = ()

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._loaded: dict[tuple[str, str], Command] = {}
        for entry in self.table:
            # Stand-ins that carry the name and the summary: enough to list and suggest.
            self.commands[entry.name] = TyperCommand(name=entry.name, short_help=entry.summary)
        self._listing = False

    def load(self, name: str) -> Command:
        """The real command ``name`` (importing its module the first time), built once for
        each :meth:`variant`."""
        key = (self.variant(), name)
        if key not in self._loaded:
            self._loaded[key] = self.prepare(self.build(name), key[0])
        return self._loaded[key]

    def build(self, name: str) -> Command:
        """The real command ``name``, built afresh as its module defines it (not prepared,
        not kept)."""
        return self._build(next(e for e in self.table if e.name == name))

    def variant(self) -> str:
        """What a loaded command is built for, besides its name (a subclass's hook: the
        language its help is in); one variant here."""
        return ""

    def prepare(self, command: Command, variant: str) -> Command:
        """``command`` made ready for ``variant`` once built (a subclass's hook)."""
        return command

    def _build(self, entry: LazyCommand) -> Command:
        holder = _typer(entry.typer_app)
        if entry.group:
            group = get_group(holder)
            group.name = entry.name
            return group
        for info in holder.registered_commands:
            assert info.callback is not None
            if (info.name or get_command_name(info.callback.__name__)) == entry.name:
                return get_command_from_info(
                    info, pretty_exceptions_short=True, rich_markup_mode=self.rich_markup_mode
                )
        raise LookupError(f"{entry.typer_app} has no command {entry.name}")

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        """The command ``cmd_name``: its stand-in while the help lists commands, else the
        real one."""
        if cmd_name not in self.commands:
            return None
        if self._listing:
            return self.commands[cmd_name]
        return self.load(cmd_name)

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The root's help, listing the commands from their summaries."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

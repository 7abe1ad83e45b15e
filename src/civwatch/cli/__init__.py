"""The ``civwatch`` command line: thin wrappers around the service functions.

Every command takes ``--data-dir`` (or ``CIVWATCH_DATA_DIR``); ``--json`` prints one JSON
document (or JSON lines for streams) on stdout. A command that acts as a user does so with
that user's API token (``CIVWATCH_TOKEN`` or ``--token-file FILE``, see
:func:`civwatch.cli.common.acting`); ``init`` and ``user ...`` administer the data folder
without one. Errors are one red line on stderr and a
non-zero exit: 1 for a failure, 2 for a usage error. Each domain's commands live in a
module of this package, listed in :class:`Root`: a command's module is imported only when
that command runs (:mod:`civwatch.cli.lazy`), so that ``civwatch --help`` and light commands
start fast.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from civwatch.cli.lazy import LazyCommand, LazyGroup
from civwatch.errors import CivwatchError

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter

#: Where :meth:`Root.parse_args` keeps the ``--lang`` given (``ctx.meta``).
LANG_GIVEN = "civwatch.lang"


class Root(LazyGroup):
    """``civwatch``: each command and where it is defined, in the order of ``--help``."""

    table = (
        LazyCommand(
            "init",
            "civwatch.cli.evidence:app",
            "Create the data folder, its database and the custody signing key (and, with "
            "--admin, its first admin).",
        ),
        LazyCommand(
            "ingest",
            "civwatch.cli.evidence:app",
            "Ingest files into the vault, recording each act in the custody log.",
        ),
        LazyCommand(
            "show",
            "civwatch.cli.evidence:app",
            "Show one evidence item: its metadata and sightings.",
        ),
        LazyCommand(
            "verify",
            "civwatch.cli.evidence:app",
            "Check every record against the custody entry that recorded it, the log against "
            "its signed heads (also those kept in the heads file) and, unless --no-rehash, "
            "every blob.",
        ),
        LazyCommand(
            "unpack",
            "civwatch.cli.evidence:app",
            "Unpack a stored ZIP into a folder (members leaving the folder are refused).",
        ),
        LazyCommand(
            "hash",
            "civwatch.cli.copies:app",
            "PDQ hash of an image (and its views), or of a video's frames at 1 fps.",
        ),
        LazyCommand(
            "match",
            "civwatch.cli.copies:app",
            "Stored items that FILE is a copy of, best first (FILE is not ingested).",
        ),
        LazyCommand(
            "cluster",
            "civwatch.cli.copies:app",
            "The item's copies, its first sighting and every sighting in time order.",
        ),
        LazyCommand(
            "find-copies",
            "civwatch.cli.copies:app",
            "Hash every item not yet hashed and record its copies among stored items.",
        ),
        LazyCommand(
            "capture",
            "civwatch.cli.capture:app",
            "Capture a web page as evidence: a WACZ web archive, a full-page screenshot, the "
            "rendered HTML and the media it loads, as the user whose API token is given.",
        ),
        LazyCommand(
            "serve",
            "civwatch.cli.serve:app",
            "Serve civwatch over HTTP, with workers for its background jobs.",
        ),
        LazyCommand(
            "package",
            "civwatch.cli.package:app",
            "Build a BagIt evidence package of an incident that a court can check with the "
            "verify.py inside it. The export is recorded in the custody log as the act of the "
            "user whose API token is given (CIVWATCH_TOKEN or --token-file).",
        ),
        LazyCommand(
            "export",
            "civwatch.cli.opendata:app",
            "Write every published incident as GeoJSON, CSV, KML or TimeMap JSON.",
        ),
        LazyCommand(
            "sitrep",
            "civwatch.cli.sitrep:app",
            "Write a situation report: totals, charts, newly published incidents, attacks on "
            "protected objects and the methodology note, over published incidents only.",
        ),
        LazyCommand(
            "worker",
            "civwatch.cli.jobs:app",
            "Run background jobs until stopped (Ctrl-C or SIGTERM: running jobs finish first).",
        ),
        LazyCommand(
            "custody",
            "civwatch.cli.custody:custody_app",
            "The custody log: tree heads and proofs.",
            group=True,
        ),
        LazyCommand(
            "demo", "civwatch.cli.serve:demo_app", "The synthetic demo data set.", group=True
        ),
        LazyCommand(
            "geo", "civwatch.cli.geo:app", "Gazetteer, sun position and shadow times.", group=True
        ),
        LazyCommand(
            "user",
            "civwatch.cli.users:app",
            "Users, their roles and API tokens (the data folder's holder administers them).",
            group=True,
        ),
        LazyCommand(
            "incident",
            "civwatch.cli.incidents:incident_app",
            "Incidents: record, link, verify, count.",
            group=True,
        ),
        LazyCommand(
            "verify-item",
            "civwatch.cli.verify_items:verify_app",
            "Verification records and two-person review of evidence items.",
            group=True,
        ),
        LazyCommand(
            "jobs",
            "civwatch.cli.jobs:jobs_app",
            "Background jobs (uploads, copy finding).",
            group=True,
        ),
        LazyCommand(
            "publish",
            "civwatch.cli.publish:publish_app",
            "Publish verified incidents, correct or withdraw them, set the public location.",
            group=True,
        ),
        LazyCommand(
            "import",
            "civwatch.cli.intake:import_app",
            "Import chat exports (Telegram, WhatsApp): each message with its context and custody.",
            group=True,
        ),
        LazyCommand(
            "shelters",
            "civwatch.cli.shelters:shelters_app",
            "Shelters: import the registry, find the nearest working ones, report their state.",
            group=True,
        ),
        LazyCommand(
            "protect",
            "civwatch.cli.protection:protect_app",
            "The protection desk: people at risk, their cases and risk, kept encrypted.",
            group=True,
        ),
        LazyCommand(
            "relief",
            "civwatch.cli.relief:relief_app",
            "The relief fund: funds, grants with two-person approval, payments and the ledger.",
            group=True,
        ),
        LazyCommand(
            "campaign",
            "civwatch.cli.campaigns:campaign_app",
            "Campaigns: petitions and letters to decision-makers, confirmed by e-mail.",
            group=True,
        ),
        LazyCommand(
            "testimony",
            "civwatch.cli.testimony:app",
            "Field testimony: take it down, list it by incident (the witness kept encrypted).",
            group=True,
        ),
        LazyCommand(
            "redact",
            "civwatch.cli.publish:redact_app",
            "Redacted copies of evidence for publication: faces and regions blurred, metadata "
            "removed; a publisher approves each one.",
            group=True,
        ),
    )

    #: The language this run speaks (:mod:`civwatch.cli.language`), once a command runs.
    language: str | None = None

    def choose_language(self, option: str | None) -> str:
        """The language of this run (``option``: the ``--lang`` given, if any), kept in
        :attr:`language`; a ``--lang`` without a catalogue is a usage error (exit 2)."""
        from civwatch.cli.language import cli_language
        from civwatch.errors import RejectedInputError

        try:
            self.language = cli_language(option)
        except RejectedInputError as exc:  # a --lang without a catalogue: a usage error
            from civwatch.cli.common import error_line

            error_line(exc.message)
            raise typer.Exit(2) from None
        return self.language

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        """Parse the root's options, noting ``--lang`` first: ``civwatch --lang uk --help``
        prints the help while the root parses, before ``--lang`` is processed."""
        opts, _, _ = self.make_parser(ctx).parse_args(args=list(args))
        ctx.meta[LANG_GIVEN] = opts.get("lang")
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Context) -> Any:
        """Run the command in the user's language."""
        from civwatch.i18n import use_language

        with use_language(self.choose_language(ctx.params.get("lang"))):
            return super().invoke(ctx)

    def variant(self) -> str:
        """Commands are loaded for the language in force (their help is in it)."""
        from civwatch.i18n import current_language

        return current_language()

    def prepare(self, command: Command, variant: str) -> Command:
        """``command`` with its help texts in the language ``variant``
        (:mod:`civwatch.cli.help_texts`)."""
        from civwatch.cli.help_texts import translate

        translate(command, variant)
        return command

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The root's help (its own texts and its commands' summaries) in the user's
        language."""
        from civwatch.cli.help_texts import translated
        from civwatch.i18n import use_language

        language = self.choose_language(ctx.meta.get(LANG_GIVEN))
        with use_language(language), translated(self, language):
            super().format_help(ctx, formatter)


app = typer.Typer(
    cls=Root,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="civwatch: evidence of attacks on civilians, preserved and provable.",
)


@app.callback()
def _root(
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="LANGUAGE",
            help="Language of the messages (uk, en); default: CIVWATCH_LANGUAGE, else the "
            "locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else English.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The root's only option is ``--lang``, read by :meth:`Root.invoke`; with this callback
    typer builds the root as a group (so ``typer.main.get_command(app)``, used by typer's
    test runner, works too)."""


def main() -> None:
    """Entry point: civwatch errors become one red line, in the user's language, and exit
    status 1."""
    command = typer.main.get_command(app)
    try:
        command(standalone_mode=True)
    except CivwatchError as exc:
        from civwatch.cli.common import error_line
        from civwatch.i18n import SOURCE_LANGUAGE, use_language

        language = getattr(command, "language", None) or SOURCE_LANGUAGE
        with use_language(language):
            error_line(exc.message)
        sys.exit(1)

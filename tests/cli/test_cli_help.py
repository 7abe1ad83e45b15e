"""``--help`` speaks the user's language: every help text of the command line (the root's,
the lazy commands' summaries, each command's, option's and argument's) is in the catalogue,
translated, and shown in the language chosen by ``--lang``, ``CIVWATCH_LANGUAGE`` or the
locale (:mod:`civwatch.cli.help_texts`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po
from typer._click import Parameter

from civwatch.cli.help_texts import HelpText, every_help_text, shown
from civwatch.i18n import gettext

ROOT = Path(__file__).resolve().parents[2]
UK_PO = ROOT / "src" / "civwatch" / "locale" / "uk" / "LC_MESSAGES" / "civwatch.po"
CYRILLIC = re.compile("[а-яіїєґ]", re.IGNORECASE)
#: A help text that is only a list of values (``reliable, usually_reliable, unclear.``):
#: the same in every language.
VALUES = re.compile(r"[a-z0-9_]+(, [a-z0-9_]+)*\.?")
#: Rich's box drawing around the help's panels.
BOX = re.compile("[│╭╮╰╯─]")


@pytest.fixture(scope="module")
def texts() -> list[HelpText]:
    return list(every_help_text())


def help_env(**chosen: str) -> dict[str, str]:
    """This process's environment without any language chosen, plus ``chosen``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith("CIVWATCH_")
        and k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
    }
    return {**env, "COLUMNS": "200", **chosen}


def help_of(env: dict[str, str], *args: str) -> str:
    """The help ``civwatch ARGS`` prints, its lines joined and its spaces and boxes gone."""
    proc = subprocess.run(
        [sys.executable, "-m", "civwatch", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return " ".join(BOX.sub(" ", proc.stdout).split())


def english_left(output: str, texts: list[HelpText]) -> list[str]:
    """The English help texts (those with a translation of their own) found in ``output``."""
    found = set()
    for text in texts:
        msgid = shown(text.text)
        if gettext(msgid, "uk") != msgid:
            found.update(p for p in msgid.split("\n\n") if p in output)
    return sorted(found)


def ukrainian(text: HelpText) -> list[str]:
    """The paragraphs of ``text``'s Ukrainian translation, as the help shows them (a command
    listed in a group's help: its first paragraph)."""
    translated = gettext(shown(text.text), "uk").split("\n\n")
    return translated[:1] if text.attribute == "short_help" else translated


def shown_by(texts: list[HelpText], path: str) -> list[HelpText]:
    """The texts the help of ``civwatch ...`` (``path``) shows: its own, its options' and
    arguments', and for the root the summaries of its commands."""
    own = [t for t in texts if t.where == path and t.attribute == "help"]
    params = [
        t
        for t in texts
        if isinstance(t.holder, Parameter)
        and t.attribute == "help"
        and t.where.rpartition(" ")[0] == path
    ]
    summaries = [t for t in texts if t.attribute == "short_help"] if path == "civwatch" else []
    return [*own[:1], *params, *summaries]


@pytest.mark.parametrize(
    ("env", "args"),
    [
        (help_env(LANG="C"), ["--lang", "uk", "--help"]),
        (help_env(CIVWATCH_LANGUAGE="uk"), ["--help"]),
        (help_env(LANG="uk_UA.UTF-8"), ["--help"]),
        (help_env(LANG="C"), ["--lang", "uk", "custody", "--help"]),
        (help_env(LANG="C"), ["--lang", "uk", "protect", "person", "add", "--help"]),
        (help_env(LANG="uk_UA.UTF-8"), ["incident", "places", "import", "--help"]),
        (help_env(LANG="C"), ["--lang", "uk", "protect", "lock", "--help"]),
    ],
    ids=[
        "root --lang",
        "root setting",
        "root locale",
        "lazy group",
        "nested command",
        "nested argument",
        "paragraphs",
    ],
)
def test_help_is_shown_in_ukrainian_with_no_english_help_left(
    texts: list[HelpText], env: dict[str, str], args: list[str]
) -> None:
    output = help_of(env, *args)
    path = " ".join(["civwatch", *(a for a in args if a not in ("--lang", "uk", "--help"))])
    expected = shown_by(texts, path)
    assert len(expected) >= 3, path  # its help, --help, and more
    for text in expected:
        for paragraph in ukrainian(text):
            assert CYRILLIC.search(paragraph), text
            assert paragraph in output, (text, paragraph)
    assert "Показати цю довідку й вийти." in output and "Параметри" in output
    assert english_left(output, texts) == []


def test_help_stays_english_when_english_is_chosen(texts: list[HelpText]) -> None:
    output = help_of(help_env(LANG="uk_UA.UTF-8"), "--lang", "en", "protect", "case", "--help")
    assert "Cases of the protection desk." in output
    assert not CYRILLIC.search(output)
    root = help_of(help_env(LANG="C"), "--help")
    assert "civwatch: evidence of attacks on civilians, preserved and provable." in root
    assert not CYRILLIC.search(root)


def test_a_help_asked_in_a_language_without_a_catalogue_is_a_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "civwatch", "--lang", "xx", "--help"],
        env=help_env(LANG="C"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: --lang must be one of en, uk."


def test_every_help_text_is_in_the_catalogue_and_translated(texts: list[HelpText]) -> None:
    """Walks the whole command tree (every lazy command loaded): a command, option or
    argument added without its Ukrainian help is named here. Fix: run the extraction and
    update of docs/translators.md (pybabel extract/update/compile) and fill its msgstr."""
    with UK_PO.open("rb") as f:
        catalogue = read_po(f)
    missing = []
    for text in texts:
        msgid = shown(text.text)
        message = catalogue.get(msgid)
        if message is None or not message.string or message.fuzzy:
            missing.append(f"{text.where}: {msgid!r}")
        elif not CYRILLIC.search(str(message.string)) and not VALUES.fullmatch(msgid):
            missing.append(f"{text.where}: {msgid!r} (still English: {message.string!r})")
        elif str(message.string).count("\n\n") != msgid.count("\n\n"):
            missing.append(f"{text.where}: {msgid!r} (paragraphs differ)")
    assert not missing, "help texts without Ukrainian:\n" + "\n".join(sorted(set(missing)))
    assert len(texts) > 300  # the walk reached every command


def test_the_babel_extractor_gives_every_help_text_and_the_files_own_messages(
    texts: list[HelpText], tmp_path: Path
) -> None:
    """``pybabel extract -F pyproject.toml`` runs the help extractor for cli/__init__.py,
    which keeps that file's own ``_()`` messages."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        mappings = tomllib.load(f)["tool"]["babel"]["mappings"]
    method = "civwatch.cli.help_texts:extract"
    first = next(m for m in mappings if m["pattern"] in ("cli/__init__.py", "**.py"))
    assert first == {"method": method, "pattern": "cli/__init__.py"}

    source = tmp_path / "marked.py"
    source.write_text('from civwatch.i18n import _\n\n_("A marked sentence.")\n')
    extracted = {
        message
        for _line, message, _comments, _context in extract_from_file(
            method, str(source), keywords=DEFAULT_KEYWORDS
        )
    }
    assert "A marked sentence." in extracted
    assert {shown(t.text) for t in texts} <= extracted

"""The command line speaks its user's language: ``--lang``, else ``CIVWATCH_LANGUAGE``, else
the POSIX locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else English; ``--json`` and the
records it writes stay English."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from civwatch.cli.common import ASK_FOR_CREDENTIAL
from civwatch.config import Settings
from civwatch.i18n import _, gettext, ngettext, use_language
from civwatch.jobs.service import create_job, fail, find_job
from civwatch.workspace import Workspace
from tests.conftest import run_cli

CYRILLIC = re.compile("[а-яіїєґ]", re.IGNORECASE)
LOCALE = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "CIVWATCH_LANGUAGE")


def speaking(cli_env: dict[str, str], **chosen: str) -> dict[str, str]:
    """The test's environment with only the language variables given."""
    env = {k: v for k, v in cli_env.items() if k not in LOCALE}
    return {**env, **chosen}


def error_line(language: str, problem: str) -> str:
    with use_language(language):
        return gettext("error: %(problem)s") % {"problem": gettext(problem)}


@pytest.fixture
def initialised(cli_env: dict[str, str]) -> dict[str, str]:
    run_cli(cli_env, "init", check=True)
    return cli_env


@pytest.mark.parametrize(
    ("chosen", "args"),
    [
        ({"LANG": "uk_UA.UTF-8"}, []),
        ({"LC_ALL": "uk_UA.UTF-8", "LANG": "C"}, []),
        ({"LANGUAGE": "de:uk", "LANG": "en_GB.UTF-8"}, []),
        ({"CIVWATCH_LANGUAGE": "uk", "LANG": "C"}, []),
        ({"LANG": "C"}, ["--lang", "uk"]),
    ],
)
def test_an_error_is_printed_in_the_users_language(
    initialised: dict[str, str], chosen: dict[str, str], args: list[str]
) -> None:
    proc = run_cli(speaking(initialised, **chosen), *args, "incident", "create", "--title", "x")
    assert proc.returncode == 1
    expected = error_line("uk", ASK_FOR_CREDENTIAL)
    assert CYRILLIC.search(expected) and expected.startswith("помилка: ")
    assert proc.stderr.strip() == expected


@pytest.mark.parametrize(
    ("chosen", "args"),
    [
        ({"LANG": "C"}, []),
        ({}, []),
        ({"LANG": "pl_PL.UTF-8"}, []),  # no Polish catalogue: English
        ({"LANG": "uk_UA.UTF-8", "CIVWATCH_LANGUAGE": "en"}, []),
        ({"LANG": "uk_UA.UTF-8", "CIVWATCH_LANGUAGE": "uk"}, ["--lang", "en"]),
    ],
)
def test_english_when_english_is_chosen_or_nothing_known_is(
    initialised: dict[str, str], chosen: dict[str, str], args: list[str]
) -> None:
    proc = run_cli(speaking(initialised, **chosen), *args, "incident", "create", "--title", "x")
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: {ASK_FOR_CREDENTIAL}"


def test_a_language_without_a_catalogue_is_refused_as_a_usage_error(
    cli_env: dict[str, str],
) -> None:
    proc = run_cli(speaking(cli_env, LANG="C"), "--lang", "xx", "custody", "head")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: --lang must be one of en, uk."


def test_counts_take_the_ukrainian_plural_forms(
    initialised: dict[str, str], tmp_path: Path
) -> None:
    statement = tmp_path / "statement.txt"
    statement.write_text("a witness statement\n", encoding="utf-8")
    sha = hashlib.sha256(statement.read_bytes()).hexdigest()
    uk = speaking(initialised, LANG="uk_UA.UTF-8")
    shown: dict[int, str] = {}
    for n in range(1, 6):
        run_cli(
            initialised,
            "ingest",
            "--no-copies",
            "--source-url",
            f"https://example.org/post/{n}",
            str(statement),
            check=True,
        )
        if n in (1, 3, 5):
            out = run_cli(uk, "show", sha, check=True).stdout
            shown[n] = next(line for line in out.splitlines() if line.startswith(f"{n} "))
    assert shown == {1: "1 поява:", 3: "3 появи:", 5: "5 появ:"}
    with use_language("uk"):
        assert shown[3] == ngettext("%(num)s sighting:", "%(num)s sightings:", 3)
    english = run_cli(speaking(initialised, LANG="C"), "show", sha)
    assert "5 sightings:" in english.stdout.splitlines()


def test_a_jobs_messages_are_shown_translated_but_stored_and_emitted_in_english(
    initialised: dict[str, str], settings: Settings
) -> None:
    ws = Workspace.open(settings)
    try:
        waiting = create_job(ws, "find-copies", "alice", {})
        broken = create_job(ws, "find-copies", "alice", {})
        with use_language("uk"):
            fail(ws, broken.id, _("There is no kind of job called %(kind)s.", kind="'x'"))
        # The record stays English whatever language the failure was reported in.
        assert find_job(ws, broken.id).message == "There is no kind of job called 'x'."
    finally:
        ws.close()
    uk = speaking(initialised, LANG="uk_UA.UTF-8")
    shown = run_cli(uk, "jobs", "show", str(waiting.id), check=True).stdout
    assert "Чекає на обробника." in shown and "Waiting for a worker." not in shown
    listed = run_cli(uk, "jobs", "list", check=True).stdout
    assert "2 завдання." in listed.splitlines()
    emitted = json.loads(run_cli(uk, "jobs", "show", "--json", str(waiting.id), check=True).stdout)
    assert emitted["message"] == "Waiting for a worker."

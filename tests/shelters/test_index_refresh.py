"""The nearest-shelter index keeps up with the registry without holding up an answer: a
change made in this process is shown by the very next answer, a change made by another
process within the watcher's interval, and while a registry is rebuilt the one in use goes
on answering at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from civwatch.shelters import nearest as index
from civwatch.shelters.importing import import_file
from civwatch.shelters.nearest import nearest, ready, warm, watch
from civwatch.shelters.reports import confirm_report, submit_report
from civwatch.workspace import Workspace
from tests.shelters.conftest import PrincipalOf
from tests.shelters.samples import write_csv

SRC = Path(__file__).resolve().parents[2] / "src"
A = {"id": "a", "name": "A", "lat": 50.1, "lon": 30.1}
B = {"id": "b", "name": "B", "lat": 50.01, "lon": 30.01}


def names(ws: Workspace) -> list[str]:
    return [n.name for n in nearest(ws, 50.0, 30.0)]


@pytest.fixture
def watched(workspace: Workspace, tmp_path: Path) -> Iterator[Workspace]:
    """The workspace holding shelter A, its index watched every 50 ms."""
    import_file(workspace, write_csv(tmp_path / "a.csv", [A]), dataset="a")
    stop = watch(workspace, interval=0.05)
    yield workspace
    stop()


def test_a_rebuild_never_holds_up_an_answer(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(workspace, write_csv(tmp_path / "a.csv", [A]), dataset="a")
    assert warm(workspace) == 1
    # The next registry takes as long to read as the test wants.
    reading, release = threading.Event(), threading.Event()
    slow_load = index._load

    def load(session: Session, version: int) -> object:
        reading.set()
        assert release.wait(10)
        return slow_load(session, version)

    monkeypatch.setattr(index, "_load", load)
    importing = threading.Thread(
        target=import_file, args=(workspace, write_csv(tmp_path / "b.csv", [B])), daemon=True
    )
    importing.start()  # its commit rebuilds this process's index before it returns
    assert reading.wait(10)
    assert names(workspace) == ["A"]  # the registry in use answers meanwhile ...
    # ... while the rebuild is still held: had the answer waited for it, the import would
    # have ended first (its read gives up after 10 s), whatever the machine's load
    assert importing.is_alive() and not release.is_set()
    release.set()
    importing.join(10)
    assert not importing.is_alive()
    assert names(workspace) == ["B", "A"]  # the import returned: its shelter is offered


def test_this_process_s_changes_are_shown_by_the_next_answer(
    crew: Workspace, principal: PrincipalOf, tmp_path: Path
) -> None:
    import_file(crew, write_csv(tmp_path / "a.csv", [A, B]))
    stop = watch(crew, interval=3600)  # the watcher will not look again: the commits must
    try:
        assert names(crew) == ["B", "A"]
        b = nearest(crew, 50.0, 30.0, limit=1)[0].id
        confirm_report(crew, principal("sofia"), submit_report(crew, b, "locked"))
        assert names(crew) == ["A"]
        import_file(crew, write_csv(tmp_path / "a.csv", [A]))  # B gone from its source
        assert [n.name for n in nearest(crew, 50.0, 30.0, working_only=False)] == ["A"]
    finally:
        stop()


def test_the_watcher_takes_another_process_s_import(watched: Workspace, tmp_path: Path) -> None:
    assert names(watched) == ["A"]
    path = write_csv(tmp_path / "b.csv", [B])
    code = (
        "import sys; from pathlib import Path; from civwatch.config import Settings; "
        "from civwatch.workspace import Workspace; "
        "from civwatch.shelters.importing import import_file; "
        "ws = Workspace.open(Settings(data_dir=Path(sys.argv[1]), "
        "database_url=sys.argv[2], min_free_disk=0)); "
        "import_file(ws, Path(sys.argv[3])); ws.close()"
    )
    url = str(watched.settings.database_url)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    subprocess.run(
        [sys.executable, "-c", code, str(watched.settings.data_dir), url, str(path)],
        check=True,
        env=env,
        timeout=120,
    )
    deadline = time.monotonic() + 10
    while names(watched) != ["B", "A"]:
        assert time.monotonic() < deadline, "the watcher never took the other process's import"
        time.sleep(0.02)


def test_a_watched_index_answers_without_reading_the_database(
    workspace: Workspace, tmp_path: Path
) -> None:
    import_file(workspace, write_csv(tmp_path / "a.csv", [A]))
    stop = watch(workspace, interval=3600)  # it will not look again during the test
    connections: list[object] = []

    def connected(connection: object) -> None:
        connections.append(connection)

    event.listen(workspace.engine, "engine_connect", connected)
    try:
        assert ready(workspace)
        for _ in range(20):
            assert names(workspace) == ["A"]
    finally:
        event.remove(workspace.engine, "engine_connect", connected)
        stop()
    assert connections == []
    assert not ready(workspace)


def test_without_a_watcher_each_answer_checks_the_versions(
    workspace: Workspace, tmp_path: Path
) -> None:
    import_file(workspace, write_csv(tmp_path / "a.csv", [A]))
    assert names(workspace) == ["A"]
    assert not ready(workspace)  # the command line: nothing keeps it up to date


def test_stopping_the_watcher_waits_for_its_check_so_closing_leaves_no_connection_open(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web app stops the watcher, then closes its workspace. A check under way at that
    moment used to give its connection back after the close, to a pool no one closes: a
    psycopg connection garbage-collected open, reported in whichever test ran next."""
    import_file(workspace, write_csv(tmp_path / "a.csv", [A]))
    app = Workspace.open(workspace.settings)  # the web app's own workspace
    checking, release = threading.Event(), threading.Event()
    versions = index._versions

    def held_check(engine: Engine) -> tuple[int, int]:
        if threading.current_thread().name == "shelter-index-watch":
            with engine.connect():  # the watcher's check holds a connection ...
                checking.set()
                release.wait(10)  # ... until the test lets it go
        return versions(engine)

    monkeypatch.setattr(index, "_versions", held_check)
    stop = watch(app, interval=0.01)
    assert checking.wait(10)
    stopping = threading.Thread(target=stop, daemon=True)
    stopping.start()
    stopping.join(0.2)
    assert stopping.is_alive()  # stopping waits for the check under way ...
    release.set()
    stopping.join(10)
    assert not stopping.is_alive()  # ... and returns once it is done
    pool = app.engine.pool
    app.close()
    assert (pool.checkedin(), pool.checkedout()) == (0, 0)  # nothing left in the closed pool


def test_a_commit_does_not_catch_up_the_index_of_a_closed_workspace(
    workspace: Workspace, tmp_path: Path
) -> None:
    """A commit that changes the registry catches up every index this process holds for
    that database, but not the index of a workspace closed since: catching it up opened a
    connection in the closed engine's new pool, which no one would close."""
    import_file(workspace, write_csv(tmp_path / "a.csv", [A]))
    app = Workspace.open(workspace.settings)
    assert warm(app) == 1
    app.close()
    assert names(workspace) == ["A"]  # the open workspace's index is held too ...
    import_file(workspace, write_csv(tmp_path / "b.csv", [B]), dataset="b")
    assert names(workspace) == ["B", "A"]  # ... and caught up at the commit
    assert (app.engine.pool.checkedin(), app.engine.pool.checkedout()) == (0, 0)
    assert app.engine not in index._INDEXES

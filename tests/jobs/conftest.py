"""Queue stores for the job tests: the default SQLite file, and a real Redis server.

Redis comes from ``scripts/redis-test-server`` on a free port. Without ``redis-server``
the Redis variants are skipped, unless ``CIVWATCH_REQUIRE_REDIS=1`` (CI), where that fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from civwatch import extensions
from civwatch.config import Settings
from civwatch.jobs.queue import forget_queue, queue_for
from civwatch.workspace import Workspace
from tests.conftest import REPO
from tests.support.live import free_port
from tests.web.conftest import client, team  # noqa: F401  (fixtures of the web tests)

SCRIPT = REPO / "scripts" / "redis-test-server"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis server of this test session (stopped at its end)."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CIVWATCH_REQUIRE_REDIS") == "1":
            pytest.fail("CIVWATCH_REQUIRE_REDIS=1 but redis-server is not installed")
        pytest.skip("needs redis-server (apt-get install redis-server)")
    env = {
        **os.environ,
        "REDISTEST_PORT": str(free_port()),
        "REDISTEST_DIR": str(tmp_path_factory.mktemp("redis")),
    }
    url = subprocess.run(
        [str(SCRIPT), "start"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    try:
        yield url
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, check=False, capture_output=True)


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest) -> str:
    """Which queue store a test runs on (each test that uses it runs on both)."""
    return str(request.param)


@pytest.fixture
def queue_settings(settings: Settings, store: str, request: pytest.FixtureRequest) -> Settings:
    if store == "sqlite":
        return settings
    url = request.getfixturevalue("redis_url")
    return settings.model_copy(update={"queue_url": url})


@pytest.fixture
def jobs_ws(workspace: Workspace, queue_settings: Settings) -> Iterator[Workspace]:
    """The test's workspace, on the chosen queue store (emptied first: Redis is shared),
    with the domains' job kinds registered as the app and the workers do at start."""
    extensions.load()
    ws = Workspace.open(queue_settings)
    queue_for(queue_settings).huey.flush()
    try:
        yield ws
    finally:
        forget_queue(queue_settings)
        ws.close()


def spool_root(ws: Workspace) -> Path:
    return ws.data_dir / "spool"

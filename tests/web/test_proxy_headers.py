"""Which client address a real `civwatch serve` believes: X-Forwarded-For is honoured only
from the reverse proxies named in CIVWATCH_FORWARDED_ALLOW_IPS (none by default), so a
forged header neither escapes the per-address throttle nor puts a false address in the
audit log, whether one server process answers or several."""

from __future__ import annotations

import re
from pathlib import Path

import httpx2 as httpx
import pytest

from civwatch.accounts.audit import list_audit
from civwatch.config import Settings
from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.support.live import free_port, live_server
from tests.web.conftest import csrf_of

pytestmark = pytest.mark.slow

_SIGNIN_COOKIE = re.compile(r"civwatch_signin=([^;]+)")
#: One more than the failed sign-ins an address may make within 10 minutes.
FORGED = [f"198.51.100.{n}" for n in range(1, 22)]


def _fail_sign_ins(base: str, forwarded: list[str]) -> list[int]:
    """One failed sign-in per address in ``forwarded`` (sent as X-Forwarded-For), each on a
    new connection (so any of the server processes may answer it); their statuses."""
    statuses = []
    for address in forwarded:
        with httpx.Client(base_url=base) as client:
            form = client.get("/signin")
            found = _SIGNIN_COOKIE.search(form.headers["set-cookie"])
            assert found
            r = client.post(
                "/signin",
                data={
                    "username": "nobody-at-all",
                    "password": "a wrong password",
                    "csrf_token": csrf_of(form.text),
                },
                headers={"Cookie": f"civwatch_signin={found.group(1)}", "X-Forwarded-For": address},
            )
        statuses.append(r.status_code)
    return statuses


def _audited_clients(cli_env: dict[str, str]) -> set[str | None]:
    ws = Workspace.open(
        Settings(
            data_dir=Path(cli_env["CIVWATCH_DATA_DIR"]),
            database_url=cli_env["CIVWATCH_DATABASE_URL"],
        )
    )
    try:
        return {a["client"] for a in list_audit(ws, action="sign-in", limit=1000)}
    finally:
        ws.close()


@pytest.mark.parametrize(
    ("proxies", "processes"), [(None, "1"), ("192.0.2.10, 2001:db8::/32", "2")]
)
def test_forged_forwarded_for_is_ignored_unless_from_a_configured_proxy(
    cli_env: dict[str, str], proxies: str | None, processes: str
) -> None:
    run_cli(cli_env, "init", check=True)
    env = dict(cli_env)
    if proxies is not None:  # a proxy is configured, but the request does not come from it
        env["CIVWATCH_FORWARDED_ALLOW_IPS"] = proxies
    with live_server(env, "--processes", processes, "--workers", "0") as base:
        statuses = _fail_sign_ins(base, FORGED)
    # the address is the connection's: after 20 failures it waits, in every process
    assert statuses == [401] * 20 + [429]
    assert _audited_clients(cli_env) == {"127.0.0.1"}


@pytest.mark.parametrize("processes", ["1", "2"])
def test_forwarded_for_from_the_configured_proxy_is_the_client(
    cli_env: dict[str, str], processes: str
) -> None:
    run_cli(cli_env, "init", check=True)
    env = {**cli_env, "CIVWATCH_FORWARDED_ALLOW_IPS": "127.0.0.1"}  # the proxy is on this host
    with live_server(env, "--processes", processes, "--workers", "0") as base:
        statuses = _fail_sign_ins(base, FORGED[:4])
    assert statuses == [401] * 4  # four clients, one failure each
    assert _audited_clients(cli_env) == set(FORGED[:4])


def test_a_malformed_proxy_setting_is_refused_with_a_clear_message(
    cli_env: dict[str, str],
) -> None:
    run_cli(cli_env, "init", check=True)
    env = {**cli_env, "CIVWATCH_FORWARDED_ALLOW_IPS": "my-proxy.example"}
    done = run_cli(env, "serve", "--port", str(free_port()), "--workers", "0", timeout=60)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "CIVWATCH_FORWARDED_ALLOW_IPS" in done.stderr and "my-proxy.example" in done.stderr

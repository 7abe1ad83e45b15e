"""The newcomer's path after ``make run``: once the server answers it says where to go (the
public site, sign-in) and lists the demo accounts; the printed command for a second-factor
code works in a fresh terminal (no venv active); Ctrl-C ends it quietly. Real
subprocesses throughout."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyotp

from civwatch.accounts.bootstrap import DEMO_CREDENTIALS_FILE
from civwatch.cli.serve import _code_command
from tests.conftest import run_cli
from tests.support.live import free_port

SECRET = pyotp.random_base32()
FRESH_TERMINAL = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}


def _demo_folder(env: dict[str, str]) -> Path:
    """An initialised folder with the demo credentials file (its accounts need not exist:
    the ready message reads the file only)."""
    run_cli(env, "init", check=True)
    folder = Path(env["CIVWATCH_DATA_DIR"])
    (folder / DEMO_CREDENTIALS_FILE).write_text(
        "# civwatch demo credentials: for the demo only, never for real evidence\n"
        f"username: demo-admin\npassword: pw-admin\ntotp_secret: {SECRET}\n"
        "investigator: demo-investigator\ninvestigator_password: pw-inv\n"
        "protection_lead: None\nprotection_lead_password: None\n"
    )
    return folder


def _code_from(command: str) -> str:
    done = subprocess.run(
        ["/bin/sh", "-c", command], env=FRESH_TERMINAL, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_code_command_works_in_a_fresh_terminal() -> None:
    code = _code_from(_code_command(SECRET))
    assert pyotp.TOTP(SECRET).verify(code, valid_window=1), code


def test_serve_says_where_to_go_when_ready_and_stops_quietly_on_ctrl_c(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    folder = _demo_folder(cli_env)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "civwatch", "serve", "--port", str(port), "--workers", "1"],
            env=cli_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches
        )
    try:
        for _ in range(600):
            assert proc.poll() is None, log.read_text()
            if "Sign in:" in log.read_text():
                break
            time.sleep(0.1)
        text = log.read_text()
        assert f"Public site: http://127.0.0.1:{port}/public" in text, text
        assert f"Sign in: http://127.0.0.1:{port}/signin" in text
        assert "demo-admin / pw-admin" in text and "demo-investigator / pw-inv" in text
        assert "None" not in text  # an account never made is not listed
        assert str(folder / DEMO_CREDENTIALS_FILE) in text
        command = re.search(r"with a code from: (.+)", text)
        assert command, text
        assert pyotp.TOTP(SECRET).verify(_code_from(command.group(1)), valid_window=1)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in the terminal
        assert proc.wait(timeout=60) in (0, 130)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert "Traceback" not in log.read_text() and "Error" not in log.read_text(), log.read_text()


def test_stats_without_figures_say_not_known(cli_env: dict[str, str]) -> None:
    """The tour's `civwatch incident stats` where no incident gave a figure: "not known",
    never "0-0"."""
    run_cli(cli_env, "init", check=True)
    text = run_cli(cli_env, "incident", "stats", "--oblast", "Kharkiv", check=True).stdout
    assert "killed not known" in text and "injured not known" in text and "0-0" not in text, text

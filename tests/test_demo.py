"""The demo data set: loads twice without adding anything twice, and shows the whole
workflow (published incidents, work waiting for review, the protection desk with a case
under way) under clearly demo-only names."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyotp
import pytest

from civwatch.accounts.auth import authenticate
from civwatch.config import Settings
from civwatch.demo import DEMO_INCIDENTS, load_demo
from civwatch.errors import CivwatchError
from civwatch.incidents.service import list_incidents
from civwatch.integrity import verify_workspace
from civwatch.media.metadata_check import check_clean
from civwatch.publish.redaction import list_redactions, published_media
from civwatch.workspace import Workspace
from tests.incidents.helpers import seed_cache


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Cheap argon2id for the demo desk's key in tests (the shipped demo uses the default)."""
    return settings.model_copy(
        update={"protection_kdf_memory_kib": 1024, "protection_kdf_time_cost": 1}
    )


def test_demo_loads_once_with_published_incidents(
    workspace: Workspace, gazetteer_cache: Path, tmp_path: Path
) -> None:
    seed_cache(gazetteer_cache, workspace.data_dir)
    first = load_demo(workspace)
    assert first["items"] >= 8 and first["copies_found"] >= 1
    assert first["incidents"] == len(DEMO_INCIDENTS)
    creds = first["demo_admin"]
    assert creds["verifier"] == "demo-verifier" and creds["publisher_password"]
    again = load_demo(workspace)
    assert again["new"] == 0 and again["incidents"] == 0
    assert not any(again["protection"].values())
    assert not any(again["relief"].values())
    listing = list_incidents(workspace, limit=100)
    assert listing["total"] == len(DEMO_INCIDENTS)
    published = list_incidents(workspace, visibility="public")["incidents"]
    expected = sum(stage == "published" for *_, stage in DEMO_INCIDENTS)
    assert len(published) == expected
    assert all(i["status"] == "verified" for i in published)
    assert all(i["title"].startswith("SYNTHETIC DEMO") for i in listing["incidents"])
    # The public sees approved redacted copies only, made by one person, approved by another.
    with workspace.sessions() as session:
        for incident in published:
            (media,) = published_media(session, incident["id"])
            assert media["derivative_sha256"] != media["original_sha256"]
            assert "metadata removed" in " ".join(media["actions"]).lower()
    (media,) = list_redactions(workspace, media["original_sha256"])
    assert media["created_by"] == "demo-investigator" and media["decided_by"] == "demo-publisher"
    copy = tmp_path / "published.jpg"
    with workspace.vault.open(media["derivative_sha256"]) as f:
        copy.write_bytes(f.read())
    tags = check_clean(copy)  # raises if exiftool still reads place, time or device
    assert not any("GPS" in k for k in tags), tags
    _check_demo_desk(workspace, first)
    _check_demo_relief(workspace, first)
    # Everything the demo recorded verifies against its custody entries, the desk's
    # protection audit log included (no false alarm).
    assert [str(p) for p in verify_workspace(workspace, rehash=False)] == []


def _check_demo_desk(workspace: Workspace, first: dict[str, Any]) -> None:
    """The demo desk: its team holds the desk roles with a second factor, the desk is set
    up from the synthetic passphrase kept (mode 0600) in the credentials file, and the
    officer's dashboard shows the case under way, the missed check-in, a review due and
    the two requests for help."""
    from civwatch.accounts.bootstrap import DEMO_CREDENTIALS_FILE, DEMO_PASSPHRASE_PREFIX
    from civwatch.accounts.credentials import user_security
    from civwatch.accounts.service import get_user
    from civwatch.demo_desk import demo_principal
    from civwatch.protection.dashboard import dashboard
    from civwatch.protection.desk import desk_state

    assert first["protection"] == {
        "desk": True,
        "persons": 3,
        "cases": 1,
        "alerts": 1,
        "help_requests": 2,
    }
    security = user_security(workspace)
    for username, role in (
        ("demo-protection-lead", "protection_lead"),
        ("demo-protection-officer", "protection_officer"),
    ):
        assert get_user(workspace, username)["roles"] == [role]
        assert security[username]["second_factor"] and security[username]["has_password"]
    creds = first["demo_admin"]
    assert str(creds["protection_passphrase"]).startswith(DEMO_PASSPHRASE_PREFIX)
    path = workspace.data_dir / DEMO_CREDENTIALS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"protection_passphrase: {creds['protection_passphrase']}" in path.read_text()
    state = desk_state(workspace)
    assert state["initialised"] and not state["locked"] and state["kdf"] == "argon2id"
    officer = demo_principal(workspace, "demo-protection-officer")
    board = dashboard(workspace, officer, datetime.now(UTC), names=True)
    (case,) = board["cases"]["items"]
    assert case["person_name"] == "Демо Тестенко"
    assert (case["kind"], case["state"], case["role"]) == ("safe-exit", "in-progress", "lead")
    assert [a["case_id"] for a in board["alerts"]["items"]] == [case["id"]]
    assert board["reviews_due"]["count"] == 1
    assert board["help_requests"]["count"] == 2


def test_each_demo_account_has_a_token_shown_with_how_to_use_it(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    from civwatch.accounts.bootstrap import DEMO_CREDENTIALS_FILE, ensure_demo_admin
    from civwatch.accounts.tokens import resolve_token
    from civwatch.cli.serve import _code_command, _print_demo_accounts, _ready_text

    creds = ensure_demo_admin(workspace)
    assert creds is not None
    # No desk open in this process (none set up here): the relief fund waits, harmlessly.
    from civwatch.demo_relief import load_demo_relief

    assert not any(load_demo_relief(workspace, creds).values())
    tokens = {
        key: creds[key]
        for key in (
            "token",
            "investigator_token",
            "verifier_token",
            "publisher_token",
            "protection_lead_token",
            "protection_officer_token",
            "relief_approver_token",
            "relief_approver_2_token",
            "relief_finance_token",
            "relief_finance_2_token",
        )
    }
    acting = {k: resolve_token(workspace, str(t)) for k, t in tokens.items()}
    assert {k: (p.username, set(p.roles)) for k, p in acting.items() if p} == {
        "token": ("demo-admin", {"admin"}),
        "investigator_token": ("demo-investigator", {"investigator"}),
        "verifier_token": ("demo-verifier", {"verifier"}),
        "publisher_token": ("demo-publisher", {"publisher"}),
        "protection_lead_token": ("demo-protection-lead", {"protection_lead"}),
        "protection_officer_token": ("demo-protection-officer", {"protection_officer"}),
        "relief_approver_token": ("demo-relief-approver", {"relief_approver"}),
        "relief_approver_2_token": ("demo-relief-approver-2", {"relief_approver"}),
        "relief_finance_token": ("demo-relief-finance", {"relief_finance"}),
        "relief_finance_2_token": ("demo-relief-finance-2", {"relief_finance"}),
    }
    _print_demo_accounts(creds)
    shown = " ".join(capsys.readouterr().out.split())  # the console wraps long lines
    for token in tokens.values():
        assert f"export CIVWATCH_TOKEN={token}" in shown
    # The desk's and the relief fund's accounts sign in with a code: their secrets and a
    # command printing one.
    for key in (
        "protection_lead",
        "protection_officer",
        "relief_approver",
        "relief_approver_2",
        "relief_finance",
        "relief_finance_2",
    ):
        role = key.removesuffix("_2")
        secret = creds[f"{key}_totp_secret"]
        assert f"{creds[key]} / {creds[key + '_password']}" in shown
        assert _code_command(str(secret)) in shown  # this Python in full: any terminal
        password = str(creds[key + "_password"])
        with pytest.raises(CivwatchError):
            authenticate(workspace, str(creds[key]), password, None, client=None)
        code = pyotp.TOTP(str(secret)).now()
        who = authenticate(workspace, str(creds[key]), password, code, client=None)
        assert who.roles == {role}
    assert str(creds["protection_passphrase"]) in shown and "/protection/unlock" in shown
    # The server's ready note lists the relief fund's demo accounts too.
    ready = _ready_text(workspace.data_dir, "http://127.0.0.1:8000")
    for key in ("relief_approver", "relief_approver_2", "relief_finance", "relief_finance_2"):
        assert f"{creds[key]} / {creds[key + '_password']}" in ready

    # A credentials file written before tokens existed gets them on the next load.
    path = workspace.data_dir / DEMO_CREDENTIALS_FILE
    path.write_text("".join(f"{k}: {v}\n" for k, v in creds.items() if "token" not in k))
    again = ensure_demo_admin(workspace)
    assert again is not None and again["verifier_token"] not in (None, creds["verifier_token"])
    assert resolve_token(workspace, str(again["verifier_token"])) is not None
    assert f"verifier_token: {again['verifier_token']}" in path.read_text()
    assert ensure_demo_admin(workspace) == again


def _check_demo_relief(workspace: Workspace, first: dict[str, Any]) -> None:
    """The demo relief fund (the demo loaded twice already): one invented fund with a
    deposit, whose ledger balances; the officer, both approvers and both finance people
    each have a grant waiting for them; the paid grant carries its bank reference."""
    from civwatch.demo_desk import demo_principal
    from civwatch.demo_relief import DEMO_DONOR, DEMO_FUND, DEMO_PAYMENT_REFERENCE
    from civwatch.relief import queues, reports

    assert first["relief"]["grants"] == 4 and first["relief"]["paid"] == 1
    finance = demo_principal(workspace, "demo-relief-finance")
    (fund,) = queues.list_funds(workspace, finance)  # loading again added no second fund
    assert (fund["name"], fund["donor"], fund["currency"]) == (DEMO_FUND, DEMO_DONOR, "EUR")
    assert "SYNTHETIC DEMO" in fund["name"] and "SYNTHETIC DEMO" in fund["donor"]
    # 20,000 deposited, 450 paid; 450 + 5,400 committed (the grant waiting for its
    # second approval commits nothing yet).
    assert (fund["bank"], fund["available"]) == ("19550.00", "14150.00")
    sheet = reports.balance_sheet(workspace, finance, fund["id"])
    assert sheet["assets"] - sheet["liabilities"] == sheet["net_assets"]
    ledger = queues.fund_ledger(workspace, finance, fund["id"])
    assert {t["kind"] for t in ledger["items"]} >= {"deposit", "commitment", "payment"}
    for t in ledger["items"]:
        assert sum(Decimal(p["amount"]) for p in t["postings"]) == 0
    awaited = {
        who: [(i["purpose"], i["awaits"]) for i in queue]
        for who in (
            "demo-protection-officer",
            "demo-relief-approver",
            "demo-relief-approver-2",
            "demo-relief-finance",
            "demo-relief-finance-2",
        )
        if (queue := queues.grants_waiting_for(workspace, demo_principal(workspace, who))["items"])
    }
    assert ("subsistence", "vet") in awaited["demo-protection-officer"]
    assert awaited["demo-relief-approver"] == [("subsistence", "vet")]
    assert ("documents_visas", "vet") in awaited["demo-relief-approver-2"]  # no conflict yet
    for who in ("demo-relief-finance", "demo-relief-finance-2"):
        assert awaited[who] == [("accommodation", "release")]
    officer = demo_principal(workspace, "demo-protection-officer")
    paid = queues.list_grants(workspace, officer, state="paid")["items"]
    (detail,) = [queues.grant_detail(workspace, finance, g["id"]) for g in paid]
    assert DEMO_PAYMENT_REFERENCE in str(detail)

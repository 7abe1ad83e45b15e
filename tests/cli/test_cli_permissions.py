"""Every command that acts as a user, with a token of every role (and none): it is allowed
exactly when the permission table allows the permission the command declares, and the
domain function behind it asks the table for a permission held by the same roles (so
neither the command nor a direct call of the domain lets anyone else in).

The route walk (tests/web/test_permissions.py) does the same for the web; this covers the
domain functions through the command line. Commands run in this process (Typer's
CliRunner), found by walking the command tree: a new command with ``--token-file`` must be
given a sample call here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from civwatch.accounts import add_user
from civwatch.accounts.local import set_password_locally
from civwatch.accounts.permissions import ALL_ROLES, Permission, allows, holders
from civwatch.accounts.roles import (
    PROTECTION_LEAD,
    PROTECTION_OFFICER,
    RELIEF_APPROVER,
    RELIEF_FINANCE,
    SHELTER_COORDINATOR,
)
from civwatch.cli import app
from civwatch.cli.lazy import LazyGroup
from civwatch.crypto.age_packets import new_identity
from civwatch.errors import NotAuthenticatedError, PermissionDeniedError
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, link_evidence
from civwatch.workspace import Workspace
from tests.incidents.helpers import TEAM, incident_doc, ingest_photo, seed_cache
from tests.support.cli_runner import runner_built_once
from tests.support.permissions import Asked, watch_requirements
from tests.support.tokens import token_of

#: How to call each acting command ({inc}, {sha}, {redaction}, {csv}, {tmp}, {age},
#: {password}, {role} are filled in). Inputs are valid, so that an allowed role reaches the
#: domain's own check.
SAMPLES: dict[str, list[str]] = {
    "package": ["{inc}", "--out", "{tmp}/package-{role}"],
    "incident create": [
        "--title",
        "Walked strike",
        "--start",
        "2022-03-09T14:00:00+03:00",
        "--lat",
        "49.994",
        "--lon",
        "36.231",
        "--type",
        "missile strike",
    ],
    "incident update": ["{inc}", "--narrative", "Walked by {role}."],
    "incident link": ["{inc}", "{sha}", "--note", "walk"],
    "incident unlink": ["{inc}", "{sha}", "--reason", "walk"],
    "incident status": ["{inc}", "under_verification"],
    "incident review": ["{inc}", "approve"],
    "incident confirm": ["{sha}", "{inc}"],
    "incident dismiss": ["{sha}", "{inc}", "--reason", "walk"],
    "incident places import": ["{csv}", "--source", "walk {role}"],
    "incident vocab add": ["weapon", "Walk launcher {role}"],
    "verify-item source": ["{sha}", "--account", "@walk"],
    "verify-item geolocation": [
        "{sha}",
        "--lat",
        "49.9935",
        "--lon",
        "36.2304",
        "--precision-m",
        "30",
        "--method",
        "walk",
    ],
    "verify-item chronolocation": [
        "{sha}",
        "--window-start",
        "2022-03-09T10:00:00+00:00",
        "--window-end",
        "2022-03-09T12:00:00+00:00",
        "--method",
        "walk",
    ],
    "verify-item content": ["{sha}", "--weapon", "Iskander-M"],
    "verify-item status": ["{sha}", "verified"],
    "verify-item review": ["{sha}", "approve"],
    "publish incident": ["{inc}"],
    "publish withdraw": ["{inc}", "--reason", "walk"],
    "publish correct": ["{inc}", "Walked."],
    "publish precision": ["{inc}", "oblast"],
    "redact create": ["{sha}", "--no-faces"],
    "redact approve": ["{redaction}"],
    "protect init": ["--key-file", "{tmp}/desk-{role}.key"],
    "protect lock": [],
    "protect unlock": [],
    "protect rotate-key": ["--new-key-file", "{tmp}/rotated-{role}.key"],
    "protect person add": ["--name", "Walk {role}", "--phone", "+380671234567"],
    "protect person show": ["per_walk"],
    "protect person find": ["--name", "Walk"],
    "protect person delete": ["per_walk", "--reason", "walk"],
    "protect audit": ["per_walk"],
    "protect case open": ["per_walk", "--kind", "safe-exit"],
    "protect case assign": ["case_walk", "olga"],
    "protect case checkin": ["case_walk", "--place", "Walk", "--checkpoint", "cp_walk"],
    "protect case list": [],
    "protect case show": ["case_walk"],
    "protect case move": ["case_walk", "--to", "assessment", "--reason", "walk"],
    "protect case task": [
        "case_walk",
        "--kind",
        "documents",
        "--title",
        "Walk",
        "--due",
        "2026-03-01",
    ],
    "protect case checkpoint": [
        "case_walk",
        "--place",
        "Walk",
        "--expected",
        "2026-03-01T18:00:00+02:00",
    ],
    "protect risk add": ["per_walk", "--threat", "detention", "--likelihood", "3", "--impact", "3"],
    "protect consent add": ["per_walk", "--purpose", "case-handling", "--how", "written"],
    "protect consent list": ["per_walk"],
    "protect consent override": ["per_walk", "--purpose", "case-handling", "--reason", "walk"],
    "protect requests list": [],
    "protect requests show": ["hr_walk"],
    "protect requests convert": ["hr_walk", "--name", "Walk {role}"],
    "protect requests close": ["hr_walk"],
    "protect partner add": ["--name", "Walk {role}", "--country", "PL", "--age-key", "{age}"],
    "protect partner list": [],
    "protect refer": [
        "case_walk",
        "--partner",
        "prt_walk",
        "--field",
        "names",
        "--out",
        "{tmp}/packet-{role}.age",
        "--password-stdin",
    ],
    "protect referral revoke": ["ref_walk"],
    "protect access request": ["per_walk", "--reason", "walk"],
    "protect access approve": ["grant_walk", "--hours", "2"],
    "protect access revoke": ["grant_walk"],
    "testimony add": [
        "--statement",
        "Walked by {role}.",
        "--taken-at",
        "2024-05-02T09:30:00+03:00",
        "--language",
        "uk",
        "--incident",
        "{inc}",
    ],
    "testimony list": ["--incident", "{inc}"],
    # No testimony in the walk: each is refused at the door or answers "not found" after
    # its domain asked the table.
    "testimony quote": ["1", "--excerpt", "walk", "--reviewed"],
    "testimony disclose": ["1", "--recipient", "Walk court", "--reason", "walk"],
    "testimony approve-disclosure": ["1", "1"],
    "testimony revoke-disclosure": ["1", "1"],
    "shelters import": ["{shelters}"],
    "import telegram": ["{telegram}"],
    "import whatsapp": ["{whatsapp}"],
    # Refused as a private address once the permission is granted: no browser starts.
    "capture": ["http://127.0.0.1:9/walk"],
    "shelters confirm": ["shr_walk"],
    "shelters dismiss": ["shr_walk", "--reason", "walk"],
    "relief fund add": ["Walk {role}", "--currency", "EUR"],
    "relief fund deposit": ["1", "10.00"],
    "relief fund show": ["1"],
    "relief fund transfer": ["1", "2", "1.00"],
    "relief fund cash": ["1", "1.00"],
    "relief sanctions versions": [],
    "relief ledger reverse": ["1"],
    "relief grant request": [
        "case_walk",
        "--fund",
        "1",
        "--amount",
        "10.00",
        "--purpose",
        "transport",
    ],
    "relief grant vet": ["rg_walkwalkwalk", "--check", "identity"],
    "relief sanctions import": ["{sanctions}"],
    "relief reconcile": ["1", "{statement}", "--camt"],
    "relief partners export": ["--out", "{tmp}/partners-{role}.jsonl"],
    "relief partners compare": ["{statement}"],
    "relief grant approve": ["rg_walkwalkwalk"],
    "relief grant release": ["rg_walkwalkwalk"],
    "relief grant pay": ["rg_walkwalkwalk"],
    "relief grant refund": ["rg_walkwalkwalk", "1.00"],
    "relief grant cancel": ["rg_walkwalkwalk"],
    "relief ledger export": ["--out", "{tmp}/ledger-{role}.beancount"],
    "relief report": ["1", "--from", "2026-01-01", "--to", "2026-12-31"],
    "campaign create": ["--title", "Walk {role}", "--kind", "petition"],
    "campaign publish": ["1"],
    "campaign close": ["1"],
    "campaign targets-import": ["1", "{targets}"],
    "campaign deliver": ["1", "--out", "{tmp}/delivery-{role}.pdf"],
    "campaign list": [],
    "campaign show": ["1"],
    "campaign purge": ["1"],
    "campaign forget": ["1", "walk@example.org"],
}
#: What a command reads on standard input (filled in like its sample).
STDIN: dict[str, str] = {"protect refer": "{password}\n"}
#: The password of the protection officer and lead of the walk (a referral asks for it).
WALK_PASSWORD = "walk the long corridor slowly"


#: Commands that declare one of several permissions the domain function accepts: the domain
#: lets more roles in than the command does, on purpose (with the reason).
NARROWER_THAN_THE_DOMAIN = {
    "publish precision": "investigators and verifiers may make the public location coarser "
    "through the domain function; every interface leaves the precision to publishers "
    "(docs/publishers.md)",
}


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    if isinstance(command, LazyGroup):
        # The root loads its commands when they run: load each to walk it.
        for name in list(command.commands):
            yield from _commands(command.load(name), (*path, name))
    elif hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


def acting_commands() -> dict[str, Any]:
    """Every command that acts as a user (it takes ``--token-file``), by its words."""
    return {
        words: command
        for words, command in _commands(typer.main.get_command(app))
        if any(p.name == "token_file" for p in command.params)
    }


def test_every_acting_command_has_a_sample_call() -> None:
    assert set(acting_commands()) == set(SAMPLES), "add new acting commands to SAMPLES"


@pytest.fixture
def walk(
    team: Workspace, gazetteer_cache: Path, places: Gazetteer, tmp_path: Path
) -> dict[str, str]:
    """Values for the samples: an incident with a linked photo and a redaction draft."""
    seed_cache(gazetteer_cache, team.data_dir)
    add_user(team, "olga", "Olga", [PROTECTION_OFFICER], actor="ada")
    add_user(team, "lesia", "Lesia", [PROTECTION_LEAD], actor="ada")
    add_user(team, "sofia", "Sofia", [SHELTER_COORDINATOR], actor="ada")
    add_user(team, "rita", "Rita", [RELIEF_APPROVER], actor="ada")
    add_user(team, "fedir", "Fedir", [RELIEF_FINANCE], actor="ada")
    for username in ("olga", "lesia"):
        set_password_locally(team, username, WALK_PASSWORD)
    inc = create_incident(team, incident_doc(), actor="ivan", places=places)["id"]
    sha = ingest_photo(team, tmp_path / "photos")
    link_evidence(team, inc, sha, actor="ivan")
    from civwatch.publish.redaction import create_redaction

    draft = create_redaction(team, sha, [], blur_faces=False, actor="ivan")
    csv_file = tmp_path / "places.csv"
    csv_file.write_text("id,name,kind,lat,lon\nh1,Hospital,hospital,49.99,36.23\n", "utf-8")
    shelters_file = tmp_path / "shelters.csv"
    shelters_file.write_text("id,name,lat,lon\ns1,Walk shelter,50.45,30.52\n", "utf-8")
    telegram = tmp_path / "telegram"
    telegram.mkdir()
    message = {
        "id": 1,
        "type": "message",
        "date": "2024-05-02T09:30:00",
        "date_unixtime": "1714631400",
        "from": "Walk",
        "from_id": "channel1",
        "text": "walk",
        "text_entities": [{"type": "plain", "text": "walk"}],
    }
    doc = {"name": "Walk", "type": "public_channel", "id": 1, "messages": [message]}
    (telegram / "result.json").write_text(json.dumps(doc), "utf-8")
    sanctions = tmp_path / "sanctions.csv"
    sanctions.write_text("id,name,date_of_birth\nW-1,Walk Walker,1961\n", "utf-8")
    statement = tmp_path / "statement.xml"
    statement.write_text(
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        '<Stmt><Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
        "<BookgDt><Dt>2026-12-01</Dt></BookgDt></Ntry></Stmt></BkToCstmrStmt></Document>",
        "utf-8",
    )
    targets = tmp_path / "targets.csv"
    targets.write_text("name,country,email\nWalk mission,DE,walk@example.org\n", "utf-8")
    whatsapp = tmp_path / "_chat.txt"
    whatsapp.write_text("[25.05.24, 09:30:00] Walk: walk\n", "utf-8")
    return {
        "telegram": str(telegram),
        "whatsapp": str(whatsapp),
        "inc": str(inc),
        "sha": sha,
        "redaction": str(draft["id"]),
        "csv": str(csv_file),
        "shelters": str(shelters_file),
        "sanctions": str(sanctions),
        "statement": str(statement),
        "targets": str(targets),
        "tmp": str(tmp_path),
        "age": new_identity()[1],
        "password": WALK_PASSWORD,
    }


def _single_role_users() -> dict[str, str]:
    users = {roles[0]: name for name, roles in TEAM.items() if len(roles) == 1}
    return {
        **users,
        PROTECTION_OFFICER: "olga",
        PROTECTION_LEAD: "lesia",
        SHELTER_COORDINATOR: "sofia",
        RELIEF_APPROVER: "rita",
        RELIEF_FINANCE: "fedir",
    }


@pytest.mark.slow  # a minute on CI: it starts first (tests/conftest.py)
def test_every_acting_command_with_every_role_follows_the_table(
    team: Workspace,
    walk: dict[str, str],
    cli_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import civwatch.accounts.local as local

    users = _single_role_users()
    assert set(users) == ALL_ROLES
    asked = watch_requirements(monkeypatch)
    declared: list[Permission] = []
    real_token_principal = local.token_principal

    def token_principal(ws: Workspace, secret: str, permission: Permission, **kw: Any) -> Any:
        declared.append(permission)
        return real_token_principal(ws, secret, permission, **kw)

    monkeypatch.setattr(local, "token_principal", token_principal)
    runner = runner_built_once(app, monkeypatch)
    wrong: list[str] = []
    for words in acting_commands():
        permission: Permission | None = None
        domain: list[Asked] = []
        for role in [None, *sorted(ALL_ROLES)]:
            asked.clear()
            declared.clear()
            values = {**walk, "role": role or "nobody"}
            args = [*words.split(), *(a.format(**values) for a in SAMPLES[words])]
            # A fresh token for each call: locking the protection desk revokes the tokens
            # of the protection roles.
            env = {**cli_env, "CIVWATCH_TOKEN": token_of(team, users[role]) if role else ""}
            stdin = STDIN[words].format(**values) if words in STDIN else None
            result = runner.invoke(app, args, env=env, input=stdin)
            refused_at_the_door = isinstance(
                result.exception, (PermissionDeniedError, NotAuthenticatedError)
            ) and not any(a for a in asked)
            refused = refused_at_the_door or any(a.refused for a in asked)
            if role is None:
                if not refused:
                    wrong.append(f"{words} without a token: not refused ({result.exception!r})")
                continue
            assert len(declared) == 1, (words, role, result.output, result.exception)
            permission = declared[0]
            allowed = allows({role}, permission)
            if allowed == refused:
                wrong.append(
                    f"{words} as {role}: {'refused' if refused else 'allowed'}, but the table "
                    f"{'allows' if allowed else 'refuses'} {permission.value} "
                    f"({result.exception!r})"
                )
            if allowed:
                domain.extend(asked)
        if not domain:
            wrong.append(f"{words}: the domain asked no permission of the table")
        assert permission is not None
        for a in domain:
            same = holders(*a.permissions) == holders(permission)
            if words in NARROWER_THAN_THE_DOMAIN:
                same = permission in a.permissions
            if not same:
                wrong.append(
                    f"{words} declares {permission.value} but the domain asks for "
                    f"{' or '.join(p.value for p in a.permissions)}"
                )
    assert not wrong, "\n".join(wrong)

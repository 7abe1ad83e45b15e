"""Partner hashes from the fund's records: a protection lead exports the keyed hashes of
every person helped (no name, no key in the file or the logs), compares a partner's file
(our grant ids and their record ids, no names), and is refused without a key, with a
partner file made under another key, and when not a lead."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from civwatch.accounts.models import AuditRecord
from civwatch.cli import app
from civwatch.errors import ConfigurationError, PermissionDeniedError, RejectedInputError
from civwatch.relief import grants
from civwatch.relief.partner_hashes import CoalitionKey, PartnerIdentity, export_hashes
from civwatch.relief.partners import compare_partner_hashes, export_partner_hashes
from tests.protection.case_helpers import MARK_DOC, MARK_NAME, files_holding
from tests.protection.conftest import principal_of
from tests.relief.conftest import Fund, vetted
from tests.relief.test_cli import _env

KEY = secrets.token_bytes(32)


def _helped(f: Fund, tmp_path: Path, key: bytes = KEY) -> str:
    key_file = tmp_path / "coalition.key"
    key_file.write_bytes(key.hex().encode() + b"\n")
    os.chmod(key_file, 0o600)
    f.ws.settings.relief_coalition_key_file = key_file
    g = vetted(f, "300.00", purpose="transport")
    grants.approve(f.ws, f.who("appr1"), g)
    return g


def _partner_file(key: bytes = KEY) -> bytes:
    return export_hashes(
        [
            PartnerIdentity("p-17", "transport", name="Someone Else", document_number=MARK_DOC),
            PartnerIdentity("p-18", "medical", document_number=MARK_DOC),
        ],
        CoalitionKey(key),
        organisation="Partner fund",
    )


def test_export_and_compare_by_a_lead_with_no_name_anywhere(relief: Fund, tmp_path: Path) -> None:
    f = relief
    g = _helped(f, tmp_path)
    lead = principal_of(f.ws, "lead1")
    data = export_partner_hashes(f.ws, lead)
    lines = [json.loads(line) for line in data.decode().splitlines()]
    assert lines[0]["key_fingerprint"] == CoalitionKey(KEY).fingerprint()
    assert {line["record"] for line in lines[1:]} == {g}
    assert {line["facet"] for line in lines[1:]} == {"document", "name+document"}
    doc = compare_partner_hashes(f.ws, lead, _partner_file())
    # The same document for the same need matches; the medical record is another need.
    assert doc["matches"] == [
        {"grant": g, "their_record": "p-17", "purpose": "transport", "facets": ["document"]}
    ]
    text = json.dumps(doc, ensure_ascii=False) + data.decode()
    assert MARK_NAME not in text and MARK_DOC not in text
    with f.ws.sessions() as s:
        details = " ".join(str(r.detail) for r in s.scalars(select(AuditRecord)))
    assert KEY.hex() not in details and MARK_DOC not in details
    assert files_holding(tmp_path, MARK_NAME, MARK_DOC, KEY.hex()) == [
        f"coalition.key: {KEY.hex()}"
    ]


def test_refused_without_a_key_with_another_key_and_for_others(
    relief: Fund, tmp_path: Path
) -> None:
    f = relief
    lead = principal_of(f.ws, "lead1")
    with pytest.raises(ConfigurationError, match="coalition key"):
        export_partner_hashes(f.ws, lead)
    _helped(f, tmp_path)
    with pytest.raises(RejectedInputError, match="another coalition key"):
        compare_partner_hashes(f.ws, lead, _partner_file(secrets.token_bytes(32)))
    for who in ("officer1", "fin1", "appr1"):
        with pytest.raises(PermissionDeniedError):
            export_partner_hashes(f.ws, f.who(who))
    for bad in (b"", b"not json\n", b'{"format": "x"}\n'):
        with pytest.raises(RejectedInputError):
            compare_partner_hashes(f.ws, lead, bad)
    (tmp_path / "coalition.key").write_bytes(b"short")
    with pytest.raises(RejectedInputError, match="too short"):
        export_partner_hashes(f.ws, lead)


def test_partners_on_the_command_line(
    relief: Fund, cli_env: dict[str, str], tmp_path: Path
) -> None:
    f = relief
    g = _helped(f, tmp_path)
    env = {
        **_env(f, cli_env, "lead1"),
        "CIVWATCH_RELIEF_COALITION_KEY_FILE": str(tmp_path / "coalition.key"),
    }
    runner = CliRunner()
    out_file = tmp_path / "ours.jsonl"
    done = runner.invoke(app, ["relief", "partners", "export", "--out", str(out_file)], env=env)
    assert done.exit_code == 0, (done.output, done.exception)
    assert g in out_file.read_text() and MARK_DOC not in out_file.read_text()
    theirs = tmp_path / "theirs.jsonl"
    theirs.write_bytes(_partner_file())
    shown = runner.invoke(app, ["relief", "partners", "compare", str(theirs), "--json"], env=env)
    assert shown.exit_code == 0, (shown.output, shown.exception)
    assert [m["grant"] for m in json.loads(shown.output)["matches"]] == [g]
    no_key = {**env, "CIVWATCH_RELIEF_COALITION_KEY_FILE": ""}
    refused = runner.invoke(
        app, ["relief", "partners", "export", "--out", str(out_file)], env=no_key
    )
    assert refused.exit_code != 0

"""``civwatch custody rotate-key`` on a real data folder: rotated twice, ``civwatch verify``
is clean, every evidence package made before and after each rotation verifies offline from
the first key's fingerprint, the retired key is gone, and a package whose chain was
tampered with or cut is refused. SQLite, and PostgreSQL with ``-m db``."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from civwatch.custody.key_rotation import first_key_path, next_key_path
from civwatch.custody.signing import key_fingerprint
from civwatch.errors import IntegrityError, PermissionDeniedError
from civwatch.evidence.signing_keys import rotate_signing_key
from civwatch.geo.gazetteer import Gazetteer
from civwatch.integrity import verify_workspace
from civwatch.publish.package import build_package
from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.incidents.helpers import team  # noqa: F401  (the shared fixture)
from tests.publish.packaging import (
    make_case,
    public_key,
    rewrite_tag_manifest,
    run_verify,
)
from tests.support.tokens import as_user


def _package(ws: Workspace, incident: int, out: Path) -> Path:
    return build_package(ws, incident, out, actor="ivan").path


def _verify_bag(bag: Path, *extra: str) -> tuple[int, str]:
    proc = run_verify(bag, *extra, isolated=True)
    return proc.returncode, proc.stdout


def test_rotated_twice_everything_verifies(
    team: Workspace,  # noqa: F811
    tmp_path: Path,
    places: Gazetteer,
) -> None:
    case = make_case(team, tmp_path / "photos", places)
    first = key_fingerprint(public_key(team))
    key_path = team.settings.signing_key_path
    retired_pem = key_path.read_bytes()
    bags = [_package(team, case.incident_id, tmp_path / "before")]

    one = rotate_signing_key(team, "ada")
    assert one.old_fingerprint == first
    assert key_fingerprint(public_key(team)) == one.new_fingerprint != first
    # The retired private key no longer exists; the first key's public half is the anchor.
    assert key_path.read_bytes() != retired_pem
    assert not next_key_path(key_path).exists()
    assert first_key_path(key_path).is_file()
    bags.append(_package(team, case.incident_id, tmp_path / "between"))

    two = rotate_signing_key(team, "ada")
    assert two.old_fingerprint == one.new_fingerprint
    bags.append(_package(team, case.incident_id, tmp_path / "after"))

    assert verify_workspace(team, rehash=False) == []
    for bag in bags:
        status, output = _verify_bag(bag, "--key", first)
        assert status == 0, output
    info = json.loads((bags[2] / "civwatch-package.json").read_text())
    assert [spec["leaf"] for spec in info["key_chain"]] == [one.leaf, two.leaf]
    assert "key_chain" not in json.loads((bags[0] / "civwatch-package.json").read_text())
    status, output = _verify_bag(bags[2], "--key", two.new_fingerprint)
    assert status == 0, output
    status, output = _verify_bag(bags[2], "--key", one.new_fingerprint)
    assert status == 0, output
    status, output = _verify_bag(bags[2])
    assert status == 3, output
    assert f"from the log's first key {first}" in output


def test_a_package_whose_chain_was_cut_or_altered_is_refused(
    team: Workspace,  # noqa: F811
    tmp_path: Path,
    places: Gazetteer,
) -> None:
    case = make_case(team, tmp_path / "photos", places)
    first = key_fingerprint(public_key(team))
    rotate_signing_key(team, "ada")
    rotate_signing_key(team, "ada")
    bag = _package(team, case.incident_id, tmp_path / "bag")

    # A gap: the first announcement left out of the package.
    package_file = bag / "civwatch-package.json"
    original = package_file.read_text()
    info = json.loads(original)
    info["key_chain"] = info["key_chain"][1:]
    package_file.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    rewrite_tag_manifest(bag)
    status, output = _verify_bag(bag, "--key", first)
    assert status == 1, output
    assert "the chain of keys has a gap" in output

    # An altered announcement: it names another key; its proof no longer leads to the root.
    package_file.write_text(original)
    spec = json.loads(original)["key_chain"][0]
    entry_file = bag / spec["file"]
    entry = json.loads(entry_file.read_bytes())
    entry["public_key"] = "ab" * 32
    entry_file.write_bytes(json.dumps(entry, sort_keys=True, separators=(",", ":")).encode())
    rewrite_tag_manifest(bag)
    status, output = _verify_bag(bag, "--key", first)
    assert status == 1, output
    assert f"key announcement {spec['leaf']}" in output


def test_rotation_through_the_command_line(
    team: Workspace,  # noqa: F811
    cli_env: dict[str, str],
) -> None:
    first = key_fingerprint(public_key(team))
    refused = run_cli(as_user(cli_env, team, "ivan"), "custody", "rotate-key")
    assert refused.returncode != 0
    assert key_fingerprint(public_key(team)) == first
    done = run_cli(as_user(cli_env, team, "ada"), "custody", "rotate-key", "--json", check=True)
    doc = json.loads(done.stdout)
    assert doc["old_key_fingerprint"] == first
    assert doc["new_key_fingerprint"] == key_fingerprint(public_key(team))
    head = json.loads(run_cli(cli_env, "custody", "head", "--json", check=True).stdout)
    assert head["key_fingerprint"] == doc["new_key_fingerprint"]
    verified = run_cli(cli_env, "verify", "--no-rehash")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_only_an_admin_rotates(team: Workspace) -> None:  # noqa: F811
    with pytest.raises(PermissionDeniedError):
        rotate_signing_key(team, "ivan")


def test_an_interrupted_rotation_is_finished_by_running_it_again(
    team: Workspace,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from civwatch.custody import key_rotation

    real = key_rotation._put_in_place

    def crash(next_path: Path, key_path: Path) -> None:
        raise OSError("the machine lost power")

    monkeypatch.setattr(key_rotation, "_put_in_place", crash)
    with pytest.raises(OSError, match="lost power"):
        rotate_signing_key(team, "ada")
    # Announced, but the old key is still in the key file: signing with it is refused.
    with pytest.raises(IntegrityError, match="retired"):
        team.sign_head()
    assert any("rotation was left unfinished" in p.message for p in verify_workspace(team))
    monkeypatch.setattr(key_rotation, "_put_in_place", real)
    again = rotate_signing_key(team, "ada")
    assert again.resumed
    assert key_fingerprint(public_key(team)) == again.new_fingerprint
    team.sign_head()
    assert verify_workspace(team, rehash=False) == []


def test_proof_documents_carry_the_chain_after_a_rotation(
    team: Workspace,  # noqa: F811
    tmp_path: Path,
) -> None:
    from civwatch.custody.merkle import leaf_hash, verify_inclusion
    from civwatch.evidence.proofs import entry_proof, item_proof
    from civwatch.web.answers_evidence import InclusionProof, ItemProof
    from tests.incidents.helpers import ingest_photo

    sha = ingest_photo(team, tmp_path / "photos")
    assert "key_chain" not in item_proof(team, sha)
    rotation = rotate_signing_key(team, "ada")
    doc = item_proof(team, sha)
    ItemProof.model_validate(doc)
    InclusionProof.model_validate(entry_proof(team, 0))
    (announced,) = doc["key_chain"]
    assert announced["index"] == rotation.leaf
    head = doc["tree_head"]
    assert head["key_fingerprint"] == rotation.new_fingerprint
    entry = base64.b64decode(announced["entry"])
    verify_inclusion(
        rotation.leaf,
        head["tree_size"],
        leaf_hash(entry),
        [bytes.fromhex(h) for h in announced["audit_path"]],
        bytes.fromhex(head["root_hash"]),
    )
    assert json.loads(entry)["previous_fingerprint"] == rotation.old_fingerprint

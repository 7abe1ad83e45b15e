"""Ed25519 key files and signed tree heads."""

from __future__ import annotations

import dataclasses
import hashlib
import stat
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from civwatch.custody.signing import (
    TREE_HEAD_PREFIX,
    create_signing_key,
    load_signing_key,
    public_key_bytes,
    sign_tree_head,
    tree_head_message,
    verify_tree_head,
)
from civwatch.errors import ConfigurationError, ProofError, RejectedInputError

ROOT = hashlib.sha256(b"root").digest()


def test_new_key_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "custody-key.pem"
    key = create_signing_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    before = path.read_bytes()
    with pytest.raises(RejectedInputError, match="never overwrites"):
        create_signing_key(path)
    assert path.read_bytes() == before
    assert public_key_bytes(load_signing_key(path)) == public_key_bytes(key)


def test_password_protected_key(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    key = create_signing_key(path, password=b"correct horse")
    assert b"ENCRYPTED" in path.read_bytes()
    assert public_key_bytes(load_signing_key(path, b"correct horse")) == public_key_bytes(key)
    with pytest.raises(ConfigurationError, match="wrong password or damaged"):
        load_signing_key(path, b"wrong")


def test_unsafe_or_unusable_key_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    create_signing_key(path)
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        load_signing_key(path)
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_signing_key(tmp_path / "absent.pem")
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"not a key")
    junk.chmod(0o600)
    with pytest.raises(ConfigurationError, match="not a readable PEM"):
        load_signing_key(junk)


def test_signature_covers_the_documented_bytes() -> None:
    message = tree_head_message(21, 1_700_000_000_000, ROOT)
    assert (
        message
        == b"civwatch-custody-tree-head-v1\n" + struct.pack(">QQ", 21, 1_700_000_000_000) + ROOT
    )
    assert len(TREE_HEAD_PREFIX) == 30 and len(message) == 30 + 16 + 32


def test_a_head_verifies_only_as_signed() -> None:
    key = Ed25519PrivateKey.generate()
    head = sign_tree_head(key, 21, ROOT, 1_700_000_000_000)
    verify_tree_head(head, key.public_key())
    verify_tree_head(head, public_key_bytes(key))
    for change in (
        {"tree_size": 22},
        {"timestamp_ms": 1_700_000_000_001},
        {"root_hash": hashlib.sha256(b"other").digest()},
        {"signature": bytes(64)},
    ):
        with pytest.raises(ProofError, match="does not verify"):
            verify_tree_head(dataclasses.replace(head, **change), key.public_key())
    other = Ed25519PrivateKey.generate()
    with pytest.raises(ProofError, match="not the expected key"):
        verify_tree_head(head, other.public_key())
    forged = sign_tree_head(other, 21, ROOT, 1_700_000_000_000)
    with pytest.raises(ProofError, match="does not verify"):
        verify_tree_head(dataclasses.replace(forged, public_key=head.public_key), key.public_key())
    with pytest.raises(ProofError, match="32-byte Ed25519"):
        verify_tree_head(head, b"short")

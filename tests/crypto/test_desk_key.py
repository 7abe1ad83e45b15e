"""The desk's key from a passphrase (argon2id) or a key file (a secrets mount)."""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path

import pytest

from civwatch.crypto.desk_key import (
    KdfParams,
    check_passphrase,
    create_key_file,
    derive,
    new_salt,
    read_key_file,
)
from civwatch.crypto.envelope import DeskKey
from civwatch.errors import KeyFileError, WeakPassphraseError

FAST = KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
PASSPHRASE = "кінь батарея скоба правильно"


def test_the_same_passphrase_and_salt_give_the_same_key() -> None:
    salt = new_salt()
    first = derive(PASSPHRASE, salt, FAST)
    assert first == derive(PASSPHRASE, salt, FAST)
    assert first.verifier() == derive(PASSPHRASE, salt, FAST).verifier()


def test_another_salt_passphrase_or_cost_gives_another_key() -> None:
    salt = new_salt()
    key = derive(PASSPHRASE, salt, FAST)
    assert key != derive(PASSPHRASE, new_salt(), FAST)
    assert key != derive(PASSPHRASE + "!", salt, FAST)
    assert key != derive(PASSPHRASE, salt, KdfParams(time_cost=2, memory_kib=1024, parallelism=1))


def test_the_passphrase_is_normalised_before_derivation() -> None:
    """'й' typed as one character or as и + combining breve is the same passphrase."""
    salt = new_salt()
    composed = "мій ключ від столу"
    decomposed = composed.replace("й", "и\u0306")
    assert composed != decomposed
    assert derive(composed, salt, FAST) == derive(decomposed, salt, FAST)


def test_a_short_salt_is_refused() -> None:
    with pytest.raises(ValueError):
        derive(PASSPHRASE, b"12345678", FAST)


def test_the_default_parameters_derive_in_under_a_second() -> None:
    """Unlocking the desk must take under 1 s (the issue's figure). Measured as the CPU
    time the derivation costs this process, both lanes together (so at most what one core
    alone would take): the wall clock of a loaded machine measures the other processes too
    (it allowed 2 s and still depended on the load)."""
    params = KdfParams()
    assert (params.time_cost, params.memory_kib, params.parallelism) == (3, 65536, 2)
    salt = new_salt()
    started = time.process_time()
    derive(PASSPHRASE, salt, params)
    spent = time.process_time() - started
    assert spent < 1.0, f"argon2id took {spent:.2f} s of CPU"


def test_parameters_round_trip_through_json() -> None:
    params = KdfParams(time_cost=4, memory_kib=32768, parallelism=1)
    stored = params.to_json()
    assert stored["algorithm"] == "argon2id"
    assert KdfParams.from_json(stored) == params
    import json

    assert KdfParams.from_json(json.dumps(stored)) == params
    with pytest.raises(ValueError):
        KdfParams.from_json({"algorithm": "scrypt", "time_cost": 1, "memory_kib": 8,
                             "parallelism": 1})
    with pytest.raises(ValueError):
        KdfParams.from_json({"time_cost": 1, "memory_kib": 1024})
    with pytest.raises(ValueError):
        KdfParams.from_json("[1, 2]")
    with pytest.raises(ValueError):
        KdfParams(time_cost=0)
    with pytest.raises(ValueError):
        KdfParams(memory_kib=8, parallelism=2)


@pytest.mark.parametrize("weak", ["", "kurz", "elevenchars", " " * 20, "aaaaaaaaaaaaaaaa",
                                  "abababababababab", "  eleven ch  "])
def test_weak_passphrases_are_refused(weak: str) -> None:
    with pytest.raises(WeakPassphraseError) as caught:
        check_passphrase(weak)
    assert weak.strip() == "" or weak.strip() not in str(caught.value)
    assert caught.value.status_code == 422


@pytest.mark.parametrize("good", [PASSPHRASE, "twelve chars", "Київ-2026-травень"])
def test_good_passphrases_pass(good: str) -> None:
    check_passphrase(good)


# The key file


def test_a_created_key_file_is_private_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "desk.key"
    old = os.umask(0o000)  # even a careless umask gives a private file
    try:
        key = create_key_file(path)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_key_file(path) == key
    assert len(base64.b64decode(path.read_text().strip())) == 32


def test_two_created_key_files_differ(tmp_path: Path) -> None:
    assert create_key_file(tmp_path / "a") != create_key_file(tmp_path / "b")


def test_a_key_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "desk.key"
    key = create_key_file(path)
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="exists already") as caught:
        create_key_file(path)
    assert "CIVWATCH_PROTECTION_KEY_FILE" in str(caught.value)
    assert path.read_bytes() == before
    assert read_key_file(path) == key


def test_a_key_file_in_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot be created"):
        create_key_file(tmp_path / "no" / "desk.key")


def test_a_missing_key_file_names_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "absent.key"
    with pytest.raises(KeyFileError) as caught:
        read_key_file(path)
    message = str(caught.value)
    assert "CIVWATCH_PROTECTION_KEY_FILE" in message and str(path) in message
    assert "does not exist" in message


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o620, 0o602, 0o610])
def test_a_key_file_others_may_read_or_change_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "desk.key"
    create_key_file(path)
    path.chmod(mode)
    with pytest.raises(KeyFileError) as caught:
        read_key_file(path)
    message = str(caught.value)
    assert "CIVWATCH_PROTECTION_KEY_FILE" in message and "chmod 600" in message
    assert base64.b64encode(path.read_bytes()).decode() not in message


def test_an_owner_only_read_only_key_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "desk.key"
    key = create_key_file(path)
    path.chmod(0o400)
    assert read_key_file(path) == key


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_key_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "desk.key"
    create_key_file(path)
    path.chmod(0o000)
    with pytest.raises(KeyFileError, match="cannot be read") as caught:
        read_key_file(path)
    assert "CIVWATCH_PROTECTION_KEY_FILE" in str(caught.value)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        base64.b64encode(bytes(31)),
        base64.b64encode(bytes(33)),
        base64.b64encode(bytes(64)),
        bytes(32),  # raw bytes, not base64
        b"not a key at all, just words!!!!!!!!!!!!!!!!!",
        base64.b64encode(bytes(32)) * 40,
    ],
)
def test_a_key_file_without_a_key_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "desk.key"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(KeyFileError, match="does not hold a key") as caught:
        read_key_file(path)
    assert "CIVWATCH_PROTECTION_KEY_FILE" in str(caught.value)


def test_a_folder_is_not_a_key_file(tmp_path: Path) -> None:
    folder = tmp_path / "desk.key"
    folder.mkdir(mode=0o700)
    with pytest.raises(KeyFileError):
        read_key_file(folder)


def test_a_symlink_to_a_private_key_file_is_followed(tmp_path: Path) -> None:
    """Secrets mounts (Kubernetes) present the key through a symbolic link."""
    target = tmp_path / "data" / "desk.key"
    target.parent.mkdir()
    key = create_key_file(target)
    link = tmp_path / "desk.key"
    link.symlink_to(target)
    assert read_key_file(link) == key
    assert isinstance(key, DeskKey)

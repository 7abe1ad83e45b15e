"""Field encryption and key wrapping: what an attacker with write access to the database
(or a copy of it) can try, and that each attempt ends in a DecryptionError carrying no data."""

from __future__ import annotations

import copy
import pickle

import pytest

from civwatch.crypto.envelope import (
    KEY_BYTES,
    DeskKey,
    new_data_key,
    seal,
    seal_json,
    unseal,
    unseal_json,
)
from civwatch.errors import CivwatchError, DecryptionError

SECRET = "MARKERNAME-Ꙁ-7f3a Олександр Шевченко".encode()


@pytest.fixture
def key() -> bytes:
    return new_data_key()


@pytest.fixture
def desk() -> DeskKey:
    return DeskKey(bytes(range(32)))


def _refused(call: object, *args: object, **kwargs: object) -> DecryptionError:
    with pytest.raises(DecryptionError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    err = caught.value
    text = str(err) + repr(err) + repr(err.args)
    assert "MARKER" not in text and "Олександр" not in text
    assert err.__cause__ is None and err.__suppress_context__
    assert err.status_code == 500
    return err


def test_a_sealed_value_opens_with_its_key_record_and_field(key: bytes) -> None:
    sealed = seal(key, SECRET, record="per_1", field="names")
    assert unseal(key, sealed, record="per_1", field="names") == SECRET
    assert SECRET not in sealed
    assert sealed[:1] == b"\x01"


@pytest.mark.parametrize("plaintext", [b"", b"x", b"\x80", b"a\x80\0", bytes(15), bytes(16)])
def test_any_plaintext_survives_the_padding(key: bytes, plaintext: bytes) -> None:
    sealed = seal(key, plaintext, record="r", field="f")
    assert unseal(key, sealed, record="r", field="f") == plaintext


def test_lengths_are_hidden_to_the_nearest_block(key: bytes) -> None:
    lengths = {len(seal(key, b"x" * n, record="r", field="f")) for n in range(15)}
    assert len(lengths) == 1


def test_a_ciphertext_moved_to_another_record_does_not_open(key: bytes) -> None:
    sealed = seal(key, SECRET, record="per_1", field="names")
    _refused(unseal, key, sealed, record="per_2", field="names")


def test_a_ciphertext_moved_to_another_field_does_not_open(key: bytes) -> None:
    sealed = seal(key, SECRET, record="per_1", field="names")
    _refused(unseal, key, sealed, record="per_1", field="notes")


def test_record_and_field_cannot_be_shifted_into_each_other(key: bytes) -> None:
    sealed = seal(key, SECRET, record="per_1", field="names")
    _refused(unseal, key, sealed, record="per_", field="1names")
    _refused(unseal, key, sealed, record="per_1n", field="ames")
    with pytest.raises(ValueError):
        unseal(key, sealed, record="per_1\0names", field="x")


def test_nul_in_a_record_or_field_is_a_fault_of_the_caller(key: bytes) -> None:
    with pytest.raises(ValueError, match="NUL"):
        seal(key, SECRET, record="per_1\0names", field="x")
    with pytest.raises(ValueError):
        seal(key, SECRET, record="", field="x")


def test_another_persons_key_does_not_open(key: bytes) -> None:
    sealed = seal(key, SECRET, record="per_1", field="names")
    _refused(unseal, new_data_key(), sealed, record="per_1", field="names")


@pytest.mark.parametrize("cut", [0, 1, 12, 13, 28, -1, -16])
def test_a_truncated_ciphertext_does_not_open(key: bytes, cut: int) -> None:
    sealed = seal(key, SECRET, record="per_1", field="names")
    _refused(unseal, key, sealed[:cut], record="per_1", field="names")


def test_every_flipped_bit_is_detected(key: bytes) -> None:
    sealed = seal(key, SECRET, record="per_1", field="names")
    for position in range(len(sealed)):
        for bit in (0x01, 0x80):
            altered = bytearray(sealed)
            altered[position] ^= bit
            _refused(unseal, key, bytes(altered), record="per_1", field="names")


def test_appended_bytes_are_detected(key: bytes) -> None:
    sealed = seal(key, SECRET, record="per_1", field="names")
    _refused(unseal, key, sealed + b"\0", record="per_1", field="names")


def test_an_unknown_version_does_not_open(key: bytes) -> None:
    sealed = seal(key, SECRET, record="per_1", field="names")
    _refused(unseal, key, b"\x02" + sealed[1:], record="per_1", field="names")


def test_not_bytes_and_wrong_keys_do_not_open(key: bytes) -> None:
    sealed = seal(key, SECRET, record="per_1", field="names")
    _refused(unseal, key[:16], sealed, record="per_1", field="names")
    _refused(unseal, key, None, record="per_1", field="names")


def test_identical_plaintexts_give_different_ciphertexts(key: bytes) -> None:
    sealed = {seal(key, SECRET, record="per_1", field="names") for _ in range(50)}
    assert len(sealed) == 50
    nonces = {s[1:13] for s in sealed}
    assert len(nonces) == 50


def test_json_round_trip_is_canonical(key: bytes) -> None:
    value = {"names": [{"name": "Мар'яна", "kind": "legal"}], "a": 1}
    sealed = seal_json(key, value, record="per_1", field="names")
    assert unseal_json(key, sealed, record="per_1", field="names") == value
    raw = unseal(key, sealed, record="per_1", field="names")
    assert raw == '{"a":1,"names":[{"kind":"legal","name":"Мар\'яна"}]}'.encode()
    _refused(unseal_json, key, sealed, record="per_1", field="other")


def test_sealing_refuses_a_wrong_key() -> None:
    with pytest.raises(ValueError):
        seal(b"short", SECRET, record="r", field="f")


def test_data_keys_are_random() -> None:
    assert len({new_data_key() for _ in range(20)}) == 20
    assert all(len(k) == KEY_BYTES for k in {new_data_key()})


# The desk's key


def test_a_wrapped_key_unwraps_for_its_owner_only(desk: DeskKey, key: bytes) -> None:
    wrapped = desk.wrap(key, owner="per_1")
    assert key not in wrapped
    assert desk.unwrap(wrapped, owner="per_1") == key
    _refused(desk.unwrap, wrapped, owner="per_2")


def test_a_wrapped_key_does_not_open_as_a_field_and_back(desk: DeskKey, key: bytes) -> None:
    wrapped = desk.wrap(key, owner="per_1")
    _refused(desk.open_desk, wrapped, record="per_1", field="names")
    sealed = desk.seal_desk(key, record="per_1", field="names")
    _refused(desk.unwrap, sealed, owner="per_1")


def test_another_desk_key_does_not_unwrap(desk: DeskKey, key: bytes) -> None:
    wrapped = desk.wrap(key, owner="per_1")
    _refused(DeskKey(bytes(32)).unwrap, wrapped, owner="per_1")


def test_an_altered_wrapped_key_does_not_unwrap(desk: DeskKey, key: bytes) -> None:
    wrapped = desk.wrap(key, owner="per_1")
    for position in range(len(wrapped)):
        altered = bytearray(wrapped)
        altered[position] ^= 0x40
        _refused(desk.unwrap, bytes(altered), owner="per_1")
    _refused(desk.unwrap, wrapped[:-1], owner="per_1")


def test_wrapping_the_same_key_twice_differs(desk: DeskKey, key: bytes) -> None:
    assert desk.wrap(key, owner="per_1") != desk.wrap(key, owner="per_1")


def test_desk_values_are_bound_to_record_and_field(desk: DeskKey) -> None:
    sealed = desk.seal_desk(SECRET, record="grant_1", field="reason")
    assert desk.open_desk(sealed, record="grant_1", field="reason") == SECRET
    _refused(desk.open_desk, sealed, record="grant_2", field="reason")
    _refused(DeskKey(bytes(32)).open_desk, sealed, record="grant_1", field="reason")
    value = {"text": "допоможіть"}
    sealed_json = desk.seal_desk_json(value, record="r", field="f")
    assert desk.open_desk_json(sealed_json, record="r", field="f") == value


def test_a_desk_value_is_not_a_persons_value(desk: DeskKey, key: bytes) -> None:
    """The desk's records key is not any subkey a person's data could be sealed with."""
    sealed = desk.seal_desk(SECRET, record="per_1", field="names")
    for purpose in ("wrap", "verify", "blind-index"):
        _refused(unseal, desk.subkey(purpose), sealed, record="per_1", field="names")


def test_subkeys_differ_by_purpose_and_by_key(desk: DeskKey) -> None:
    keys = {desk.subkey(p) for p in ("wrap", "records", "verify", "blind-index")}
    assert len(keys) == 4
    assert desk.subkey("wrap") == DeskKey(bytes(range(32))).subkey("wrap")
    assert desk.subkey("wrap") != DeskKey(bytes(32)).subkey("wrap")
    assert all(len(k) == 32 for k in keys)


def test_the_verifier_tells_the_right_key_from_a_wrong_one(desk: DeskKey) -> None:
    stored = desk.verifier()
    assert DeskKey(bytes(range(32))).matches_verifier(stored)
    assert not DeskKey(bytes(32)).matches_verifier(stored)
    assert bytes(range(32)) not in stored
    assert stored not in {desk.subkey(p) for p in ("wrap", "records", "verify")}


def test_the_desk_key_never_shows_or_leaves_memory(desk: DeskKey) -> None:
    raw = bytes(range(32))
    for shown in (repr(desk), str(desk), f"{desk}", f"{desk!r}", repr([desk])):
        assert raw.hex() not in shown and str(raw) not in shown and "\\x00" not in shown
        assert "secret" in shown
    with pytest.raises(TypeError):
        pickle.dumps(desk)
    with pytest.raises(TypeError):
        copy.copy(desk)
    with pytest.raises(AttributeError):
        desk.x = 1  # type: ignore[attr-defined]
    assert not hasattr(desk, "__dict__")
    with pytest.raises(TypeError):
        vars(desk)


def test_desk_keys_compare_by_value_and_refuse_a_wrong_length() -> None:
    assert DeskKey(bytes(32)) == DeskKey(bytes(32))
    assert DeskKey(bytes(32)) != DeskKey(bytes(31) + b"\1")
    with pytest.raises(ValueError):
        DeskKey(bytes(31))


def test_decryption_error_is_a_civwatch_error() -> None:
    assert issubclass(DecryptionError, CivwatchError)

"""Age packets for partners and for the desk: only the holder of the identity opens them."""

from __future__ import annotations

import pytest

from civwatch.crypto.age_packets import check_recipient, decrypt, encrypt, new_identity
from civwatch.errors import DecryptionError, InvalidRecipientError

DATA = "MARKERNAME-Ꙁ-7f3a потребує евакуації +380671234567".encode()


def _refused(data: object, identity: str) -> None:
    with pytest.raises(DecryptionError) as caught:
        decrypt(data, identity)  # type: ignore[arg-type]
    text = str(caught.value) + repr(caught.value.args)
    assert "MARKER" not in text and "AGE-SECRET-KEY" not in text
    assert not identity or identity not in text
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_packet_opens_with_its_identity() -> None:
    secret, public = new_identity()
    assert secret.startswith("AGE-SECRET-KEY-1") and public.startswith("age1")
    packet = encrypt(DATA, [public])
    assert DATA not in packet and b"MARKER" not in packet
    assert packet.startswith(b"age-encryption.org/v1\n")
    assert decrypt(packet, secret) == DATA


def test_each_of_several_recipients_opens_it() -> None:
    (s1, p1), (s2, p2) = new_identity(), new_identity()
    packet = encrypt(DATA, [p1, p2])
    assert decrypt(packet, s1) == decrypt(packet, s2) == DATA


def test_another_identity_is_refused() -> None:
    _, public = new_identity()
    other, _ = new_identity()
    _refused(encrypt(DATA, [public]), other)


def test_an_altered_or_truncated_packet_is_refused() -> None:
    secret, public = new_identity()
    packet = encrypt(DATA, [public])
    _refused(packet[:-1], secret)
    _refused(packet[: len(packet) // 2], secret)
    _refused(b"", secret)
    _refused(b"not an age packet", secret)
    for position in (len(packet) - 1, len(packet) - 20, 40, 100):
        altered = bytearray(packet)
        altered[position] ^= 0x01
        _refused(bytes(altered), secret)


def test_a_bad_identity_is_refused_without_showing_it() -> None:
    _, public = new_identity()
    packet = encrypt(DATA, [public])
    _refused(packet, "AGE-SECRET-KEY-1NOTAKEY")
    _refused(packet, "")


def test_two_packets_of_the_same_data_differ() -> None:
    _, public = new_identity()
    assert encrypt(DATA, [public]) != encrypt(DATA, [public])


def test_a_recipient_is_checked_and_normalised() -> None:
    _, public = new_identity()
    assert check_recipient(f"  {public}\n") == public
    assert check_recipient(public.upper()) == public


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "age1",
        "age1xyz",
        "hello",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
    ],
)
def test_a_bad_recipient_is_refused(bad: str) -> None:
    with pytest.raises(InvalidRecipientError) as caught:
        check_recipient(bad)
    assert caught.value.status_code == 422
    with pytest.raises(InvalidRecipientError):
        encrypt(DATA, [bad])


def test_a_recipient_with_one_character_changed_is_refused() -> None:
    """The bech32 checksum catches a key copied with a typo."""
    _, public = new_identity()
    typo = public[:-1] + ("q" if public[-1] != "q" else "p")
    with pytest.raises(InvalidRecipientError):
        check_recipient(typo)


def test_a_packet_needs_a_recipient() -> None:
    with pytest.raises(InvalidRecipientError):
        encrypt(DATA, [])


def test_the_secret_is_the_identity_of_the_public_key() -> None:
    secret, public = new_identity()
    other_secret, other_public = new_identity()
    assert public != other_public and secret != other_secret
    _refused(encrypt(DATA, [other_public]), secret)

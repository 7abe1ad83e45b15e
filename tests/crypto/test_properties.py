"""Properties over any input a person could type: nothing crashes, every sealed value
opens where it was sealed and nowhere else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civwatch.crypto.blind import BlindIndexer, name_tokens, phonetic_key
from civwatch.crypto.envelope import new_data_key, seal, unseal
from civwatch.errors import DecryptionError

KEY = new_data_key()
labels = st.text(min_size=1, max_size=20).filter(lambda t: "\0" not in t)


@settings(max_examples=200, deadline=None)
@given(plaintext=st.binary(max_size=200), record=labels, field=labels, other=labels)
def test_sealed_values_open_only_where_they_were_sealed(
    plaintext: bytes, record: str, field: str, other: str
) -> None:
    sealed = seal(KEY, plaintext, record=record, field=field)
    assert unseal(KEY, sealed, record=record, field=field) == plaintext
    if other != record:
        try:
            unseal(KEY, sealed, record=other, field=field)
        except DecryptionError:
            pass
        else:
            raise AssertionError("opened under another record")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_typed_name_gives_tokens_without_failing(text: str) -> None:
    tokens = name_tokens(text)
    assert all(len(t) >= 2 and t == t.casefold() for t in tokens)
    assert all(phonetic_key(t) == phonetic_key(t) for t in tokens)
    BlindIndexer(KEY).name(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzčšžł", max_size=30))
def test_the_phonetic_key_is_stable_and_ascii(word: str) -> None:
    key = phonetic_key(word)
    assert key.isascii() and phonetic_key(word.upper()) == key
    assert (key == "") == (word == "")


@pytest.mark.parametrize("typed", ["Бab", "Ёab", "гab", "abЫ", "Iб"])
def test_a_word_in_two_scripts_gives_no_initial(typed: str) -> None:
    """Found by the property above: the transliteration of a word typed in two scripts
    dropped the Latin letters and left a single letter, indexed as if it were a word."""
    assert all(len(t) >= 2 for t in name_tokens(typed))

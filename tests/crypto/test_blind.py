"""Blind indexes: the spellings of one person meet, different people do not, and nothing
stored can be checked against a list of names or phones without the desk's key."""

from __future__ import annotations

import itertools

import pytest

from civwatch.crypto.blind import (
    BlindIndexer,
    name_tokens,
    normalise_document,
    normalise_phone,
    phonetic_key,
)
from civwatch.errors import InvalidPhoneError, RejectedInputError

KEY = bytes(range(32))

#: Real spellings of one name (Ukrainian, official transliteration, Russian forms, the
#: spellings found in foreign papers): each must find the others.
SAME_NAME = [
    ["Олександр", "Oleksandr", "Aleksandr", "Alexandr", "Александр", "Olexandr"],
    ["Шевченко", "Shevchenko", "Schevchenko", "Shevtchenko"],
    ["Юлія", "Yuliia", "Yulia", "Julia", "Юлия"],
    ["Андрій", "Andrii", "Andriy", "Andrey", "Андрей"],
    ["Наталія", "Nataliia", "Natalia", "Natalya", "Наталья"],
    ["Дмитро", "Dmytro", "Dmitry", "Dmitriy"],
    ["Сергій", "Serhii", "Sergey", "Serhiy"],
    ["Григорій", "Hryhorii", "Grigoriy"],
    ["Мар'яна", "Марʼяна", "Мар’яна", "Maryana", "Mariana"],
    ["Ольга", "Olha", "Olga"],
    ["Євген", "Yevhen", "Евгений", "Evgeniy"],
    ["Віктор", "Viktor", "Victor"],
    ["Ковальчук", "Kovalchuk", "Kowalczuk"],
    ["Щербак", "Shcherbak", "Scherbak"],
    ["Згурський", "Zghurskyi", "Zgurskiy", "Zgursky"],
]

#: Different names that must not be taken for one another.
DIFFERENT = [
    ("Олена", "Ольга"),
    ("Іван", "Ігор"),
    ("Петро", "Павло"),
    ("Коваль", "Ковальчук"),
    ("Yulia", "Ilya"),
    ("Андрій", "Олександр"),
    ("Шевченко", "Шевчук"),
    ("Сергій", "Степан"),
    ("Марія", "Мар'яна"),
]


@pytest.fixture
def index() -> BlindIndexer:
    return BlindIndexer(KEY)


@pytest.mark.parametrize("spellings", SAME_NAME, ids=lambda g: g[0])
def test_every_spelling_of_a_name_finds_the_others(
    index: BlindIndexer, spellings: list[str]
) -> None:
    for stored, searched in itertools.permutations(spellings, 2):
        assert index.name(stored) & index.query_name(searched), (stored, searched)


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_names_do_not_meet(index: BlindIndexer, one: str, other: str) -> None:
    assert not index.name(one) & index.query_name(other)
    assert not index.name(other) & index.query_name(one)


def test_a_full_name_is_found_by_any_of_its_words_in_any_order(index: BlindIndexer) -> None:
    stored = index.name("Шевченко Олександр Петрович")
    for query in ("Oleksandr", "SHEVCHENKO", "Petrovych", "Alexandr Shevtchenko"):
        assert stored & index.query_name(query), query
    assert not stored & index.query_name("Ковальчук Ірина")


def test_name_tokens_fold_case_apostrophes_hyphens_and_script_mixups() -> None:
    assert name_tokens("Анна-Марія") == {"анна", "anna", "марія", "mariia", "mariya"}
    assert name_tokens("МАР’ЯНА") == name_tokens("мар'яна")
    assert name_tokens("Олександр") == name_tokens("Oлександр")  # a Latin O typed
    assert name_tokens("Olеksandr") == {"oleksandr"}  # a Cyrillic е typed
    assert name_tokens("Олекса́ндр") == name_tokens("Олександр")  # a stress mark
    assert name_tokens("O. Шевченко, 1990") == name_tokens("Шевченко")  # initials, digits
    assert name_tokens("Jean-Luc O'Neill") == {"jean", "luc", "oneill"}
    assert name_tokens("") == set()


def test_russian_letters_are_transliterated_both_ways() -> None:
    assert {"alena", "aliena"} & name_tokens("Алёна")
    assert "yuliya" in name_tokens("Юлия")
    assert all(t.isascii() or t == "наталья" for t in name_tokens("Наталья"))


def test_the_phonetic_key_folds_spellings_of_one_sound() -> None:
    assert phonetic_key("Shevchenko") == phonetic_key("Schevchenko") == "XVQNK"
    assert phonetic_key("Oleksandr") == phonetic_key("Alexandr") == "aLKSNDR"
    assert phonetic_key("Kovalčuk") == phonetic_key("Kovalchuk")
    assert phonetic_key("Hanna") == phonetic_key("Ganna")
    assert phonetic_key("Tsoi") != phonetic_key("Choi")
    assert phonetic_key("") == phonetic_key("123") == ""


def test_tokens_depend_on_the_key() -> None:
    one, other = BlindIndexer(KEY), BlindIndexer(bytes(32))
    assert not one.name("Олександр Шевченко") & other.name("Олександр Шевченко")
    assert one.phone("+380671234567") != other.phone("+380671234567")
    assert one.document("AB123456") != other.document("AB123456")


def test_tokens_reveal_no_value_and_keep_kinds_apart(index: BlindIndexer) -> None:
    tokens = index.name("Oleksandr") | {index.phone("+380671234567"), index.document("AB1")}
    kinds = {kind for kind, _ in tokens}
    assert kinds == {"name", "phonetic", "phone", "document"}
    for _, token in tokens:
        assert len(token) == 32 and int(token, 16) >= 0
        assert "oleksandr" not in token and "380671234567" not in token
    assert index.token("name", "x")[1] != index.token("phonetic", "x")[1]
    assert "00010203" not in repr(index)


def test_a_wrong_key_length_is_refused() -> None:
    with pytest.raises(ValueError):
        BlindIndexer(b"short")


# Phones


@pytest.mark.parametrize(
    "written",
    ["+380 67 123 4567", "067 123 45 67", "380671234567", "00380671234567", "+380(67)123-45-67",
     "０６７１２３４５６７"],
)
def test_ukrainian_phone_spellings_give_one_number(index: BlindIndexer, written: str) -> None:
    assert normalise_phone(written) == "+380671234567"
    assert index.phone(written) == index.phone("+380671234567")


def test_a_foreign_number_keeps_its_country() -> None:
    assert normalise_phone("+48 601 234 567") == "+48601234567"
    assert normalise_phone("601 234 567", region="PL") == "+48601234567"
    assert normalise_phone("+1 202 555 0100") == "+12025550100"


@pytest.mark.parametrize(
    "impossible",
    ["", "hello", "+999 123 456", "+380 67 123", "0671234567890", "+380 12 345 6789", "12"],
)
def test_an_impossible_number_is_refused_without_repeating_it(
    index: BlindIndexer, impossible: str
) -> None:
    with pytest.raises(InvalidPhoneError) as caught:
        normalise_phone(impossible)
    assert caught.value.status_code == 422
    digits = "".join(c for c in impossible if c.isdigit())
    assert not digits or digits not in str(caught.value)


def test_a_possible_number_outside_the_given_ranges_passes_when_not_strict() -> None:
    assert normalise_phone("+380 12 345 6789", strict=False) == "+380123456789"


# Documents


def test_cyrillic_and_latin_document_numbers_meet(index: BlindIndexer) -> None:
    assert normalise_document("АВ 123456") == "AB123456"  # Cyrillic А and В
    assert normalise_document("ав-123456") == "AB123456"
    assert normalise_document(" AB123456 ") == "AB123456"
    assert normalise_document("ЕК № 000 111") == "EK000111"
    assert normalise_document("МН ТХ СР ОІ") == "MHTXCPOI"
    assert index.document("АВ 123456") == index.document("ab123456")
    assert index.document("АВ 123456") != index.document("AB123457")
    assert normalise_document("ЮД123") == "ЮД123"  # letters without a Latin twin stay


def test_an_empty_document_number_is_refused() -> None:
    with pytest.raises(RejectedInputError):
        normalise_document(" - / ")

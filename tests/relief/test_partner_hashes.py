"""Keyed hashes for finding a person helped twice across organisations: normalisation,
keys, the file format and what it refuses, and the comparison."""

from __future__ import annotations

import json
import random
from datetime import date

import pytest
import translitua
from hypothesis import given, settings
from hypothesis import strategies as st

from civwatch.errors import RejectedInputError
from civwatch.relief.partner_hashes import (
    DOCUMENT,
    FILE_FORMAT,
    NAME_AND_BIRTH,
    NAME_AND_DOCUMENT,
    SOUND_AND_BIRTH,
    CoalitionKey,
    PartnerIdentity,
    export_hashes,
    find_matches,
    identity_hashes,
    normalise_name,
    read_hash_file,
)
from civwatch.relief.sanctions import official_latin

KEY = CoalitionKey(bytes(range(32)))
OTHER_KEY = CoalitionKey(bytes(range(1, 33)))


@pytest.mark.parametrize(
    "spelling",
    [
        "Шевченко Тарас",
        "Тарас Шевченко",
        "Taras Shevchenko",
        "SHEVCHENKO, Taras",
        "Шевченко Тарас Григорович",
        "Shevchenko Taras H.",
        "  taras   shevchenko ",
        "Tarás Shevchénko",
    ],
)
def test_names_normalise_to_one_form(spelling: str) -> None:
    assert normalise_name(spelling) == "shevchenko taras"


def test_apostrophes_and_official_transliteration() -> None:
    assert normalise_name("Мар'яна Лук'яненко") == normalise_name("Марʼяна Лук’яненко")
    assert normalise_name("Мар'яна Лук'яненко") == "lukianenko mariana"
    assert normalise_name("Олексій Згурський") == normalise_name("Oleksii Zghurskyi")
    assert normalise_name("Юрій Їжак") == "yizhak yurii"


def test_a_name_with_nothing_in_it_is_refused() -> None:
    with pytest.raises(RejectedInputError):
        normalise_name("- . ,")


def person(record: str, name: str, **extra: object) -> PartnerIdentity:
    return PartnerIdentity(
        record=record, purpose=str(extra.pop("purpose", "transport")), name=name, **extra
    )  # type: ignore[arg-type]


def test_cyrillic_and_latin_spellings_hash_equal() -> None:
    ours = identity_hashes(
        person(
            "g-1",
            "Шевченко Тарас Григорович",
            date_of_birth=date(1990, 3, 9),
            document_number="АВ 123456",
        ),
        KEY,
    )
    theirs = identity_hashes(
        person(
            "x-9", "Taras Shevchenko", date_of_birth=date(1990, 3, 9), document_number="ab123456"
        ),
        KEY,
    )
    assert [h.facet for h in ours] == [NAME_AND_BIRTH, DOCUMENT, NAME_AND_DOCUMENT, SOUND_AND_BIRTH]
    assert [h.hash for h in ours] == [h.hash for h in theirs]
    assert all(len(h.hash) == 64 for h in ours)


@pytest.mark.parametrize("spelling", ["Юрий Бондарь", "Iurii Bondar", "Yuriy Bondar"])
def test_spellings_the_transliteration_keeps_apart_meet_by_sound(spelling: str) -> None:
    ours = identity_hashes(person("g-1", "Юрій Бондар", date_of_birth=date(1970, 5, 1)), KEY)
    theirs = identity_hashes(person("p-1", spelling, date_of_birth=date(1970, 5, 1)), KEY)
    partner_file = read_hash_file(
        export_hashes([person("p-1", spelling, date_of_birth=date(1970, 5, 1))], KEY), KEY
    )
    (match,) = find_matches(ours, partner_file)
    assert match.facets == (SOUND_AND_BIRTH,)
    assert [h.facet for h in theirs] == [NAME_AND_BIRTH, SOUND_AND_BIRTH]
    other_day = identity_hashes(person("p-2", spelling, date_of_birth=date(1970, 5, 2)), KEY)
    assert not {h.hash for h in ours} & {h.hash for h in other_day}


def test_a_hash_reveals_nothing_of_the_name() -> None:
    hashes = identity_hashes(person("g-1", "Taras Shevchenko", date_of_birth=date(1990, 3, 9)), KEY)
    exported = export_hashes(
        [person("g-1", "Taras Shevchenko", date_of_birth=date(1990, 3, 9))], KEY
    )
    assert b"shevchenko" not in exported.lower()
    assert b"1990" not in exported
    assert b"XVQNK" not in exported
    assert all(h.hash.encode() in exported for h in hashes)


def test_the_need_is_part_of_the_hash() -> None:
    a = identity_hashes(person("g-1", "Taras Shevchenko", date_of_birth=date(1990, 3, 9)), KEY)
    b = identity_hashes(
        person("g-1", "Taras Shevchenko", date_of_birth=date(1990, 3, 9), purpose="medical"), KEY
    )
    assert a[0].hash != b[0].hash


def test_different_keys_never_match() -> None:
    identity = person(
        "g-1", "Taras Shevchenko", date_of_birth=date(1990, 3, 9), document_number="AB123456"
    )
    ours = identity_hashes(identity, KEY)
    theirs = identity_hashes(identity, OTHER_KEY)
    assert not {h.hash for h in ours} & {h.hash for h in theirs}
    assert KEY.fingerprint() != OTHER_KEY.fingerprint()


def test_a_short_key_is_refused_and_a_key_is_never_shown() -> None:
    with pytest.raises(RejectedInputError):
        CoalitionKey(b"x" * 31)
    with pytest.raises(TypeError):
        CoalitionKey("a string key of more than thirty-two characters")  # type: ignore[arg-type]
    assert "0001" not in repr(KEY)


def test_only_a_name_gives_no_hash() -> None:
    assert identity_hashes(person("g-1", "Taras Shevchenko"), KEY) == []


@pytest.mark.parametrize(
    "identity",
    [
        PartnerIdentity("g 1", "transport", "Taras Shevchenko", date(1990, 1, 1)),
        PartnerIdentity("g-1", "Transport needs", "Taras Shevchenko", date(1990, 1, 1)),
        PartnerIdentity("g-1", "transport", "Taras Shevchenko", document_number="№ -"),
    ],
)
def test_bad_identities_are_refused(identity: PartnerIdentity) -> None:
    with pytest.raises(RejectedInputError):
        identity_hashes(identity, KEY)


def test_a_partner_finds_who_we_both_helped_for_the_same_need() -> None:
    ours = [
        person(
            "g-1",
            "Шевченко Тарас Григорович",
            date_of_birth=date(1990, 3, 9),
            document_number="АВ123456",
        ),
        person("g-2", "Олена Коваль", date_of_birth=date(1985, 1, 2)),
        person("g-3", "Іван Петренко", document_number="FA000001", purpose="medical"),
    ]
    theirs = [
        person("p-77", "Taras Shevchenko", date_of_birth=date(1990, 3, 9)),
        person("p-78", "Olena Koval", date_of_birth=date(1985, 1, 3)),  # another person
        person("p-79", "Ivan Petrenko", document_number="FA 000001", purpose="transport"),
        person("p-80", "I. Petrenko", document_number="fa-000001", purpose="medical"),
    ]
    partner_file = read_hash_file(export_hashes(theirs, KEY, organisation="Partner fund"), KEY)
    assert partner_file.organisation == "Partner fund"
    our_hashes = [h for identity in ours for h in identity_hashes(identity, KEY)]
    matches = find_matches(our_hashes, partner_file)
    assert [(m.our_record, m.their_record, m.purpose, m.facets) for m in matches] == [
        ("g-1", "p-77", "transport", (NAME_AND_BIRTH, SOUND_AND_BIRTH)),
        ("g-3", "p-80", "medical", (DOCUMENT,)),
    ]


def test_our_own_export_reads_back() -> None:
    identity = person(
        "g-1", "Taras Shevchenko", date_of_birth=date(1990, 3, 9), document_number="AB123456"
    )
    exported = export_hashes([identity], KEY)
    header = json.loads(exported.splitlines()[0])
    assert header == {
        "format": FILE_FORMAT,
        "version": 1,
        "key_fingerprint": KEY.fingerprint(),
        "organisation": "",
    }
    back = read_hash_file(exported, KEY)
    assert list(back.hashes) == identity_hashes(identity, KEY)


def test_an_organisation_name_in_ukrainian_with_odd_line_breaks_reads_back() -> None:
    name = "Фонд «Допомога»\u2028Київ"
    exported = export_hashes([], KEY, organisation=name).replace(b"\n", b"\r\n")
    assert read_hash_file(exported, KEY).organisation == name


def test_a_file_made_with_another_key_is_refused() -> None:
    exported = export_hashes(
        [person("p-1", "Taras Shevchenko", date_of_birth=date(1990, 3, 9))], OTHER_KEY
    )
    with pytest.raises(RejectedInputError) as refused:
        read_hash_file(exported, KEY)
    assert "another coalition key" in refused.value.message
    assert OTHER_KEY.fingerprint() in refused.value.message


def good_file() -> list[str]:
    return (
        export_hashes([person("p-1", "Taras Shevchenko", date_of_birth=date(1990, 3, 9))], KEY)
        .decode()
        .splitlines()
    )


def with_line(number: int, value: object) -> bytes:
    lines = good_file()
    lines[number] = value if isinstance(value, str) else json.dumps(value)
    return "\n".join(lines).encode()


HEADER = json.loads(good_file()[0])
LINE = json.loads(good_file()[1])


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"\xff\xfe\x00", "UTF-8"),
        (b"record,facet,purpose,hash\n", "not JSON"),
        (b"[1, 2]\n", "not a JSON object"),
        (with_line(0, HEADER | {"format": "something-else"}), "not a civwatch partner hash file"),
        (with_line(0, HEADER | {"version": 2}), "version 2"),
        (
            with_line(0, {k: v for k, v in HEADER.items() if k != "key_fingerprint"}),
            "no key fingerprint",
        ),
        (with_line(0, HEADER | {"key_fingerprint": "zz"}), "no key fingerprint"),
        (with_line(0, HEADER | {"organisation": 5}), "wrong type"),
        (with_line(1, "{not json"), "Line 2 is not JSON"),
        (with_line(1, LINE | {"name": "Taras"}), "exactly the fields"),
        (with_line(1, {k: v for k, v in LINE.items() if k != "hash"}), "exactly the fields"),
        (with_line(1, LINE | {"hash": 5}), "exactly the fields"),
        (with_line(1, LINE | {"hash": "ab" * 31}), "not allowed"),
        (with_line(1, LINE | {"hash": "AB" * 32}), "not allowed"),
        (with_line(1, LINE | {"facet": "name"}), "not allowed"),
        (with_line(1, LINE | {"purpose": "Transport!"}), "not allowed"),
        (with_line(1, LINE | {"record": "../../etc"}), "not allowed"),
        (with_line(1, LINE | {"record": "x" * 200}), "not allowed"),
    ],
)
def test_malformed_files_are_refused(data: bytes, says: str) -> None:
    with pytest.raises(RejectedInputError) as refused:
        read_hash_file(data, KEY)
    assert says in refused.value.message


def test_a_file_with_only_its_header_matches_nothing() -> None:
    header_only = export_hashes([], KEY)
    assert find_matches([], read_hash_file(header_only, KEY)) == []


UKRAINIAN_LETTERS = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(UKRAINIAN_LETTERS, min_size=2, max_size=10).filter(
            lambda word: len(official_latin(word)) >= 2  # not "ьь": no letters in Latin
        ),
        min_size=1,
        max_size=2,
    ),
    st.randoms(use_true_random=False),
)
def test_the_normal_form_ignores_order_case_and_script(
    words: list[str], rng: random.Random
) -> None:
    shuffled = words[:]
    rng.shuffle(shuffled)
    cyrillic = " ".join(words)
    assert normalise_name(cyrillic) == normalise_name(" ".join(shuffled).upper())
    # the official Latin spelling of the name gives the same normal form
    latin = " ".join(str(translitua.translit(w, translitua.UkrainianKMU)) for w in words)
    assert normalise_name(latin) == normalise_name(cyrillic)

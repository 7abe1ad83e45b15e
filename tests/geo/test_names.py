"""Name folding and transliteration keys."""

from __future__ import annotations

import pytest

from civwatch.geo.names import fold, is_indexable, latin_variants, loose, query_keys


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Kharkiv", "kharkiv"),
        ("KHAR'KOV", "kharkov"),
        ("Khar’kov", "kharkov"),
        ("Łódź", "lodz"),
        ("Bilhorod-Dnistrovskyi", "bilhorod dnistrovskyi"),
        ("  Nova   Kakhovka ", "nova kakhovka"),
        ("Щёлково", "щелково"),
        ("Харьков", "харков"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_ukrainian_national_transliteration() -> None:
    # KMU 2010 examples: position-dependent ye/yi/y, zgh for зг, ia for я inside a word.
    assert latin_variants("Запоріжжя") == ["zaporizhzhia"]
    assert latin_variants("Згурівка") == ["zghurivka"]
    assert latin_variants("Їжакевичі") == ["yizhakevychi"]


def test_russian_spelling_gets_russian_systems_only() -> None:
    variants = latin_variants("Белгород")  # no letters only one language has: both
    assert "bilhorod" not in variants and "belhorod" in variants and "belgorod" in variants
    assert latin_variants("Пятихатки") == ["piatykhatky", "piatikhatki", "pyatikhatki"]
    assert latin_variants("Щёлково") == ["shchelkovo"]  # ё: Russian systems only


def test_loose_key_joins_the_transliteration_systems() -> None:
    assert loose("kharkiv") == loose("harkiv") == loose("xarkiv")
    assert loose("pyatikhatki") == loose("piatykhatky") == loose("piatikhatki")
    assert loose("zaporizhzhia") == loose("zaporizhzhya")
    assert loose("mala rohan") == loose("mala rogan")


def test_query_keys_cover_script_and_systems() -> None:
    exact, loose_keys = query_keys("Харків")
    assert exact[0] == "харків"
    assert "kharkiv" in exact
    assert loose_keys == ["harkiv"]


def test_airport_codes_and_other_scripts_are_not_indexed() -> None:
    assert not is_indexable("HRK")
    assert not is_indexable("哈爾科夫")
    assert not is_indexable("ხარკოვი")
    assert is_indexable("Charków") and is_indexable("Харків")

"""Sanctions screening across scripts: real-world spellings of Ukrainian and Russian names,
names in either order, patronymics present or not, dates of birth that must agree; the
list's CSV; and precision and recall on a generated set of pairs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import translitua

from civwatch.errors import RejectedInputError
from civwatch.relief.sanctions import (
    ALIAS,
    BIRTH_AGREES,
    BIRTH_UNKNOWN,
    INITIAL_AGREES,
    ORDER_SWAPPED,
    PATRONYMIC_ABSENT,
    PATRONYMIC_DIFFERS,
    POSSIBLE_MATCH,
    STRONG_MATCH,
    BirthDate,
    SanctionsEntry,
    SanctionsList,
    ScreenedPerson,
    compare_names,
    official_latin,
    parse_birth_date,
    read_sanctions_csv,
    screen,
)

SHEVCHENKO = SanctionsEntry("UA-1", ("Шевченко Тарас Григорович",), (BirthDate(1814, 3, 9),))


def screened(name: str, born: date | None = None, *others: str) -> list[str]:
    found = screen(ScreenedPerson(name, tuple(others), born), SanctionsList([SHEVCHENKO]))
    return [c.entry.id for c in found]


def test_official_transliteration() -> None:
    assert official_latin("Григорович") == "hryhorovych"
    assert official_latin("Олексій") == "oleksii"
    assert official_latin("Зґурський") == "zgurskyi"
    assert official_latin("Згурський") == "zghurskyi"
    assert official_latin("Мар’яна") == "mariana"
    assert official_latin("Žukovskyj") == "zukovskyj"


@pytest.mark.parametrize(
    "spelling",
    [
        "Taras Shevchenko",
        "Shevchenko Taras",
        "Shevchenko, Taras H.",
        "SHEVCHENKO Taras Hryhorovych",
        "Тарас Шевченко",
        "Шевченко Тарас",
        "Тарас Григорьевич Шевченко",
        "Taras Grigorievich Shevchenko",
        "Taras Schevchenko",
        "Shevtchenko Taras",
        "Тaрас Шевчeнко",  # Latin look-alike letters typed into Cyrillic words
    ],
)
def test_one_person_in_many_spellings(spelling: str) -> None:
    assert screened(spelling) == ["UA-1"]
    assert screened(spelling, date(1814, 3, 9)) == ["UA-1"]


def test_reasons_are_given() -> None:
    (found,) = screen(
        ScreenedPerson("Shevchenko, Taras H.", date_of_birth=date(1814, 3, 9)),
        SanctionsList([SHEVCHENKO]),
    )
    assert found.strong and found.score >= STRONG_MATCH
    assert found.matched_name == "Шевченко Тарас Григорович"
    assert {INITIAL_AGREES, BIRTH_AGREES} <= set(found.reasons)
    (found,) = screen(ScreenedPerson("Taras Shevchenko"), SanctionsList([SHEVCHENKO]))
    assert {PATRONYMIC_ABSENT, BIRTH_UNKNOWN} <= set(found.reasons)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Олексій Петренко", "Oleksii Petrenko"),
        ("Олексій Петренко", "Aleksei Petrenko"),
        ("Олексій Петренко", "Alexey Petrenko"),
        ("Oleksii Petrenko", "Алексей Петренко"),
        ("Yurii Bondar", "Yuriy Bondar"),
        ("Yurii Bondar", "Iurii Bondar"),
        ("Iurii Bondar", "Юрий Бондарь"),
        ("Юрій Бондар", "Yuri Bondar"),
        ("Микола Іваненко", "Nikolai Ivanenko"),
        ("Микола Іваненко", "Nikolay Ivanenko"),
        ("Володимир Коваленко", "Vladimir Kovalenko"),
        ("Наталія Мельник", "Natalya Melnik"),
        ("Олена Кравець", "Elena Kravets"),
        ("Ганна Ткаченко", "Anna Tkachenko"),
        ("Мар'яна Лисенко", "Mariana Lysenko"),
        ("Марʼяна Лисенко", "Maryana Lisenko"),
        ("Катерина Гончаренко", "Ekaterina Goncharenko"),
        ("Катерина Гончаренко", "Kateryna Honcharenko"),
        ("Євген Савченко", "Yevhen Savchenko"),
        ("Євген Савченко", "Evgeny Savchenko"),
        ("Дмитро Шевчук", "Dmitriy Shevchuk"),
        ("Ігор Поліщук", "Igor Polishchuk"),
        ("Сергій Бойко", "Sergey Boyko"),
        ("Сергій Бойко", "Serhii Boiko"),
    ],
)
def test_the_same_name_across_scripts_and_transliterations(first: str, second: str) -> None:
    assert compare_names(first, second).score >= POSSIBLE_MATCH
    assert compare_names(second, first).score >= POSSIBLE_MATCH


def test_a_date_of_birth_that_disagrees_rules_the_entry_out() -> None:
    assert screened("Taras Shevchenko", date(1990, 1, 1)) == []
    assert screened("Taras Shevchenko", date(1814, 3, 10)) == []


def test_a_year_alone_agrees_with_any_date_that_year() -> None:
    entry = SanctionsEntry("Y", ("Petrenko Oleksii",), (BirthDate(1975),))
    found = screen(
        ScreenedPerson("Олексій Петренко", date_of_birth=date(1975, 6, 1)), SanctionsList([entry])
    )
    assert [c.entry.id for c in found] == ["Y"]
    assert not screen(
        ScreenedPerson("Олексій Петренко", date_of_birth=date(1976, 6, 1)), SanctionsList([entry])
    )


def test_one_of_several_dates_of_birth_agreeing_is_enough() -> None:
    entry = SanctionsEntry("D", ("Ivan Koval",), (BirthDate(1960, 1, 2), BirthDate(1961, 1, 2)))
    found = screen(
        ScreenedPerson("Іван Коваль", date_of_birth=date(1961, 1, 2)), SanctionsList([entry])
    )
    assert found


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Taras Shevchenko", "Taras Kovalenko"),
        ("Taras Shevchenko", "Petro Shevchenko"),
        ("Ivan Koval", "Ivan Kovalenko"),
        ("Olena Koval", "Oleh Koval"),
        ("Petro Ivanenko", "Pavlo Ivanenko"),
        ("Andrii Melnyk", "Anton Melnyk"),
        ("Марія Бондаренко", "Mariia Bondarchuk"),
        ("Юлія Мороз", "Yulian Moroz"),
        ("Олександр Лисенко", "Олександра Лисенко"),
        ("Шевченко", "Taras Shevchenko"),
        ("Vladimir Putin", "Volodymyr Zelenskyy"),
        ("Serhii Boiko", "Sergei Bykov"),
    ],
)
def test_unrelated_names_do_not_match(first: str, second: str) -> None:
    assert compare_names(first, second).score < POSSIBLE_MATCH
    assert compare_names(second, first).score < POSSIBLE_MATCH


def test_a_different_patronymic_lowers_the_score() -> None:
    same = compare_names("Шевченко Тарас Григорович", "Shevchenko Taras Hryhorovych")
    other = compare_names("Шевченко Тарас Григорович", "Shevchenko Taras Petrovych")
    assert same.score == 1.0
    assert other.score < same.score
    assert PATRONYMIC_DIFFERS in other.reasons
    initial = compare_names("Шевченко Тарас Григорович", "Shevchenko, Taras P.")
    assert PATRONYMIC_DIFFERS in initial.reasons


def test_order_swapped_is_a_reason() -> None:
    assert ORDER_SWAPPED in compare_names("Шевченко Тарас", "Taras Shevchenko").reasons


def test_aliases_are_screened_and_said() -> None:
    entry = SanctionsEntry("A", ("Ivanov Ivan", "Сидоренко Богдан", "Bohdan Sydorenko"))
    (found,) = screen(ScreenedPerson("Богдан Сидоренко"), SanctionsList([entry]))
    assert ALIAS in found.reasons
    assert found.matched_name in ("Сидоренко Богдан", "Bohdan Sydorenko")
    (found,) = screen(
        ScreenedPerson("Петро Мирний", other_names=("Bohdan Sydorenko",)), SanctionsList([entry])
    )
    assert found.entry.id == "A"


def test_candidates_best_first() -> None:
    entries = SanctionsList(
        [
            SanctionsEntry("B", ("Shevchenko Taras Petrovych",)),
            SanctionsEntry("A", ("Шевченко Тарас Григорович",)),
            SanctionsEntry("C", ("Kovalenko Ivan",)),
        ]
    )
    found = screen(ScreenedPerson("Shevchenko Taras Hryhorovych"), entries)
    assert [c.entry.id for c in found] == ["A", "B"]
    assert found[0].score > found[1].score


# --- the list's CSV -------------------------------------------------------------------------


def test_reading_a_list() -> None:
    data = (
        "\ufeffID;Name;Aliases;Date_of_birth;Source\n"
        'S-1;Шевченко Тарас Григорович;"Taras Shevchenko; Kobzar ";1814-03-09;NSDC\n'
        'S-2;Ivan Petrenko;;"09.03.1961;1962";EU\n'
        ";Олена Коваль;;;\n"
    ).encode()
    entries = read_sanctions_csv(data)
    assert len(entries) == 3
    first, second, third = (p.entry for p in entries.entries)
    assert first.names == ("Шевченко Тарас Григорович", "Taras Shevchenko", "Kobzar")
    assert first.dates_of_birth == (BirthDate(1814, 3, 9),)
    assert second.dates_of_birth == (BirthDate(1961, 3, 9), BirthDate(1962))
    assert third.id == "4"
    assert third.dates_of_birth == ()


def test_a_list_in_windows_1251_with_commas() -> None:
    data = "name,date_of_birth\nПетренко Олексій,1975\n".encode("cp1251")
    (prepared,) = read_sanctions_csv(data).entries
    assert prepared.entry.names == ("Петренко Олексій",)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"full name,dob\nIvan,1990\n", "missing: name"),
        (b"name,date_of_birth\n", "no entries"),
        (b"name,date_of_birth\n,1990\n", "Row 2 has no name"),
        (b"name,date_of_birth\n--,1990\n", "Row 2 has no name"),
        (b"name,date_of_birth\nIvan Petrenko,31.02.1990\n", "Row 2"),
        (b"name,date_of_birth\nIvan Petrenko,someday\n", "not a date of birth"),
        (b"name,date_of_birth\nIvan Petrenko,1700\n", "not a date of birth"),
    ],
)
def test_malformed_lists_are_refused(data: bytes, says: str) -> None:
    with pytest.raises(RejectedInputError) as refused:
        read_sanctions_csv(data)
    assert says in refused.value.message


def test_birth_dates() -> None:
    assert parse_birth_date("1961-03-09") == BirthDate(1961, 3, 9)
    assert parse_birth_date("09/03/1961") == BirthDate(1961, 3, 9)
    assert parse_birth_date("1961-03") == BirthDate(1961, 3)
    assert BirthDate(1961, 3).agrees(BirthDate(1961, 3, 9))
    assert not BirthDate(1961, 4).agrees(BirthDate(1961, 3, 9))


# --- precision and recall on generated pairs -------------------------------------------------

#: (Ukrainian, Russian) given names, male and female.
GIVEN = [
    ("Олександр", "Александр"), ("Олексій", "Алексей"), ("Андрій", "Андрей"),
    ("Сергій", "Сергей"), ("Юрій", "Юрий"), ("Микола", "Николай"), ("Володимир", "Владимир"),
    ("Дмитро", "Дмитрий"), ("Іван", "Иван"), ("Петро", "Петр"), ("Василь", "Василий"),
    ("Михайло", "Михаил"), ("Богдан", "Богдан"), ("Тарас", "Тарас"), ("Віктор", "Виктор"),
    ("Ігор", "Игорь"), ("Олег", "Олег"), ("Павло", "Павел"), ("Григорій", "Григорий"),
    ("Євген", "Евгений"), ("Олена", "Елена"), ("Наталія", "Наталья"), ("Ірина", "Ирина"),
    ("Тетяна", "Татьяна"), ("Юлія", "Юлия"), ("Катерина", "Екатерина"), ("Марія", "Мария"),
    ("Світлана", "Светлана"), ("Галина", "Галина"), ("Ольга", "Ольга"), ("Оксана", "Оксана"),
    ("Людмила", "Людмила"),
]  # fmt: skip
#: (Ukrainian, Russian) surnames.
SURNAMES = [
    ("Шевченко", "Шевченко"), ("Коваленко", "Коваленко"), ("Бондаренко", "Бондаренко"),
    ("Ткаченко", "Ткаченко"), ("Кравченко", "Кравченко"), ("Олійник", "Олейник"),
    ("Шевчук", "Шевчук"), ("Поліщук", "Полищук"), ("Бондар", "Бондарь"), ("Мельник", "Мельник"),
    ("Коваль", "Коваль"), ("Ковальчук", "Ковальчук"), ("Лисенко", "Лысенко"),
    ("Марченко", "Марченко"), ("Руденко", "Руденко"), ("Савченко", "Савченко"),
    ("Петренко", "Петренко"), ("Мороз", "Мороз"), ("Кравець", "Кравец"), ("Левченко", "Левченко"),
    ("Гончаренко", "Гончаренко"), ("Білик", "Билык"), ("Зінченко", "Зинченко"),
    ("Павленко", "Павленко"), ("Лук'яненко", "Лукьяненко"), ("Гриценко", "Гриценко"),
    ("Сидоренко", "Сидоренко"), ("Войтенко", "Войтенко"), ("Мартинюк", "Мартынюк"),
    ("Климченко", "Климченко"), ("Романюк", "Романюк"), ("Юрченко", "Юрченко"),
    ("Гнатюк", "Гнатюк"), ("Дорошенко", "Дорошенко"), ("Остапчук", "Остапчук"),
    ("Головко", "Головко"), ("Приходько", "Приходько"), ("Яковенко", "Яковенко"),
]  # fmt: skip
FATHERS = [("Григорович", "Григорьевич"), ("Петрович", "Петрович"), ("Іванович", "Иванович"),
           ("Миколайович", "Николаевич"), ("Васильович", "Васильевич")]  # fmt: skip
FEMALE = {name for name, _ in GIVEN[20:]}


@dataclass(frozen=True)
class Person:
    given: int
    surname: int
    father: int
    born: date


def renderings(person: Person, rng: random.Random) -> str:
    """One way the person's name is written somewhere."""
    given_uk, given_ru = GIVEN[person.given]
    surname_uk, surname_ru = SURNAMES[person.surname]
    father_uk, father_ru = FATHERS[person.father]
    if given_uk in FEMALE:
        father_uk = father_uk.removesuffix("ович").removesuffix("йович") + "івна"
        father_ru = father_ru.removesuffix("ович").removesuffix("евич") + "овна"

    def kmu(word: str) -> str:
        return str(translitua.translit(word, translitua.UkrainianKMU))

    def icao(word: str) -> str:
        return str(translitua.translit(word, translitua.RussianICAO))

    def passport(word: str) -> str:
        return str(translitua.translit(word, translitua.RussianInternationalPassport1997))

    style = rng.randrange(9)
    if style == 0:
        return f"{surname_uk} {given_uk} {father_uk}"
    if style == 1:
        return f"{kmu(given_uk)} {kmu(surname_uk)}"
    if style == 2:
        return f"{kmu(surname_uk).upper()}, {kmu(given_uk)} {kmu(father_uk)[0]}."
    if style == 3:
        return f"{given_ru} {father_ru} {surname_ru}"
    if style == 4:
        return f"{icao(given_ru)} {icao(surname_ru)}"
    if style == 5:
        return f"{passport(surname_ru)} {passport(given_ru)}"
    if style == 6:
        return f"{given_uk} {surname_uk}"
    if style == 7:  # a typing mistake in the surname
        surname = kmu(surname_uk)
        at = rng.randrange(1, len(surname) - 1)
        return f"{kmu(given_uk)} {surname[:at]}{surname[at + 1 :]}"
    return f"{kmu(surname_uk)} {kmu(given_uk)} {kmu(father_uk)}"


def generated_pairs(
    n: int, seed: int = 18
) -> list[tuple[str, date | None, SanctionsEntry, bool, str]]:
    """``n`` pairs, half of one person written two ways (a date of birth known on one side
    or both), half of two people: unrelated, sharing a surname, sharing a given name and
    surname with another date of birth, or with a similar surname."""
    rng = random.Random(seed)
    pairs = []

    def person() -> Person:
        return Person(
            rng.randrange(len(GIVEN)), rng.randrange(len(SURNAMES)), rng.randrange(len(FATHERS)),
            date(1950, 1, 1) + timedelta(rng.randrange(365 * 50)),
        )  # fmt: skip

    for k in range(n):
        a = person()
        known = rng.random()
        listed_birth = (BirthDate.of(a.born),) if known < 0.7 else ()
        entry = SanctionsEntry(f"E{k}", (renderings(a, rng),), listed_birth)
        if k % 2 == 0:
            born = a.born if known > 0.3 else None
            pairs.append((renderings(a, rng), born, entry, True, "same person"))
            continue
        kind = rng.randrange(4)
        if kind == 0:
            b = person()
            while b.surname == a.surname or b.given == a.given:
                b = person()
            label = "unrelated"
        elif kind == 1:
            b = Person(rng.randrange(len(GIVEN)), a.surname, a.father, a.born)
            while GIVEN[b.given][0] == GIVEN[a.given][0]:
                b = Person(rng.randrange(len(GIVEN)), a.surname, a.father, a.born)
            label = "same surname, other given name"
        elif kind == 2:
            b = Person(a.given, a.surname, a.father, a.born + timedelta(rng.randrange(400, 9000)))
            entry = SanctionsEntry(f"E{k}", entry.names, (BirthDate.of(a.born),))
            pairs.append((renderings(b, rng), b.born, entry, False, "same name, other birth date"))
            continue
        else:
            b = Person(a.given, rng.randrange(len(SURNAMES)), a.father, a.born)
            while b.surname == a.surname:
                b = Person(a.given, rng.randrange(len(SURNAMES)), a.father, a.born)
            label = "same given name, other surname"
        born = b.born if rng.random() < 0.5 else None
        pairs.append((renderings(b, rng), born, entry, False, label))
    return pairs


def test_precision_and_recall_on_generated_pairs() -> None:
    pairs = generated_pairs(4000)
    true_pos = false_pos = false_neg = true_neg = 0
    missed: list[str] = []
    wrongly: list[str] = []
    for name, born, entry, same, label in pairs:
        found = bool(screen(ScreenedPerson(name, date_of_birth=born), SanctionsList([entry])))
        if same and found:
            true_pos += 1
        elif same:
            false_neg += 1
            missed.append(f"{name} / {entry.names[0]}")
        elif found:
            false_pos += 1
            wrongly.append(f"{label}: {name} / {entry.names[0]}")
        else:
            true_neg += 1
    precision = true_pos / (true_pos + false_pos)
    recall = true_pos / (true_pos + false_neg)
    print(
        f"\nsanctions screening on {len(pairs)} generated pairs: precision {precision:.4f}, "
        f"recall {recall:.4f} (tp {true_pos}, fp {false_pos}, fn {false_neg}, tn {true_neg})"
    )
    print("missed, e.g.:", missed[:8])
    print("wrongly matched, e.g.:", wrongly[:8])
    assert precision >= 0.98
    assert recall >= 0.95


def test_screening_against_a_list_of_thousands_is_quick() -> None:
    import time

    pairs = generated_pairs(4000, seed=3)
    listed = SanctionsList([entry for _name, _born, entry, _same, _label in pairs])
    started = time.perf_counter()
    for name, born, entry, same, _label in pairs[:20]:
        found = {c.entry.id for c in screen(ScreenedPerson(name, date_of_birth=born), listed)}
        assert entry.id in found or not same
    assert time.perf_counter() - started < 5  # about 10 ms each; generous on a loaded machine

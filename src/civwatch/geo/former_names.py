"""Former names of Ukrainian settlements, so that an old name finds the place of today.

Sources and witnesses still use the Soviet names that the decommunisation laws of 2015-2016
(and later renamings, up to 2024) replaced, and the occupation authorities put some of
those names back on their maps and in their statements. Each entry is (former name,
current name as the codifier writes it, GeoNames admin1 code of its oblast); Russian
spellings are listed beside the Ukrainian ones because they are what such sources write.
A GeoNames dump (``civwatch geo import-geonames``) adds the former names it knows as
alternate names; this table makes sure the best known ones are found without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from civwatch.geo.names import fold

if TYPE_CHECKING:
    from civwatch.geo.katottg import Codifier

FORMER_NAMES: Final[tuple[tuple[str, str, str], ...]] = (
    # Donetsk Oblast
    ("Артемівськ", "Бахмут", "05"),
    ("Артемовск", "Бахмут", "05"),
    ("Дзержинськ", "Торецьк", "05"),
    ("Дзержинск", "Торецьк", "05"),
    ("Красноармійськ", "Покровськ", "05"),
    ("Красноармейск", "Покровськ", "05"),
    ("Димитров", "Мирноград", "05"),
    ("Красний Лиман", "Лиман", "05"),
    ("Красный Лиман", "Лиман", "05"),
    ("Кіровське", "Хрестівка", "05"),
    ("Кировское", "Хрестівка", "05"),
    ("Комсомольське", "Кальміуське", "05"),
    ("Комсомольское", "Кальміуське", "05"),
    ("Жданов", "Маріуполь", "05"),
    ("Новгородське", "Нью-Йорк", "05"),
    ("Новгородское", "Нью-Йорк", "05"),
    ("Артемове", "Залізне", "05"),
    ("Карло-Лібкнехтівськ", "Соледар", "05"),
    # Luhansk Oblast
    ("Стаханов", "Кадіївка", "14"),
    ("Кіровськ", "Голубівка", "14"),
    ("Кировск", "Голубівка", "14"),
    ("Красний Луч", "Хрустальний", "14"),
    ("Красный Луч", "Хрустальний", "14"),
    ("Свердловськ", "Довжанськ", "14"),
    ("Свердловск", "Довжанськ", "14"),
    ("Краснодон", "Сорокине", "14"),
    ("Комунарськ", "Алчевськ", "14"),
    ("Коммунарск", "Алчевськ", "14"),
    # Dnipropetrovsk Oblast
    ("Дніпропетровськ", "Дніпро", "04"),
    ("Днепропетровск", "Дніпро", "04"),
    ("Дніпродзержинськ", "Кам'янське", "04"),
    ("Днепродзержинск", "Кам'янське", "04"),
    ("Орджонікідзе", "Покров", "04"),
    ("Орджоникидзе", "Покров", "04"),
    ("Новомосковськ", "Самар", "04"),
    ("Новомосковск", "Самар", "04"),
    # Kirovohrad Oblast
    ("Кіровоград", "Кропивницький", "10"),
    ("Кировоград", "Кропивницький", "10"),
    ("Єлисаветград", "Кропивницький", "10"),
    # Lviv Oblast
    ("Червоноград", "Шептицький", "15"),
    # Rivne Oblast
    ("Кузнецовськ", "Вараш", "19"),
    ("Кузнецовск", "Вараш", "19"),
    ("Червоноармійськ", "Радивилів", "19"),
    # Poltava Oblast
    ("Комсомольськ", "Горішні Плавні", "18"),
    ("Комсомольск", "Горішні Плавні", "18"),
    # Odesa Oblast
    ("Іллічівськ", "Чорноморськ", "17"),
    ("Ильичёвск", "Чорноморськ", "17"),
    ("Ильичевск", "Чорноморськ", "17"),
    ("Котовськ", "Подільськ", "17"),
    ("Котовск", "Подільськ", "17"),
    # Chernihiv Oblast
    ("Щорс", "Сновськ", "02"),
    # Kherson Oblast
    ("Цюрупинськ", "Олешки", "08"),
    ("Цюрупинск", "Олешки", "08"),
    # Kyiv Oblast
    ("Переяслав-Хмельницький", "Переяслав", "13"),
    ("Переяслав-Хмельницкий", "Переяслав", "13"),
    # Volyn Oblast
    ("Володимир-Волинський", "Володимир", "24"),
    ("Владимир-Волынский", "Володимир", "24"),
    # Khmelnytskyi Oblast
    ("Проскурів", "Хмельницький", "09"),
)


def former_names(codifier: Codifier) -> dict[str, list[str]]:
    """KATOTTG code of a settlement -> its former names in the table.

    A current name is looked up among the oblast's cities first, then its towns; an entry
    whose place is not in the codifier is left out (the table test names any such entry).
    """
    found: dict[str, list[str]] = {}
    for former, current, admin1 in FORMER_NAMES:
        code = resolve(codifier, current, admin1)
        if code is None:
            continue
        names = found.setdefault(code, [])
        if former not in names:
            names.append(former)
    return found


def resolve(codifier: Codifier, current: str, admin1: str) -> str | None:
    """The code of the settlement ``current`` in the oblast with GeoNames code ``admin1``,
    preferring a city over a town over a village."""
    oblast = codifier.oblast_of_admin1.get(admin1)
    order = {"K": 0, "M": 1, "T": 2, "X": 3, "C": 4}
    codes = [
        code
        for code in codifier.by_key(fold(current))
        if oblast is not None and codifier.oblast_code(code) == oblast
    ]
    codes.sort(key=lambda code: order.get(codifier.units[code].category, 9))
    return codes[0] if codes else None

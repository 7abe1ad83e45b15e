"""A small GeoNames country dump in the exact format of ``UA.txt`` (19 tab-separated fields).

Real places with their real coordinates and GeoNames ids, a pair of same-named villages of
one oblast for the join to tell apart, and lines that are not records.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from civwatch.geo.katottg import Codifier

_HEADER_FREE = (
    # id, name, asciiname, alternatenames, lat, lon, class, code, cc, admin1, population
    (
        709717,
        "Bakhmut",
        "Bakhmut",
        "Artemivs'k,Artemivsk,Artemovsk,Bachmut,Bakhmut,Артемівськ,Артемовск,Бахмут",
        48.59559,
        38.00029,
        "P",
        "PPLA2",
        "UA",
        "05",
        72310,
    ),
    (
        688105,
        "Vuhledar",
        "Vuhledar",
        "Ugledar,Vugledar,Vuhledar,Угледар,Вугледар",
        47.77973,
        37.24870,
        "P",
        "PPL",
        "UA",
        "05",
        15446,
    ),
    (
        709930,
        "Dnipro",
        "Dnipro",
        "Dnepropetrovsk,Dnipro,Dnipropetrovsk,Днепр,Днепропетровск,Дніпро,Дніпропетровськ",
        48.46664,
        35.04066,
        "P",
        "PPLA",
        "UA",
        "04",
        968502,
    ),
    (
        703448,
        "Kyiv",
        "Kyiv",
        "Kiev,Kijev,Kyiv,Київ,Киев",
        50.45466,
        30.5238,
        "P",
        "PPLC",
        "UA",
        "12",
        2797553,
    ),
    # A section of Kyiv: not a settlement of its own.
    (703650, "Obolon", "Obolon", "Оболонь", 50.5, 30.5, "P", "PPLX", "UA", "12", 0),
    # An administrative division, not a place.
    (709716, "Donetsk Oblast", "Donetsk Oblast", "", 48.0, 37.8, "A", "ADM1", "UA", "05", 0),
    # A Russian town across the border: another country.
    (578072, "Belgorod", "Belgorod", "Белгород", 50.61074, 36.58015, "P", "PPLA", "RU", "09", 0),
)


def line(
    geonames_id: int,
    name: str,
    ascii_name: str,
    alternates: str,
    lat: float,
    lon: float,
    feature_class: str,
    feature_code: str,
    country: str,
    admin1: str,
    population: int,
) -> str:
    fields = [
        str(geonames_id),
        name,
        ascii_name,
        alternates,
        f"{lat:.5f}",
        f"{lon:.5f}",
        feature_class,
        feature_code,
        country,
        "",
        admin1,
        "",
        "",
        "",
        str(population),
        "",
        "150",
        "Europe/Kyiv",
        "2024-01-01",
    ]
    assert len(fields) == 19
    return "\t".join(fields) + "\n"


def same_named_villages(codifier: Codifier) -> tuple[str, str, str, str, str]:
    """(name, code in hromada A, code in hromada B, a neighbour's code in A, one in B):
    a village name found twice in Donetsk Oblast, in two hromadas that each hold another
    settlement of a name unique in the oblast."""
    oblast = codifier.oblast_of_admin1["05"]
    in_oblast = [u for u in codifier.settlements if codifier.oblast_code(u.code) == oblast]
    by_name: dict[str, list[str]] = {}
    for unit in in_oblast:
        by_name.setdefault(unit.name, []).append(unit.code)
    unique = {codes[0] for codes in by_name.values() if len(codes) == 1}
    for name, codes in sorted(by_name.items()):
        if len(codes) != 2 or codifier.units[codes[0]].category != "C":
            continue
        a, b = (codifier.units[c].parent for c in codes)
        if a == b:
            continue
        near_a = [u.code for u in in_oblast if u.parent == a and u.code in unique]
        near_b = [u.code for u in in_oblast if u.parent == b and u.code in unique]
        if near_a and near_b:
            return name, codes[0], codes[1], near_a[0], near_b[0]
    raise AssertionError("no pair of same-named villages found")


def sample_text(codifier: Codifier) -> tuple[str, dict[str, str]]:
    """The dump's text, and what the join should give: {label: KATOTTG code}."""
    from civwatch.geo.katottg import latin

    name, _code_a, code_b, near_a, near_b = same_named_villages(codifier)
    lines = [line(*row) for row in _HEADER_FREE]
    units = codifier.units
    # Two hromadas far apart; a neighbour of each fixes where its hromada lies.
    lines.append(
        line(
            990001,
            latin(units[near_a].name),
            latin(units[near_a].name),
            units[near_a].name,
            47.90,
            37.60,
            "P",
            "PPL",
            "UA",
            "05",
            300,
        )
    )
    lines.append(
        line(
            990002,
            latin(units[near_b].name),
            latin(units[near_b].name),
            units[near_b].name,
            48.90,
            38.30,
            "P",
            "PPL",
            "UA",
            "05",
            300,
        )
    )
    # The village that lies 2 km from the neighbour in hromada B.
    lines.append(
        line(990003, latin(name), latin(name), name, 48.91, 38.31, "P", "PPL", "UA", "05", 120)
    )
    lines += [
        "not a record at all\n",
        "709000\tBroken\tBroken\t\tnot-a-latitude\t37.0\tP\tPPL\tUA\t\t05\t\t\t\t10\t\t1\tEurope/Kyiv\t2024-01-01\n",
        "709001\tToo\tfew\tfields\n",
        "\n",
        "x" * 70_000 + "\n",
    ]
    text = "".join(lines)
    expected = {
        "bakhmut": "UA14020010010059145",
        "vuhledar": "UA14040050010075856",
        "village": code_b,
        "neighbour_a": near_a,
        "neighbour_b": near_b,
    }
    return text, expected


def write_sample(folder: Path, codifier: Codifier) -> tuple[Path, Path, dict[str, str]]:
    """UA.txt and UA.zip (with GeoNames' readme beside the text) in ``folder``, with a line
    of bad UTF-8 in both."""
    text, expected = sample_text(codifier)
    data = text.encode() + b"709002\t\xff\xfe bad bytes\n"
    txt = folder / "UA.txt"
    txt.write_bytes(data)
    archive = folder / "UA.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("readme.txt", "GeoNames country dump\n")
        zf.writestr("UA.txt", data)
    return txt, archive, expected

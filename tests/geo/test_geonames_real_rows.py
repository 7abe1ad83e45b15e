"""The join of GeoNames to the codifier on real GeoNames records of Ukraine (an excerpt of
``cities15000.txt``, see ``tests/geo/data/README.md``), not on a generated dump: renamed
towns, both transliterations, apostrophes, sections of cities, and towns that share their
name with villages of the same oblast."""

from __future__ import annotations

from pathlib import Path

import pytest

from civwatch.geo.gazetteer_data import PlaceRecord
from civwatch.geo.geonames_dump import parse_line, read_dump
from civwatch.geo.katottg import Codifier, load_codifier
from civwatch.geo.katottg_join import TOWN_POPULATION, JoinResult, join, namesake_by_kind

SAMPLE = Path(__file__).parent / "data" / "geonames-ua-cities15000-excerpt.txt"


@pytest.fixture(scope="module")
def codifier(gazetteer_cache: Path) -> Codifier:
    return load_codifier(gazetteer_cache)


@pytest.fixture(scope="module")
def joined(codifier: Codifier) -> tuple[JoinResult, dict[str, int]]:
    places, counts, _digest = read_dump(SAMPLE)
    assert (counts.lines, counts.places, counts.other_features, counts.malformed) == (
        129,
        117,
        12,  # city sections (PPLX) and a historical place (PPLH) are no settlements
        0,
    )
    return join(places, codifier), {p.name: p.geonames_id for p in places}


def test_every_real_town_joins_a_settlement(joined: tuple[JoinResult, dict[str, int]]) -> None:
    result, _ids = joined
    assert result.place_rate == 1.0 and result.ambiguous == 0


@pytest.mark.parametrize(
    ("name", "code"),
    [
        # the city of 710,000, not a village of its name (the join took one before)
        ("Zaporizhzhya", "UA23060070010069526"),
        # Yuvileine, renamed in 2024: the settlement, not a village Katerynivka
        ("Katerynivka", "UA44060010030086858"),
        # a town of Lviv's hromada, not the village Vynnyky near Truskavets
        ("Vynnyky", "UA46060250020038547"),
        # Pershotravensk, renamed in 2024, not the village Shakhtarske of Pavlohrad raion
        ("Shakhtarske", "UA12140210010011011"),
        # the city, not the villages of its former name Sofiivka
        ("Vilnyansk", "UA23060030010056906"),
        ("Vyshneve", "UA32080090010037585"),
        # renamed towns, by their new names
        ("Zvyahel", "UA18080150010017476"),
        ("Samar", "UA12100070010038698"),
        ("Zlatopil", "UA63100090010068250"),
        ("Sokolohirsk", "UA44020050060040462"),
        # an apostrophe written three ways in GeoNames (Slov'jans'k, Slov”yans'k, ’)
        ("Slovyansk", "UA14120210010032554"),
        # the settlement near Kharkiv, not the villages of its name
        ("Pisochyn", "UA63120210010032897"),
    ],
)
def test_a_town_joins_its_own_settlement(
    joined: tuple[JoinResult, dict[str, int]], name: str, code: str
) -> None:
    result, ids = joined
    assert result.codes[ids[name]] == code


def test_a_village_is_not_taken_for_a_town_below_the_town_size(codifier: Codifier) -> None:
    """Below ``TOWN_POPULATION`` the kind of a namesake decides nothing."""
    namesakes = codifier.by_key("vynnyky")
    assert namesake_by_kind(namesakes, TOWN_POPULATION, codifier) == "UA46060250020038547"
    assert namesake_by_kind(namesakes, TOWN_POPULATION - 1, codifier) is None


def test_two_towns_of_one_name_do_not_both_take_the_city(codifier: Codifier) -> None:
    """Two Talalaivkas of Chernihiv oblast with 5,000 people each (GeoNames' own records):
    the bigger joins the settlement, the other the village near Nizhyn, as distance says."""

    def record(gid: int, lat: float, lon: float, population: int, name: str) -> PlaceRecord:
        fields = [str(gid), name, name, "", str(lat), str(lon), "P", "PPL", "UA", "", "02"]
        fields += ["", "", "", str(population), "", "", "Europe/Kyiv", "2024-01-01"]
        found = parse_line("\t".join(fields).encode())
        assert isinstance(found, PlaceRecord)
        return found

    places = [
        record(691943, 50.84287, 33.14173, 5249, "Talalaivka"),
        record(691942, 50.95783, 31.92085, 5054, "Talalaivka"),
        record(699942, 51.04772, 31.88844, 66983, "Nizhyn"),  # places Nizhyn raion
        record(696108, 50.59525, 32.38382, 52553, "Pryluky"),  # places Pryluky raion
    ]
    codes = join(places, codifier).codes
    assert codes[691943] == "UA74080190010058035"  # the settlement, Pryluky raion
    assert codes[691942] == "UA74040330010026881"  # the village, Nizhyn raion

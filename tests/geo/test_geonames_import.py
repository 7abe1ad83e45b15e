"""``civwatch geo import-geonames``: an operator's GeoNames dump, read as a stream, joined
to the codifier, kept in the data folder and used by look-ups; bad lines counted."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from civwatch.errors import RejectedInputError
from civwatch.geo.gazetteer import Gazetteer, default_gazetteer, katottg_for_point
from civwatch.geo.geonames_dump import IMPORTED_FILE, import_geonames, load_imported, read_dump
from civwatch.geo.katottg import Codifier, load_codifier
from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.geo.geonames_sample import write_sample
from tests.incidents.helpers import seed_cache


@pytest.fixture(scope="module")
def codifier(gazetteer_cache: Path) -> Codifier:
    return load_codifier(gazetteer_cache)


@pytest.fixture
def sample(tmp_path: Path, codifier: Codifier) -> tuple[Path, Path, dict[str, str]]:
    folder = tmp_path / "dump"
    folder.mkdir()
    return write_sample(folder, codifier)


@pytest.fixture
def data_dir(tmp_path: Path, gazetteer_cache: Path) -> Path:
    folder = tmp_path / "data"
    seed_cache(gazetteer_cache, folder)
    return folder


def test_the_dump_is_read_line_by_line_and_bad_lines_are_counted(
    sample: tuple[Path, Path, dict[str, str]],
) -> None:
    txt, archive, _expected = sample
    for path in (txt, archive):
        places, counts, digest = read_dump(path)
        assert counts.lines == 16
        assert counts.places == len(places) == 7
        assert counts.malformed == 5, "short, unparsable, overlong and undecodable lines"
        assert counts.first_malformed == 11
        assert counts.other_features == 2  # a section of Kyiv, an oblast
        assert counts.other_countries == 1  # Belgorod
        assert len(digest) == 64
    assert read_dump(txt)[2] == read_dump(archive)[2], "the hash is of the text itself"


def test_an_import_joins_places_to_settlements_and_is_used_by_lookups(
    sample: tuple[Path, Path, dict[str, str]], data_dir: Path
) -> None:
    txt, _archive, expected = sample
    report = import_geonames(txt, data_dir, data_dir / "cache")
    assert report.joined_places == 7 and report.place_join_rate == 1.0
    assert report.joined_settlements == 7
    assert 0 < (report.settlement_coverage or 0) < 0.01
    assert (data_dir / IMPORTED_FILE).is_file()
    table = load_imported(data_dir / IMPORTED_FILE)
    assert table is not None
    codes = {p.geonames_id: p.katottg for p in table.places}
    assert codes[709717] == expected["bakhmut"] and codes[688105] == expected["vuhledar"]
    assert codes[990001] == expected["neighbour_a"] and codes[990002] == expected["neighbour_b"]
    assert codes[990003] == expected["village"], "the same-named village near hromada B"

    gazetteer = default_gazetteer(data_dir / "cache")
    assert "GeoNames dump" in gazetteer.source
    bakhmut = gazetteer.find("Артемовск", 3)[0].to_dict()
    assert bakhmut["katottg"] == expected["bakhmut"] and bakhmut["geonames_id"] == 709717
    assert bakhmut["former_name"] == "Артемовск"
    assert abs(float(bakhmut["lat"]) - 48.59559) < 1e-4  # type: ignore[arg-type]
    # Ukraine's places are the dump's only; the neighbours' stay.
    assert (
        gazetteer.lookup("Kharkiv", 3) == [] or gazetteer.lookup("Kharkiv", 3)[0].name != "Kharkiv"
    )
    assert gazetteer.lookup("Warszawa", 1)[0].country_code == "PL"
    hromada = katottg_for_point(48.9105, 38.3105, data_dir / "cache")
    assert (
        hromada is not None and hromada[0] == gazetteer.codifier.units[expected["village"]].parent
    )  # type: ignore[union-attr]


def test_a_zip_gives_the_same_import(
    sample: tuple[Path, Path, dict[str, str]], data_dir: Path
) -> None:
    txt, archive, _expected = sample
    first = import_geonames(txt, data_dir, data_dir / "cache").to_dict()
    again = import_geonames(archive, data_dir, data_dir / "cache").to_dict()
    assert first == again


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("just words\nand more\n"), "no populated place in Ukraine"),
        (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "no populated place"),
        (lambda p: p.mkdir(), "is not a file"),
    ],
)
def test_bad_files_are_refused_with_a_clear_error(
    tmp_path: Path, data_dir: Path, make: object, message: str
) -> None:
    path = tmp_path / "UA.txt"
    make(path)  # type: ignore[operator]
    with pytest.raises(RejectedInputError, match=message):
        import_geonames(path, data_dir, data_dir / "cache")
    assert not (data_dir / IMPORTED_FILE).exists(), "nothing kept from a refused file"


def test_a_zip_without_exactly_one_text_file_is_refused(tmp_path: Path, data_dir: Path) -> None:
    archive = tmp_path / "UA.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("UA.txt", "a")
        zf.writestr("RU.txt", "b")
    with pytest.raises(RejectedInputError, match="one GeoNames text file"):
        import_geonames(archive, data_dir, data_dir / "cache")


def test_a_damaged_import_falls_back_to_the_shipped_data(
    data_dir: Path, gazetteer_cache: Path
) -> None:
    target = data_dir / IMPORTED_FILE
    target.parent.mkdir(parents=True)
    target.write_bytes(b"\x1f\x8b damaged")
    assert load_imported(target) is None
    assert Gazetteer.load(data_dir / "cache", target).lookup("Kharkiv", 1)[0].name == "Kharkiv"


def test_the_command_line_imports_and_looks_up(
    sample: tuple[Path, Path, dict[str, str]],
    workspace: Workspace,
    cli_env: dict[str, str],
    gazetteer_cache: Path,
) -> None:
    seed_cache(gazetteer_cache, workspace.data_dir)
    txt, archive, expected = sample
    done = run_cli(cli_env, "geo", "import-geonames", str(archive), "--json", check=True)
    report = json.loads(done.stdout)
    assert report["malformed"] == 5 and report["places"] == 7 and report["joined_places"] == 7
    assert report["place_join_rate"] == 1.0

    found = json.loads(run_cli(cli_env, "geo", "lookup", "Бахмут", "--json", check=True).stdout)
    assert found[0]["katottg"] == expected["bakhmut"]
    assert found[0]["hromada_uk"] == "Бахмутська міська громада"
    assert found[0]["raion"] == "Bakhmutskyi raion" and found[0]["oblast"] == "Donetsk Oblast"

    text = run_cli(cli_env, "--lang", "uk", "geo", "lookup", "Артемівськ", check=True).stdout
    assert (
        "Бахмутська міська громада" in text and "Артемівськ" in text and expected["bakhmut"] in text
    )
    shown = run_cli(cli_env, "geo", "import-geonames", str(txt), check=True).stdout
    assert "16 lines read" in shown and "5 lines that are not GeoNames records" in shown

    near = run_cli(cli_env, "geo", "reverse", "48.5956", "38.0003", check=True).stdout
    assert near.startswith("Bakhmut, Bakhmutska miska hromada, Bakhmutskyi raion, Donetsk")
    bad = run_cli(cli_env, "geo", "import-geonames", str(txt.parent / "missing.txt"))
    assert bad.returncode != 0 and "Traceback" not in bad.stderr


def test_a_zip_that_unpacks_past_the_limit_is_refused(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civwatch.geo import geonames_dump

    monkeypatch.setattr(geonames_dump, "MAX_TEXT_BYTES", 1_000_000)  # 1 MB for the test
    archive = tmp_path / "UA.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("UA.txt", b"\n" * (2 * 1024 * 1024))  # 2 MB of text, a few KB packed
    assert archive.stat().st_size < 20_000
    with pytest.raises(RejectedInputError, match="more than"):
        import_geonames(archive, data_dir, data_dir / "cache")
    assert not (data_dir / IMPORTED_FILE).exists()

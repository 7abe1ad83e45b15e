"""One layout for every custody entry: the builder refuses what an act does not declare, the
published schemas are valid JSON Schemas that docs/custody-log.md shows as they are, and
entries of an older layout are read under today's names by civwatch and by the package's
standalone verifier alike."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import jsonschema_rs
import pytest
import rfc8785

from civwatch import acts
from civwatch.custody import entries
from civwatch.custody.entries import Act, Actor, Layout
from civwatch.errors import EntryLayoutError
from civwatch.evidence.acts import EXTRACT, HASH, INGEST, SIGHTING, UNPACK
from civwatch.incidents.acts import EVIDENCE_LINK
from civwatch.publish import verify_package
from tests.support.custody_schema import problems, validators

from .conftest import REPO

AT = datetime(2026, 3, 9, 10, 15, tzinfo=UTC)
SHA = "ab" * 32
SOURCE = {
    "url": "https://t.me/example/1",
    "platform": "telegram",
    "account": None,
    "post_id": "1",
    "caption": None,
    "published_at": None,
}
DOC = REPO / "docs" / "custody-log.md"
SCHEMA_FILE = REPO / "docs" / "custody-entries.schema.json"


def _ingest_v1() -> dict[str, object]:
    """An ingest entry as civwatch wrote it before the one layout (layout 1)."""
    return {
        "v": 1,
        "act": "ingest",
        "sha256": SHA,
        "size": 10,
        "media_type": "image/jpeg",
        "original_name": "strike.jpg",
        "collected_at": "2026-03-09T10:15:00.000000+00:00",
        "collected_by": "olena",
        "source": SOURCE,
        "fingerprint": "cd" * 32,
    }


def test_every_entry_has_the_one_layout() -> None:
    entry = entries.build(
        INGEST,
        "olena",
        AT,
        sha256=SHA,
        size=10,
        media_type="image/jpeg",
        original_name="strike.jpg",
        source=SOURCE,
        fingerprint="cd" * 32,
    )
    assert list(entry)[:4] == ["v", "act", "actor", "at"]
    assert entry["v"] == 2 and entry["actor"] == "olena"
    assert entry["at"] == "2026-03-09T10:15:00.000000+00:00"
    assert problems([(0, _json(entry))]) == []
    hashed = entries.build(HASH, None, AT, **_hash())
    assert hashed["actor"] is None and problems([(1, _json(hashed))]) == []
    assert validators()[("hash", 2)].is_valid(hashed)
    assert not validators()[("hash", 2)].is_valid({**hashed, "actor": "olena"})


def _hash() -> dict[str, object]:
    return {
        "sha256": SHA,
        "algorithm": "pdq",
        "version": "1",
        "status": "hashed",
        "reason": None,
        "count": 3,
        "hashes_sha256": "ef" * 32,
    }


def test_the_builder_refuses_what_the_act_does_not_declare() -> None:
    with pytest.raises(EntryLayoutError, match="unknown fields \\['collected_by'\\]"):
        entries.build(UNPACK, "olena", AT, sha256=SHA, written=1, refused=0, collected_by="x")
    with pytest.raises(EntryLayoutError, match="missing fields \\['refused'\\]"):
        entries.build(UNPACK, "olena", AT, sha256=SHA, written=1)
    with pytest.raises(EntryLayoutError, match="must name an actor"):
        entries.build(UNPACK, None, AT, sha256=SHA, written=1, refused=0)
    with pytest.raises(EntryLayoutError, match="must name no actor"):
        entries.build(HASH, "olena", AT, **_hash())
    with pytest.raises(EntryLayoutError, match="time zone"):
        entries.build(HASH, None, datetime(2026, 3, 9, 10, 15), **_hash())
    stranger = Act("not-registered", "An act nobody registered.", {"sha256": entries.SHA256})
    with pytest.raises(EntryLayoutError, match="not registered"):
        entries.build(stranger, "olena", AT, sha256=SHA)


def test_an_act_name_is_registered_once() -> None:
    twin = Act("ingest", "Another act of the same name.", {"sha256": entries.SHA256})
    with pytest.raises(ValueError, match="two different acts"):
        entries.register(twin)
    assert entries.register(INGEST) is INGEST  # the same act again is harmless


def test_every_act_is_declared_by_a_domain_and_its_schemas_are_valid() -> None:
    assert [a.name for a in entries.all_acts()] == [a.name for a in acts.all_acts()]
    for act in acts.all_acts():
        for version in act.versions:
            schema = entries.schema(act, version)
            assert jsonschema_rs.meta.is_valid(schema), (act.name, version)
    assert jsonschema_rs.meta.is_valid(entries.schema_document())


def test_an_entry_of_the_old_layout_is_read_under_todays_names() -> None:
    old = _ingest_v1()
    assert problems([(0, _json(old))]) == []
    read = entries.current(old)
    assert read["actor"] == "olena" and read["at"] == old["collected_at"]
    assert "collected_by" not in read and old["collected_by"] == "olena"  # a copy
    assert entries.current({"v": 1, "act": "extract", "at": "x"})["actor"] is None
    assert entries.current({"v": 1, "act": "unpack", "by": "cli"})["actor"] == "cli"
    today = entries.build(EXTRACT, None, AT, sha256=SHA, extractor="e", metadata_sha256=SHA)
    assert entries.current(today) is today
    link = entries.build(
        EVIDENCE_LINK, "ivan", AT, incident=1, sha256=SHA, role="primary", note=None,
        supersedes_leaf=None,
    )  # fmt: skip
    assert entries.current(link) is link


def test_the_package_verifier_reads_old_layouts_as_civwatch_does() -> None:
    """verify.py carries its own copy of the renamed fields (it needs no civwatch)."""
    assert entries.renamed_fields() == verify_package.RENAMED_FIELDS
    old = _ingest_v1()
    assert dict(verify_package.current_layout(old)) == entries.current(old)
    unpacked = {"v": 1, "act": "unpack", "by": "cli", "at": "x", "sha256": SHA}
    assert dict(verify_package.current_layout(unpacked)) == entries.current(unpacked)


def test_a_new_entry_does_not_validate_as_an_old_one_and_back() -> None:
    old = _ingest_v1()
    assert problems([(0, _json({**old, "v": 2}))])  # v2 has no collected_by
    sighting = {k: v for k, v in old.items() if k not in ("size", "media_type")}
    assert problems([(0, _json({**sighting, "act": SIGHTING.name}))]) == []
    assert problems([(0, _json({**sighting, "act": SIGHTING.name, "extra": 1}))])


def _json(doc: object) -> bytes:
    return bytes(rfc8785.dumps(doc))


def test_the_docs_show_the_schemas_and_the_table_as_they_are() -> None:
    assert SCHEMA_FILE.read_text() == acts.schema_json(), (
        "Regenerate: PYTHONPATH=src python -m civwatch.acts --schema > "
        "docs/custody-entries.schema.json"
    )
    text = DOC.read_text()
    found = re.search(r"<!-- acts table -->\n(.*?)<!-- end of acts table -->", text, re.S)
    assert found is not None, "docs/custody-log.md has no table of acts"
    assert found.group(1) == acts.table_markdown(), (
        "Regenerate the table: PYTHONPATH=src python -m civwatch.acts --table"
    )


def test_layouts_and_actors_are_checked_when_declared() -> None:
    with pytest.raises(ValueError, match="envelope"):
        Act("x-act", "Clashes.", {"actor": entries.NAME})
    with pytest.raises(ValueError, match="older"):
        Act("x-act", "Bad layout.", {"a": entries.NAME}, older=(Layout(1, {}, ()),))
    assert Act("x-act", "By itself.", {}, actor=Actor.CIVWATCH).actor is Actor.CIVWATCH

"""The custody log browser and the proof downloads: a downloaded proof checks out with
civwatch's Merkle functions and, independently, with hashlib + cryptography alone."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient

from civwatch.custody.merkle import leaf_hash, verify_consistency, verify_inclusion
from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.incidents.verification import add_record
from tests.support.files import noise_jpeg
from tests.web.conftest import Team, bearer, sign_in


def _ingest(team: Team, path: Path, caption: str = "") -> str:
    (outcome,) = Ingest(team.ws, source=SourceInfo(caption=caption or None), collector="t").run(
        [Candidate(path, path.name)]
    )
    assert outcome.sha256
    return outcome.sha256


@pytest.fixture
def items(team: Team, tmp_path: Path) -> list[str]:
    first = _ingest(team, noise_jpeg(tmp_path / "a.jpg", size=(40, 40), seed=1))
    second = _ingest(team, noise_jpeg(tmp_path / "b.jpg", size=(40, 40), seed=2))
    add_record(
        team.ws,
        first,
        "source",
        {"account": "@witness", "reliability": "unclear"},
        actor="investigator",
    )  # appended after the second item: the first item's entries are not contiguous
    return [first, second]


# -- a third party's check, written from docs/custody-log.md only (no civwatch) ------------------
def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _root_from_inclusion(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes:
    fn, sn, r = index, size - 1, leaf
    for p in path:
        assert sn != 0, "audit path too long"
        if fn % 2 == 1 or fn == sn:
            r = _node(p, r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0, "audit path too short"
    return r


def _third_party_check(doc: dict[str, Any]) -> None:
    head = doc["tree_head"]
    root = bytes.fromhex(head["root_hash"])
    message = (
        b"civwatch-custody-tree-head-v1\n"
        + struct.pack(">QQ", head["tree_size"], head["timestamp"])
        + root
    )
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(head["public_key"]))
    key.verify(base64.b64decode(head["signature"]), message)  # raises if not genuine
    for e in doc["entries"]:
        entry = base64.b64decode(e["entry"])
        leaf = hashlib.sha256(b"\x00" + entry).digest()
        assert leaf.hex() == e["leaf_hash"]
        path = [bytes.fromhex(h) for h in e["audit_path"]]
        assert _root_from_inclusion(e["index"], head["tree_size"], leaf, path) == root


def test_item_proof_verifies_with_civwatch_and_without(
    team: Team, client: TestClient, items: list[str]
) -> None:
    first, _second = items
    r = client.get(f"/api/v1/evidence/{first}/proof", headers=bearer(team.tokens["viewer"]))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert "attachment" in r.headers["content-disposition"]
    doc = r.json()
    acts = [json.loads(base64.b64decode(e["entry"]))["act"] for e in doc["entries"]]
    assert acts[:2] == ["ingest", "extract"]
    assert "verification-record" in acts and "item-start" in acts
    # every entry names this item and no other item's entries slipped in
    assert all(first in base64.b64decode(e["entry"]).decode() for e in doc["entries"])
    head = doc["tree_head"]
    assert head["tree_size"] >= max(e["index"] for e in doc["entries"]) + 1
    for e in doc["entries"]:
        entry = base64.b64decode(e["entry"])
        verify_inclusion(
            e["index"],
            head["tree_size"],
            leaf_hash(entry),
            [bytes.fromhex(h) for h in e["audit_path"]],
            bytes.fromhex(head["root_hash"]),
        )
    _third_party_check(doc)
    # a tampered entry or a forged head fails the independent check
    forged = json.loads(json.dumps(doc))
    forged["entries"][0]["entry"] = base64.b64encode(
        base64.b64decode(doc["entries"][0]["entry"]).replace(b"ingest", b"ingesT")
    ).decode()
    forged["entries"][0]["leaf_hash"] = hashlib.sha256(
        b"\x00" + base64.b64decode(forged["entries"][0]["entry"])
    ).hexdigest()
    with pytest.raises(AssertionError):
        _third_party_check(forged)
    forged = json.loads(json.dumps(doc))
    forged["tree_head"]["timestamp"] += 1
    with pytest.raises(InvalidSignature):
        _third_party_check(forged)


def test_entry_proof_and_consistency(team: Team, client: TestClient, items: list[str]) -> None:
    auth = bearer(team.tokens["viewer"])
    doc = client.get("/api/v1/custody/proof/1", headers=auth).json()
    assert doc["tree_head"] is not None
    _third_party_check(doc)
    size = doc["tree_head"]["tree_size"]
    # at an older size with no signed head there, the proof still leads to that root
    old = client.get("/api/v1/custody/proof/1", params={"tree_size": 3}, headers=auth).json()
    assert old["tree_size"] == 3
    e = old["entries"][0]
    verify_inclusion(
        1,
        3,
        bytes.fromhex(e["leaf_hash"]),
        [bytes.fromhex(h) for h in e["audit_path"]],
        bytes.fromhex(old["root_hash"]),
    )
    c = client.get("/api/v1/custody/consistency", params={"first": 3}, headers=auth).json()
    assert c["second"] == size and c["second_head"]["root_hash"] == doc["tree_head"]["root_hash"]
    verify_consistency(
        3,
        size,
        bytes.fromhex(old["root_hash"]),
        bytes.fromhex(c["second_root"]),
        [bytes.fromhex(h) for h in c["proof"]],
    )
    # the page's form sends an empty "second": that means the newest head
    r = client.get("/custody/consistency?first=3&second=", headers=auth)
    assert r.status_code == 200 and r.json()["second"] == size
    assert "attachment" in r.headers["content-disposition"]
    r = client.get("/custody/consistency?first=x&second=", headers=auth)
    assert r.status_code == 422 and "whole numbers" in r.text
    bad = client.get("/api/v1/custody/proof/99999", headers=auth)
    assert bad.status_code == 400 and "no entry 99999" in bad.json()["detail"]
    bad = client.get("/api/v1/custody/consistency", params={"first": 5, "second": 2}, headers=auth)
    assert bad.status_code == 400 and "first <= second" in bad.json()["detail"]
    bad = client.get("/api/v1/custody/proof/1", params={"tree_size": 1}, headers=auth)
    assert bad.status_code == 400 and "not 1" in bad.json()["detail"]


def test_entries_search_by_item_prefix_and_act(
    team: Team, client: TestClient, items: list[str]
) -> None:
    first, second = items
    auth = bearer(team.tokens["viewer"])
    all_ = client.get("/api/v1/custody/entries", headers=auth).json()
    indexes = [e["index"] for e in all_["entries"]]
    assert indexes == sorted(indexes, reverse=True) and all_["total"] == len(indexes)
    mine = client.get("/api/v1/custody/entries", params={"item": first[:10]}, headers=auth).json()
    assert mine["item"] == first and mine["total"] >= 4
    assert all(e["subject"] == {"kind": "evidence", "id": first} for e in mine["entries"])
    ingests = client.get("/api/v1/custody/entries", params={"act": "ingest"}, headers=auth).json()
    assert ingests["total"] == 2 and {e["subject"]["id"] for e in ingests["entries"]} == {
        first,
        second,
    }
    both = client.get(
        "/api/v1/custody/entries", params={"act": "ingest", "item": second}, headers=auth
    ).json()
    assert both["total"] == 1
    bad = client.get("/api/v1/custody/entries", params={"act": "in%"}, headers=auth)
    assert bad.status_code == 422 and "act name" in bad.json()["detail"]
    bad = client.get("/api/v1/custody/entries", params={"item": "abc"}, headers=auth)
    assert bad.status_code == 422 and "8 hex digits" in bad.json()["detail"]


def test_custody_page_as_viewer(team: Team, client: TestClient, items: list[str]) -> None:
    sign_in(client, "investigator")  # any role reads it; the viewer below has no password
    page = client.get("/custody")
    assert page.status_code == 200
    assert "Signed tree head" in page.text and "Public key (base64)" in page.text
    assert 'href="/api/v1/custody/proof/0"' in page.text
    # the act filter lists every act this log can hold (not a box to guess names into)
    chooser = page.text.split('<select id="act"', 1)[1].split("</select>", 1)[0]
    for act in ("ingest", "redaction-approve", "incident-publish", "user-roles", "export"):
        assert f'<option value="{act}"' in chooser, act
    assert "protection-read" not in chooser  # the desk's acts are in its own log
    picked = client.get("/custody", params={"act": "ingest"}).text
    assert '<option value="ingest" selected>' in picked
    found = client.get("/custody", params={"item": items[0][:12]})
    assert f'href="/api/v1/evidence/{items[0]}/proof"' in found.text
    assert "/api/v1/custody/proof/" in found.text
    assert f'/evidence/{items[1]}"' not in found.text
    bad = client.get("/custody", params={"item": "zz"})
    assert bad.status_code == 422 and "is not a SHA-256" in bad.text


def test_custody_page_shows_entries_inert(team: Team, client: TestClient, tmp_path: Path) -> None:
    _ingest(
        team, noise_jpeg(tmp_path / "c.jpg", size=(24, 24)), caption="<script>alert(1)</script>"
    )
    sign_in(client, "investigator")
    page = client.get("/custody", params={"act": "ingest"})
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text or "\\u003cscript" in page.text


def test_strangers_are_sent_to_sign_in(client: TestClient) -> None:
    r = client.get("/custody", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")
    assert client.get("/api/v1/custody/entries").status_code == 401

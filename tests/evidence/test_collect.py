import os
from pathlib import Path

from civwatch.evidence.collect import Candidate, Refusal, find_files
from civwatch.evidence.names import safe_name


def test_walk_follows_only_links_inside_the_tree(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.jpg").write_bytes(b"a")
    (tree / "sub" / "b.jpg").write_bytes(b"b")
    outside = tmp_path / "secret.txt"
    outside.write_text("not evidence")
    (tree / "inside-link").symlink_to(tree / "a.jpg")
    (tree / "escape-link").symlink_to(outside)
    (tree / "dangling").symlink_to(tmp_path / "nowhere")
    os.mkfifo(tree / "pipe")

    found = list(find_files([tree]))
    ok = {c.relative for c in found if isinstance(c, Candidate)}
    refused = {r.path.name: r.reason for r in found if isinstance(r, Refusal)}
    assert ok == {"a.jpg", "inside-link", os.path.join("sub", "b.jpg")}
    assert "outside" in refused["escape-link"]
    assert "dangling" in refused and "pipe" in refused
    assert "FIFO" in refused["pipe"]


def test_missing_path_is_refused(tmp_path: Path) -> None:
    (refusal,) = find_files([tmp_path / "nope"])
    assert isinstance(refusal, Refusal) and "no such file" in refusal.reason


def test_safe_name_escapes_controls_and_bad_utf8() -> None:
    name, warnings = safe_name("strike\nphoto.jpg")
    assert name == "strike\\nphoto.jpg" and "\n" not in name and warnings
    bad = os.fsdecode(b"caf\xe9.jpg")
    name, warnings = safe_name(bad)
    assert name == "caf\\xe9.jpg" and "UTF-8" in warnings[0]
    name, warnings = safe_name("<script>alert(1)</script>.png")
    assert name == "<script>alert(1)</script>.png" and "markup" in warnings[0]
    assert safe_name("Харків-2022.jpg") == ("Харків-2022.jpg", [])

"""The civwatch command as a user runs it: real subprocesses, real exiftool, real database."""

from __future__ import annotations

import base64
import json
import os
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from civwatch.custody.merkle import leaf_hash, verify_consistency, verify_inclusion
from tests.conftest import run_cli
from tests.support.files import huge_png_header, noise_jpeg, photo, png_bytes


def lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture
def env(cli_env: dict[str, str]) -> dict[str, str]:
    run_cli(cli_env, "init", check=True)
    return cli_env


def test_init_creates_key_with_mode_0600(env: dict[str, str]) -> None:
    key = Path(env["CIVWATCH_DATA_DIR"]) / "keys" / "custody-ed25519.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    again = run_cli(env, "init", "--json", check=True)
    assert json.loads(again.stdout)["created"] is False
    assert key.stat().st_mode & 0o777 == 0o600


def test_commands_on_a_missing_data_folder_say_what_to_do(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    cli_env["CIVWATCH_DATA_DIR"] = str(tmp_path / "nothing-here")
    proc = run_cli(cli_env, "show", "ab" * 32)
    assert proc.returncode == 1
    assert "civwatch init" in proc.stderr and "Traceback" not in proc.stderr


def test_ingest_show_and_duplicate_sightings(tmp_path: Path, env: dict[str, str]) -> None:
    src = tmp_path / "in"
    src.mkdir()
    photo(src / "strike.jpg", lat=49.9935, lon=36.2304)
    first = run_cli(
        env,
        "ingest",
        str(src),
        "--platform",
        "telegram",
        "--account",
        "@a",
        "--source-url",
        "https://t.me/a/1",
        "--caption",
        "Харків, 09.03",
        "--collector",
        "alice",
        "--json",
        check=True,
    )
    (out,) = lines(first.stdout)
    assert out["status"] == "ingested" and out["error"] is None
    sha = out["sha256"]

    shown = json.loads(run_cli(env, "show", sha, "--json", check=True).stdout)
    meta = shown["metadata"]
    assert shown["media_type"] == "image/jpeg"
    assert shown["size"] == (src / "strike.jpg").stat().st_size
    assert meta["gps_lat"] == pytest.approx(49.9935, abs=1e-4)
    assert meta["gps_lon"] == pytest.approx(36.2304, abs=1e-4)
    assert meta["captured_at"].startswith("2022-03-09T14:05:00")
    assert meta["captured_at"].endswith("+03:00")
    assert meta["device_make"] == "civwatch-demo"
    assert meta["width"] == 1280 and meta["height"] == 960
    assert meta["exiftool"] and "c2pa" in meta
    (sighting,) = shown["sightings"]
    assert sighting["caption"] == "Харків, 09.03" and sighting["collected_by"] == "alice"

    # The same content from another source: one item, two sightings.
    second = lines(
        run_cli(
            env,
            "ingest",
            str(src / "strike.jpg"),
            "--platform",
            "x",
            "--collector",
            "bob",
            "--json",
            check=True,
        ).stdout
    )
    assert [o["status"] for o in second] == ["duplicate"] and second[0]["sha256"] == sha
    # The very same collection again adds nothing.
    run_cli(
        env,
        "ingest",
        str(src / "strike.jpg"),
        "--platform",
        "x",
        "--collector",
        "bob",
        "--json",
        check=True,
    )
    shown = json.loads(run_cli(env, "show", sha[:12], "--json", check=True).stdout)
    assert [s["collected_by"] for s in shown["sightings"]] == ["alice", "bob"]


def test_bad_files_rejected_or_kept_with_warnings(tmp_path: Path, env: dict[str, str]) -> None:
    src = tmp_path / "batch"
    src.mkdir()
    good = noise_jpeg(src / "good.jpg", size=(40, 30))
    (src / "empty.jpg").write_bytes(b"")
    (src / "big.bin").write_bytes(os.urandom(5000))
    (tmp_path / "outside.jpg").write_bytes(b"outside")
    (src / "link.jpg").symlink_to(tmp_path / "outside.jpg")
    truncated = good.read_bytes()[: good.stat().st_size // 2]
    (src / "truncated.jpg").write_bytes(truncated)
    (src / "png-named.jpg").write_bytes(png_bytes())
    (src / "bomb.png").write_bytes(huge_png_header())
    (src / "odd\nname<b>.jpg").write_bytes(png_bytes((10, 11)))
    (src / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"plain text testimony\n")
    with zipfile.ZipFile(src / "bundle.zip", "w") as z:
        z.writestr("../escape.txt", "evil")
    env["CIVWATCH_MAX_FILE_SIZE"] = "4096"

    proc = run_cli(env, "ingest", str(src), "--json")
    assert proc.returncode == 1, proc.stderr
    results = {Path(o["path"]).name: o for o in lines(proc.stdout)}
    rejected = {k: v["error"] for k, v in results.items() if v["status"] == "rejected"}
    assert set(rejected) == {"empty.jpg", "big.bin", "link.jpg"}
    assert "empty" in rejected["empty.jpg"]
    assert "limit" in rejected["big.bin"]
    assert "outside" in rejected["link.jpg"]
    kept = {k: v for k, v in results.items() if v["status"] == "ingested"}
    assert len(kept) == 7

    def warnings_of(name: str) -> str:
        item = json.loads(run_cli(env, "show", kept[name]["sha256"], "--json", check=True).stdout)
        return " ".join(item["warnings"]).lower(), item

    text_, _ = warnings_of("truncated.jpg")
    assert "truncat" in text_
    text_, item = warnings_of("png-named.jpg")
    assert item["media_type"] == "image/png" and ".jpg" in text_
    text_, _ = warnings_of("bomb.png")
    assert "100000" in text_
    _, item = warnings_of("bundle.zip")
    assert item["media_type"] == "application/zip"
    odd = next(k for k in kept if k.startswith("odd"))
    _, item = warnings_of(odd)
    assert item["original_name"] == "odd\\nname<b>.jpg"
    assert (tmp_path / "escape.txt").exists() is False


def test_usage_error_exits_2(env: dict[str, str]) -> None:
    proc = run_cli(env, "ingest")
    assert proc.returncode == 2
    proc = run_cli(env, "custody", "prove", "--json")
    assert proc.returncode == 2


def test_custody_head_proofs_and_entries_check_out(tmp_path: Path, env: dict[str, str]) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for n in range(5):
        noise_jpeg(src / f"{n}.jpg", seed=n)
    run_cli(env, "ingest", str(src), "--no-copies", "--json", check=True)
    head = json.loads(run_cli(env, "custody", "head", "--json", check=True).stdout)
    assert head["tree_size"] == 10  # an ingest and an extract entry per file
    root = bytes.fromhex(head["root_hash"])

    entries = lines(
        run_cli(
            env, "custody", "entries", "--start", "0", "--end", "10", "--json", check=True
        ).stdout
    )
    assert [e["index"] for e in entries] == list(range(10))
    for e in (entries[0], entries[4], entries[9]):
        proof = json.loads(
            run_cli(
                env, "custody", "prove", "--index", str(e["index"]), "--json", check=True
            ).stdout
        )
        assert proof["leaf_hash"] == leaf_hash(base64.b64decode(e["entry"])).hex()
        verify_inclusion(
            proof["leaf_index"],
            proof["tree_size"],
            bytes.fromhex(proof["leaf_hash"]),
            [bytes.fromhex(h) for h in proof["audit_path"]],
            root,
        )

    sha = json.loads(base64.b64decode(entries[4]["entry"]))["sha256"]
    by_item = json.loads(
        run_cli(env, "custody", "prove", "--item", sha, "--json", check=True).stdout
    )
    assert json.loads(base64.b64decode(entries[by_item["leaf_index"]]["entry"]))["act"] == "ingest"

    for first in (1, 3, 7):
        c = json.loads(
            run_cli(
                env, "custody", "consistency", "--first", str(first), "--json", check=True
            ).stdout
        )
        verify_consistency(
            c["first"],
            c["second"],
            bytes.fromhex(c["first_root"]),
            bytes.fromhex(c["second_root"]),
            [bytes.fromhex(h) for h in c["proof"]],
        )
        assert c["second_root"] == head["root_hash"]


def _one_item(tmp_path: Path, env: dict[str, str]) -> str:
    src = tmp_path / "in"
    src.mkdir()
    noise_jpeg(src / "a.jpg", seed=7)
    noise_jpeg(src / "b.jpg", seed=8)
    out = lines(run_cli(env, "ingest", str(src), "--json", check=True).stdout)
    run_cli(env, "custody", "head", check=True)
    assert run_cli(env, "verify").returncode == 0
    return out[0]["sha256"]


def test_verify_finds_a_flipped_byte_in_a_blob(tmp_path: Path, env: dict[str, str]) -> None:
    sha = _one_item(tmp_path, env)
    blob = Path(env["CIVWATCH_DATA_DIR"]) / "vault" / "sha256" / sha[:2] / sha[2:4] / sha
    blob.chmod(0o644)
    raw = bytearray(blob.read_bytes())
    raw[len(raw) // 2] ^= 0x40
    blob.write_bytes(bytes(raw))
    proc = run_cli(env, "verify")
    assert proc.returncode == 1 and sha in proc.stderr and "changed" in proc.stderr


def test_verify_finds_an_edited_database_row(tmp_path: Path, env: dict[str, str]) -> None:
    sha = _one_item(tmp_path, env)
    engine = create_engine(env["CIVWATCH_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE evidence_sighting SET account = 'someone-else' WHERE item_id = "
                "(SELECT id FROM evidence_item WHERE sha256 = :s)"
            ),
            {"s": sha},
        )
    engine.dispose()
    proc = run_cli(env, "verify", "--json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert any(
        p["table"] == "evidence_sighting" and "account" in p["message"] for p in report["problems"]
    )


def test_verify_finds_a_removed_log_entry(tmp_path: Path, env: dict[str, str]) -> None:
    _one_item(tmp_path, env)
    engine = create_engine(env["CIVWATCH_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM custody_leaves WHERE idx = 2"))
    engine.dispose()
    proc = run_cli(env, "verify")
    assert proc.returncode == 1
    assert "2" in proc.stderr and "MISMATCH" in proc.stderr


def test_unpack_refuses_escapes_links_and_bombs(tmp_path: Path, env: dict[str, str]) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("chat/messages.txt", "hello")
        z.writestr("../escape.txt", "evil")
        z.writestr("/etc/evil.txt", "evil")
        link = zipfile.ZipInfo("chat/link")
        link.external_attr = 0o120777 << 16
        z.writestr(link, "/etc/passwd")
        z.writestr("bomb.bin", b"\0" * 3_000_000)
    sha = lines(run_cli(env, "ingest", str(archive), "--json", check=True).stdout)[0]["sha256"]
    env["CIVWATCH_MAX_FILE_SIZE"] = "1000000"
    dest = tmp_path / "unpacked" / "here"
    proc = run_cli(env, "unpack", sha, "--out", str(dest), "--json", check=True)
    report = json.loads(proc.stdout)
    assert report["written"] == ["chat/messages.txt"]
    refused = {r["member"]: r["reason"] for r in report["refused"]}
    assert set(refused) == {"../escape.txt", "/etc/evil.txt", "chat/link", "bomb.bin"}
    assert "size limit" in refused["bomb.bin"]
    assert not (tmp_path / "unpacked" / "escape.txt").exists()
    assert not (dest / "bomb.bin").exists() and not (dest / "chat" / "link").exists()
    assert (dest / "chat" / "messages.txt").read_text() == "hello"
    not_zip = lines(
        run_cli(
            env, "ingest", str(noise_jpeg(tmp_path / "p.jpg", size=(20, 20))), "--json", check=True
        ).stdout
    )[0]["sha256"]
    proc = run_cli(env, "unpack", not_zip, "--out", str(tmp_path / "x"))
    assert proc.returncode == 1 and "not a ZIP" in proc.stderr

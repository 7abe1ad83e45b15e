#!/usr/bin/env python3
"""Check a civwatch evidence package without civwatch.

    python3 verify.py [PACKAGE_FOLDER] [--key FINGERPRINT]

Needs only Python 3.8 or newer. It checks, and prints one line for each group of checks:

* the files: every file's SHA-256 against the BagIt manifests, and the Payload-Oxum;
* the tree head: its Ed25519 signature over the exact 78 bytes civwatch signs (with the
  ``cryptography`` package when it is installed, otherwise with the reference code of
  RFC 8032 built into this script);
* the custody entries: each entry's leaf hash and its inclusion proof (RFC 9162) against
  the signed root;
* the export record: the custody entry that recorded this export names these exact files;
* the evidence: each item's ingest entry names the item's SHA-256, each original file has
  that SHA-256, and each metadata file has the hash its custody entry recorded.

It ends with one line, ``VERIFIED: ...`` (exit status 0) or ``NOT VERIFIED: ...`` (exit
status 1). Exit status 2 means the folder is not a package this script can read.

Compare the signing key fingerprint it prints with the one the organisation publishes (or
pass it with ``--key``): the signature proves who signed only if the key is theirs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

FORMAT = "civwatch-evidence-package-v1"
PACKAGE_FILE = "civwatch-package.json"
TREE_HEAD_PREFIX = b"civwatch-custody-tree-head-v1\n"
#: DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw key follows it.
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
CHUNK = 1 << 20


class PackageError(Exception):
    """The folder cannot be read as a package at all."""


# --------------------------------------------------------------------------- hashing


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes:
    """The root an audit path leads to (RFC 9162 section 2.1.3.2)."""
    if not 0 <= index < size:
        raise ValueError("the entry's index is outside the tree")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if len(p) != 32:
            raise ValueError("a hash of the audit path is not 32 bytes long")
        if sn == 0:
            raise ValueError("the audit path is too long")
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ValueError("the audit path is too short")
    return r


def tree_head_message(size: int, timestamp_ms: int, root: bytes) -> bytes:
    return TREE_HEAD_PREFIX + struct.pack(">QQ", size, timestamp_ms) + root


# --------------------------------------------------------------------------- Ed25519
# Verification as in the reference code of RFC 8032 section 6, used only when the
# ``cryptography`` package is not installed.

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
if TYPE_CHECKING:
    _Point = tuple[int, int, int, int]  # (X, Y, Z, T) extended coordinates


def _add(p: _Point, q: _Point) -> _Point:
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s: int, p: _Point) -> _Point:
    q: _Point = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _add(q, p)
        p = _add(p, p)
        s >>= 1
    return q


def _equal(p: _Point, q: _Point) -> bool:
    return (p[0] * q[2] - q[0] * p[2]) % _P == 0 and (p[1] * q[2] - q[1] * p[2]) % _P == 0


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _decompress(s: bytes) -> _Point | None:
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0)
assert _GX is not None
_G: _Point = (_GX, _GY, 1, _GX * _GY % _P)


def ed25519_verify_builtin(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 8032 Ed25519 verification (pure Python, slow but exact)."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a = _decompress(public_key)
    r = _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little")
    return bool(_equal(_mul(s, _G), _add(r, _mul(h % _L, a))))


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> tuple[bool, str]:
    """Whether the signature is good, and which code checked it."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        how = (
            "the Python package 'cryptography' is not installed, so this script's built-in "
            "RFC 8032 code checked it"
        )
        return ed25519_verify_builtin(public_key, message, signature), how
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False, "checked with the 'cryptography' package"
    return True, "checked with the 'cryptography' package"


def key_fingerprint(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


# --------------------------------------------------------------------------- reading


class Package:
    """The package folder: safe paths, and its JSON files."""

    def __init__(self, root: str) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise PackageError(f"{root} is not a folder.")
        if not self.path("bagit.txt").is_file():
            raise PackageError(f"{root} is not a BagIt bag (it has no bagit.txt).")
        if not self.path(PACKAGE_FILE).is_file():
            raise PackageError(f"{root} is not a civwatch evidence package (no {PACKAGE_FILE}).")
        self.info = self.json(PACKAGE_FILE)
        if not isinstance(self.info, dict) or self.info.get("format") != FORMAT:
            raise PackageError(f"{PACKAGE_FILE} is not in the format {FORMAT}.")

    def path(self, relative: str) -> Path:
        """The full path of a file named inside the package; never outside it."""
        parts = relative.replace("\\", "/").split("/")
        if relative.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"the file name {relative!r} points outside the package")
        return self.root.joinpath(*parts)

    def read(self, relative: str) -> bytes:
        return self.path(relative).read_bytes()

    def json(self, relative: str) -> Any:
        return json.loads(self.read(relative).decode("utf-8"))


class Group:
    """One group of checks: how many passed, and the problems found."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[str] = []
        self.summary = ""
        self.notes: list[str] = []

    def fail(self, message: str) -> None:
        self.problems.append(message)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self, shown: int = 8) -> list[str]:
        if self.ok:
            out = [f"OK    {self.name}: {self.summary}"]
        else:
            out = [f"FAIL  {self.name}: {len(self.problems)} problem(s)"]
            out += [f"        - {p}" for p in self.problems[:shown]]
            if len(self.problems) > shown:
                out.append(f"        - ... and {len(self.problems) - shown} more")
        return out + [f"        {n}" for n in self.notes]


def _manifest_lines(pkg: Package, name: str, group: Group) -> dict[str, str]:
    entries: dict[str, str] = {}
    for number, line in enumerate(pkg.read(name).decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        digest, _, path = line.strip().partition(" ")
        path = path.strip()
        if len(digest) != 64 or not path:
            group.fail(f"{name} line {number} is not '<sha256> <file>'.")
            continue
        entries[path.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")] = digest
    return entries


def _bag_info(pkg: Package) -> dict[str, str]:
    info: dict[str, str] = {}
    for line in pkg.read("bag-info.txt").decode("utf-8").splitlines():
        key, sep, value = line.partition(":")
        if sep and not line[:1].isspace():
            info[key.strip()] = value.strip()
    return info


def check_files(pkg: Package) -> tuple[Group, dict[str, str]]:
    group = Group("Files")
    if not pkg.path("manifest-sha256.txt").is_file():
        group.fail("manifest-sha256.txt (the list of files and their SHA-256) is missing.")
        return group, {}
    payload = _manifest_lines(pkg, "manifest-sha256.txt", group)
    checked = total_bytes = 0
    for name, expected in sorted(payload.items()):
        try:
            full = pkg.path(name)
        except ValueError as err:
            group.fail(f"manifest-sha256.txt: {err}.")
            continue
        if not name.startswith("data/"):
            group.fail(f"manifest-sha256.txt lists {name}, which is not under data/.")
        elif not full.is_file():
            group.fail(f"{name} is missing.")
        elif sha256_file(full) != expected.lower():
            group.fail(f"{name} has changed: its SHA-256 is not the one in the manifest.")
        else:
            checked += 1
            total_bytes += full.stat().st_size
    for found in sorted(pkg.path("data").rglob("*")):
        rel = found.relative_to(pkg.root).as_posix()
        if not found.is_dir() and rel not in payload:
            group.fail(f"{rel} was added: it is not in the manifest.")
    oxum = _bag_info(pkg).get("Payload-Oxum", "")
    if oxum != f"{total_bytes}.{checked}" and group.ok:
        group.fail(
            f"bag-info.txt says Payload-Oxum {oxum}; the files add up to {total_bytes}.{checked}."
        )
    tags = 0
    if pkg.path("tagmanifest-sha256.txt").is_file():
        for name, expected in sorted(_manifest_lines(pkg, "tagmanifest-sha256.txt", group).items()):
            try:
                full = pkg.path(name)
            except ValueError as err:
                group.fail(f"tagmanifest-sha256.txt: {err}.")
                continue
            if not full.is_file():
                group.fail(f"{name} is missing.")
            elif sha256_file(full) != expected.lower():
                group.fail(f"{name} has changed: its SHA-256 is not the one in the tag manifest.")
            else:
                tags += 1
    else:
        group.fail("tagmanifest-sha256.txt is missing.")
    group.summary = (
        f"{checked} evidence files ({total_bytes} bytes) and {tags} package files match "
        "their SHA-256"
    )
    return group, payload


def check_head(pkg: Package, key_hint: str | None) -> tuple[Group, dict[str, Any]]:
    group = Group("Tree head signature")
    head: dict[str, Any] = {}
    try:
        loaded = pkg.json("custody/tree-head.json")
        raw_key = pkg.read("custody/public-key.ed25519")
        pem = pkg.read("custody/public-key.pem").decode("ascii")
    except (OSError, ValueError) as err:
        group.fail(f"the tree head or the public key cannot be read ({err}).")
        return group, head
    if not isinstance(loaded, dict):
        group.fail("custody/tree-head.json is not an object.")
        return group, head
    head = loaded
    try:
        size = int(str(head["tree_size"]))
        timestamp = int(str(head["timestamp_ms"]))
        root = bytes.fromhex(str(head["root_hash"]))
        signature = bytes.fromhex(str(head["signature"]))
        named_key = bytes.fromhex(str(head["public_key"]))
    except (KeyError, ValueError) as err:
        group.fail(f"custody/tree-head.json lacks a readable field ({err}).")
        return group, head
    body = "".join(line for line in pem.splitlines() if line and not line.startswith("-----"))
    try:
        der = base64.b64decode(body, validate=True)
    except ValueError:
        der = b""
    if der != ED25519_SPKI_PREFIX + raw_key:
        group.fail("custody/public-key.pem and custody/public-key.ed25519 are not the same key.")
    if named_key != raw_key:
        group.fail("the tree head names a different public key from custody/public-key.ed25519.")
    if len(root) != 32:
        group.fail("the tree head's root hash is not 32 bytes.")
        return group, head
    good, how = ed25519_verify(raw_key, tree_head_message(size, timestamp, root), signature)
    if not good:
        group.fail(
            f"the signature on the tree head of size {size} does not verify with the key "
            f"{key_fingerprint(raw_key)}: the head or the key was changed."
        )
    fingerprint = key_fingerprint(raw_key)
    if key_hint:
        hint = key_hint.strip().lower()
        full = hashlib.sha256(raw_key).hexdigest()
        if hint != raw_key.hex() and not (len(hint) >= 16 and full.startswith(hint)):
            group.fail(
                f"the package is signed with key {fingerprint}, not the key {key_hint} you gave."
            )
    group.summary = (
        f"the log of {size} entries with root {root.hex()[:16]}... was signed at "
        f"{_when(timestamp)} by key {fingerprint} ({how})"
    )
    if not key_hint:
        group.notes.append(
            f"Compare the key fingerprint {fingerprint} with the one the organisation "
            "publishes, or run again with --key FINGERPRINT."
        )
    head["_checked"] = {"size": size, "root": root}
    return group, head


def _when(timestamp_ms: int) -> str:
    import datetime

    moment = datetime.datetime.fromtimestamp(timestamp_ms / 1000, datetime.timezone.utc)  # noqa: UP017 (Python 3.8)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def check_entries(pkg: Package, head: dict[str, Any]) -> tuple[Group, dict[int, dict[str, Any]]]:
    group = Group("Custody entries")
    proven: dict[int, dict[str, Any]] = {}
    checked_head = head.get("_checked")
    if not isinstance(checked_head, dict):
        group.fail("there is no readable tree head to check the entries against.")
        return group, proven
    size, root = int(checked_head["size"]), bytes(checked_head["root"])
    listed = pkg.info.get("entries")
    withheld = pkg.info.get("withheld") or []
    if not isinstance(listed, list) or not isinstance(withheld, list):
        group.fail(f"{PACKAGE_FILE} does not list the custody entries.")
        return group, proven
    for spec in listed + withheld:
        try:
            index = int(spec["leaf"])
            proof = pkg.json(str(spec["proof"]))
            if not isinstance(proof, dict):
                raise ValueError("the proof file is not an object")
            path = [bytes.fromhex(str(h)) for h in proof["audit_path"]]
            if int(proof["leaf_index"]) != index or int(proof["tree_size"]) != size:
                raise ValueError("the proof is for another entry or another tree size")
            if "file" in spec:
                raw = pkg.read(str(spec["file"]))
                value = leaf_hash(raw)
            else:
                raw = None
                value = bytes.fromhex(str(spec["leaf_hash"]))
        except (KeyError, TypeError, ValueError, OSError) as err:
            group.fail(
                f"entry {spec.get('leaf', '?') if isinstance(spec, dict) else '?'}: "
                f"cannot be read ({err})."
            )
            continue
        try:
            computed = root_from_inclusion(index, size, value, path)
        except ValueError as err:
            group.fail(f"entry {index}: its inclusion proof is malformed ({err}).")
            continue
        if computed != root:
            group.fail(
                f"entry {index}: its inclusion proof does not lead to the signed root: "
                "the entry or its proof was changed."
            )
            continue
        if raw is None:
            continue
        try:
            doc = json.loads(raw.decode("utf-8"))
        except ValueError:
            group.fail(f"entry {index} is not JSON.")
            continue
        if isinstance(doc, dict):
            proven[index] = doc
    group.summary = (
        f"{len(proven)} entries (and {len(withheld)} withheld entries, by hash only) are in "
        f"the signed log of {size} entries"
    )
    return group, proven


def check_export(pkg: Package, proven: dict[int, dict[str, Any]]) -> Group:
    group = Group("Export record")
    try:
        leaf = int(pkg.info["export_leaf"])
    except (KeyError, TypeError, ValueError):
        group.fail(f"{PACKAGE_FILE} does not name the export's custody entry.")
        return group
    entry = proven.get(leaf)
    if entry is None or entry.get("act") != "export":
        group.fail(f"custody entry {leaf}, the record of this export, is not a proven export.")
        return group
    if entry.get("incident") != pkg.info.get("incident"):
        group.fail("the export record is about another incident.")
    try:
        manifest_hash = hashlib.sha256(pkg.read("manifest-sha256.txt")).hexdigest()
        oxum = _bag_info(pkg).get("Payload-Oxum")
    except OSError:
        manifest_hash, oxum = "", None
    if entry.get("payload_manifest_sha256") != manifest_hash:
        group.fail("manifest-sha256.txt is not the list of files this export recorded.")
    if entry.get("payload_oxum") != oxum:
        group.fail("the Payload-Oxum differs from the one this export recorded.")
    listed = {int(e["leaf"]) for e in pkg.info.get("entries", [])} | {
        int(e["leaf"]) for e in pkg.info.get("withheld", [])
    }
    recorded = entry.get("entries")
    if not isinstance(recorded, list) or set(recorded) | {leaf} != listed:
        group.fail("the package's custody entries are not the ones this export recorded.")
    items = sorted(str(i["sha256"]) for i in pkg.info.get("items", []))
    if entry.get("items") != items:
        group.fail("the package's evidence items are not the ones this export recorded.")
    group.summary = (
        f"entry {leaf}: {entry.get('actor')} exported incident {entry.get('incident')} "
        f"({len(items)} items) on {entry.get('at')}"
        + (f" to {entry.get('recipient')}" if entry.get("recipient") else "")
    )
    return group


def check_evidence(
    pkg: Package, proven: dict[int, dict[str, Any]], payload: dict[str, str]
) -> Group:
    group = Group("Evidence")
    items = pkg.info.get("items", [])
    export = proven.get(int(pkg.info.get("export_leaf", -1)), {})
    media_files = 0
    for item in items:
        sha = str(item.get("sha256"))
        ingest = proven.get(int(item.get("ingest_leaf", -1)))
        if ingest is None or ingest.get("act") != "ingest":
            group.fail(f"item {sha[:16]}: its ingest entry is not among the proven entries.")
        elif ingest.get("sha256") != sha:
            group.fail(
                f"item {sha[:16]}: its ingest entry names another file "
                f"({str(ingest.get('sha256'))[:16]})."
            )
        media = item.get("media")
        if export.get("media") == "originals" and not media:
            group.fail(f"item {sha[:16]}: the export included originals but this one is missing.")
        if media:
            media_files += 1
            if media.get("kind") == "original" and media.get("leaf") != item.get("ingest_leaf"):
                group.fail(f"item {sha[:16]}: the original is not tied to its ingest entry.")
    bindings = pkg.info.get("bindings", [])
    for b in bindings:
        name, leaf, field = str(b.get("file")), int(b.get("leaf", -1)), str(b.get("field"))
        entry = proven.get(leaf)
        if entry is None:
            group.fail(f"{name}: custody entry {leaf} is not among the proven entries.")
            continue
        if name not in payload:
            group.fail(f"{name} is not one of the manifest's files.")
            continue
        try:
            actual = sha256_file(pkg.path(name))
        except (OSError, ValueError):
            group.fail(f"{name} cannot be read.")
            continue
        if entry.get(field) != actual:
            group.fail(
                f"{name}: its SHA-256 is not the {field} that custody entry {leaf} recorded."
            )
    group.summary = (
        f"{len(items)} items named by their ingest entries; {media_files} media files and "
        f"{len(bindings) - media_files} records match the hashes the custody log recorded"
    )
    return group


def verify(root: str, key_hint: str | None = None) -> tuple[bool, list[str]]:
    """Run every check; return whether all passed and the lines to print."""
    pkg = Package(root)
    files, payload = check_files(pkg)
    head_group, head = check_head(pkg, key_hint)
    entries, proven = check_entries(pkg, head)
    groups = [
        files,
        head_group,
        entries,
        check_export(pkg, proven),
        check_evidence(pkg, proven, payload),
    ]
    lines = [f"Evidence package for incident {pkg.info.get('incident')}: {pkg.root}"]
    for g in groups:
        lines += g.lines()
    failed = [g.name.lower() for g in groups if not g.ok]
    if failed:
        lines.append(
            "NOT VERIFIED: the checks of " + ", ".join(failed) + " failed (see above); "
            "do not rely on this package."
        )
        return False, lines
    lines.append(
        f"VERIFIED: every file, custody entry and proof matches the tree head signed by key "
        f"{key_fingerprint(pkg.read('custody/public-key.ed25519'))}."
    )
    return True, lines


def main(argv: list[str]) -> int:
    args = list(argv)
    key_hint = None
    if "--key" in args:
        at = args.index("--key")
        if at + 1 >= len(args):
            print("--key needs the signing key's fingerprint (16 hex digits) or full hex key.")
            return 2
        key_hint = args[at + 1]
        del args[at : at + 2]
    if any(a in ("-h", "--help") for a in args) or len(args) > 1:
        print(__doc__)
        return 2 if len(args) > 1 else 0
    root = args[0] if args else str(Path(__file__).resolve().parent)
    try:
        ok, lines = verify(root, key_hint)
    except (PackageError, OSError, ValueError) as err:
        print(f"NOT VERIFIED: {err}")
        return 2
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

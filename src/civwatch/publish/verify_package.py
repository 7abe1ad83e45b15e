#!/usr/bin/env python3
"""Check a civwatch evidence package without civwatch.

    python3 verify.py [PACKAGE_FOLDER] [--key FINGERPRINT | --key-file KEY_FILE]

Needs only Python 3.8 or newer. It checks, and prints one line for each group of checks:

* the files: every file's SHA-256 against the BagIt manifests, the Payload-Oxum, and that
  the package holds no file the manifests do not list, anywhere in it;
* the tree head: its Ed25519 signature over the exact 78 bytes civwatch signs (with the
  ``cryptography`` package when it is installed, otherwise with the reference code of
  RFC 8032 built into this script), and that it was signed by the key you gave;
* the custody entries: each entry's leaf hash and its inclusion proof (RFC 9162) against
  the signed root;
* the signing key chain (packages signed after a key rotation): each key announcement is
  proven in the signed log and signed by the key before it, from the key you gave to the
  key that signed the head - no gap, no fork, no retired key signing after its retirement;
* the export record: the custody entry that recorded this export names these exact
  files: the manifest's hash, the Payload-Oxum, the items, the entries, and the SHA-256 of
  each document civwatch composed for the package (incident.json, item.json, summary.html);
* the evidence: each item's ingest entry names the item's SHA-256, and every file under
  data/ is bound to a custody entry that recorded its SHA-256 (an original to its ingest,
  a redacted copy to its approval, a revision, extraction or verification record to the
  entry that recorded it) or is one of the export's documents;
* the records: every record the incident and item documents carry (revisions, status
  history, evidence links, sightings, verification records and their history, perceptual
  hashes, redactions) agrees with the custody entry that recorded it, and each current
  state is the one its history leads to.

The last line and the exit status say what it found:

* ``VERIFIED: ...``, exit status 0: every check passed and the tree head was signed by
  the key you gave.
* ``NOT VERIFIED: ...``, exit status 1: a check failed (the lines above say which), or the
  head was signed by another key than the one you gave.
* exit status 2: the folder is not a package this script can read, or the command line
  is wrong (an unreadable key file, a fingerprint that is not 64 hex digits).
* ``UNVERIFIED KEY: ...``, exit status 3: every check passed, but no key was given. The
  signature proves who signed only if the key is the organisation's: anyone who changed
  the package could have signed it again with their own key.

The key's fingerprint is the SHA-256 of the raw 32-byte Ed25519 public key: 64 hex
digits. Give the fingerprint the organisation published with ``--key`` (spaces, colons
and case do not matter), or the public key file it published (PEM or the raw 32 bytes)
with ``--key-file``. After a key rotation the first published fingerprint still works: the
package carries the announcements that lead from it to the key in force. Never take the
fingerprint from this package's README.txt: whoever changed the package could have
changed it too.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import re
import struct
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

FORMAT = "civwatch-evidence-package-v1"
PACKAGE_FILE = "civwatch-package.json"
INCIDENT_DOCUMENT = "data/incident/incident.json"
TREE_HEAD_PREFIX = b"civwatch-custody-tree-head-v1\n"
#: DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw key follows it.
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
CHUNK = 1 << 20
#: Exit statuses (see the module docstring).
EXIT_VERIFIED = 0
EXIT_NOT_VERIFIED = 1
EXIT_UNREADABLE = 2
EXIT_UNVERIFIED_KEY = 3
#: Characters people write between the digits of a fingerprint.
FINGERPRINT_SEPARATORS = " :-_.\t\r\n"
_HEX64 = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])")
#: Files every package holds outside data/ (besides its custody entries and proofs).
TAG_FILES = (
    "bagit.txt",
    "bag-info.txt",
    "manifest-sha256.txt",
    PACKAGE_FILE,
    "verify.py",
    "README.txt",
    "custody/tree-head.json",
    "custody/public-key.ed25519",
    "custody/public-key.pem",
)


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


# --------------------------------------------------------------------------- keys


def key_fingerprint(public_key: bytes) -> str:
    """The key's fingerprint: the SHA-256 of the raw 32-byte public key, 64 hex digits."""
    return hashlib.sha256(public_key).hexdigest()


def normalise_fingerprint(text: str) -> str | None:
    """A fingerprint as 64 lower-case hex digits, whatever separators and case it was
    written with; None when it is not 64 hex digits."""
    digits = "".join(c for c in text if c not in FINGERPRINT_SEPARATORS).lower()
    if len(digits) == 64 and all(c in "0123456789abcdef" for c in digits):
        return digits
    return None


def key_from_bytes(data: bytes) -> bytes:
    """The raw Ed25519 public key held by a key file: PEM (``BEGIN PUBLIC KEY``), DER, or
    the raw 32 bytes. ValueError when it holds none."""
    prefix = ED25519_SPKI_PREFIX
    if len(data) == 32:
        return data
    if len(data) == len(prefix) + 32 and data.startswith(prefix):
        return data[len(prefix) :]
    text = data.decode("ascii", errors="replace")
    begin, end = "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----"
    if begin in text and end in text:
        body = text.split(begin, 1)[1].split(end, 1)[0]
        der = base64.b64decode("".join(body.split()), validate=True)
        if len(der) == len(prefix) + 32 and der.startswith(prefix):
            return der[len(prefix) :]
    raise ValueError(
        "it holds no Ed25519 public key (give the PEM file that starts with "
        "'-----BEGIN PUBLIC KEY-----', or the raw 32-byte key)"
    )


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

    def specs(self, key: str) -> list[dict[str, Any]]:
        """The objects listed under ``key`` in civwatch-package.json (others left out)."""
        value = self.info.get(key)
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    def tag_files(self) -> set[str]:
        """Every file a civwatch package may hold outside data/."""
        names = set(TAG_FILES)
        for spec in self.specs("entries") + self.specs("withheld") + self.specs("key_chain"):
            for key in ("file", "proof"):
                if isinstance(spec.get(key), str):
                    names.add(spec[key])
        return names

    def every_file(self) -> tuple[list[str], list[str]]:
        """(files, symbolic links) anywhere in the folder, relative, sorted."""
        files: list[str] = []
        links: list[str] = []
        for folder, dirs, names in os.walk(str(self.root)):
            base = Path(folder)
            for name in list(dirs):
                if (base / name).is_symlink():
                    links.append((base / name).relative_to(self.root).as_posix())
                    dirs.remove(name)
            for name in names:
                rel = (base / name).relative_to(self.root).as_posix()
                (links if (base / name).is_symlink() else files).append(rel)
        return sorted(files), sorted(links)


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


def _check_listed(
    pkg: Package, listed: dict[str, str], manifest: str, group: Group
) -> dict[str, str]:
    """The listed files that exist and match, with their SHA-256; the others are failed."""
    good: dict[str, str] = {}
    for name, expected in sorted(listed.items()):
        try:
            full = pkg.path(name)
        except ValueError as err:
            group.fail(f"{manifest}: {err}.")
            continue
        if not full.is_file():
            group.fail(f"{name} is missing.")
            continue
        actual = sha256_file(full)
        if actual != expected.lower():
            group.fail(f"{name} has changed: its SHA-256 is not the one in {manifest}.")
        else:
            good[name] = actual
    return good


def check_files(pkg: Package) -> tuple[Group, dict[str, str]]:
    """The manifests, the Payload-Oxum, and no file the manifests do not list. Returns the
    payload files that match, with their SHA-256."""
    group = Group("Files")
    if not pkg.path("manifest-sha256.txt").is_file():
        group.fail("manifest-sha256.txt (the list of files and their SHA-256) is missing.")
        return group, {}
    payload = _manifest_lines(pkg, "manifest-sha256.txt", group)
    for name in sorted(payload):
        if not name.startswith("data/"):
            group.fail(f"manifest-sha256.txt lists {name}, which is not under data/.")
            del payload[name]
    hashes = _check_listed(pkg, payload, "manifest-sha256.txt", group)
    total_bytes = sum(pkg.path(name).stat().st_size for name in hashes)
    oxum = _bag_info(pkg).get("Payload-Oxum", "")
    if oxum != f"{total_bytes}.{len(hashes)}" and group.ok:
        group.fail(
            f"bag-info.txt says Payload-Oxum {oxum}; the files add up to "
            f"{total_bytes}.{len(hashes)}."
        )
    tags: dict[str, str] = {}
    if pkg.path("tagmanifest-sha256.txt").is_file():
        tags = _manifest_lines(pkg, "tagmanifest-sha256.txt", group)
        tag_hashes = _check_listed(pkg, tags, "tagmanifest-sha256.txt", group)
    else:
        group.fail("tagmanifest-sha256.txt is missing.")
        tag_hashes = {}
    known = pkg.tag_files()
    for name in sorted(tags):
        if name.startswith("data/") or name not in known:
            group.fail(f"{name} is not part of a civwatch evidence package.")
    files, links = pkg.every_file()
    for name in links:
        group.fail(f"{name} is a symbolic link: a package holds only plain files.")
    for name in files:
        if name not in payload and name not in tags and name != "tagmanifest-sha256.txt":
            group.fail(f"{name} was added: it is not in the manifests.")
    group.summary = (
        f"{len(hashes)} evidence files ({total_bytes} bytes) and {len(tag_hashes)} package "
        "files match their SHA-256, and there is no other file"
    )
    return group, hashes


def check_head(pkg: Package, expected: str | None) -> tuple[Group, dict[str, Any], str]:
    """The tree head's signature, the key against ``expected`` (a fingerprint) when given,
    and README.txt's fingerprint against the signing key. Returns the group, the head and
    the signing key's fingerprint."""
    group = Group("Tree head signature")
    head: dict[str, Any] = {}
    try:
        loaded = pkg.json("custody/tree-head.json")
        raw_key = pkg.read("custody/public-key.ed25519")
        pem = pkg.read("custody/public-key.pem")
    except (OSError, ValueError) as err:
        group.fail(f"the tree head or the public key cannot be read ({err}).")
        return group, head, ""
    fingerprint = key_fingerprint(raw_key)
    if not isinstance(loaded, dict):
        group.fail("custody/tree-head.json is not an object.")
        return group, head, fingerprint
    head = loaded
    try:
        size = int(str(head["tree_size"]))
        timestamp = int(str(head["timestamp_ms"]))
        root = bytes.fromhex(str(head["root_hash"]))
        signature = bytes.fromhex(str(head["signature"]))
        named_key = bytes.fromhex(str(head["public_key"]))
    except (KeyError, ValueError) as err:
        group.fail(f"custody/tree-head.json lacks a readable field ({err}).")
        return group, head, fingerprint
    try:
        same_key = key_from_bytes(pem) == raw_key
    except ValueError:
        same_key = False
    if not same_key:
        group.fail("custody/public-key.pem and custody/public-key.ed25519 are not the same key.")
    if named_key != raw_key:
        group.fail("the tree head names a different public key from custody/public-key.ed25519.")
    if len(root) != 32:
        group.fail("the tree head's root hash is not 32 bytes.")
        return group, head, fingerprint
    good, how = ed25519_verify(raw_key, tree_head_message(size, timestamp, root), signature)
    if not good:
        group.fail(
            f"the signature on the tree head of size {size} does not verify with the key "
            f"{fingerprint}: the head or the key was changed."
        )
    if expected is not None and expected != fingerprint and pkg.specs("key_chain"):
        group.notes.append(
            f"the head's key is not the key {expected} you gave: the chain of keys below "
            "must lead from that key to this one."
        )
    elif expected is not None and expected != fingerprint:
        group.fail(
            f"the package is signed with key {fingerprint}, not the key {expected} you gave: "
            "whoever signed it, it was not the organisation whose key that is."
        )
    _check_readme(pkg, fingerprint, group)
    group.summary = (
        f"the log of {size} entries with root {root.hex()[:16]}... was signed at "
        f"{_when(timestamp)} by key {fingerprint} ({how})"
    )
    if expected is not None and group.ok:
        group.summary += ", the key you gave"
    head["_checked"] = {"size": size, "root": root}
    return group, head, fingerprint


def _check_readme(pkg: Package, fingerprint: str, group: Group) -> None:
    """README.txt is never trusted for the key, but one that names another key than the
    one that signed was changed."""
    try:
        text = pkg.read("README.txt").decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return
    for stated in sorted({m.lower() for m in _HEX64.findall(text)}):
        if stated != fingerprint:
            group.fail(
                f"README.txt gives the fingerprint {stated}, but the package is signed by key "
                f"{fingerprint}: the README or the signature was changed."
            )


def _when(timestamp_ms: int) -> str:
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
            index, path = _inclusion_path(pkg, spec, size)
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


ANNOUNCE_ACT = "signing-key-announce"
ANNOUNCEMENT_PREFIX = b"civwatch-signing-key-announcement-v1\n"


def canonical_json(doc: Any) -> bytes:
    """RFC 8785 canonical JSON of an announcement (strings, whole numbers and null only,
    for which it is Python's sorted, compact JSON without ASCII escapes)."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _inclusion_path(pkg: Package, spec: Mapping[str, Any], size: int) -> tuple[int, list[bytes]]:
    """A listed entry's leaf index and the audit path of its proof file, checked to be for
    that entry in a tree of ``size``; ValueError (or KeyError/TypeError/OSError) if not."""
    index = int(spec["leaf"])
    proof = pkg.json(str(spec["proof"]))
    if not isinstance(proof, dict):
        raise ValueError("the proof file is not an object")
    path = [bytes.fromhex(str(h)) for h in proof["audit_path"]]
    if int(proof["leaf_index"]) != index or int(proof["tree_size"]) != size:
        raise ValueError("the proof is for another entry or another tree size")
    return index, path


def _proven_raw(pkg: Package, spec: Mapping[str, Any], size: int, root: bytes) -> bytes:
    """The bytes of a listed entry whose inclusion proof leads to ``root``; ValueError
    naming what is wrong otherwise."""
    try:
        index, path = _inclusion_path(pkg, spec, size)
        raw = pkg.read(str(spec["file"]))
    except (KeyError, TypeError, OSError) as err:
        raise ValueError(f"it cannot be read ({err})") from err
    if root_from_inclusion(index, size, leaf_hash(raw), path) != root:
        raise ValueError(
            "its inclusion proof does not lead to the signed root: the entry or its proof "
            "was changed"
        )
    return raw


def _announcement(raw: bytes) -> dict[str, Any]:
    """A key announcement's fields, its keys as bytes; ValueError if it is none."""
    doc = json.loads(raw.decode("utf-8"))
    if not isinstance(doc, dict) or doc.get("act") != ANNOUNCE_ACT:
        raise ValueError("it is not a signing key announcement")
    if canonical_json(doc) != raw:
        raise ValueError("it is not in canonical JSON")
    out = dict(doc)
    out["_signed"] = ANNOUNCEMENT_PREFIX + canonical_json(
        {k: v for k, v in doc.items() if k != "signature"}
    )
    for name in ("public_key", "previous_public_key", "signature"):
        out[name] = bytes.fromhex(str(doc[name]))
    if len(out["public_key"]) != 32 or len(out["previous_public_key"]) != 32:
        raise ValueError("a key is not 32 bytes")
    if out["fingerprint"] != key_fingerprint(out["public_key"]) or out[
        "previous_fingerprint"
    ] != key_fingerprint(out["previous_public_key"]):
        raise ValueError("its fingerprints are not those of its keys (altered)")
    return out


def check_key_chain(
    pkg: Package, head: dict[str, Any], expected: str | None, fingerprint: str
) -> tuple[Group, str | None]:
    """Walk from the first key (``expected``, or the first announcement's previous key
    when no key was given) through every key announcement the package carries, each
    proven in the signed log and signed by the key before it, to the key that signed the
    head. Returns the group and the first key's fingerprint."""
    group = Group("Signing key chain")
    specs = pkg.specs("key_chain")
    if not specs:
        group.summary = "the log's first key signed the head (no key was ever rotated)"
        return group, fingerprint
    checked = head.get("_checked")
    if not isinstance(checked, dict):
        group.fail("there is no readable tree head to check the key announcements against.")
        return group, expected
    size, root = int(checked["size"]), bytes(checked["root"])
    found: list[tuple[int, dict[str, Any]]] = []
    for spec in specs:
        leaf = spec.get("leaf", "?")
        try:
            found.append((int(spec["leaf"]), _announcement(_proven_raw(pkg, spec, size, root))))
        except (KeyError, TypeError, ValueError) as err:
            group.fail(f"key announcement {leaf}: {err}.")
    if not group.ok:
        return group, expected
    found.sort(key=lambda pair: pair[0])
    first = found[0][1]["previous_fingerprint"]
    if expected is not None:
        # The walk starts at the key you gave: announcements up to its own are its past.
        first = expected
        announced = [n for n, (_leaf, doc) in enumerate(found) if doc["fingerprint"] == expected]
        if announced:
            found = found[announced[0] + 1 :]
    current: str = first
    retired: dict[str, int] = {}
    for leaf, doc in found:
        previous = doc["previous_fingerprint"]
        if previous in retired:
            group.fail(
                f"entry {leaf} announces a second successor of key {previous}, already "
                f"retired at entry {retired[previous]}: the chain of keys is forked."
            )
            continue
        if previous != current:
            group.fail(
                f"entry {leaf} announces a successor of key {previous}, but the key in force "
                f"is {current}: the chain of keys has a gap (an announcement is missing) or "
                "starts from another key than the one you gave."
            )
            continue
        good, _how = ed25519_verify(doc["previous_public_key"], doc["_signed"], doc["signature"])
        if not good:
            group.fail(
                f"entry {leaf}, the announcement of key {doc['fingerprint']}, is not signed by "
                f"the previous key {previous} (forged or altered)."
            )
            continue
        retired[previous] = leaf
        current = doc["fingerprint"]
    if group.ok and current != fingerprint:
        if fingerprint in retired:
            group.fail(
                f"the head is signed by key {fingerprint}, retired at entry "
                f"{retired[fingerprint]}, which the head covers: a retired key signed after "
                "its retirement."
            )
        else:
            group.fail(
                f"the head is signed by key {fingerprint}, which is not in the chain of keys "
                f"from {first} (the key in force is {current}): an unannounced key."
            )
    group.summary = (
        f"{len(found)} key announcement(s), each signed by the key before it, lead from the "
        f"first key {first} to the key {fingerprint} that signed the head"
    )
    return group, first


def check_export(
    pkg: Package, proven: dict[int, dict[str, Any]], hashes: dict[str, str]
) -> tuple[Group, dict[str, Any]]:
    """The export's entry against the package; returns the group and the documents map
    (file -> SHA-256) the entry recorded."""
    group = Group("Export record")
    try:
        leaf = int(pkg.info["export_leaf"])
    except (KeyError, TypeError, ValueError):
        group.fail(f"{PACKAGE_FILE} does not name the export's custody entry.")
        return group, {}
    entry = proven.get(leaf)
    if entry is None or entry.get("act") != "export":
        group.fail(f"custody entry {leaf}, the record of this export, is not a proven export.")
        return group, {}
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
    listed = {e.get("leaf") for e in pkg.specs("entries") + pkg.specs("withheld")}
    recorded = entry.get("entries")
    if not isinstance(recorded, list) or set(recorded) | {leaf} != listed:
        group.fail("the package's custody entries are not the ones this export recorded.")
    items = sorted(str(i.get("sha256")) for i in pkg.specs("items"))
    if entry.get("items") != items:
        group.fail("the package's evidence items are not the ones this export recorded.")
    documents = entry.get("documents")
    if not isinstance(documents, dict) or not documents:
        group.fail("the export record lists no documents: it is not a record of this package.")
        documents = {}
    for finding in document_findings(hashes, documents):
        group.fail(str(finding))
    group.summary = (
        f"entry {leaf}: {entry.get('actor')} exported incident {entry.get('incident')} "
        f"({len(items)} items, {len(documents)} documents) on {entry.get('at')}"
        + (f" to {entry.get('recipient')}" if entry.get("recipient") else "")
    )
    return group, documents


def check_evidence(
    pkg: Package,
    proven: dict[int, dict[str, Any]],
    hashes: dict[str, str],
    documents: dict[str, Any],
) -> Group:
    group = Group("Evidence")
    items = pkg.specs("items")
    export = proven.get(_int(pkg.info.get("export_leaf")), {})
    media_files = 0
    for item in items:
        sha = str(item.get("sha256"))
        ingest = proven.get(_int(item.get("ingest_leaf")))
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
        if isinstance(media, dict):
            media_files += 1
            if media.get("kind") == "original" and media.get("leaf") != item.get("ingest_leaf"):
                group.fail(f"item {sha[:16]}: the original is not tied to its ingest entry.")
    bindings = pkg.specs("bindings")
    for finding in binding_findings(hashes, bindings, proven, documents):
        group.fail(str(finding))
    group.summary = (
        f"{len(items)} items named by their ingest entries; {media_files} media files and "
        f"{len(bindings) - media_files} records match the hashes the custody log recorded, "
        f"and every file is bound to a custody entry"
    )
    return group


def check_records(pkg: Package, proven: dict[int, dict[str, Any]], hashes: dict[str, str]) -> Group:
    group = Group("Records")
    findings = record_findings(pkg.json, hashes, pkg.info, proven)
    for finding in findings:
        group.fail(str(finding))
    group.summary = (
        "every revision, status change, link, sighting, verification record, hash and "
        "redaction in the documents agrees with its custody entry, and every state with "
        "its history"
    )
    return group


# --------------------------------------------------------------------------- bindings and records
# These functions are also what civwatch runs on a package's contents before it writes
# them: a package whose records do not match their custody entries is never built.


class Finding:
    """A file or record that does not match the custody entry that should vouch for it:
    ``table`` and ``row`` name the database record it shows, ``leaf`` the entry."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        table: str | None = None,
        row: Any = None,
        leaf: Any = None,
    ) -> None:
        self.message = message
        self.file = file
        self.table = table
        self.row = row
        self.leaf = leaf

    def record(self) -> str:
        """The record in words: ``incident_transition 3 (custody entry 17)``."""
        if self.table is None:
            return ""
        name = self.table if self.row is None else f"{self.table} {self.row}"
        return name if self.leaf is None else f"{name} (custody entry {self.leaf})"

    def describe(self, with_file: bool = True) -> str:
        where = [p for p in (self.file if with_file else None, self.record()) if p]
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def __str__(self) -> str:
        return self.describe()


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 70 else text[:67] + "..."


def _time(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)  # noqa: UP017 (Python 3.8)
    return moment


def _same(kind: str, a: Any, b: Any) -> bool:
    if kind == "time" and a is not None and b is not None:
        ta, tb = _time(a), _time(b)
        return a == b if ta is None or tb is None else ta == tb
    return bool(a == b) and isinstance(a, bool) == isinstance(b, bool)


def _field(entry: Mapping[str, Any], path: str) -> Any:
    value: Any = entry
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def document_findings(payload: Mapping[str, str], documents: Mapping[str, Any]) -> list[Finding]:
    """Each document the export entry lists has the SHA-256 it recorded."""
    found = []
    for name, sha in sorted(documents.items()):
        if name not in payload:
            found.append(Finding("the export entry lists it, but it is missing.", file=name))
        elif payload[name] != sha:
            found.append(
                Finding("its SHA-256 is not the one the export entry recorded for it.", file=name)
            )
    return found


def binding_findings(
    payload: Mapping[str, str],
    bindings: Iterable[Mapping[str, Any]],
    proven: Mapping[int, Mapping[str, Any]],
    documents: Mapping[str, Any],
) -> list[Finding]:
    """Every binding holds (the file's SHA-256 is the one its entry recorded) and every file
    under data/ is bound: to an entry directly, or as one of the export's documents."""
    found = []
    bound = set()
    for b in bindings:
        name, leaf, field = str(b.get("file")), _int(b.get("leaf")), str(b.get("field"))
        bound.add(name)
        entry = proven.get(leaf)
        if name not in payload:
            found.append(Finding("it is bound to a custody entry but is not listed.", file=name))
        elif entry is None:
            found.append(
                Finding(f"custody entry {leaf}, which vouches for it, is not proven.", file=name)
            )
        elif entry.get(field) != payload[name]:
            found.append(
                Finding(
                    f"its SHA-256 is not the {field} that custody entry {leaf} recorded.",
                    file=name,
                )
            )
    for name in sorted(set(payload) - bound - set(documents)):
        found.append(
            Finding(
                "it is not bound to any custody entry: no entry recorded its SHA-256 and the "
                "export entry does not list it among its documents.",
                file=name,
            )
        )
    return found


#: Fields that custody entries of an older layout named otherwise, by act and layout
#: version: {old name: today's name}. civwatch declares them with each act
#: (``custody/entries.py``); this copy lets the script read both without civwatch.
RENAMED_FIELDS = {
    "ingest": {1: {"collected_at": "at", "collected_by": "actor"}},
    "sighting": {1: {"collected_at": "at", "collected_by": "actor"}},
    "unpack": {1: {"by": "actor"}},
}


def current_layout(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    """The entry under today's field names (an entry of an older layout renamed)."""
    act, version = entry.get("act"), entry.get("v")
    if not isinstance(act, str) or type(version) is not int:
        return entry
    renamed = RENAMED_FIELDS.get(act, {}).get(version)
    if not renamed:
        return entry
    return {renamed.get(key, key): value for key, value in entry.items()}


TRANSITION_FIELDS = (
    ("from", "from", "starting status", "value"),
    ("to", "to", "resulting status", "value"),
    ("proposed", "proposed_status", "proposed outcome", "value"),
    ("reason", "reason", "reason", "value"),
    ("actor", "actor", "actor", "value"),
    ("at", "at", "time", "time"),
)
SIGHTING_FIELDS = (
    ("original_name", "original_name", "original name", "value"),
    ("actor", "collected_by", "collector", "value"),
    ("at", "collected_at", "collection time", "time"),
    ("source.url", "source_url", "source URL", "value"),
    ("source.platform", "platform", "platform", "value"),
    ("source.account", "account", "account", "value"),
    ("source.post_id", "post_id", "post id", "value"),
    ("source.caption", "caption", "caption", "value"),
    ("source.published_at", "published_at", "publication time", "time"),
)


def perceptual_digest(rows: Iterable[Mapping[str, Any]]) -> str:
    """SHA-256 of an item's perceptual hashes as the ``hash`` custody entry recorded them."""
    text = "\n".join(
        f"{r.get('view')}\t{r.get('frame_t')}\t{r.get('hash')}\t{r.get('quality')}" for r in rows
    )
    return hashlib.sha256(text.encode()).hexdigest()


class _Records:
    """Checks the records the documents of a package carry against their custody entries."""

    def __init__(
        self,
        load: Callable[[str], Any],
        payload: Mapping[str, str],
        proven: Mapping[int, Mapping[str, Any]],
    ) -> None:
        self.load = load
        self.payload = payload
        self.proven = {leaf: current_layout(entry) for leaf, entry in proven.items()}
        self.found: list[Finding] = []

    def fail(self, message: str, **where: Any) -> None:
        self.found.append(Finding(message, **where))

    def document(self, name: str) -> dict[str, Any] | None:
        try:
            doc = self.load(name)
        except (OSError, ValueError) as err:
            self.fail(f"it cannot be read ({err}).", file=name)
            return None
        if not isinstance(doc, dict):
            self.fail("it is not a JSON object.", file=name)
            return None
        return doc

    def entry(
        self, record: Mapping[str, Any], table: str, file: str, acts: Iterable[str] | str
    ) -> Mapping[str, Any] | None:
        """The proven entry at the record's ``custody_leaf``, if it is of one of ``acts``
        (a string: acts starting with it)."""
        leaf = record.get("custody_leaf")
        where = {"file": file, "table": table, "row": record.get("id"), "leaf": leaf}
        entry = self.proven.get(_int(leaf))
        if entry is None:
            self.fail(
                "the custody entry that recorded it is not among the proven entries.", **where
            )
            return None
        act = entry.get("act")
        fits = isinstance(act, str) and (
            act.startswith(acts) if isinstance(acts, str) else act in set(acts)
        )
        if not fits:
            self.fail(f"its custody entry records the act {_shown(act)}, not this record.", **where)
            return None
        return entry

    def agree(
        self,
        record: Mapping[str, Any],
        entry: Mapping[str, Any],
        pairs: Iterable[tuple[str, Any, str, str]],
        table: str,
        file: str,
    ) -> None:
        """Each (entry field, the record's value, label, kind) is the same in both."""
        for key, value, label, kind in pairs:
            logged = _field(entry, key)
            if not _same(kind, value, logged):
                self.fail(
                    f"its {label} is {_shown(value)}, but its custody entry recorded "
                    f"{_shown(logged)}.",
                    file=file,
                    table=table,
                    row=record.get("id"),
                    leaf=record.get("custody_leaf"),
                )

    def transitions(
        self, rows: Any, table: str, file: str, prefix: str, subject: tuple[str, Any], start: str
    ) -> tuple[str, Mapping[str, Any] | None, list[tuple[Mapping[str, Any], Mapping[str, Any]]]]:
        """Check a status history; returns the status it leads to, its last step, and each
        step with its entry."""
        status: str = start
        last: Mapping[str, Any] | None = None
        logged: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = []
        for step in _records(rows):
            where = {
                "file": file,
                "table": table,
                "row": step.get("id"),
                "leaf": step.get("custody_leaf"),
            }
            entry = self.entry(step, table, file, (prefix + str(step.get("act")),))
            if entry is not None:
                pairs = [(k, step.get(f), label, kind) for k, f, label, kind in TRANSITION_FIELDS]
                self.agree(
                    step,
                    entry,
                    [(subject[0], subject[1], subject[0], "value"), *pairs],
                    table,
                    file,
                )
                logged.append((step, entry))
            if step.get("from") != status:
                self.fail(
                    f"it starts from {_shown(step.get('from'))}, but the history before it "
                    f"leads to {_shown(status)}.",
                    **where,
                )
            status, last = str(step.get("to")), step
        return status, last, logged

    def state(
        self, shown: Mapping[str, Any], status: str, last: Mapping[str, Any] | None, **where: Any
    ) -> None:
        """The status and proposed outcome shown are the ones the history leads to; a
        difference names the custody entry of the history's last step."""
        where["leaf"] = None if last is None else last.get("custody_leaf")
        if shown.get("status") != status:
            self.fail(
                f"its status is {_shown(shown.get('status'))}, but its history leads to "
                f"{_shown(status)}"
                + ("." if last is None else " (its last step is this custody entry)."),
                **where,
            )
        proposed = (
            last.get("proposed_status") if last is not None and status == "in_review" else None
        )
        if shown.get("proposed_status") != proposed:
            self.fail(
                f"its proposed outcome is {_shown(shown.get('proposed_status'))}, but its "
                f"history leads to {_shown(proposed)}.",
                **where,
            )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _records(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _check_incident(r: _Records, info: Mapping[str, Any]) -> dict[str, Any] | None:
    file = INCIDENT_DOCUMENT
    doc = r.document(file)
    if doc is None:
        return None
    iid = doc.get("id")
    here = {"file": file, "table": "incident", "row": iid}
    if iid != info.get("incident"):
        r.fail(f"it describes incident {_shown(iid)}, not this package's.", **here)
    revisions: dict[Any, Mapping[str, Any]] = {}
    for rev in _records(doc.get("revisions")):
        entry = r.entry(rev, "incident_revision", file, "incident-")
        number = rev.get("revision")
        revisions[number] = rev
        if entry is None:
            continue
        r.agree(
            rev,
            entry,
            [
                ("incident", iid, "incident", "value"),
                ("revision", number, "revision number", "value"),
                ("doc_sha256", rev.get("doc_sha256"), "document's SHA-256", "value"),
                ("actor", rev.get("actor"), "actor", "value"),
                ("at", rev.get("at"), "time", "time"),
            ],
            "incident_revision",
            file,
        )
        name = f"data/incident/revisions/revision-{_int(number)}.json"
        if r.payload.get(name) != entry.get("doc_sha256"):
            r.fail(
                "its document is missing or is not the one its custody entry recorded.",
                file=name,
                table="incident_revision",
                row=rev.get("id"),
                leaf=rev.get("custody_leaf"),
            )
    _check_content(r, doc, revisions, here)
    status, last, logged = r.transitions(
        doc.get("history"), "incident_transition", file, "incident-", ("incident", iid), "reported"
    )
    r.state(doc, status, last, **here)
    visibility, leaf = "internal", None
    for step, entry in logged:
        if isinstance(entry.get("visibility"), str):
            visibility, leaf = entry["visibility"], step.get("custody_leaf")
    if doc.get("visibility") != visibility:
        r.fail(
            f"its visibility is {_shown(doc.get('visibility'))}, but its history leads to "
            f"{_shown(visibility)}"
            + (" (no custody entry made it public)." if leaf is None else "."),
            **dict(here, leaf=leaf),
        )
    current = _check_links(r, doc, iid)
    items = {str(i.get("sha256")) for i in _records(info.get("items"))}
    if items != set(current):
        r.fail("the package's items are not the evidence linked to the incident now.", **here)
    return doc


def _check_content(
    r: _Records, doc: Mapping[str, Any], revisions: Mapping[Any, Mapping[str, Any]], here: Any
) -> None:
    """The incident's content is its current revision, as recorded."""
    number = doc.get("revision")
    current = revisions.get(number)
    if current is None:
        r.fail(f"its current revision {_shown(number)} is not among its revisions.", **here)
        return
    name = f"data/incident/revisions/revision-{_int(number)}.json"
    try:
        content = r.load(name)
    except (OSError, ValueError):
        return  # named above: the revision's file is missing or unreadable
    where = dict(here, leaf=current.get("custody_leaf"))
    for key in sorted(content) if isinstance(content, dict) else []:
        if doc.get(key) != content[key]:
            r.fail(f"its {key} is not the one its current revision {number} recorded.", **where)
    figures = _object(doc.get("casualties"))
    for kind in ("killed", "injured"):
        figure = figures.get(kind)
        expected = (
            {"min": figure.get("min"), "max": figure.get("max")}
            if isinstance(figure, dict)
            else None
        )
        if doc.get(kind) != expected:
            r.fail(f"its total {kind} is not the one its casualty figures give.", **here)
    first = revisions.get(1)
    if first is not None and doc.get("created_by") != first.get("actor"):
        r.fail("its creator is not the author of its first revision.", **here)


def _check_links(r: _Records, doc: Mapping[str, Any], iid: Any) -> dict[str, Mapping[str, Any]]:
    """The history of evidence links, and the links in force it leads to."""
    file, table = INCIDENT_DOCUMENT, "incident_evidence"
    last: dict[str, Mapping[str, Any]] = {}
    for link in _records(doc.get("evidence_links_history")):
        sha = str(link.get("sha256"))
        linked = link.get("linked") is True
        entry = r.entry(link, table, file, ("evidence-link",) if linked else ("evidence-unlink",))
        if entry is not None:
            pairs = [
                ("incident", iid, "incident", "value"),
                ("sha256", sha, "item", "value"),
                ("actor", link.get("actor"), "actor", "value"),
                ("at", link.get("at"), "time", "time"),
            ]
            if linked:
                pairs += [
                    ("role", link.get("role"), "role", "value"),
                    ("note", link.get("note"), "note", "value"),
                ]
            else:
                pairs.append(("reason", link.get("note"), "reason", "value"))
            before = last.get(sha)
            pairs.append(
                (
                    "supersedes_leaf",
                    None if before is None else before.get("custody_leaf"),
                    "place in the item's link history",
                    "value",
                )
            )
            r.agree(link, entry, pairs, table, file)
        last[sha] = link
    current = {sha: lk for sha, lk in last.items() if lk.get("linked") is True}
    shown = {str(e.get("sha256")): e for e in _records(doc.get("evidence"))}
    if set(shown) != set(current):
        r.fail(
            "the evidence it lists now is not what its link history leads to.",
            file=file,
            table="incident",
            row=iid,
        )
    for sha, link in current.items():
        now = shown.get(sha)
        if now is None:
            continue
        mine = (now.get("role"), now.get("note"), now.get("custody_leaf"), now.get("linked_by"))
        if mine != (
            link.get("role"),
            link.get("note"),
            link.get("custody_leaf"),
            link.get("actor"),
        ):
            r.fail(
                f"the link of item {sha[:16]} it shows is not its last recorded link.",
                file=file,
                table=table,
                row=link.get("id"),
                leaf=link.get("custody_leaf"),
            )
    return current


def _check_item(r: _Records, spec: Mapping[str, Any], incident: Mapping[str, Any] | None) -> None:
    sha = str(spec.get("sha256"))
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        r.fail(f"{PACKAGE_FILE} names an item {_shown(sha)} that is not a SHA-256.")
        return
    file = f"data/items/{sha}/item.json"
    doc = r.document(file)
    if doc is None:
        return
    here = {"file": file, "table": "evidence_item", "row": sha}
    custody = _object(doc.get("custody"))
    ingest = {"id": sha, "custody_leaf": custody.get("ingest_leaf")}
    if doc.get("sha256") != sha or spec.get("ingest_leaf") != ingest["custody_leaf"]:
        r.fail(f"it is not the document of item {sha[:16]} that {PACKAGE_FILE} names.", **here)
    entry = r.entry(ingest, "evidence_item", file, ("ingest",))
    if entry is not None:
        fields = ("sha256", "size", "media_type", "original_name")
        pairs = [(k, doc.get(k), k.replace("_", " "), "value") for k in fields]
        pairs.append(("actor", doc.get("collected_by"), "collector", "value"))
        pairs.append(("at", doc.get("collected_at"), "collection time", "time"))
        r.agree(ingest, entry, pairs, "evidence_item", file)
    for sighting in _records(doc.get("sightings")):
        entry = r.entry(sighting, "evidence_sighting", file, ("ingest", "sighting"))
        if entry is not None:
            pairs = [("sha256", sha, "item", "value")]
            pairs += [(k, sighting.get(f), label, kind) for k, f, label, kind in SIGHTING_FIELDS]
            r.agree(sighting, entry, pairs, "evidence_sighting", file)
    _check_extraction(r, doc, sha, custody.get("extraction_leaf"))
    _check_hashes(r, doc, sha, file)
    _check_verification(r, doc, sha, file)
    shown = incident.get("evidence") if incident is not None else None
    link = next((e for e in _records(shown) if e.get("sha256") == sha), None)
    if incident is not None and doc.get("link") != link:
        r.fail("the link it shows is not the incident's link of this item.", **here)
    _check_media(r, spec, doc, sha, ingest["custody_leaf"], file)


def _check_extraction(r: _Records, doc: Mapping[str, Any], sha: str, leaf: Any) -> None:
    name = f"data/items/{sha}/extraction.json"
    record = {"id": sha, "custody_leaf": leaf}
    if leaf is None:
        if name in r.payload:
            r.fail("there is no extraction entry for it.", file=name)
        return
    entry = r.entry(record, "evidence_item", name, ("extract",))
    if entry is None:
        return
    r.agree(record, entry, [("sha256", sha, "item", "value")], "evidence_item", name)
    if r.payload.get(name) != entry.get("metadata_sha256"):
        r.fail(
            "the extracted metadata is missing or is not what its custody entry recorded.",
            file=name,
            table="evidence_item",
            row=sha,
            leaf=leaf,
        )
        return
    extraction = r.document(name)
    metadata = _object(doc.get("metadata"))
    shown = {
        "metadata": {k: v for k, v in metadata.items() if k not in ("exiftool", "c2pa")},
        "exiftool": metadata.get("exiftool"),
        "c2pa": metadata.get("c2pa"),
        "warnings": doc.get("warnings"),
    }
    if extraction is not None and shown != extraction:
        r.fail(
            f"the metadata it shows is not the extraction recorded in {name}.",
            file=f"data/items/{sha}/item.json",
            table="evidence_item",
            row=sha,
            leaf=leaf,
        )


def _check_hashes(r: _Records, doc: Mapping[str, Any], sha: str, file: str) -> None:
    hashes = _object(doc.get("hashes"))
    rows = _records(hashes.get("perceptual"))
    record = {"id": sha, "custody_leaf": hashes.get("custody_leaf")}
    if hashes.get("sha256") != sha:
        r.fail("the SHA-256 it gives is not the item's.", file=file, table="evidence_item", row=sha)
    if record["custody_leaf"] is None:
        if rows:
            r.fail(
                "it lists perceptual hashes without the custody entry that recorded them.",
                file=file,
                table="media_hash",
                row=sha,
            )
        return
    entry = r.entry(record, "media_hash", file, ("hash",))
    if entry is None:
        return
    pairs = [
        ("sha256", sha, "item", "value"),
        ("count", len(rows), "number of hashes", "value"),
        ("hashes_sha256", perceptual_digest(rows), "hashes' SHA-256", "value"),
    ]
    for row in rows:
        pairs.append(("algorithm", row.get("algorithm"), "algorithm", "value"))
        pairs.append(("version", row.get("version"), "algorithm version", "value"))
    r.agree(record, entry, pairs, "media_hash", file)


def _check_verification(r: _Records, doc: Mapping[str, Any], sha: str, file: str) -> None:
    view = _object(doc.get("verification"))
    table = "verification_record"
    records = _records(view.get("records"))
    by_id = {rec.get("id"): rec for rec in records}
    superseded = {rec.get("supersedes") for rec in records} - {None}
    for rec in records:
        where = {
            "file": file,
            "table": table,
            "row": rec.get("id"),
            "leaf": rec.get("custody_leaf"),
        }
        entry = r.entry(rec, table, file, ("verification-record",))
        if entry is None:
            continue
        earlier = by_id.get(rec.get("supersedes"))
        r.agree(
            rec,
            entry,
            [
                ("sha256", sha, "item", "value"),
                ("kind", rec.get("kind"), "kind", "value"),
                ("content_sha256", rec.get("content_sha256"), "content's SHA-256", "value"),
                ("actor", rec.get("author"), "author", "value"),
                ("at", rec.get("at"), "time", "time"),
                (
                    "supersedes_leaf",
                    None if earlier is None else earlier.get("custody_leaf"),
                    "record it supersedes",
                    "value",
                ),
            ],
            table,
            file,
        )
        if (rec.get("id") in superseded) != (rec.get("superseded") is True):
            r.fail("it is marked superseded when it is not, or the other way round.", **where)
        name = f"data/items/{sha}/verification-records/record-{_int(rec.get('id'))}.json"
        if r.payload.get(name) != entry.get("content_sha256"):
            r.fail(
                "its content is missing or is not what its custody entry recorded.",
                **dict(where, file=name),
            )
            continue
        try:
            content = r.load(name)
        except (OSError, ValueError):
            content = None
        if content != rec.get("content"):
            r.fail(f"the content it shows is not the one recorded in {name}.", **where)
    current = [rec.get("id") for rec in records if rec.get("id") not in superseded]
    here = {"file": file, "table": "item_verification", "row": sha}
    if view.get("current_records") != current:
        r.fail("the records it calls current are not the ones not superseded.", **here)
    status, last, logged = r.transitions(
        view.get("history"), "item_transition", file, "item-", ("sha256", sha), "unverified"
    )
    r.state(view, status, last, **here)
    submitters = [e.get("actor") for _step, e in logged if e.get("act") == "item-submit"]
    if view.get("submitted_by") != (submitters[-1] if submitters else None):
        r.fail(
            "the person it says submitted it for review is not the one its history names.", **here
        )


def _check_media(
    r: _Records, spec: Mapping[str, Any], doc: Mapping[str, Any], sha: str, ingest: Any, file: str
) -> None:
    media = spec.get("media")
    if not isinstance(media, dict):
        return
    here = {"file": file, "table": "evidence_item", "row": sha}
    if doc.get("media") != media:
        r.fail(f"the media it describes are not the ones {PACKAGE_FILE} names.", **here)
    if media.get("kind") == "original":
        if media.get("leaf") != ingest or media.get("sha256") != sha:
            r.fail("its original is not tied to its ingest entry.", **here)
        return
    redaction = _object(media.get("redaction"))
    table, name = "media_redaction", str(media.get("file"))
    approval = {"id": redaction.get("id"), "custody_leaf": media.get("leaf")}
    common = [
        ("redaction", redaction.get("id"), "redaction", "value"),
        ("sha256", sha, "original", "value"),
        ("derivative_sha256", media.get("sha256"), "redacted copy's SHA-256", "value"),
    ]
    entry = r.entry(approval, table, name, ("redaction-approve",))
    if entry is not None:
        pairs = [
            *common,
            ("actor", redaction.get("approved_by"), "approver", "value"),
            ("at", redaction.get("approved_at"), "approval time", "time"),
        ]
        r.agree(approval, entry, pairs, table, name)
    creation = {"id": redaction.get("id"), "custody_leaf": redaction.get("created_leaf")}
    entry = r.entry(creation, table, name, ("redaction-create",))
    if entry is not None:
        pairs = [
            *common,
            ("actor", redaction.get("created_by"), "author", "value"),
            ("media_type", media.get("media_type"), "media type", "value"),
        ]
        r.agree(creation, entry, pairs, table, name)


def record_findings(
    load: Callable[[str], Any],
    payload: Mapping[str, str],
    info: Mapping[str, Any],
    proven: Mapping[int, Mapping[str, Any]],
) -> list[Finding]:
    """Every record the package's documents carry, against the custody entry that recorded
    it, and every state against its history. ``load`` reads a file of the package as JSON;
    ``payload`` gives the SHA-256 of each file under data/."""
    r = _Records(load, payload, proven)
    try:
        incident = _check_incident(r, info)
        for spec in _records(info.get("items")):
            _check_item(r, spec, incident)
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        r.fail(f"the documents are not laid out as a civwatch package's ({err!r}).")
    return r.found


# --------------------------------------------------------------------------- running


def verify(root: str, expected: str | None = None) -> tuple[int, list[str]]:
    """Run every check; return the exit status and the lines to print. ``expected`` is the
    fingerprint of the key the package must be signed with (None: not given)."""
    pkg = Package(root)
    files, hashes = check_files(pkg)
    head_group, head, fingerprint = check_head(pkg, expected)
    entries, proven = check_entries(pkg, head)
    chain, first = check_key_chain(pkg, head, expected, fingerprint)
    export, documents = check_export(pkg, proven, hashes)
    # A package made before any key rotation shows its groups as it always did.
    groups = [files, head_group, entries, *([chain] if pkg.specs("key_chain") else [])]
    groups += [
        export,
        check_evidence(pkg, proven, hashes, documents),
        check_records(pkg, proven, hashes),
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
        return EXIT_NOT_VERIFIED, lines
    if expected is None:
        named = fingerprint
        if first not in (None, fingerprint):
            named += f", announced through the chain of keys from the log's first key {first}"
        lines.append(
            f"UNVERIFIED KEY: every file, custody entry and proof matches the tree head signed "
            f"by key {named}, but no key was given to say whose key that is. Compare "
            "it with the fingerprint the organisation published (never the one in README.txt), "
            "then run again with --key FINGERPRINT or --key-file KEY_FILE."
        )
        return EXIT_UNVERIFIED_KEY, lines
    if first == fingerprint:
        lines.append(
            f"VERIFIED: every file, custody entry and proof matches the tree head signed by "
            f"key {fingerprint}, the key you gave."
        )
    else:
        lines.append(
            f"VERIFIED: every file, custody entry and proof matches the tree head signed by "
            f"key {fingerprint}, announced through the chain of keys from {first}, the key "
            "you gave."
        )
    return EXIT_VERIFIED, lines


def _expected_key(args: list[str]) -> str | None:
    """The fingerprint given with --key or computed from --key-file (removed from ``args``);
    ValueError with a message for the user when it is wrong."""
    expected = None
    for option in ("--key", "--key-file"):
        if option not in args:
            continue
        at = args.index(option)
        if at + 1 >= len(args):
            raise ValueError(f"{option} needs a value.")
        value = args[at + 1]
        del args[at : at + 2]
        if expected is not None:
            raise ValueError("Give the key once: --key or --key-file, not both.")
        if option == "--key":
            expected = normalise_fingerprint(value)
            if expected is None:
                raise ValueError(
                    f"--key {value}: a fingerprint is the SHA-256 of the public key, 64 hex "
                    "digits (spaces and colons between them do not matter)."
                )
        else:
            try:
                expected = key_fingerprint(key_from_bytes(Path(value).read_bytes()))
            except OSError as err:
                raise ValueError(f"--key-file {value} cannot be read ({err.strerror}).") from err
            except ValueError as err:
                raise ValueError(f"--key-file {value}: {err}.") from err
    return expected


def main(argv: list[str]) -> int:
    args = list(argv)
    try:
        expected = _expected_key(args)
    except ValueError as err:
        print(err)
        return EXIT_UNREADABLE
    if any(a in ("-h", "--help") for a in args) or len(args) > 1:
        print(__doc__)
        return EXIT_UNREADABLE if len(args) > 1 else EXIT_VERIFIED
    root = args[0] if args else str(Path(__file__).resolve().parent)
    try:
        status, lines = verify(root, expected)
    except (PackageError, OSError, ValueError) as err:
        print(f"NOT VERIFIED: {err}")
        return EXIT_UNREADABLE
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

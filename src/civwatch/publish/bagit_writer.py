"""Writing an evidence package's files: the payload, the BagIt tag files, the custody
folder (entries, proofs, signed tree head, keys), verify.py, the README and the manifests.

Every file is flushed to disk as it is written. What goes in is decided by
:mod:`civwatch.publish.package_contents`; this module only writes it.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from civwatch import __version__
from civwatch.custody.signing import TreeHead, key_fingerprint
from civwatch.errors import IntegrityError
from civwatch.files import sync, write_durable
from civwatch.i18n import _
from civwatch.publish.package_contents import (
    Composed,
    MediaFile,
    Progress,
    disclosable,
    pretty,
)

CHUNK = 1 << 20
PACKAGE_FILE = "civwatch-package.json"


def _copy_media(media: MediaFile, path: Path) -> None:
    digest = hashlib.sha256()
    path.parent.mkdir(parents=True, exist_ok=True)
    with media.open() as source, path.open("wb") as out:
        for block in iter(lambda: source.read(CHUNK), b""):
            digest.update(block)
            out.write(block)
        sync(out)
    if digest.hexdigest() != media.sha256:
        raise IntegrityError(
            _(
                "The stored copy of item %(sha256)s no longer has its SHA-256 (damaged "
                "vault): run `civwatch verify`; no package was made.",
                sha256=media.sha256[:16],
            )
        )


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def files_under(folder: Path) -> list[Path]:
    """Every file below ``folder``."""
    return [p for p in folder.rglob("*") if p.is_file()]


def _manifest(root: Path, files: Iterable[Path]) -> tuple[bytes, int, int]:
    """BagIt manifest lines for ``files`` (relative to ``root``), total bytes and count."""
    lines, total, count = [], 0, 0
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root).as_posix()
        rel = rel.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        lines.append(f"{_sha256_file(path)}  {rel}\n")
        total += path.stat().st_size
        count += 1
    return "".join(lines).encode(), total, count


def one_line(text: str) -> str:
    """``text`` with every run of white space made one space."""
    return " ".join(str(text).split())


def write_payload(root: Path, composed: Composed, progress: Progress | None = None) -> None:
    """The files under data/: the composed documents and records, then the media (each
    copied from the vault and re-hashed on the way)."""
    for rel, data in composed.files.items():
        write_durable(root / rel, data)
    for rel, media in composed.media.items():
        if progress is not None:
            progress(f"media {media.sha256[:16]}")
        _copy_media(media, root / rel)


def write_bag_files(root: Path, now: datetime, info: Mapping[str, str]) -> tuple[str, str]:
    """bagit.txt, bag-info.txt (``info`` plus the agent, date and Payload-Oxum) and the
    payload manifest; returns (Payload-Oxum, SHA-256 of the payload manifest)."""
    manifest, total, count = _manifest(root, files_under(root / "data"))
    oxum = f"{total}.{count}"
    write_durable(root / "bagit.txt", b"BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n")
    fields = {
        "Bag-Software-Agent": f"civwatch {__version__}",
        "Bagging-Date": now.date().isoformat(),
        "Payload-Oxum": oxum,
        **{k: one_line(v) for k, v in info.items()},
    }
    write_durable(root / "bag-info.txt", "".join(f"{k}: {v}\n" for k, v in fields.items()).encode())
    write_durable(root / "manifest-sha256.txt", manifest)
    return oxum, hashlib.sha256(manifest).hexdigest()


def write_custody(
    root: Path,
    head: TreeHead,
    entry_bytes: Mapping[int, bytes],
    proofs: Mapping[int, list[bytes]],
    package: dict[str, Any],
    key_chain: Collection[int] = (),
) -> tuple[int, int]:
    """Entries, proofs, the tree head, the keys, civwatch-package.json (``package`` plus
    the entries listed and withheld, and the key announcements ``key_chain`` names),
    verify.py, the README and the tag manifest. Returns (entries included, entries
    withheld)."""
    listed, withheld, chain = [], [], []
    for leaf in sorted(entry_bytes):
        raw = entry_bytes[leaf]
        proof_rel = f"custody/proofs/{leaf:010d}.json"
        hashed = hashlib.sha256(b"\x00" + raw).hexdigest()
        write_durable(
            root / proof_rel,
            pretty(
                {
                    "leaf_index": leaf,
                    "tree_size": head.tree_size,
                    "leaf_hash": hashed,
                    "audit_path": [h.hex() for h in proofs[leaf]],
                }
            ),
        )
        why = disclosable(raw)
        if leaf in key_chain:
            rel = f"custody/entries/{leaf:010d}.json"
            write_durable(root / rel, raw)
            chain.append({"leaf": leaf, "file": rel, "proof": proof_rel})
        elif why is None:
            rel = f"custody/entries/{leaf:010d}.json"
            write_durable(root / rel, raw)
            act = json.loads(raw).get("act")
            listed.append({"leaf": leaf, "act": act, "file": rel, "proof": proof_rel})
        else:
            withheld.append({"leaf": leaf, "leaf_hash": hashed, "proof": proof_rel, "reason": why})
    fingerprint = key_fingerprint(head.public_key)
    public = Ed25519PublicKey.from_public_bytes(head.public_key)
    write_durable(root / "custody" / "public-key.ed25519", head.public_key)
    write_durable(
        root / "custody" / "public-key.pem",
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    write_durable(
        root / "custody" / "tree-head.json",
        pretty(
            {
                "tree_size": head.tree_size,
                "timestamp_ms": head.timestamp_ms,
                "root_hash": head.root_hash.hex(),
                "signature": head.signature.hex(),
                "public_key": head.public_key.hex(),
                "key_fingerprint": fingerprint,
                "signed_message": "ASCII 'civwatch-custody-tree-head-v1' + LF, tree_size "
                "and timestamp_ms as unsigned 64-bit big-endian, then the 32-byte root",
            }
        ),
    )
    described = {**package, "entries": listed, "withheld": withheld}
    if chain:
        described["key_chain"] = chain
    write_durable(root / PACKAGE_FILE, pretty(described))
    here = resources.files("civwatch.publish")
    write_durable(root / "verify.py", here.joinpath("verify_package.py").read_bytes())
    readme = here.joinpath("templates/package_README.txt").read_text(encoding="utf-8")
    write_durable(
        root / "README.txt",
        readme.replace("{incident}", str(package["incident"]))
        .replace("{fingerprint}", fingerprint)
        .encode(),
    )
    data = root / "data"
    tags = [
        p
        for p in files_under(root)
        if data not in p.parents and not p.name.startswith("tagmanifest-")
    ]
    manifest, _, _ = _manifest(root, tags)
    write_durable(root / "tagmanifest-sha256.txt", manifest)
    return len(listed), len(withheld)


def write_zip(folder: Path, target: BinaryIO, top: str) -> None:
    """The package folder as a ZIP whose entries sit under ``top/``.

    Media (already compressed) are stored; JSON and text are deflated.
    """
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        for path in sorted(files_under(folder)):
            rel = path.relative_to(folder).as_posix()
            compress = (
                zipfile.ZIP_DEFLATED
                if path.suffix in {".json", ".txt", ".html", ".py", ".pem"}
                else zipfile.ZIP_STORED
            )
            archive.write(path, f"{top}/{rel}", compress_type=compress)

"""Chat export import benchmark: `civwatch import telegram` on a generated export of N
messages vs. plain ingest of the same files (the reference, in the same run).

The export is a Telegram Desktop channel export (JSON): one message in four carries a
photo (a small JPEG of its own), the others are text with entities; one in fifty is a
service message. The import reads result.json as a stream, stores each photo and each
text message as an item, and writes one `message-import` custody entry and one row per
message. The reference ingests the same photos plus one JSON file per text message
(what the import stores as the text item) with one source for all: the ingest pipeline
without the message layer. Each runs in a fresh child process on a fresh data folder.

    .venv/bin/python bench/intake_messaging.py [MESSAGES]      # default 10000
"""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def make_export(folder: Path, count: int) -> tuple[int, int]:
    """Write the export; returns (photos, text messages)."""
    import io
    import random

    import rfc8785
    from PIL import Image

    rng = random.Random(7)
    (folder / "photos").mkdir(parents=True)
    texts = folder.parent / "texts"
    texts.mkdir()
    messages = []
    photos = 0
    for i in range(1, count + 1):
        base = {"id": i, "date": "2024-03-01T10:00:00", "date_unixtime": str(1709280000 + i)}
        if i % 50 == 0:
            messages.append(
                {**base, "type": "service", "actor": "Chan", "action": "pin_message", "text": ""}
            )
            continue
        msg = {
            **base,
            "type": "message",
            "from": "Chan",
            "from_id": "channel1",
            "text": [
                f"Report {i}: ",
                {"type": "bold", "text": "strike"},
                " near ",
                {"type": "link", "text": "https://example.org/x"},
            ],
        }
        if i % 4 == 0:
            name = f"photos/photo_{i}.jpg"
            buf = io.BytesIO()
            Image.frombytes("RGB", (96, 72), rng.randbytes(96 * 72 * 3)).save(
                buf, "JPEG", quality=80
            )
            (folder / name).write_bytes(buf.getvalue())
            msg["photo"] = name
            photos += 1
        else:
            doc = {
                "platform": "telegram",
                "chat": {"id": 1, "name": "Chan", "type": "public_channel"},
                "message": msg,
            }
            (texts / f"telegram-1-{i}.json").write_bytes(rfc8785.dumps(doc))
        messages.append(msg)
    doc = {"name": "Chan", "type": "public_channel", "id": 1, "messages": messages}
    (folder / "result.json").write_text(json.dumps(doc, ensure_ascii=False))
    return photos, count - photos - count // 50


def child(phase: str, data: Path, export: Path) -> None:
    sys.path.insert(0, str(REPO / "src"))
    from civwatch.config import Settings
    from civwatch.workspace import Workspace

    ws, _ = Workspace.init(Settings(data_dir=data, min_free_disk=0))
    start = time.perf_counter()
    n = 0
    if phase == "import":
        from civwatch.accounts import add_user
        from civwatch.intake.service import import_export

        add_user(ws, "admin", "Admin", ["admin"], actor=None)
        add_user(ws, "bench", "Bench", ["investigator"], actor="admin")
        for _outcome in import_export(ws, export, actor="bench"):
            n += 1
    else:
        from civwatch.evidence.collect import find_files
        from civwatch.evidence.ingest import Ingest, SourceInfo

        run = Ingest(ws, source=SourceInfo(platform="telegram"), collector="bench")
        for _outcome in run.run(find_files([export / "photos", export.parent / "texts"])):
            n += 1
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ws.close()
    print(json.dumps({"seconds": seconds, "count": n, "rss_kib": rss}))


def run_child(phase: str, data: Path, export: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", phase, str(data), str(export)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        root = Path(tmp)
        export = root / "export" / "ChatExport"
        photos, texts = make_export(export, count)
        size = (export / "result.json").stat().st_size
        cpu = platform.processor() or platform.machine()
        print(f"machine: {platform.node()} {cpu}, python {platform.python_version()}")
        print(
            f"export: {count} messages ({photos} photos, {texts} text, {count // 50} service), "
            f"result.json {size / 1e6:.1f} MB"
        )
        ref = run_child("ingest", root / "data-ref", export)
        imp = run_child("import", root / "data-import", export)
        print(
            f"reference, plain ingest of the same {ref['count']:.0f} files: "
            f"{ref['seconds']:.1f} s, {ref['count'] / ref['seconds']:.1f} files/s, "
            f"peak RSS {ref['rss_kib'] / 1024:.0f} MiB"
        )
        print(
            f"civwatch import telegram: {imp['count']:.0f} messages in {imp['seconds']:.1f} s, "
            f"{imp['count'] / imp['seconds']:.1f} messages/s, "
            f"peak RSS {imp['rss_kib'] / 1024:.0f} MiB"
        )
        print(f"ratio (import time / ingest time): {imp['seconds'] / ref['seconds']:.2f}")


if __name__ == "__main__":
    main()

"""PDFs through WeasyPrint leave the evidence checks as they were: importing WeasyPrint sets
Pillow's process-wide LOAD_TRUNCATED_IMAGES, after which a truncated photo was hashed as if
whole (grey where the file ends) by any later work in the same process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

_AFTER_A_PDF = """
import sys
from civwatch.errors import UnhashableMediaError
from civwatch.matching.pdq import pdq_hash
from civwatch.media.pdf import html_to_pdf
from PIL import ImageFile

assert html_to_pdf("<p>Звіт</p>").startswith(b"%PDF-")
print(ImageFile.LOAD_TRUNCATED_IMAGES)
try:
    pdq_hash(__import__("pathlib").Path(sys.argv[1]))
except UnhashableMediaError:
    print("refused")
else:
    print("hashed")
"""


def test_a_truncated_photo_is_still_refused_after_a_pdf_is_made(tmp_path: Path) -> None:
    pixels = np.random.default_rng(5).integers(0, 255, (1200, 1600, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "full.jpg", quality=90)
    data = (tmp_path / "full.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    run = subprocess.run(
        [sys.executable, "-c", _AFTER_A_PDF, str(tmp_path / "cut.jpg")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "refused"]

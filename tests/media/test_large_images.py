"""A 13000 x 13000 PNG of half a megabyte (507 MB of pixels) is ingested, hashed for copy
finding, previewed and redacted for publication with bounded memory, measured in a real
process: it is decoded reduced, never whole (before, ingest and copy finding took 4.4 GiB).

The peak resident memory of each process is read by a fresh helper process that runs it
(``getrusage(RUSAGE_CHILDREN).ru_maxrss``), so nothing else of the test is counted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from civwatch.evidence.models import EvidenceItem, MediaHash, MediaHashing
from civwatch.workspace import Workspace
from tests.matching.large import SIDE, big_png

#: Peak memory a process may reach while it ingests and hashes, or previews, the big image.
LIMIT_MIB = 300
#: A redaction's process needs about 235 MiB for any photo, however small (its code, and
#: face detection on a 1024-pixel working copy): the big image may add under 165 MiB.
REDACTION_LIMIT_MIB = 400

pytestmark = pytest.mark.slow

_MEASURE = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"code": done.returncode, "out": done.stdout, "err": done.stderr, "mib": peak}))
"""


def peak_of(command: list[str], env: dict[str, str] | None = None) -> dict[str, object]:
    """Run ``command`` from a fresh helper process; its exit code, output and peak MiB."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def huge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = big_png(tmp_path_factory.mktemp("huge") / "strike-13000.png")
    assert path.stat().st_size < 1_000_000
    return path


def test_ingest_and_copy_finding_of_a_13000_pixel_png_stay_under_300_mib(
    huge: Path, workspace: Workspace, cli_env: dict[str, str]
) -> None:
    run = peak_of([sys.executable, "-m", "civwatch", "ingest", str(huge), "--json"], cli_env)
    assert run["code"] == 0, run["err"]
    assert json.loads(str(run["out"]).splitlines()[0])["status"] == "ingested"
    assert "1 hashed, 0 unhashable" in str(run["err"])
    with workspace.sessions() as session:
        item = session.scalars(select(EvidenceItem)).one()
        hashing = session.get(MediaHashing, item.id)
        views = session.scalars(select(MediaHash.view).where(MediaHash.item_id == item.id))
        assert hashing is not None and hashing.status == "hashed", hashing and hashing.reason
        assert "whole" in set(views)
    assert float(run["mib"]) < LIMIT_MIB, f"ingest and copy finding peaked at {run['mib']} MiB"


_PREVIEW = """
import sys
from pathlib import Path
from civwatch.media.preview import image_preview
data, kind = image_preview(Path(sys.argv[1]), max_pixels=200_000_000)
Path(sys.argv[2]).write_bytes(data)
print(kind)
"""


def test_preview_of_a_13000_pixel_png_is_made_under_300_mib(huge: Path, tmp_path: Path) -> None:
    out = tmp_path / "preview"
    run = peak_of([sys.executable, "-c", _PREVIEW, str(huge), str(out)])
    assert run["code"] == 0, run["err"]
    assert str(run["out"]).strip() == "image/jpeg"
    with Image.open(out) as preview:
        assert preview.size == (1024, 1024)
        # the red rectangle of the top left quarter is still where it was
        assert preview.convert("RGB").getpixel((250, 300)) == pytest.approx((230, 40, 40), abs=12)
    assert float(run["mib"]) < LIMIT_MIB, f"the preview peaked at {run['mib']} MiB"


_REDACT = """
import json, sys
from pathlib import Path
from civwatch.media.redact_pixels import redact_image
region = {"x": 10400, "y": 1000, "w": 2000, "h": 2000}  # pixels of the full picture
made = redact_image(
    Path(sys.argv[1]), Path(sys.argv[2]), [region], blur_faces=True, max_pixels=200_000_000
)
print(json.dumps({"path": str(made.path), "size": [made.width, made.height],
                  "regions": made.regions, "actions": made.actions}))
"""


def test_redaction_of_a_13000_pixel_png_is_published_reduced_under_400_mib(
    huge: Path, tmp_path: Path
) -> None:
    run = peak_of([sys.executable, "-c", _REDACT, str(huge), str(tmp_path)])
    assert run["code"] == 0, run["err"]
    made = json.loads(str(run["out"]))
    width, height = made["size"]
    assert width == height and 2048 <= width < 4096  # at least 2048 a side, never the whole
    assert any(f"reduced from {SIDE} x {SIDE}" in a for a in made["actions"]), made["actions"]
    # the region given on the full picture is blurred at the same place of the reduced one
    scale = width / SIDE
    (box,) = made["regions"]
    assert abs(box["x"] - 10400 * scale) <= 1 and abs(box["w"] - 2000 * scale) <= 2
    with Image.open(made["path"]) as out:
        assert out.size == (width, height)
        inside = out.convert("L").crop(
            (box["x"] + 5, box["y"] + 5, box["x"] + box["w"] - 5, box["y"] + box["h"] - 5)
        )
        outside = out.convert("L").crop((box["x"], box["y"] + box["h"] + 20, width, height))
        assert _contrast(inside) < _contrast(outside) / 2  # the stripes are gone there
    assert float(run["mib"]) < REDACTION_LIMIT_MIB, f"the redaction peaked at {run['mib']} MiB"


def _contrast(image: Image.Image) -> float:
    lo, hi = image.getextrema()  # type: ignore[misc]
    return float(hi - lo)

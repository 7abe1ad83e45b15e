"""How well the redaction's face detector (:func:`civwatch.media.faces.detect_faces`) finds
faces, and how often it takes something else for one, on a labelled set of photos that
ship with installed packages (nothing is downloaded).

Run:  .venv/bin/python bench/faces.py [--json]

The set:

* with faces (one each): scikit-image's ``astronaut`` and ``camera`` (the cameraman), and
  the 100 faces of its LFW sample (25x25 crops), each pasted at 80 pixels into a grey
  320x240 frame (the detector works on whole pictures);
* without faces: the 100 non-face crops of the LFW sample pasted the same way, scikit-image's
  pictures of things (``coffee``, ``rocket``, ``chelsea`` the cat, ``horse``, ``brick``,
  ``grass``, ``gravel``, ``coins``, ``moon``, ``page``, ``text``, ``hubble_deep_field``,
  ``retina``, ``clock``, ``checkerboard``, ``colorwheel``, ``logo``), and the eight
  synthetic street scenes of civwatch's demo (buildings, windows, street signs: the case
  where the detector once reported "2 faces" on a photo of buildings).

The set knows how many faces each picture has, not where: on a picture with one face the
first detection counts as the face and any further one as a false alarm; every detection
on a picture without a face is a false alarm. Recall: faces found / faces there. Precision:
true detections / all detections. Per group too, since the false alarms gather on some.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from io import BytesIO

import numpy as np
from numpy.typing import NDArray
from PIL import Image

Picture = tuple[str, str, NDArray[np.uint8], int]  # group, name, RGB pixels, faces in it

NO_FACES = (
    "coffee",
    "rocket",
    "chelsea",
    "horse",
    "brick",
    "grass",
    "gravel",
    "coins",
    "moon",
    "page",
    "text",
    "hubble_deep_field",
    "retina",
    "clock",
    "checkerboard",
    "colorwheel",
    "logo",
)


def _rgb(pixels: NDArray[np.generic]) -> NDArray[np.uint8]:
    image = Image.fromarray(np.asarray(pixels))
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def _framed(crop: NDArray[np.generic], seed: int) -> NDArray[np.uint8]:
    """A 25x25 LFW crop (floats 0..1) scaled to 80 px and pasted into a 320x240 frame."""
    face = Image.fromarray((np.asarray(crop) * 255).astype(np.uint8)).resize((80, 80))
    frame = Image.new("L", (320, 240), 128)
    rng = np.random.default_rng(seed)
    frame.paste(face, (int(rng.integers(20, 220)), int(rng.integers(20, 140))))
    return np.asarray(frame.convert("RGB"), dtype=np.uint8)


def pictures() -> Iterator[Picture]:
    """The labelled set."""
    from skimage import data

    for name in ("astronaut", "camera"):
        yield "people", name, _rgb(getattr(data, name)()), 1
    lfw = data.lfw_subset()  # 100 faces, then 100 non-faces
    for n, crop in enumerate(lfw[:100]):
        yield "lfw faces", f"lfw-face-{n}", _framed(crop, n), 1
    for n, crop in enumerate(lfw[100:]):
        yield "lfw non-faces", f"lfw-other-{n}", _framed(crop, 1000 + n), 0
    for name in NO_FACES:
        yield "things", name, _rgb(getattr(data, name)()), 0
    from civwatch.demo import PLACES, demo_photo

    base = datetime(2024, 6, 1, 9, tzinfo=UTC)
    for n, place in enumerate(PLACES):
        jpeg = demo_photo(place, base, seed=n)
        yield "street scenes", f"demo-{n}", _rgb(np.asarray(Image.open(BytesIO(jpeg)))), 0


def measure() -> dict[str, object]:
    """Recall, precision and false alarms over the set, overall and per group."""
    from civwatch.media.faces import detect_faces

    groups: dict[str, dict[str, int]] = {}
    alarms: list[str] = []
    started = time.perf_counter()
    for group, name, rgb, faces in pictures():
        found = len(detect_faces(rgb))
        g = groups.setdefault(group, {"pictures": 0, "faces": 0, "found": 0, "false": 0})
        true = min(found, faces)
        g["pictures"] += 1
        g["faces"] += faces
        g["found"] += true
        g["false"] += found - true
        if found > true:
            alarms.append(f"{name}: {found - true}")
        print(f"{group} {name}: {found}", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    faces = sum(g["faces"] for g in groups.values())
    found = sum(g["found"] for g in groups.values())
    false = sum(g["false"] for g in groups.values())
    return {
        "pictures": sum(g["pictures"] for g in groups.values()),
        "faces": faces,
        "recall": round(found / faces, 3) if faces else None,
        "precision": round(found / (found + false), 3) if found + false else None,
        "false_alarms": false,
        "groups": groups,
        "false_alarms_on": alarms,
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures = measure()
    if args.json:
        json.dump(figures, sys.stdout, indent=2)
        print()
        return
    print(
        f"{figures['pictures']} pictures, {figures['faces']} faces: recall {figures['recall']}, "
        f"precision {figures['precision']}, {figures['false_alarms']} false alarms "
        f"({figures['seconds']} s)"
    )
    for name, g in figures["groups"].items():  # type: ignore[attr-defined]
        print(f"  {name}: {g}")
    print("  false alarms on: " + ", ".join(figures["false_alarms_on"]))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()

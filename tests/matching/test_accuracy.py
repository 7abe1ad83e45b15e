"""Accuracy of copy detection on real photographs (scikit-image, matplotlib) and copies.

Every image is a query against all others. Targets (issue 4): recall >= 0.95 over the
required transforms with zero false matches between different photos; the geometric
check alone must never pass for two different photos that share an overlay. Here on the
480 pairs that share the same one (the full 1,920 pairs of any two overlays, 4 x slower
to check, are in ``bench/matching_accuracy.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.matching.evalset import OVERLAY_TRANSFORMS, REQUIRED, build, evaluate


@pytest.mark.slow
@pytest.mark.timeout(900)  # about 2 min alone on 2 cores: 288 images, every pair compared
def test_copies_are_found_and_different_photos_never_match(tmp_path: Path) -> None:
    rows = build(tmp_path)
    report = evaluate(rows, all_overlay_pairs=False)
    assert report.false_pairs == []
    # 16 photos, 4 overlays: 4 x (16 x 15 / 2) pairs, none may pass.
    assert report.adversarial_pairs == 480 and report.adversarial_passes == 0
    assert report.recall(REQUIRED) >= 0.95
    # Plain PDQ is the reference: the pipeline must do clearly better.
    assert report.recall(REQUIRED) > report.recall(REQUIRED, "plain_pdq") + 0.2
    for name in REQUIRED:
        assert report.scores[name].found >= report.scores[name].copies - 2, name
    assert all(name in report.scores for name in OVERLAY_TRANSFORMS)

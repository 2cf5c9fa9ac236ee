"""Agreement between two models' faces on one frame."""

from __future__ import annotations

import numpy as np
import pytest

from featherface_app.core.compare import match_faces
from featherface_app.core.detections import FaceDetections


def faces(*boxes: tuple[float, float, float, float]) -> FaceDetections:
    n = len(boxes)
    return FaceDetections(np.array(boxes, np.float32).reshape(n, 4), np.full(n, 0.9), np.zeros((n, 5, 2)))


def test_matching_is_one_to_one_by_iou() -> None:
    a = faces((0, 0, 10, 10), (1, 0, 11, 10), (100, 100, 120, 120))
    b = faces((0, 0, 10, 10), (300, 300, 310, 310))
    agreement = match_faces(a, b)
    assert (agreement.matched, agreement.only_a, agreement.only_b) == (1, 2, 1)
    assert agreement.pairs[0][:2] == (0, 0)
    assert agreement.mean_iou == pytest.approx(1.0)
    assert agreement.ratio == pytest.approx(1 / 4)


def test_iou_threshold_decides_a_match() -> None:
    a = faces((0, 0, 10, 10))
    shifted = faces((4, 0, 14, 10))  # IoU 6/14 ≈ 0.43
    assert match_faces(a, shifted).matched == 0
    assert match_faces(a, shifted, iou=0.4).matched == 1


def test_no_faces_is_an_ordinary_case() -> None:
    empty = FaceDetections.empty()
    assert match_faces(empty, empty).ratio == 1.0
    agreement = match_faces(faces((0, 0, 5, 5)), empty)
    assert (agreement.matched, agreement.only_a, agreement.only_b, agreement.mean_iou) == (0, 1, 0, 0.0)

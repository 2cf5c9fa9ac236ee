"""Drawing is pure (inputs untouched) and works, readably, at any image size."""

from __future__ import annotations

import numpy as np
import pytest

from featherface_app.core.annotate import AnnotationStyle, annotate, draw_hud, side_by_side
from featherface_app.core.detections import FaceDetections

GREEN = AnnotationStyle().box_color


def one_face(width: int, height: int) -> FaceDetections:
    box = np.array([[0.25 * width, 0.25 * height, 0.75 * width, 0.75 * height]], np.float32)
    points = np.tile(np.array([[0.5 * width, 0.5 * height]], np.float32), (5, 1))[None]
    return FaceDetections(box, np.array([0.87]), points)


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 1), (17, 33, 3), (480, 640), (480, 640, 4), (2160, 3840, 3)])
def test_annotate_returns_a_new_bgr_image_of_the_same_size(shape: tuple[int, ...]) -> None:
    image = np.full(shape, 50, np.uint8)
    before = image.copy()
    height, width = shape[:2]
    out = annotate(image, one_face(width, height))
    assert out.shape == (height, width, 3) and out.dtype == np.uint8
    assert np.array_equal(image, before)
    hud = draw_hud(out, ["model", "12.3 FPS"])
    assert hud.shape == out.shape and hud is not out


def test_box_lines_get_thicker_with_the_image() -> None:
    def line_width(width: int, height: int) -> int:
        out = annotate(np.zeros((height, width, 3), np.uint8), one_face(width, height), show_landmarks=False)
        column = out[height // 2 + height // 8 :, width // 4 - 20 : width // 4 + 20]  # left edge, below the label
        return int(np.count_nonzero(np.all(column[0] == GREEN, axis=1)))

    small, large = line_width(640, 480), line_width(3840, 2160)
    print(f"box line width: {small} px at 640x480, {large} px at 3840x2160")
    assert small >= 1 and large > 2 * small


def test_landmarks_are_drawn_only_when_asked() -> None:
    image = np.zeros((200, 200, 3), np.uint8)
    faces = one_face(200, 200)
    with_points = annotate(image, faces, show_landmarks=True)
    without = annotate(image, faces, show_landmarks=False)
    assert not np.array_equal(with_points[100, 100], without[100, 100])


def test_side_by_side_matches_heights() -> None:
    canvas = side_by_side(np.zeros((40, 30, 3), np.uint8), np.zeros((20, 10), np.uint8), gap=2)
    assert canvas.shape == (40, 30 + 2 + 20, 3)

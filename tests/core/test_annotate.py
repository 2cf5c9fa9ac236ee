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


@pytest.mark.parametrize("shape", [(480, 640, 3), (2160, 3840, 3)])
def test_hud_is_a_compact_see_through_panel_in_the_corner(shape: tuple[int, int, int]) -> None:
    image = np.full(shape, 200, np.uint8)
    lines = ["A FeatherFace V1 (CBAM): 3 faces, 38 ms", "B FeatherFace V2 (ECA): 2 faces, 35 ms", "18.2 FPS, latency 67 ms"]
    hud = draw_hud(image, lines)
    rows, cols = np.nonzero(np.any(hud != image, axis=2))
    height, width = shape[:2]
    print(f"HUD covers {rows.max() + 1} x {cols.max() + 1} px of {height} x {width}")
    assert rows.max() < 0.15 * height and cols.max() < 0.45 * width  # compact, whatever the resolution
    assert 0 < hud[1, 1].max() < 200  # the picture shows through (darkened, not painted over)
    assert np.array_equal(hud[rows.max() + 1 :], image[rows.max() + 1 :])  # nothing drawn below it


def test_hud_moves_to_the_corner_that_hides_no_face() -> None:
    image = np.full((480, 640, 3), 200, np.uint8)
    lines = ["FeatherFace V1 (CBAM): 1 face, 20 ms", "25.0 FPS, latency 40 ms"]

    def hud_corner(faces: list[list[float]]) -> tuple[bool, bool]:
        changed = np.any(draw_hud(image, lines, avoid=np.array(faces, np.float32).reshape(-1, 4)) != image, axis=2)
        rows, cols = np.nonzero(changed)
        return bool(rows.min() == 0), bool(cols.min() == 0)  # (at the top, at the left)

    assert hud_corner([]) == (True, True)
    assert hud_corner([[300, 300, 400, 400]]) == (True, True)  # nothing in the way: top-left
    assert hud_corner([[0, 0, 120, 120]]) == (False, True)  # a face top-left: bottom-left
    assert hud_corner([[0, 0, 120, 120], [0, 400, 120, 480]]) == (True, False)  # both left corners taken

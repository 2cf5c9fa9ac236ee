"""Overlay compare mode: model B's score label does not cover model A's. The real processor runs
one real model as both A and B (the worst case: every box of B lies exactly on A's) and the
label of each model must still be there, in its own colour, on the annotated image."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from featherface_app.core.annotate import FONT, SECOND_STYLE, AnnotationStyle, _font_scale, _scale, _thickness
from featherface_app.core.detector import DetectOptions, OnnxFaceDetector
from featherface_app.core.pipeline import CompareMode, FrameProcessor
from featherface_app.core.sources import open_source


def fill_share(image: np.ndarray, rows: tuple[int, int], cols: tuple[int, int], colour: tuple[int, int, int]) -> float:
    region = image[max(0, rows[0]) : rows[1], max(0, cols[0]) : cols[1]]
    return float(np.all(region == np.array(colour, np.uint8), axis=2).mean()) if region.size else 0.0


def test_overlay_labels_of_a_and_b_do_not_cover_each_other(shipped_model_paths: list[Path]) -> None:
    model = shipped_model_paths[0]
    processor = FrameProcessor({"A": OnnxFaceDetector(model), "B": OnnxFaceDetector(model)}, active="A", options=DetectOptions(input_long_side=640))
    processor.set_show_hud(False)
    processor.set_compare("B", CompareMode.OVERLAY)
    source = open_source("sample")
    frame = source.read()
    source.close()
    assert frame is not None
    processed = processor.process(frame)
    faces = processed.results[0].detections
    assert len(faces) >= 1 and np.array_equal(faces.xyxy, processed.results[1].detections.xyxy)

    image = processed.image_bgr
    scale = _scale(image)
    style = AnnotationStyle()
    size = max(1, _thickness(style, scale) // 2)
    font = _font_scale(style, scale)
    checked = 0
    for (x1, y1, x2, y2), score in zip(faces.xyxy.round().astype(int), faces.scores):
        (w, h), base = cv2.getTextSize(f"A {score:.2f}", FONT, font, size)
        if y1 - h - base < 0 or y2 + h + base > image.shape[0] or x1 + w > image.shape[1]:
            continue  # a label pushed back inside the picture: not the case checked here
        above = fill_share(image, (y1 - h - base, y1 - 1), (x1 + 1, x1 + w - 1), style.box_color)
        below = fill_share(image, (y2 + 2, y2 + h + base), (x1 + 1, x1 + w - 1), SECOND_STYLE.box_color)
        assert above > 0.3, f"A's label above the face at {x1},{y1} is covered (green share {above:.2f})"
        assert below > 0.3, f"B's label below the face at {x1},{y2} is missing (orange share {below:.2f})"
        checked += 1
    assert checked >= 1

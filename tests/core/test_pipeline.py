"""FrameProcessor with a real onnxruntime model: stages, annotation, compare modes, live switching."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from featherface_app.core.detections import STAGES
from featherface_app.core.detector import DetectOptions, OnnxFaceDetector
from featherface_app.core.pipeline import MIN_ANNOTATED_SIDE, SLIVER_BACKGROUND, CompareMode, FrameProcessor
from featherface_app.core.sources import Frame, open_source


@pytest.fixture(scope="module")
def detector(model_path: Path) -> OnnxFaceDetector:
    return OnnxFaceDetector(model_path)


@pytest.fixture(scope="module")
def sample_frame() -> Frame:
    source = open_source("sample")
    frame = source.read()
    source.close()
    assert frame is not None
    return frame


def frame_of(image: np.ndarray, index: int = 0) -> Frame:
    return Frame(image, index, time.monotonic_ns(), 0.0)


def test_process_times_every_stage_and_annotates_a_copy(detector: OnnxFaceDetector, sample_frame: Frame) -> None:
    before = sample_frame.image.copy()
    processed = FrameProcessor({"detector": detector}).process(sample_frame)
    assert np.array_equal(sample_frame.image, before)
    (result,) = processed.results
    assert set(result.stage_ms) == set(STAGES) and all(v >= 0 for v in result.stage_ms.values())
    assert result.model_name == "detector" and result.frame_index == sample_frame.index
    assert len(result.detections) == 1
    assert processed.image_bgr.shape == sample_frame.image.shape
    assert not np.array_equal(processed.image_bgr, sample_frame.image)
    assert processed.agreement is None


def test_compare_side_by_side_and_overlay(detector: OnnxFaceDetector, sample_frame: Frame) -> None:
    processor = FrameProcessor({"A": detector, "B": detector})
    processor.set_compare("B", CompareMode.SIDE_BY_SIDE)
    processed = processor.process(sample_frame)
    height, width = sample_frame.image.shape[:2]
    assert processed.image_bgr.shape[0] == height and processed.image_bgr.shape[1] > 2 * width
    assert [r.model_name for r in processed.results] == ["A", "B"]
    agreement = processed.agreement
    assert agreement is not None and agreement.matched == 1 and agreement.only_a == agreement.only_b == 0
    assert agreement.mean_iou == pytest.approx(1.0)

    processor.set_compare("B", CompareMode.OVERLAY)
    assert processor.process(sample_frame).image_bgr.shape == sample_frame.image.shape
    processor.set_compare(None)
    assert len(processor.process(sample_frame).results) == 1


def test_settings_apply_from_the_next_frame(detector: OnnxFaceDetector, sample_frame: Frame) -> None:
    processor = FrameProcessor({"A": detector, "B": detector})
    assert processor.process(sample_frame).results[0].model_name == "A"
    processor.set_active("B")
    assert processor.process(sample_frame).results[0].model_name == "B"
    processor.update_options(confidence=0.99999)
    assert len(processor.process(sample_frame).results[0].detections) == 0
    with pytest.raises(ValueError, match="unknown model 'C'"):
        processor.set_active("C")
    processor.remove_detector("B")
    assert processor.active_name == "A"


def test_switching_from_another_thread_while_processing(detector: OnnxFaceDetector, sample_frame: Frame) -> None:
    processor = FrameProcessor({"A": detector, "B": detector})
    stop = threading.Event()
    switches = 0

    def switch() -> None:
        nonlocal switches
        while not stop.is_set():
            processor.set_active("AB"[switches % 2])
            processor.update_options(confidence=0.5 + 0.01 * (switches % 3))
            processor.set_compare("A" if switches % 5 == 0 else None)
            switches += 1

    switcher = threading.Thread(target=switch)
    switcher.start()
    try:
        names = [r.model_name for _ in range(15) for r in processor.process(sample_frame).results]
    finally:
        stop.set()
        switcher.join(5)
    print(f"{switches} setting changes during 15 frames")
    assert set(names) <= {"A", "B"} and switches > 15


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 1), (17, 33, 3), (480, 641), (100, 80, 4), (2160, 3840, 3)])
def test_odd_frames_flow_through(detector: OnnxFaceDetector, shape: tuple[int, ...]) -> None:
    image = np.random.default_rng(1).integers(0, 255, shape, dtype=np.uint8)
    processed = FrameProcessor({"t": detector}, options=DetectOptions(input_long_side=640)).process(frame_of(image))
    factor = max(1, -(-MIN_ANNOTATED_SIDE // max(shape[:2])))  # tiny frames are drawn enlarged, slivers on a canvas
    assert processed.image_bgr.shape == (max(shape[0] * factor, MIN_ANNOTATED_SIDE), max(shape[1] * factor, MIN_ANNOTATED_SIDE), 3)


@pytest.mark.parametrize("side", [1, 8, 32])
def test_a_tiny_source_is_drawn_enlarged_with_a_readable_hud(detector: OnnxFaceDetector, side: int) -> None:
    image = np.full((side, side, 3), 128, np.uint8)
    with_hud = FrameProcessor({"t": detector}).process(frame_of(image))
    processor = FrameProcessor({"t": detector})
    processor.set_show_hud(False)
    without = processor.process(frame_of(image))
    assert min(with_hud.image_bgr.shape[:2]) >= MIN_ANNOTATED_SIDE
    assert np.all(without.image_bgr == 128)  # only enlarged: the frame's own pixels
    hud_rows = np.flatnonzero(np.any(with_hud.image_bgr != 128, axis=(1, 2)))
    assert hud_rows.size >= 12, "the HUD's text must span readable rows of the enlarged frame"
    faces = with_hud.results[0].detections
    assert np.all(faces.xyxy <= side)  # results stay in the source's own pixels


@pytest.mark.parametrize("shape", [(720, 8), (8, 720), (2, 900)])
def test_a_sliver_is_drawn_on_a_canvas_with_room_for_the_hud(detector: OnnxFaceDetector, shape: tuple[int, int]) -> None:
    image = np.full((*shape, 3), 128, np.uint8)
    processed = FrameProcessor({"t": detector}).process(frame_of(image))
    height, width = processed.image_bgr.shape[:2]
    assert (height, width) == (max(shape[0], MIN_ANNOTATED_SIDE), max(shape[1], MIN_ANNOTATED_SIDE))
    outside = processed.image_bgr.copy()
    outside[: shape[0], : shape[1]] = SLIVER_BACKGROUND  # the sliver itself
    drawn = np.any(outside != np.array(SLIVER_BACKGROUND, np.uint8), axis=2)
    assert drawn.sum() > 200, "the HUD is drawn on the canvas beside the sliver"
    assert np.flatnonzero(drawn.any(axis=0)).max() - np.flatnonzero(drawn.any(axis=0)).min() >= 100, "the HUD's text runs across the canvas"


def test_without_a_model_frames_pass_through_with_a_note(sample_frame: Frame) -> None:
    processed = FrameProcessor().process(sample_frame)
    assert processed.results == [] and processed.image_bgr.shape == sample_frame.image.shape

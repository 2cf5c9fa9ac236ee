"""The lean worker path (issue 13): fused pre-processing, concurrent compare mode, the bench rows.

On real frames of the sample clip and the shipped models: the tensor is bit-identical to
OpenCV's ``blobFromImage`` of the mean-padded image (the previous implementation), detections are
unchanged, and compare mode's two models, run at the same time, find exactly what each finds alone.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from featherface_app.core.bench import run_bench
from featherface_app.core.detector import DetectOptions, OnnxFaceDetector, load_detector
from featherface_app.core.pipeline import CompareMode, FrameProcessor
from featherface_app.core.sources import Frame, open_source


def sample_frames(count: int) -> list[Frame]:
    source = open_source("sample")
    try:
        frames = [source.read() for _ in range(count)]
    finally:
        source.close()
    assert all(f is not None for f in frames)
    return [f for f in frames if f is not None]


def blob_reference(detector: OnnxFaceDetector, frame: np.ndarray, long_side: int | None) -> tuple[np.ndarray, float]:
    """The pre-processing before the fused one: resize, pad with the mean colour, blobFromImage."""
    height, width = frame.shape[:2]
    scale = min(long_side or max(height, width), 4096) / max(height, width)
    if abs(scale - 1.0) > 1e-6:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    m = detector.info.size_multiple
    h, w = frame.shape[:2]
    ph, pw = max(m, math.ceil(h / m) * m), max(m, math.ceil(w / m) * m)
    rgb = detector.info.color_order == "RGB"
    border = tuple(float(v) for v in (detector.info.mean[::-1] if rgb else detector.info.mean))
    padded = cv2.copyMakeBorder(frame, 0, ph - h, 0, pw - w, cv2.BORDER_CONSTANT, value=border)
    tensor = cv2.dnn.blobFromImage(padded, 1.0, None, detector.info.mean, swapRB=rgb, crop=False)
    return tensor * (1.0 / np.array(detector.info.std, np.float32))[None, :, None, None], scale


@pytest.fixture(scope="module")
def models(two_models: list[Path]) -> list[OnnxFaceDetector]:
    loaded = [load_detector(p) for p in two_models]
    assert all(isinstance(d, OnnxFaceDetector) for d in loaded)
    return loaded  # type: ignore[return-value]


@pytest.mark.parametrize("long_side", [640, 500, 333, None])
def test_fused_preprocessing_is_blob_from_image_bit_for_bit(models: list[OnnxFaceDetector], long_side: int | None) -> None:
    detector = models[0]
    for frame in sample_frames(4):
        expected, expected_scale = blob_reference(detector, frame.image, long_side)
        tensor, scale = detector.preprocess(frame.image, long_side)
        assert scale == expected_scale and tensor.shape == expected.shape
        assert np.array_equal(tensor, expected)


def test_detections_unchanged_by_the_fused_path(models: list[OnnxFaceDetector]) -> None:
    options = DetectOptions(confidence=0.3)
    found = 0
    for detector in models:
        for frame in sample_frames(6):
            tensor, scale = blob_reference(detector, frame.image, options.input_long_side)
            expected = detector.postprocess(detector.infer(tensor.astype(np.float32)), tensor.shape[2:4], scale, frame.image.shape[:2], options)
            got = detector.detect(frame.image, options).faces
            assert len(got) == len(expected)
            np.testing.assert_allclose(got.xyxy, expected.xyxy, atol=1e-4)
            np.testing.assert_allclose(got.scores, expected.scores, atol=1e-4)
            np.testing.assert_allclose(got.landmarks, expected.landmarks, atol=1e-4)
            found += len(got)
    assert found > 0  # the clip has faces: the comparison is not of empty sets


@pytest.mark.parametrize("mode", [CompareMode.SIDE_BY_SIDE, CompareMode.OVERLAY])
def test_compare_mode_runs_both_models_on_the_same_frame(models: list[OnnxFaceDetector], mode: CompareMode) -> None:
    a, b = models
    processor = FrameProcessor({"A": a, "B": b})
    processor.set_models("A", "B", mode)
    try:
        for frame in sample_frames(5):
            processed = processor.process(frame)
            assert [r.model_name for r in processed.results] == ["A", "B"]
            assert {r.frame_index for r in processed.results} == {frame.index} == {processed.frame_index}
            for result, alone in zip(processed.results, (a, b)):
                expected = alone.detect(frame.image, processor.options).faces
                assert np.array_equal(result.detections.xyxy, expected.xyxy) and np.array_equal(result.detections.scores, expected.scores)
            width = frame.image.shape[1]
            assert processed.image_bgr.shape[1] == (2 * width + 4 if mode is CompareMode.SIDE_BY_SIDE else width)
            assert processed.worker_ms > 0
    finally:
        processor.close()


def test_bench_compare_row_beside_each_models_row(models: list[OnnxFaceDetector]) -> None:
    rows = [r.to_json() for r in run_bench(models, "sample", frames=6, compare=True, rounds=2)]
    assert [r["mode"] for r in rows] == ["single", "single", "compare"]
    pair = rows[2]
    assert pair["models"] == [models[0].name, models[1].name if models[1].name != models[0].name else f"{models[1].name} (B)"]
    assert [m["model"] for m in pair["model_infer_ms"]] == pair["models"]
    assert all(m["infer_ms_p50"] <= m["infer_ms_p95"] for m in pair["model_infer_ms"])
    assert pair["frames"] == 6 and pair["fps"] > 0 and pair["fps_to_slower_single"] > 0
    for row in rows:
        assert row["frames"] == 6
        assert 0 < row["infer_ms_p50"] <= row["worker_ms_p50"] <= row["pipeline_ms_p50"]


def test_the_second_inference_thread_ends_with_compare_mode(models: list[OnnxFaceDetector]) -> None:
    def compare_threads() -> list[str]:
        return [t.name for t in threading.enumerate() if t.name.startswith("compare-inference")]

    before = compare_threads()
    processor = FrameProcessor({"A": models[0], "B": models[1]})
    frames = sample_frames(2)
    processor.set_models("A", "B", CompareMode.OVERLAY)
    processor.process(frames[0])
    assert len(compare_threads()) == len(before) + 1
    processor.set_models("A", None)
    assert len(processor.process(frames[1]).results) == 1
    assert compare_threads() == before

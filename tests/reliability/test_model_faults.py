"""Model faults while a video runs: every broken, incompatible or lying model file is refused by
the registry (the GUI's loader) with a message naming the file and the problem, and the model
already running keeps processing frames; a model that throws at run time is taken off and the
previous one resumes.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from onnx import TensorProto
from reliability_harness import InferenceThread, tiny_retinaface, with_metadata

from featherface_app.core.capture import CaptureLoop
from featherface_app.core.detector import DetectOptions, OnnxFaceDetector
from featherface_app.core.errors import ModelLoadError, ModelRunError
from featherface_app.core.mailbox import LatestMailbox
from featherface_app.core.metadata import ModelInfo
from featherface_app.core.pipeline import CompareMode, FrameProcessor
from featherface_app.core.registry import ModelRegistry
from featherface_app.core.sources import Frame, SampleSource

RUNNING = "teacher"


@dataclass
class Live:
    """The sample clip playing at its real rate through a real model on a worker thread."""

    processor: FrameProcessor
    worker: InferenceThread
    capture: CaptureLoop
    registry: ModelRegistry

    def assert_still_running(self, name: str = RUNNING) -> None:
        assert self.worker.wait_for_frames(3, timeout=60), f"frames stopped after {self.worker.processed}"
        assert self.processor.active_name == name and self.worker.running and self.capture.running
        assert self.worker.last is not None and self.worker.last.results[0].model_name == name


@pytest.fixture(scope="module")
def live(teacher_model_path: Path) -> Iterator[Live]:
    registry = ModelRegistry([])
    processor = FrameProcessor({RUNNING: registry.load(teacher_model_path)}, options=DetectOptions(input_long_side=160))
    mailbox: LatestMailbox[Frame] = LatestMailbox()
    capture = CaptureLoop(SampleSource(), mailbox, realtime=True)
    worker = InferenceThread(processor, mailbox).start()
    capture.start()
    yield Live(processor, worker, capture, registry)
    assert capture.stop() and worker.stop()
    print(f"\n[model faults] the running model processed {worker.processed} frames across the faults, {len(worker.errors)} errors")


Builder = Callable[[Path, Path], Path]


def edit(change: Callable[[dict[str, Any]], Any]) -> Builder:
    """A copy of the (real) teacher whose metadata was changed by ``change``."""
    return lambda path, teacher: with_metadata(teacher, path, change)


def set_field(*keys_and_value: Any) -> Callable[[dict[str, Any]], None]:
    *keys, value = keys_and_value

    def change(document: dict[str, Any]) -> None:
        target = document
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


def truncated(path: Path, teacher: Path) -> Path:
    data = teacher.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


CASES: dict[str, tuple[Builder, str]] = {
    # files that are not models
    "empty": (lambda p, t: (p.write_bytes(b""), p)[1], r"the model file is empty"),
    "truncated at 50%": (truncated, r"not a loadable ONNX model"),
    "random bytes": (lambda p, t: (p.write_bytes(os.urandom(4096)), p)[1], r"not a loadable ONNX model"),
    # valid ONNX, wrong inputs or outputs
    "int64 input": (lambda p, t: tiny_retinaface(p, input_type=TensorProto.INT64), r"must be a float32 4-D tensor"),
    "3-D input": (lambda p, t: tiny_retinaface(p, input_shape=(3, "h", "w")), r"must be a float32 4-D tensor"),
    "one-channel input": (lambda p, t: tiny_retinaface(p, input_shape=(1, 1, "h", "w")), r"must have 3 channels"),
    "fixed 640x640 input": (lambda p, t: tiny_retinaface(p, input_shape=(1, 3, 640, 640)), r"fails on a test frame.*input"),
    "second required input": (lambda p, t: tiny_retinaface(p, extra_input=True), r"fails on a test frame.*scale"),
    "boxes of width 5": (lambda p, t: tiny_retinaface(p, output_widths={"boxes": 5}), r"'boxes' \(boxes\) must be \[1, N, 4\]"),
    "no metadata, unknown outputs": (lambda p, t: tiny_retinaface(p, info=None, output_widths={"landmarks": 8}), r"cannot identify outputs \['landmarks'\]"),
    # metadata that lies about the (real) teacher
    "anchors imply 3 priors per cell": (edit(set_field("anchors", "min_sizes", [[16, 24, 32], [64, 96, 128], [256, 384, 512]])), r"anchor metadata implies"),
    "anchors for two levels": (
        edit(set_field("anchors", {"min_sizes": [[16, 32], [64, 128]], "steps": [8, 16], "variances": [0.1, 0.2]})),
        r"anchor metadata implies",
    ),
    "infinite anchor size": (edit(set_field("anchors", "min_sizes", [[math.inf, 32], [64, 128], [256, 512]])), r"'anchors'.*malformed"),
    "absurd anchor step": (edit(set_field("anchors", "steps", [8, 16, 10**400])), r"steps and min sizes must be between 1 and 8192"),
    "wrong output name": (edit(set_field("outputs", "landmarks", "ldm")), r"names output 'ldm' for landmarks"),
    "swapped outputs": (edit(set_field("outputs", {"boxes": "landmark_deltas", "scores": "scores", "landmarks": "box_deltas"})), r"must be \[1, N, 4\]"),
    "wrong input name": (edit(set_field("input", "name", "image")), r"names input 'image'"),
    "NaN mean": (edit(set_field("input", "mean", [math.nan, 117, 123])), r"'input.mean' must be a list of three finite numbers"),
    "huge int mean": (edit(set_field("input", "mean", [10**400, 117, 123])), r"'input.mean' must be a list of three finite numbers"),
    "zero std": (edit(set_field("input", "std", [0, 1, 1])), r"'input.std' must be positive"),
    "huge size_multiple": (edit(set_field("input", "size_multiple", 4096)), r"size_multiple' must be an integer in 1..256"),
    "unknown colour order": (edit(set_field("input", "color_order", "YUV")), r"color_order' must be BGR or RGB"),
    "negative variance": (edit(set_field("anchors", "variances", [-0.1, 0.2])), r"two positive variances"),
    "confidence 5": (edit(set_field("defaults", {"confidence": 5})), r"'defaults.confidence' must be a number in \[0, 1\]"),
    "future schema": (edit(set_field("schema", 99)), r"schema 99 is not supported"),
    "metadata not JSON": (lambda p, t: with_metadata(t, p, "{'name': 'python, not JSON'"), r"metadata is not valid JSON"),
    "metadata a list": (lambda p, t: with_metadata(t, p, "[1, 2, 3]"), r"must be a JSON object"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_model_is_refused_and_the_running_model_keeps_running(live: Live, teacher_model_path: Path, tmp_path: Path, case: str) -> None:
    build, problem = CASES[case]
    path = build(tmp_path / f"bad model ({case}).onnx", teacher_model_path)
    before = live.worker.processed
    with pytest.raises(ModelLoadError) as refused:
        live.registry.load(path)
    message = str(refused.value)
    print(f"\n[{case}] refused: {message}")
    assert message.startswith(f"{path.name}: "), "the message must name the file first"
    assert re.search(problem, message), f"expected /{problem}/ in {message!r}"
    assert path.resolve() not in live.registry.loaded()
    live.assert_still_running()
    assert live.worker.errors == []
    print(f"[{case}] the running model went on: {live.worker.processed - before} frames during and after the refusal")


def test_a_foreign_model_without_metadata_but_with_known_outputs_is_accepted(live: Live, tmp_path: Path) -> None:
    """The control for the cases above: a RetinaFace-family export with other output names and
    no metadata is identified by its output widths and runs."""
    path = tiny_retinaface(tmp_path / "foreign.onnx", info=None, output_names={"boxes": "output0", "scores": "output1", "landmarks": "output2"})
    detector = live.registry.load(path)
    assert not detector.info.from_metadata and detector.info.output_names == {"boxes": "output0", "scores": "output1", "landmarks": "output2"}
    live.processor.add_detector("foreign", detector)
    try:
        live.processor.set_active("foreign")
        live.assert_still_running("foreign")
    finally:
        live.processor.set_active(RUNNING)
        live.processor.remove_detector("foreign")
    live.assert_still_running()


def test_a_model_that_throws_at_run_time_is_taken_off_and_the_previous_one_resumes(live: Live, tmp_path: Path) -> None:
    """A model exported for 640-pixel-wide input only: it passes the load-time check (a 640x480
    test frame) but fails on the 160-pixel input the running pipeline uses."""
    path = tiny_retinaface(tmp_path / "only 640 wide.onnx", info=ModelInfo(name="W640", variant="fixed-width"), only_width=640)
    detector = live.registry.load(path)
    live.processor.add_detector("W640", detector)
    try:
        live.assert_still_running()  # warm: the new model is loaded but not selected
        live.processor.set_active("W640")
        assert live.worker.wait_until(lambda w: len(w.errors) >= 1, timeout=60)
        error = live.worker.errors[0]
        print(f"\n[run-time fault] {error}")
        assert isinstance(error, ModelRunError)
        assert str(error).startswith(f"{path.name}: inference failed on a 160x128 input")
        assert str(error).endswith(f"switched back to {RUNNING}")
        live.assert_still_running()

        live.processor.set_compare("W640", CompareMode.SIDE_BY_SIDE)  # as the second model
        assert live.worker.wait_until(lambda w: len(w.errors) >= 2, timeout=60)
        print(f"[run-time fault, compare] {live.worker.errors[1]}")
        assert str(live.worker.errors[1]).endswith("compare mode turned off")
        assert live.processor.compare_mode is CompareMode.OFF
        live.assert_still_running()
        assert len(live.worker.errors) == 2, "each failure is reported once, then the model is off"

        live.processor.update_options(input_long_side=640)  # the size it was exported for
        live.processor.set_active("W640")
        live.assert_still_running("W640")
        assert len(live.worker.errors) == 2
    finally:
        live.processor.update_options(input_long_side=160)
        live.processor.set_active(RUNNING)
        live.processor.remove_detector("W640")
    live.assert_still_running()
    live.worker.errors.clear()


def test_a_model_that_throws_with_nothing_to_fall_back_to_reports_every_frame(tmp_path: Path) -> None:
    """With only the failing model there is nothing to switch back to: each frame raises the
    same clear error (the GUI worker shows it once) and nothing else breaks."""
    path = tiny_retinaface(tmp_path / "w640.onnx", only_width=640)
    processor = FrameProcessor({"W640": OnnxFaceDetector(path)}, options=DetectOptions(input_long_side=320))
    source = SampleSource()
    frame = source.read()
    source.close()
    assert frame is not None
    messages = set()
    for _ in range(3):
        with pytest.raises(ModelRunError) as failed:
            processor.process(frame)
        messages.add(str(failed.value))
    assert len(messages) == 1 and "w640.onnx: inference failed on a 320x256 input" in messages.pop()
    processor.update_options(input_long_side=640)
    assert processor.process(frame).results[0].model_name == "W640"

"""Shared pieces of the reliability tests: real video files, tiny ONNX models built with
``onnx.helper``, a Qt-free inference thread and resource sampling.

The inference thread drives the core :class:`FrameLoop` — the same loop the GUI's
``InferenceWorker`` drives — with a real :class:`Recorder` as an optional sink, so the core can be
soaked without a window. Imported by the test modules through ``conftest.py``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import onnx
import psutil
from onnx import TensorProto, helper, numpy_helper

from featherface_app.core.anchors import AnchorConfig
from featherface_app.core.errors import CameraError
from featherface_app.core.loop import FrameLoop, Sink
from featherface_app.core.mailbox import LatestMailbox
from featherface_app.core.metadata import METADATA_KEY, ModelInfo
from featherface_app.core.paths import sample_clip_path
from featherface_app.core.pipeline import FrameProcessor, ProcessedFrame
from featherface_app.core.recorder import Recorder
from featherface_app.core.sinks import RecorderSink
from featherface_app.core.sources import Frame

# -- media -------------------------------------------------------------------------------------


def sample_frames(count: int, size: tuple[int, int] | None = None) -> list[np.ndarray]:
    """The first ``count`` frames of the bundled sample clip (our own media, with faces), BGR,
    resized to ``size`` (w, h) when given."""
    capture = cv2.VideoCapture(str(sample_clip_path()))
    frames: list[np.ndarray] = []
    while len(frames) < count:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image if size is None else cv2.resize(image, size, interpolation=cv2.INTER_AREA))
    capture.release()
    if len(frames) < count:
        raise RuntimeError(f"the sample clip {sample_clip_path()} has only {len(frames)} frames, {count} wanted")
    return frames


def write_video(
    path: Path,
    frames: Sequence[np.ndarray],
    fps: float = 25.0,
    codec: str = "libx264",
    pts_ms: Sequence[int] | None = None,
) -> Path:
    """Encode BGR (or gray 2-D) frames with PyAV; the container follows the suffix.

    ``codec``: ``libx264`` (even sizes), ``ffv1`` (lossless, any size, keeps gray as gray),
    ``mjpeg``. ``pts_ms`` gives every frame an explicit timestamp (variable frame rate).
    """
    gray = frames[0].ndim == 2
    height, width = frames[0].shape[:2]
    pix_fmt = {"libx264": "yuv420p", "mjpeg": "yuvj420p", "ffv1": "gray" if gray else "bgr0"}[codec]
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if codec == "libx264":
            stream.options = {"preset": "ultrafast"}
        if pts_ms is not None:
            stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="gray" if gray else "bgr24")
            if pts_ms is not None:
                frame.pts, frame.time_base = pts_ms[i], Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def count_decodable(path: Path) -> int:
    """Frames OpenCV decodes from ``path``, as a user's player would."""
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    capture.release()
    return count


# -- models ------------------------------------------------------------------------------------

ROLE_WIDTHS = {"boxes": 4, "scores": 2, "landmarks": 10}


def tiny_retinaface(
    path: Path,
    *,
    info: ModelInfo | None = ModelInfo(name="tiny", variant="tiny-test"),
    input_shape: Sequence[int | str] = (1, 3, "h", "w"),
    input_type: int = TensorProto.FLOAT,
    output_names: dict[str, str] | None = None,
    output_widths: dict[str, int] | None = None,
    only_width: int | None = None,
    extra_input: bool = False,
) -> Path:
    """A small, valid RetinaFace-family ONNX model (default anchors, 2 per location), so every
    fault below is the only thing wrong with it.

    Per level (steps 8/16/32): average pool → 1x1 convs for boxes / scores / landmarks →
    NHWC → ``[1, N, k]``; scores softmaxed and biased to "no face". Knobs: ``info`` (metadata;
    None: none), ``input_shape`` / ``input_type`` (wrong inputs), ``output_names`` /
    ``output_widths`` (wrong outputs), ``only_width`` (the graph adds a ``[1,1,1,only_width]``
    constant, so it runs only on inputs that wide: a model that throws at run time on other
    sizes), ``extra_input`` (a second required input the app does not feed).
    """
    names = {**{r: r for r in ROLE_WIDTHS}, **(output_names or {})}
    widths = {**ROLE_WIDTHS, **(output_widths or {})}
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []
    image = "input"
    if input_type != TensorProto.FLOAT:
        nodes.append(helper.make_node("Cast", ["input"], ["input_f"], to=TensorProto.FLOAT))
        image = "input_f"
    if len(input_shape) == 3:
        inits.append(numpy_helper.from_array(np.array([0], np.int64), "axis0"))
        nodes.append(helper.make_node("Unsqueeze", [image, "axis0"], ["input_4d"]))
        image = "input_4d"
    if only_width is not None:
        inits.append(numpy_helper.from_array(np.zeros((1, 1, 1, only_width), np.float32), "width_probe"))
        nodes.append(helper.make_node("Add", [image, "width_probe"], ["probed"]))
        image = "probed"
    if extra_input:
        nodes.append(helper.make_node("Mul", [image, "scale"], ["scaled"]))
        image = "scaled"
    anchors = 2
    channels = input_shape[-3] if isinstance(input_shape[-3], int) else 3
    per_role: dict[str, list[str]] = {role: [] for role in ROLE_WIDTHS}
    for step in AnchorConfig().steps:
        pooled = f"pool{step}"
        nodes.append(helper.make_node("AveragePool", [image], [pooled], kernel_shape=[step, step], strides=[step, step], ceil_mode=1))
        for role, width in widths.items():
            weight = numpy_helper.from_array(np.zeros((anchors * width, channels, 1, 1), np.float32), f"{role}{step}_w")
            bias_values = np.tile([4.0, -4.0], anchors) if role == "scores" and width == 2 else np.zeros(anchors * width)
            bias = numpy_helper.from_array(bias_values.astype(np.float32), f"{role}{step}_b")
            inits += [weight, bias]
            shape = numpy_helper.from_array(np.array([1, -1, width], np.int64), f"{role}{step}_shape")
            inits.append(shape)
            nodes += [
                helper.make_node("Conv", [pooled, weight.name, bias.name], [f"{role}{step}_c"]),
                helper.make_node("Transpose", [f"{role}{step}_c"], [f"{role}{step}_t"], perm=[0, 2, 3, 1]),
                helper.make_node("Reshape", [f"{role}{step}_t", shape.name], [f"{role}{step}"]),
            ]
            per_role[role].append(f"{role}{step}")
    outputs = []
    for role, width in widths.items():
        final = names[role]
        if role == "scores":
            nodes.append(helper.make_node("Concat", per_role[role], ["scores_raw"], axis=1))
            nodes.append(helper.make_node("Softmax", ["scores_raw"], [final], axis=-1))
        else:
            nodes.append(helper.make_node("Concat", per_role[role], [final], axis=1))
        outputs.append(helper.make_tensor_value_info(final, TensorProto.FLOAT, [1, "n", width]))
    inputs = [helper.make_tensor_value_info("input", input_type, list(input_shape))]
    if extra_input:
        inputs.append(helper.make_tensor_value_info("scale", TensorProto.FLOAT, [1]))
    graph = helper.make_graph(nodes, "tiny_retinaface", inputs, outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    if info is not None:
        helper.set_model_props(model, info.to_metadata_props())
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def with_metadata(source: Path, target: Path, edit: Callable[[dict[str, Any]], Any] | str) -> Path:
    """Copy an ONNX file with its metadata JSON changed by ``edit(document)`` (in place), or
    replaced by the raw text ``edit``."""
    model = onnx.load(str(source))
    for prop in model.metadata_props:
        if prop.key == METADATA_KEY:
            if isinstance(edit, str):
                prop.value = edit
            else:
                document = json.loads(prop.value)
                edit(document)
                prop.value = json.dumps(document)
            break
    else:
        raise ValueError(f"{source} has no {METADATA_KEY} metadata")
    onnx.save(model, str(target))
    return target


# -- devices -----------------------------------------------------------------------------------


class StallingCamera:
    """A camera whose driver hangs: frames at 25 fps until ``hang`` is set (or ``frames`` were
    delivered), then ``read`` blocks until the device comes back (``resume``) and returns None.
    A test double of the *device*; everything downstream of it is real."""

    live = True

    def __init__(self, frames: int | None = None) -> None:
        self.name, self.fps = "camera:0", 25.0
        self._images = sample_frames(8, (320, 240))
        self._left = frames
        self.hang = threading.Event()
        self.resume = threading.Event()
        self.blocked = threading.Event()
        self.closed = threading.Event()
        self.delivered = 0

    def read(self) -> Frame | None:
        if self.closed.is_set():
            raise CameraError("camera:0 is closed")
        if self._left is not None and self.delivered >= self._left:
            self.hang.set()
        if self.hang.is_set():
            self.blocked.set()
            self.resume.wait()
            return None
        time.sleep(1 / self.fps)
        self.delivered += 1
        return Frame(self._images[self.delivered % len(self._images)], self.delivered - 1, time.monotonic_ns(), 1.0)

    def close(self) -> None:
        self.closed.set()


# -- threads and resources ------------------------------------------------------------------------


class InferenceThread:
    """The core :class:`FrameLoop` on a thread: newest frame from ``mailbox`` → ``processor`` →
    sinks (a :class:`RecorderSink` for ``recorder``, then this object's own progress sink).

    Ends when stopped or when the mailbox is closed and empty. Every exception from ``process``
    is kept in ``errors`` and the loop goes on, as in the GUI worker; a sink the loop dropped is
    kept in ``sink_errors``.
    """

    def __init__(self, processor: FrameProcessor, mailbox: LatestMailbox[Frame], recorder: Recorder | None = None) -> None:
        self.processor = processor
        self.mailbox = mailbox
        self.recorder = recorder
        self.processed = 0
        self.errors: list[Exception] = []
        self.models: Counter[str] = Counter()
        self.last: ProcessedFrame | None = None
        self.finished = threading.Event()
        self._progress = threading.Condition()
        self._stop = threading.Event()
        sinks: list[Sink] = [RecorderSink(recorder)] if recorder is not None else []
        self.loop = FrameLoop(processor, mailbox, [*sinks, self], on_error=self._on_error)
        self._thread = threading.Thread(target=self._run, name="inference", daemon=True)

    @property
    def sink_errors(self) -> list[tuple[Sink, Exception]]:
        return self.loop.sink_errors

    def start(self) -> InferenceThread:
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            self.loop.run(self._stop)
        finally:
            self.finished.set()
            with self._progress:
                self._progress.notify_all()

    def _on_error(self, exc: Exception, frame: Frame) -> None:
        with self._progress:  # kept for the test to judge; the loop goes on
            self.errors.append(exc)
            self._progress.notify_all()

    def write(self, processed: ProcessedFrame) -> None:
        """The progress sink: counts and keeps the last frame."""
        with self._progress:
            self.processed += 1
            self.last = processed
            for result in processed.results:
                self.models[result.model_name] += 1
            self._progress.notify_all()

    def close(self) -> None:
        """Nothing to release."""

    def wait_until(self, predicate: Callable[[InferenceThread], bool], timeout: float = 60.0) -> bool:
        """Wait until ``predicate(self)`` holds (checked on every processed frame or error)."""
        with self._progress:
            return bool(self._progress.wait_for(lambda: predicate(self) or self.finished.is_set(), timeout)) and predicate(self)

    def wait_for_frames(self, count: int, timeout: float = 60.0) -> bool:
        target = self.processed + count
        with self._progress:
            return self._progress.wait_for(lambda: self.processed >= target or self.finished.is_set(), timeout) and self.processed >= target

    def stop(self, timeout: float = 10.0) -> bool:
        self._stop.set()
        self._thread.join(timeout)
        return not self._thread.is_alive()


def python_threads() -> list[str]:
    """Names of the live Python threads other than the main one. Foreign threads that once ran
    Python code (QThreads: ``Dummy-N``) are left out: Python keeps their entries after they end,
    and the window tests check QThreads themselves."""
    return sorted(
        t.name
        for t in threading.enumerate()
        if t is not threading.main_thread() and not isinstance(t, threading._DummyThread)  # type: ignore[attr-defined]
    )


def os_threads_settled(expected: int, timeout: float = 10.0) -> int:
    """This process's OS thread count once it is down to ``expected`` (or after ``timeout`` s).

    ``Thread.join`` returns a moment before the OS thread is gone, and native pools (FFmpeg,
    x264) wind down on their own, so a count taken right after a stop can be one too high.
    """
    process = psutil.Process()
    deadline = time.monotonic() + timeout
    while (count := process.num_threads()) > expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


def _malloc_trim() -> Callable[[], object] | None:
    """glibc's ``malloc_trim(0)``: hands freed heap pages back to the OS (None elsewhere)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return lambda: libc.malloc_trim(0)
    except (OSError, AttributeError):
        return None


@dataclass
class ResourceSampler:
    """Resident memory (MB) and OS thread count of this process, sampled on demand.

    With ``trim`` every sample first records the raw RSS (``raw_mb``), then asks glibc to return
    freed heap pages and records RSS again (``rss_mb``): memory that is merely cached by the
    allocator (each thread gets its own malloc arena) disappears, memory still referenced stays.
    """

    trim: bool = False
    process: psutil.Process = field(default_factory=psutil.Process)
    rss_mb: list[float] = field(default_factory=list)
    raw_mb: list[float] = field(default_factory=list)
    threads: list[int] = field(default_factory=list)

    def sample(self) -> tuple[float, int]:
        raw = self.process.memory_info().rss / 2**20
        trim = _malloc_trim() if self.trim else None
        if trim is not None:
            trim()
        rss = self.process.memory_info().rss / 2**20 if trim is not None else raw
        threads = self.process.num_threads()
        self.raw_mb.append(raw)
        self.rss_mb.append(rss)
        self.threads.append(threads)
        return rss, threads

    @staticmethod
    def _span(values: list[float]) -> str:
        return f"start {values[0]:.1f} MB, peak {max(values):.1f} MB, end {values[-1]:.1f} MB (growth {values[-1] - values[0]:+.1f} MB)"

    def summary(self) -> str:
        memory = f"RSS {self._span(self.rss_mb)}"
        if self.raw_mb != self.rss_mb:
            memory = f"RSS after malloc_trim {self._span(self.rss_mb)}; raw RSS {self._span(self.raw_mb)}"
        return f"{memory}; OS threads start {self.threads[0]}, peak {max(self.threads)}, end {self.threads[-1]}; {len(self.rss_mb)} samples"


def env_int(name: str, default: int) -> int:
    """A positive integer from the environment (selects the full form of a long test)."""
    import os

    text = os.environ.get(name, "").strip()
    if not text:
        return default
    value = int(text)
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {text!r}")
    return value


FRESH_PROCESS_ENV = "FEATHERFACE_IN_FRESH_PROCESS"


def in_fresh_process(request: Any) -> bool:
    """True inside the re-run. Otherwise run this same test again in a new interpreter, print its
    output, fail if it fails, and return False (the caller returns).

    RSS growth is only meaningful in a process that has not run the rest of the suite first: by
    then the heap is over 1 GB and fragments in steps of tens of megabytes.
    """
    if os.environ.get(FRESH_PROCESS_ENV):
        return True
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", request.node.nodeid]
    done = subprocess.run(command, cwd=request.config.rootpath, env={**os.environ, FRESH_PROCESS_ENV: "1"}, capture_output=True, text=True)
    print(done.stdout[-6000:])
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    return False

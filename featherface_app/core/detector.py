"""Run an ONNX face detector on BGR frames: pre-process, infer, decode, NMS — each timed.

:class:`FaceDetector` is what the rest of the app depends on (pipeline, bench, evaluation,
registry, GUI, CLI). :class:`OnnxFaceDetector` is its onnxruntime implementation: one session,
created once and kept warm, and the output decoder of the model's family
(:mod:`featherface_app.core.families`). Thresholds are passed per call so the GUI can change them
between frames without touching the session.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from . import families
from .detections import FaceDetections
from .errors import ModelLoadError, ModelMetadataError, ModelRunError
from .metadata import METADATA_KEY, ModelInfo, parse_metadata
from .nms import nms

log = logging.getLogger(__name__)

MAX_INPUT_SIDE = 4096

#: The app's thread policy (issue 13): every session runs on the calling thread alone (1 intra-op
#: thread, so no pool whose workers spin after ``run()`` returns and bill the next session, the
#: decoder or the GUI), and compare mode runs the two models at the same time on two threads
#: (:class:`~featherface_app.core.pipeline.FrameProcessor`). Measured on the 2-core target at
#: 640x480: V1 + V2 pairs/s 36.7 this way against 14.0 for per-session 2-thread pools run in turn
#: and 29.1 for one shared 2-thread pool. ``threads=0`` means this policy; a positive number gives
#: a session that many intra-op threads (spinning off) for experiments.
DEFAULT_THREADS = 1


@dataclass(frozen=True)
class DetectOptions:
    """Per-call settings. ``input_long_side`` None runs at the frame's own size (padded)."""

    confidence: float = 0.5
    nms_iou: float = 0.4
    input_long_side: int | None = 640
    pre_nms_top_k: int = 5000
    max_faces: int = 750


@dataclass(frozen=True)
class Detection:
    """Faces in frame pixels plus the milliseconds spent in each detector stage."""

    faces: FaceDetections
    preprocess_ms: float
    inference_ms: float
    postprocess_ms: float


class FaceDetector(Protocol):
    """A warm face detector: its display ``name``, the model facts in ``info``, the file it came
    from (``path``) and ``detect``, which reads ``frame`` (BGR uint8) without mutating it."""

    @property
    def name(self) -> str: ...

    @property
    def info(self) -> ModelInfo: ...

    @property
    def path(self) -> Path: ...

    def detect(self, frame: npt.NDArray[np.uint8], options: DetectOptions = ...) -> Detection: ...


def _first_line(exc: BaseException) -> str:
    """The first line of an (often very long) onnxruntime message, or the exception's type."""
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def load_session(path: Path, threads: int = 0) -> tuple[ort.InferenceSession, ModelInfo, families.Decoder]:
    """Open an ONNX file on the CPU provider, read its model contract, pick its family's decoder.
    ``threads`` 0 is the app's policy (:data:`DEFAULT_THREADS`, no spinning).

    Raises :class:`ModelLoadError` / :class:`ModelMetadataError` whose message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelLoadError(f"{path.name}: model file not found ({path})")
    if path.stat().st_size == 0:
        raise ModelLoadError(f"{path.name}: the model file is empty")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads if threads > 0 else DEFAULT_THREADS
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several private exception types
        raise ModelLoadError(f"{path.name}: not a loadable ONNX model ({_first_line(exc)})") from exc
    try:
        meta = session.get_modelmeta().custom_metadata_map
        info = parse_metadata(meta[METADATA_KEY]) if METADATA_KEY in meta else families.identify(path.stem, session)
        decoder = families.check(info, session, path.name)
    except ModelMetadataError as exc:
        raise ModelMetadataError(f"{path.name}: {exc}") from exc
    return session, info, decoder


def load_detector(path: Path | str, threads: int = 0, warm_up: bool = True) -> FaceDetector:
    """The one way the app opens a model file: a warm detector of the file's family; raises
    :class:`ModelLoadError` / :class:`ModelMetadataError` naming the file."""
    return OnnxFaceDetector(path, threads=threads, warm_up=warm_up)


class OnnxFaceDetector:
    """A warm onnxruntime session plus the model's pre/post-processing (a :class:`FaceDetector`).

    ``detect`` is re-entrant for different detectors but one detector should be driven by one
    thread at a time (the inference worker); all arguments are read, never mutated.
    """

    def __init__(self, path: Path | str, threads: int = 0, warm_up: bool = True) -> None:
        self.path = Path(path)
        self.session, self.info, self.decoder = load_session(self.path, threads)
        self._inv_std = 1.0 / np.array(self.info.std, dtype=np.float32)
        self._scale_channels = bool(np.any(self._inv_std != 1.0))
        # the mean per tensor plane, in the model's colour order (metadata gives it in that order)
        self._mean = np.array(self.info.mean, dtype=np.float32)
        self._buffers = threading.local()
        if warm_up:
            self.warm_up()

    @property
    def name(self) -> str:
        return self.info.name

    def warm_up(self) -> None:
        """One run at a typical size so the first real frame is not slow; checks the model runs."""
        try:
            self.detect(np.zeros((480, 640, 3), np.uint8))
        except Exception as exc:
            raise ModelLoadError(f"{self.path.name}: the model fails on a test frame ({exc})") from exc

    @staticmethod
    def _to_bgr(frame: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        if frame.ndim == 2:
            return np.asarray(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
        if frame.ndim == 3 and frame.shape[2] == 4:
            return np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR), dtype=np.uint8)
        return frame

    def preprocess(self, frame: npt.NDArray[np.uint8], input_long_side: int | None) -> tuple[npt.NDArray[np.float32], float]:
        """BGR/gray uint8 frame → padded NCHW float32 tensor, and the resize factor applied.

        Resize, padding and mean subtraction in one pass: each colour plane minus its mean is
        written straight into the tensor, whose padding stays zero (the mean colour after
        subtraction) — bit-identical to ``blobFromImage`` of the mean-padded image. The tensor is
        this thread's reused buffer: valid until this thread's next call.
        """
        frame = self._to_bgr(frame)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.shape[0] < 1 or frame.shape[1] < 1:
            raise ValueError(f"expected an HxWx3 BGR frame, got shape {frame.shape}")
        height, width = frame.shape[:2]
        long_side = input_long_side or max(height, width)
        long_side = min(long_side, MAX_INPUT_SIDE)
        scale = long_side / max(height, width)
        if abs(scale - 1.0) > 1e-6:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            frame = np.asarray(cv2.resize(frame, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR), dtype=np.uint8)
        multiple = self.info.size_multiple
        h, w = frame.shape[:2]
        padded_h, padded_w = max(multiple, math.ceil(h / multiple) * multiple), max(multiple, math.ceil(w / multiple) * multiple)
        tensor, planes = self._buffers_for(h, w, padded_h, padded_w)
        cv2.split(frame, planes)
        order = (2, 1, 0) if self.info.color_order == "RGB" else (0, 1, 2)
        for plane, channel in enumerate(order):
            picture = tensor[0, plane, :h, :w]
            cv2.subtract(planes[channel], float(self._mean[plane]), dst=picture, dtype=cv2.CV_32F)  # type: ignore[call-overload]  # a scalar src2 (stubs want an array)
            if self._scale_channels:
                picture *= self._inv_std[plane]
        return tensor, scale

    def _buffers_for(self, h: int, w: int, padded_h: int, padded_w: int) -> tuple[npt.NDArray[np.float32], list[npt.NDArray[np.uint8]]]:
        """This thread's input tensor for an ``h`` x ``w`` picture padded to ``padded_h`` x
        ``padded_w`` (its padding is zero and stays so: only the picture area is written) and
        three ``h`` x ``w`` colour planes."""
        key = (h, w, padded_h, padded_w)
        held = getattr(self._buffers, "held", None)
        if held is None or held[0] != key:
            held = (key, np.zeros((1, 3, padded_h, padded_w), np.float32), [np.empty((h, w), np.uint8) for _ in range(3)])
            self._buffers.held = held
        return held[1], held[2]

    def infer(self, tensor: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.float32], ...]:
        """Raw outputs in the decoder's order, each with the batch axis removed."""
        outputs = self.session.run(self.decoder.output_names, {self.info.input_name: tensor})
        return tuple(np.asarray(o[0], dtype=np.float32) for o in outputs)

    def postprocess(
        self,
        raw: tuple[npt.NDArray[np.float32], ...],
        input_hw: tuple[int, int],
        scale: float,
        frame_hw: tuple[int, int],
        options: DetectOptions,
    ) -> FaceDetections:
        found = self.decoder.decode(list(raw), input_hw, scale, options.pre_nms_top_k, options.confidence)
        if found is None:
            return FaceDetections.empty()
        xyxy, points, conf = found
        frame_h, frame_w = frame_hw
        np.clip(xyxy, 0, [frame_w, frame_h, frame_w, frame_h], out=xyxy)
        finite = np.isfinite(xyxy).all(axis=1) & np.isfinite(points).all(axis=(1, 2)) & np.isfinite(conf)
        xyxy, points, conf = xyxy[finite], points[finite], conf[finite]
        keep = nms(xyxy, conf, options.nms_iou)[: options.max_faces]
        return FaceDetections(xyxy[keep], conf[keep], points[keep])

    def detect(self, frame: npt.NDArray[np.uint8], options: DetectOptions = DetectOptions()) -> Detection:
        t0 = time.perf_counter()
        tensor, scale = self.preprocess(frame, options.input_long_side)
        t1 = time.perf_counter()
        try:
            raw = self.infer(tensor)
        except Exception as exc:  # onnxruntime's private exception types: name the file and the input
            height, width = tensor.shape[2:4]
            raise ModelRunError(f"{self.path.name}: inference failed on a {width}x{height} input ({_first_line(exc)})") from exc
        t2 = time.perf_counter()
        faces = self.postprocess(raw, tensor.shape[2:4], scale, frame.shape[:2], options)
        t3 = time.perf_counter()
        return Detection(faces, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3)

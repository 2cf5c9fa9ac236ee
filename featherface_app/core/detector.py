"""Run a RetinaFace-family ONNX model on BGR frames: pre-process, infer, decode, NMS — each timed.

One :class:`OnnxFaceDetector` owns one onnxruntime session, created once and kept warm. Thresholds
are passed per call so the GUI can change them between frames without touching the session.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from .anchors import decode_boxes, decode_landmarks, prior_boxes
from .detections import FaceDetections
from .errors import ModelLoadError, ModelMetadataError, ModelRunError
from .metadata import METADATA_KEY, OUTPUT_ROLES, OUTPUT_WIDTHS, ModelInfo, parse_metadata
from .nms import nms

log = logging.getLogger(__name__)

MAX_INPUT_SIDE = 4096


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


def _first_line(exc: BaseException) -> str:
    """The first line of an (often very long) onnxruntime message, or the exception's type."""
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _identify_outputs(outputs: list[ort.NodeArg]) -> dict[str, str]:
    """Map roles to output names by last dimension, for exports that carry no metadata."""
    by_width: dict[str, str] = {}
    for node in outputs:
        shape = node.shape
        width = shape[-1] if shape else None
        for role, expected in OUTPUT_WIDTHS.items():
            if width == expected and role not in by_width:
                by_width[role] = node.name
    missing = [r for r in OUTPUT_ROLES if r not in by_width]
    if missing:
        found = ", ".join(f"{o.name}{o.shape}" for o in outputs)
        raise ModelMetadataError(f"cannot identify outputs {missing} by last dimension among: {found}")
    return by_width


def _check_against_session(info: ModelInfo, session: ort.InferenceSession) -> None:
    inputs = {i.name: i for i in session.get_inputs()}
    if info.input_name not in inputs:
        raise ModelMetadataError(f"metadata names input '{info.input_name}', the model has {sorted(inputs)}")
    inp = inputs[info.input_name]
    if len(inp.shape) != 4 or inp.type != "tensor(float)":
        raise ModelMetadataError(f"input '{inp.name}' must be a float32 4-D tensor, got {inp.type} {inp.shape}")
    if isinstance(inp.shape[1], int) and inp.shape[1] != 3:
        raise ModelMetadataError(f"input '{inp.name}' must have 3 channels, got {inp.shape[1]}")
    outputs = {o.name: o for o in session.get_outputs()}
    for role, name in info.output_names.items():
        if name not in outputs:
            raise ModelMetadataError(f"metadata names output '{name}' for {role}, the model has {sorted(outputs)}")
        shape = outputs[name].shape
        if len(shape) != 3 or (isinstance(shape[-1], int) and shape[-1] != OUTPUT_WIDTHS[role]):
            raise ModelMetadataError(f"output '{name}' ({role}) must be [1, N, {OUTPUT_WIDTHS[role]}], got {shape}")


def load_session(path: Path, threads: int = 0) -> tuple[ort.InferenceSession, ModelInfo]:
    """Open an ONNX file on the CPU provider and read its model contract.

    Raises :class:`ModelLoadError` / :class:`ModelMetadataError` whose message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelLoadError(f"{path.name}: model file not found ({path})")
    if path.stat().st_size == 0:
        raise ModelLoadError(f"{path.name}: the model file is empty")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several private exception types
        raise ModelLoadError(f"{path.name}: not a loadable ONNX model ({_first_line(exc)})") from exc
    try:
        meta = session.get_modelmeta().custom_metadata_map
        if METADATA_KEY in meta:
            info = parse_metadata(meta[METADATA_KEY])
        else:
            info = ModelInfo(
                name=path.stem,
                variant="foreign",
                input_name=session.get_inputs()[0].name,
                output_names=_identify_outputs(session.get_outputs()),
                from_metadata=False,
            )
        _check_against_session(info, session)
    except ModelMetadataError as exc:
        raise ModelMetadataError(f"{path.name}: {exc}") from exc
    return session, info


class OnnxFaceDetector:
    """A warm onnxruntime session plus the model's pre/post-processing.

    ``detect`` is re-entrant for different detectors but one detector should be driven by one
    thread at a time (the inference worker); all arguments are read, never mutated.
    """

    def __init__(self, path: Path | str, threads: int = 0, warm_up: bool = True) -> None:
        self.path = Path(path)
        self.session, self.info = load_session(self.path, threads)
        self._output_order = [self.info.output_names[r] for r in OUTPUT_ROLES]
        self._inv_std = 1.0 / np.array(self.info.std, dtype=np.float32)
        self._scale_channels = bool(np.any(self._inv_std != 1.0))
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

    def preprocess(self, frame: npt.NDArray[np.uint8], input_long_side: int | None) -> tuple[npt.NDArray[np.float32], float]:
        """BGR/gray uint8 frame → padded NCHW float32 tensor, and the resize factor applied."""
        if frame.ndim == 2:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        elif frame.ndim == 3 and frame.shape[2] == 4:
            frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.shape[0] < 1 or frame.shape[1] < 1:
            raise ValueError(f"expected an HxWx3 BGR frame, got shape {frame.shape}")
        height, width = frame.shape[:2]
        long_side = input_long_side or max(height, width)
        long_side = min(long_side, MAX_INPUT_SIDE)
        scale = long_side / max(height, width)
        if abs(scale - 1.0) > 1e-6:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        multiple = self.info.size_multiple
        h, w = frame.shape[:2]
        padded_h, padded_w = max(multiple, math.ceil(h / multiple) * multiple), max(multiple, math.ceil(w / multiple) * multiple)
        rgb = self.info.color_order == "RGB"
        # pad with the mean colour so the padding is exactly zero after mean subtraction
        border = tuple(float(v) for v in (self.info.mean[::-1] if rgb else self.info.mean))
        frame = cv2.copyMakeBorder(frame, 0, padded_h - h, 0, padded_w - w, cv2.BORDER_CONSTANT, value=border)
        tensor = cv2.dnn.blobFromImage(frame, 1.0, None, self.info.mean, swapRB=rgb, crop=False)
        if self._scale_channels:
            tensor *= self._inv_std[None, :, None, None]
        return tensor, scale

    def infer(self, tensor: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.float32], ...]:
        """Raw outputs (boxes, scores, landmarks), each with the batch axis removed."""
        outputs = self.session.run(self._output_order, {self.info.input_name: tensor})
        return tuple(np.asarray(o[0], dtype=np.float32) for o in outputs)

    def postprocess(
        self,
        raw: tuple[npt.NDArray[np.float32], ...],
        input_hw: tuple[int, int],
        scale: float,
        frame_hw: tuple[int, int],
        options: DetectOptions,
    ) -> FaceDetections:
        box_deltas, scores, landmark_deltas = raw
        height, width = input_hw
        priors = prior_boxes(self.info.anchors, height, width)
        if len(priors) != len(scores):
            raise ModelMetadataError(
                f"{self.path.name}: model gave {len(scores)} predictions, its anchor metadata implies {len(priors)}"
            )
        face_scores = scores[:, 1]
        candidates = np.flatnonzero(face_scores > options.confidence)
        if candidates.size > options.pre_nms_top_k:
            candidates = candidates[np.argsort(-face_scores[candidates])[: options.pre_nms_top_k]]
        if candidates.size == 0:
            return FaceDetections.empty()
        variances = self.info.anchors.variances
        picked_priors = priors[candidates]
        to_pixels = np.array([width, height], dtype=np.float32) / scale
        xyxy = decode_boxes(box_deltas[candidates], picked_priors, variances) * np.tile(to_pixels, 2)
        points = decode_landmarks(landmark_deltas[candidates], picked_priors, variances) * to_pixels
        frame_h, frame_w = frame_hw
        np.clip(xyxy, 0, [frame_w, frame_h, frame_w, frame_h], out=xyxy)
        conf = face_scores[candidates]
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

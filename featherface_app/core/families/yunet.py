"""The YuNet family (OpenCV's ``FaceDetectorYN``): no anchors, one prior per location at strides
8/16/32 with outputs ``cls_S`` / ``obj_S`` [1, N, 1], ``bbox_S`` [1, N, 4], ``kps_S`` [1, N, 10].

Decoding follows OpenCV's ``face_detect.cpp``: score = sqrt(cls x obj) (both already in 0..1);
centre = (column + dx, row + dy) x stride; size = exp(dw, dh) x stride; landmark k =
(column + dx_k, row + dy_k) x stride. Input: BGR 0..255, no mean subtraction, sides multiples
of 32. Files are recognised by their output names.
"""

from __future__ import annotations

import numpy as np
import onnxruntime as ort

from ..errors import ModelMetadataError
from ..metadata import ModelInfo
from . import Candidates, FloatArray

NAME = "yunet"
DISPLAY_NAME = "YuNet"
SIGNATURE = "cls/obj/bbox/kps outputs at strides 8/16/32"
STRIDES = (8, 16, 32)
HEADS = {"cls": 1, "obj": 1, "bbox": 4, "kps": 10}
ROLES = tuple(f"{head}_{stride}" for stride in STRIDES for head in HEADS)
#: YuNet's landmark k taken as our landmark i (both list the eye on the image's left first,
#: then the other eye, nose tip, mouth corner on the image's left, the other one).
LANDMARK_ORDER = (0, 1, 2, 3, 4)


def matches(outputs: list[ort.NodeArg]) -> bool:
    return set(ROLES) <= {o.name for o in outputs}


def info_without_metadata(name: str, session: ort.InferenceSession) -> ModelInfo:
    return ModelInfo(
        name=name,
        variant="yunet",
        family=NAME,
        input_name=session.get_inputs()[0].name,
        mean=(0.0, 0.0, 0.0),
        output_names={role: role for role in ROLES},
        from_metadata=False,
    )


def check_outputs(info: ModelInfo, outputs: dict[str, ort.NodeArg]) -> None:
    for role in ROLES:
        name = info.output_names.get(role)
        if name is None or name not in outputs:
            raise ModelMetadataError(f"YuNet output '{role}' is missing (the model has {len(outputs)} outputs)")
        shape = outputs[name].shape
        width = HEADS[role.partition("_")[0]]
        if len(shape) != 3 or (isinstance(shape[-1], int) and shape[-1] != width):
            raise ModelMetadataError(f"output '{name}' ({role}) must be [1, N, {width}], got {shape}")


class Decoder:
    """Prior-free decoding of one YuNet model."""

    def __init__(self, info: ModelInfo, file_name: str) -> None:
        self.info = info
        self.file_name = file_name
        self.output_names = [info.output_names[r] for r in ROLES]

    def decode(self, raw: list[FloatArray], input_hw: tuple[int, int], scale: float, pre_nms_top_k: int, confidence: float) -> Candidates | None:
        """Faces above ``confidence`` in frame pixels (boxes not yet clipped); None when none."""
        height, width = input_hw
        outputs = dict(zip(ROLES, raw))
        boxes, points, scores = [], [], []
        for stride in STRIDES:
            rows, cols = height // stride, width // stride
            cls, obj = outputs[f"cls_{stride}"], outputs[f"obj_{stride}"]
            if len(cls) != rows * cols or len(obj) != rows * cols:
                raise ModelMetadataError(f"{self.file_name}: stride {stride} gave {len(cls)} predictions, a {width}x{height} input implies {rows * cols}")
            score = np.sqrt(np.clip(cls[:, 0], 0, 1) * np.clip(obj[:, 0], 0, 1))
            keep = np.flatnonzero(score > confidence)
            if keep.size == 0:
                continue
            grid = np.stack([keep % cols, keep // cols], axis=1).astype(np.float32)
            bbox = outputs[f"bbox_{stride}"][keep]
            centre = (grid + bbox[:, :2]) * stride
            size = np.exp(np.clip(bbox[:, 2:], -10.0, 10.0)) * stride
            boxes.append(np.concatenate([centre - size / 2, centre + size / 2], axis=1))
            kps = outputs[f"kps_{stride}"][keep].reshape(-1, 5, 2)
            points.append(((grid[:, None, :] + kps) * stride)[:, list(LANDMARK_ORDER)])
            scores.append(score[keep])
        if not scores:
            return None
        conf = np.concatenate(scores).astype(np.float32)
        xyxy = (np.concatenate(boxes) / scale).astype(np.float32)
        landmarks = (np.concatenate(points) / scale).astype(np.float32)
        if conf.size > pre_nms_top_k:
            top = np.argsort(-conf)[:pre_nms_top_k]
            xyxy, landmarks, conf = xyxy[top], landmarks[top], conf[top]
        return xyxy, landmarks, conf

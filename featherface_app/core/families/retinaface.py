"""The RetinaFace family: anchors at strides 8/16/32, outputs box deltas [1, N, 4], softmaxed
scores [1, N, 2] and landmark deltas [1, N, 10] (our V1/V2, the teacher, foreign exports).

Files without our metadata are recognised by the last dimension of their three outputs.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from ..anchors import decode_boxes, decode_landmarks, prior_boxes
from ..errors import ModelMetadataError
from ..metadata import OUTPUT_ROLES, OUTPUT_WIDTHS, ModelInfo
from . import Candidates, FloatArray

NAME = "retinaface"
DISPLAY_NAME = "RetinaFace"
SIGNATURE = "box, score and landmark outputs [1, N, 4 / 2 / 10]"


def identify_outputs(outputs: list[ort.NodeArg]) -> dict[str, str]:
    """Map roles to output names by last dimension, for exports that carry no metadata;
    raises :class:`ModelMetadataError` naming the roles that are missing."""
    by_width: dict[str, str] = {}
    for node in outputs:
        shape = node.shape
        width = shape[-1] if shape else None
        for role, expected in OUTPUT_WIDTHS.items():
            if width == expected and role not in by_width:
                by_width[role] = node.name
    missing = [r for r in OUTPUT_ROLES if r not in by_width]
    if missing:
        raise ModelMetadataError(f"cannot identify outputs {missing} by last dimension")
    return by_width


def matches(outputs: list[ort.NodeArg]) -> bool:
    try:
        identify_outputs(outputs)
    except ModelMetadataError:
        return False
    return True


def info_without_metadata(name: str, session: ort.InferenceSession) -> ModelInfo:
    return ModelInfo(
        name=name,
        variant="foreign",
        input_name=session.get_inputs()[0].name,
        output_names=identify_outputs(session.get_outputs()),
        from_metadata=False,
    )


def check_outputs(info: ModelInfo, outputs: dict[str, ort.NodeArg]) -> None:
    for role, name in info.output_names.items():
        if name not in outputs:
            raise ModelMetadataError(f"metadata names output '{name}' for {role}, the model has {sorted(outputs)}")
        shape = outputs[name].shape
        if len(shape) != 3 or (isinstance(shape[-1], int) and shape[-1] != OUTPUT_WIDTHS[role]):
            raise ModelMetadataError(f"output '{name}' ({role}) must be [1, N, {OUTPUT_WIDTHS[role]}], got {shape}")


class Decoder:
    """Anchor decoding of one RetinaFace-family model (boxes, landmarks, face scores)."""

    def __init__(self, info: ModelInfo, file_name: str) -> None:
        self.info = info
        self.file_name = file_name
        self.output_names = [info.output_names[r] for r in OUTPUT_ROLES]

    def decode(self, raw: list[FloatArray], input_hw: tuple[int, int], scale: float, pre_nms_top_k: int, confidence: float) -> Candidates | None:
        """Faces above ``confidence`` in frame pixels (boxes not yet clipped); None when none."""
        box_deltas, scores, landmark_deltas = raw
        height, width = input_hw
        priors = prior_boxes(self.info.anchors, height, width)
        if len(priors) != len(scores):
            raise ModelMetadataError(f"{self.file_name}: model gave {len(scores)} predictions, its anchor metadata implies {len(priors)}")
        face_scores = scores[:, 1]
        candidates = np.flatnonzero(face_scores > confidence)
        if candidates.size > pre_nms_top_k:
            candidates = candidates[np.argsort(-face_scores[candidates])[:pre_nms_top_k]]
        if candidates.size == 0:
            return None
        variances = self.info.anchors.variances
        picked_priors = priors[candidates]
        to_pixels = np.array([width, height], dtype=np.float32) / scale
        xyxy: npt.NDArray[np.float32] = decode_boxes(box_deltas[candidates], picked_priors, variances) * np.tile(to_pixels, 2)
        points: npt.NDArray[np.float32] = decode_landmarks(landmark_deltas[candidates], picked_priors, variances) * to_pixels
        return xyxy, points, face_scores[candidates]

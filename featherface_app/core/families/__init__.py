"""Model families: one output decoder per family, chosen from the metadata's ``family`` or, for a
file without metadata, from its output signature.

A family module offers ``NAME``, ``DISPLAY_NAME``, ``SIGNATURE`` (for the refusal sentence),
``matches(outputs)``, ``info_without_metadata(name, session)``, ``check_outputs(info, outputs)``
and ``Decoder(info, file_name)`` with ``output_names`` and ``decode(...)``. Adding a family means
one new module here and one entry in :func:`families`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Protocol

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from ..errors import ModelMetadataError
from ..metadata import ModelInfo

FloatArray = npt.NDArray[np.float32]
#: boxes (n, 4) xyxy, landmarks (n, 5, 2), scores (n,), in frame pixels.
Candidates = tuple[FloatArray, FloatArray, FloatArray]


class Decoder(Protocol):
    """Turns one model's raw outputs (batch axis removed, in ``output_names`` order) into faces."""

    output_names: list[str]

    def decode(self, raw: list[FloatArray], input_hw: tuple[int, int], scale: float, pre_nms_top_k: int, confidence: float) -> Candidates | None: ...


def families() -> tuple[ModuleType, ...]:
    """The supported families, in the order a file without metadata is tried against them."""
    from . import retinaface, yunet

    return (retinaface, yunet)


def supported() -> str:
    return ", ".join(f"{f.DISPLAY_NAME} ({f.SIGNATURE})" for f in families())


def by_name(name: str) -> ModuleType:
    for family in families():
        if family.NAME == name:
            return family
    raise ModelMetadataError(f"model family '{name:.40}' is not supported; this app runs {supported()}")


def identify(name: str, session: ort.InferenceSession) -> ModelInfo:
    """The :class:`ModelInfo` of a file without metadata, from its output signature; a file of
    no known family is refused in one sentence naming the supported ones."""
    outputs = session.get_outputs()
    for family in families():
        if family.matches(outputs):
            info: ModelInfo = family.info_without_metadata(name, session)
            return info
    from . import retinaface

    try:
        retinaface.identify_outputs(outputs)
    except ModelMetadataError as exc:  # always: a match would have returned above
        near_miss = exc
    raise ModelMetadataError(f"not a face detector of a supported family ({near_miss}); this app runs {supported()}")


def check(info: ModelInfo, session: ort.InferenceSession, file_name: str) -> Decoder:
    """Cross-check ``info`` against the session's real inputs and outputs; the family's decoder."""
    family = by_name(info.family)
    inputs = {i.name: i for i in session.get_inputs()}
    if info.input_name not in inputs:
        raise ModelMetadataError(f"metadata names input '{info.input_name}', the model has {sorted(inputs)}")
    inp = inputs[info.input_name]
    if len(inp.shape) != 4 or inp.type != "tensor(float)":
        raise ModelMetadataError(f"input '{inp.name}' must be a float32 4-D tensor, got {inp.type} {inp.shape}")
    if isinstance(inp.shape[1], int) and inp.shape[1] != 3:
        raise ModelMetadataError(f"input '{inp.name}' must have 3 channels, got {inp.shape[1]}")
    family.check_outputs(info, {o.name: o for o in session.get_outputs()})
    decoder: Decoder = family.Decoder(info, file_name)
    return decoder

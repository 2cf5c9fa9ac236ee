"""The model file contract: one JSON document in the ONNX ``metadata_props`` under one key.

Parsing never evaluates anything and never trusts a field without checking its type and range;
every problem becomes a :class:`ModelMetadataError` naming the field.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from .anchors import AnchorConfig
from .errors import ModelMetadataError

METADATA_KEY = "featherface"
SCHEMA_VERSION = 1
OUTPUT_ROLES = ("boxes", "scores", "landmarks")
#: last dimension of each output role; used to identify foreign exports that carry no metadata.
OUTPUT_WIDTHS = {"boxes": 4, "scores": 2, "landmarks": 10}
#: ``provenance[DATA_TERMS_KEY]``: the terms the training data puts on the weights. Inside the
#: free-form provenance, so files with it still parse in older apps and files without it here.
DATA_TERMS_KEY = "data_terms"
WIDER_FACE_DATA_TERMS = (
    "Trained on WIDER FACE (Yang, Luo, Loy and Tang, CVPR 2016), which is released for non-commercial "
    "research purposes only; these weights are for non-commercial research use only."
)


@dataclass(frozen=True)
class ModelInfo:
    """Everything the app needs to run a model, read from its ONNX file; ``family`` picks the
    output decoder (``retinaface`` or ``yunet``, see :mod:`featherface_app.core.families`)."""

    name: str
    variant: str
    family: str = "retinaface"
    version: str = "unknown"
    parameters: int | None = None
    input_name: str = "input"
    color_order: str = "BGR"
    mean: tuple[float, float, float] = (104.0, 117.0, 123.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    size_multiple: int = 32
    output_names: dict[str, str] = field(default_factory=lambda: {r: r for r in OUTPUT_ROLES})
    anchors: AnchorConfig = field(default_factory=AnchorConfig)
    confidence_threshold: float = 0.5
    nms_iou_threshold: float = 0.4
    provenance: dict[str, Any] = field(default_factory=dict)
    from_metadata: bool = True

    @property
    def data_terms(self) -> str | None:
        """The training data's terms on these weights, when the file states them."""
        value = self.provenance.get(DATA_TERMS_KEY)
        return value[:1000] if isinstance(value, str) else None

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "name": self.name,
            "variant": self.variant,
            "family": self.family,
            "version": self.version,
            "parameters": self.parameters,
            "input": {
                "name": self.input_name,
                "layout": "NCHW",
                "color_order": self.color_order,
                "mean": list(self.mean),
                "std": list(self.std),
                "size_multiple": self.size_multiple,
            },
            "outputs": dict(self.output_names),
            "anchors": self.anchors.to_json(),
            "defaults": {"confidence": self.confidence_threshold, "nms_iou": self.nms_iou_threshold},
            "provenance": self.provenance,
        }

    def to_metadata_props(self) -> dict[str, str]:
        return {METADATA_KEY: json.dumps(self.to_json(), sort_keys=True)}


def _require(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in data:
        raise ModelMetadataError(f"metadata field '{where}{key}' is missing")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind in (int, float, (int, float)):
        raise ModelMetadataError(f"metadata field '{where}{key}' has type {type(value).__name__}")
    return value


def _finite_number(value: Any) -> bool:
    """A JSON number that fits a float and is finite (``10**400`` overflows ``math.isfinite``)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _triple(value: Any, where: str, positive: bool) -> tuple[float, float, float]:
    if not isinstance(value, list) or len(value) != 3 or not all(_finite_number(v) for v in value):
        raise ModelMetadataError(f"metadata field '{where}' must be a list of three finite numbers, got {value!r:.80}")
    if positive and not all(v > 0 for v in value):
        raise ModelMetadataError(f"metadata field '{where}' must be positive, got {value!r:.80}")
    return (float(value[0]), float(value[1]), float(value[2]))


def _threshold(value: Any, where: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
        raise ModelMetadataError(f"metadata field '{where}' must be a number in [0, 1], got {value!r:.80}")
    return float(value)


def parse_metadata(text: str) -> ModelInfo:
    """Parse the JSON document stored under :data:`METADATA_KEY`.

    Raises :class:`ModelMetadataError` for anything malformed; never another exception type.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ModelMetadataError(f"metadata is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelMetadataError(f"metadata must be a JSON object, got {type(data).__name__}")
    schema = _require(data, "schema", int, "")
    if schema != SCHEMA_VERSION:
        raise ModelMetadataError(f"metadata schema {schema} is not supported (this app reads {SCHEMA_VERSION})")
    name = _require(data, "name", str, "")
    variant = _require(data, "variant", str, "")
    version = data.get("version", "unknown")
    parameters = data.get("parameters")
    if parameters is not None and (not isinstance(parameters, int) or isinstance(parameters, bool) or parameters < 0):
        raise ModelMetadataError(f"metadata field 'parameters' must be a non-negative integer, got {parameters!r:.80}")
    inp = _require(data, "input", dict, "")
    input_name = _require(inp, "name", str, "input.")
    layout = inp.get("layout", "NCHW")
    if layout != "NCHW":
        raise ModelMetadataError(f"metadata field 'input.layout' is {layout!r:.40}; only NCHW is supported")
    color_order = inp.get("color_order", "BGR")
    if color_order not in ("BGR", "RGB"):
        raise ModelMetadataError(f"metadata field 'input.color_order' must be BGR or RGB, got {color_order!r:.40}")
    mean = _triple(inp.get("mean", [0, 0, 0]), "input.mean", positive=False)
    std = _triple(inp.get("std", [1, 1, 1]), "input.std", positive=True)
    size_multiple = inp.get("size_multiple", 32)
    if not isinstance(size_multiple, int) or isinstance(size_multiple, bool) or not 1 <= size_multiple <= 256:
        raise ModelMetadataError(f"metadata field 'input.size_multiple' must be an integer in 1..256, got {size_multiple!r:.40}")
    family = data.get("family", "retinaface")
    if not isinstance(family, str):
        raise ModelMetadataError(f"metadata field 'family' has type {type(family).__name__}")
    outputs = _require(data, "outputs", dict, "")
    output_names: dict[str, str] = {}
    roles = OUTPUT_ROLES if family == "retinaface" else tuple(outputs)
    for role in roles:
        output_names[str(role)] = _require(outputs, role, str, "outputs.")
    anchors = AnchorConfig()
    if family == "retinaface":  # the other families have no anchors
        anchors_json = _require(data, "anchors", dict, "")
        try:
            anchors = AnchorConfig.from_json(anchors_json)
        except ValueError as exc:
            raise ModelMetadataError(f"metadata field 'anchors': {exc}") from exc
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ModelMetadataError("metadata field 'defaults' must be an object")
    provenance = data.get("provenance", {})
    return ModelInfo(
        name=name[:200],
        variant=variant[:100],
        family=family[:40],
        version=str(version)[:100],
        parameters=parameters,
        input_name=input_name,
        color_order=color_order,
        mean=mean,
        std=std,
        size_multiple=size_multiple,
        output_names=output_names,
        anchors=anchors,
        confidence_threshold=_threshold(defaults.get("confidence", 0.5), "defaults.confidence"),
        nms_iou_threshold=_threshold(defaults.get("nms_iou", 0.4), "defaults.nms_iou"),
        provenance=provenance if isinstance(provenance, dict) else {},
    )
